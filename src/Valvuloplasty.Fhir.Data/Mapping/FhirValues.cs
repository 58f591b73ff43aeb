using System.Globalization;
using Valvuloplasty.Fhir.Data.Fhir;

namespace Valvuloplasty.Fhir.Data.Mapping;

/// <summary>
/// How the mapper reads the elements of a <see cref="RecordItem"/>: dates with their precision, codings, labels and
/// references. Values arrive as written; anything unusable reads as null.
/// </summary>
internal static class FhirValues
{
    /// <summary>
    /// A FHIR date, dateTime or instant as the rules read it. <paramref name="At"/> is the latest instant its precision
    /// allows (docs/clinical-rules.md §2: a partial date counts at its latest), <paramref name="Earliest"/> the first;
    /// <paramref name="Partial"/> holds the text of a partial date (<c>2026</c>, <c>2026-03</c>). A date without a time
    /// stands for its day, at 00:00 UTC.
    /// </summary>
    public readonly record struct FhirWhen(DateTimeOffset At, DateTimeOffset Earliest, string? Partial);

    /// <summary>A dateTime, instant, date or Period (its end, else its start) read as <see cref="FhirWhen"/>; null when unreadable.</summary>
    public static FhirWhen? When(FhirTime? time) => time?.Kind switch
    {
        FhirTimeKind.DateTime => FromText(time.Text),
        FhirTimeKind.Instant => time.Instant is { } at ? new FhirWhen(at, at, null) : FromText(time.Text),
        FhirTimeKind.Period => FromText(time.End) ?? FromText(time.Start),
        _ => null,
    };

    /// <summary>A dateTime or date element written as text (recordedDate, birthDate).</summary>
    public static FhirWhen? When(string? text) => FromText(text);

    /// <summary>The instant a time stands for (<see cref="FhirWhen.At"/>), or null.</summary>
    public static DateTimeOffset? Instant(FhirTime? time) => When(time)?.At;

    /// <summary>The start of a Period, or the instant of a dateTime.</summary>
    public static DateTimeOffset? Start(FhirTime? time) =>
        time?.Kind == FhirTimeKind.Period ? (FromText(time.Start) ?? FromText(time.End))?.At : Instant(time);

    /// <summary>Dates already read (the measurements of one echo study share theirs); bounded.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, FhirWhen?> Read = new(StringComparer.Ordinal);

    private static FhirWhen? FromText(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (Read.TryGetValue(text, out var known))
        {
            return known;
        }

        var when = Parse(text);
        if (Read.Count < 20_000)
        {
            Read.TryAdd(text, when);
        }

        return when;
    }

    private static FhirWhen? Parse(string text)
    {
        if (text.Length > 10 && new Hl7.Fhir.Model.FhirDateTime(text).TryToDateTimeOffset(out var at))
        {
            return new FhirWhen(at, at, null);
        }

        if (ParseDate(text) is not { } first)
        {
            return null;
        }

        var precision = text.Length >= 10 ? 10 : text.Length;
        var last = precision switch
        {
            4 => new DateOnly(first.Year, 12, 31),
            7 => first.AddMonths(1).AddDays(-1),
            _ => first,
        };
        return new FhirWhen(Midnight(last), Midnight(first), precision < 10 ? text[..precision] : null);
    }

    private static DateTimeOffset Midnight(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    /// <summary>A FHIR date (YYYY, YYYY-MM or YYYY-MM-DD); partial dates resolve to their first day.</summary>
    public static DateOnly? ParseDate(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        string[] formats = ["yyyy-MM-dd", "yyyy-MM", "yyyy"];
        var text = value.Length > 10 ? value[..10] : value;
        return DateOnly.TryParseExact(text, formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null;
    }

    /// <summary>The codings of a CodeableConcept that have both system and code.</summary>
    public static IEnumerable<(string System, string Code, string? Display)> Codings(FhirConcept? concept)
    {
        if (concept is null)
        {
            yield break;
        }

        foreach (var coding in concept.Coding)
        {
            if (!string.IsNullOrWhiteSpace(coding.System) && !string.IsNullOrWhiteSpace(coding.Code))
            {
                yield return (coding.System, coding.Code.Trim(), coding.Display);
            }
        }
    }

    /// <summary>The human label of a concept: text, else the first display, else the first code.</summary>
    public static string Label(FhirConcept? concept, string fallback)
    {
        if (concept is null)
        {
            return fallback;
        }

        if (!string.IsNullOrWhiteSpace(concept.Text))
        {
            return concept.Text;
        }

        var coding = concept.Coding.FirstOrDefault(c => !string.IsNullOrWhiteSpace(c.Display)) ?? (concept.Coding.Count > 0 ? concept.Coding[0] : null);
        return coding?.Display ?? coding?.Code ?? fallback;
    }

    /// <summary>The patient id a reference points at (<c>Patient/123</c>, <c>https://x/fhir/Patient/123/_history/2</c>), or null.</summary>
    public static string? PatientIdOf(string? reference)
    {
        if (string.IsNullOrEmpty(reference))
        {
            return null;
        }

        var segments = reference.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = segments.Length - 2; i >= 0; i--)
        {
            if (segments[i] == "Patient")
            {
                return segments[i + 1];
            }
        }

        return null;
    }
}
