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

    /// <summary>A dateTime, instant or date as an instant (partial dates resolve to their first moment).</summary>
    public static DateTimeOffset? Instant(DataType? value) => value switch
    {
        FhirDateTime dt => dt.Value is { Length: > 10 } && dt.TryToDateTimeOffset(out var at) ? at : Midnight(ParseDate(dt.Value)),
        Instant i => i.Value,
        Date d => Midnight(ParseDate(d.Value)),
        Period p => Instant(p.EndElement) ?? Instant(p.StartElement),
        _ => null,
    };

    private static DateTimeOffset? Midnight(DateOnly? date) =>
        date is { } day ? new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null;

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
    public static T? Try<T>(Func<T> read) where T : class
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
