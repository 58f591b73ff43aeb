using System.Globalization;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;

namespace Valvuloplasty.Fhir.Data.Mapping;

/// <summary>
/// Tolerant readers for FHIR elements. Resources are parsed leniently, so an element may hold a value
/// of the wrong shape (an invalid code, a string where a number belongs); Firely then throws on the
/// typed getter. These helpers read the raw JSON value instead and return null for anything unusable.
/// </summary>
internal static class FhirValues
{
    /// <summary>The raw code string of a <c>code</c> element (e.g. a status), or null.</summary>
    public static string? Code(PrimitiveType? element) => element?.JsonValue as string;

    public static decimal? Decimal(FhirDecimal? element) => element?.JsonValue switch
    {
        decimal d => d,
        double d when double.IsFinite(d) && Math.Abs(d) < 1e15 => (decimal)d,
        long l => l,
        int i => i,
        _ => null,
    };

    public static int? Integer(Integer? element) => element?.JsonValue switch
    {
        int i => i,
        long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
        _ => null,
    };

    /// <summary>
    /// A FHIR date, dateTime or instant as the rules read it. <paramref name="At"/> is the latest instant its precision
    /// allows (docs/clinical-rules.md §2: a partial date counts at its latest), <paramref name="Earliest"/> the first;
    /// <paramref name="Partial"/> holds the text of a partial date (<c>2026</c>, <c>2026-03</c>). A date without a time
    /// stands for its day, at 00:00 UTC.
    /// </summary>
    public readonly record struct FhirWhen(DateTimeOffset At, DateTimeOffset Earliest, string? Partial);

    /// <summary>A dateTime, instant, date or Period (its end, else its start) read as <see cref="FhirWhen"/>; null when unreadable.</summary>
    public static FhirWhen? When(DataType? value) => value switch
    {
        FhirDateTime dt => FromText(dt.Value),
        Instant i => i.Value is { } at ? new FhirWhen(at, at, null) : FromText(i.JsonValue as string),
        Date d => FromText(d.Value),
        Period p => When(p.EndElement) ?? When(p.StartElement),
        _ => null,
    };

    /// <summary>The instant a date stands for (<see cref="FhirWhen.At"/>), or null.</summary>
    public static DateTimeOffset? Instant(DataType? value) => When(value)?.At;

    private static FhirWhen? FromText(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (text.Length > 10 && new FhirDateTime(text).TryToDateTimeOffset(out var at))
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

    /// <summary>The start of a Period, or the instant of a dateTime.</summary>
    public static DateTimeOffset? Start(DataType? value) => value is Period p ? Instant(p.StartElement) ?? Instant(p.EndElement) : Instant(value);

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
    public static IEnumerable<(string System, string Code, string? Display)> Codings(CodeableConcept? concept)
    {
        if (concept is null)
        {
            yield break;
        }

        foreach (var coding in concept.Coding)
        {
            var system = coding.System;
            var code = Code(coding.CodeElement);
            if (!string.IsNullOrWhiteSpace(system) && !string.IsNullOrWhiteSpace(code))
            {
                yield return (system, code.Trim(), coding.Display);
            }
        }
    }

    /// <summary>All code strings of a CodeableConcept, whatever their system (for status concepts).</summary>
    public static IEnumerable<string> CodeStrings(CodeableConcept? concept) =>
        concept?.Coding.Select(c => Code(c.CodeElement)).OfType<string>() ?? [];

    /// <summary>The human label of a concept: text, else the first display, else the first code.</summary>
    public static string Label(CodeableConcept? concept, string fallback)
    {
        if (concept is null)
        {
            return fallback;
        }

        if (!string.IsNullOrWhiteSpace(concept.Text))
        {
            return concept.Text;
        }

        var coding = concept.Coding.FirstOrDefault(c => !string.IsNullOrWhiteSpace(c.Display)) ?? concept.Coding.FirstOrDefault();
        return coding?.Display ?? Code(coding?.CodeElement) ?? fallback;
    }

    /// <summary><c>Type/id</c>, the form every card uses to cite its evidence.</summary>
    public static string Reference(Resource resource) =>
        string.IsNullOrEmpty(resource.Id) ? $"{resource.TypeName} (no id)" : $"{resource.TypeName}/{resource.Id}";

    /// <summary>The patient id a reference points at (<c>Patient/123</c>, <c>https://x/fhir/Patient/123/_history/2</c>), or null.</summary>
    public static string? PatientIdOf(ResourceReference? reference)
    {
        var text = reference?.Reference;
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var segments = text.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = segments.Length - 2; i >= 0; i--)
        {
            if (segments[i] == "Patient")
            {
                return segments[i + 1];
            }
        }

        return null;
    }

    /// <summary>Runs a read that may throw on a malformed element and turns the failure into null.</summary>
    public static T? Try<T>(Func<T?> read) where T : class
    {
        try
        {
            return read();
        }
        catch (CodedException)
        {
            return null;
        }
        catch (InvalidCastException)
        {
            return null;
        }
    }
}
