using Valvuloplasty.Fhir.Rules.Facts;

namespace Valvuloplasty.Fhir.Rules.Valves;

/// <summary>
/// Threshold tests on measurements, which may be bounds (<c>valueQuantity.comparator</c>, docs/clinical-rules.md §2).
/// A bound is used only where it decides: "Vmax &gt; 5 m/s" is at least 4.0 m/s, but "Vmax &lt; 4.5 m/s" does not
/// say whether it is. Each test answers true, false, or null when a bound does not decide it. A missing
/// measurement does not meet any threshold (false).
/// </summary>
public static class Threshold
{
    /// <summary>value ≥ <paramref name="threshold"/>.</summary>
    public static bool? AtLeast(this Measurement? measurement, decimal threshold) =>
        measurement is null ? false : AtLeast(measurement.Value, measurement.Comparator, threshold);

    /// <summary>value &gt; <paramref name="threshold"/>.</summary>
    public static bool? Above(this Measurement? measurement, decimal threshold) =>
        measurement is null ? false : Above(measurement.Value, measurement.Comparator, threshold);

    /// <summary>value ≤ <paramref name="threshold"/>.</summary>
    public static bool? AtMost(this Measurement? measurement, decimal threshold) =>
        measurement is null ? false : Not(Above(measurement.Value, measurement.Comparator, threshold));

    /// <summary>value &lt; <paramref name="threshold"/>.</summary>
    public static bool? Below(this Measurement? measurement, decimal threshold) =>
        measurement is null ? false : Not(AtLeast(measurement.Value, measurement.Comparator, threshold));

    /// <summary>Is the true value ≥ t, given that it is <paramref name="bound"/> <paramref name="value"/>?</summary>
    public static bool? AtLeast(decimal value, Bound? bound, decimal threshold) => bound switch
    {
        null => value >= threshold,
        Bound.GreaterThan or Bound.GreaterOrEqual => value >= threshold ? true : null,
        Bound.LessThan => value <= threshold ? false : null,
        Bound.LessOrEqual => value < threshold ? false : null,
        _ => throw new ArgumentOutOfRangeException(nameof(bound), bound, "Unknown comparator."),
    };

    /// <summary>Is the true value &gt; t, given that it is <paramref name="bound"/> <paramref name="value"/>?</summary>
    public static bool? Above(decimal value, Bound? bound, decimal threshold) => bound switch
    {
        null => value > threshold,
        Bound.GreaterThan => value >= threshold ? true : null,
        Bound.GreaterOrEqual => value > threshold ? true : null,
        Bound.LessThan or Bound.LessOrEqual => value <= threshold ? false : null,
        _ => throw new ArgumentOutOfRangeException(nameof(bound), bound, "Unknown comparator."),
    };

    /// <summary>True when any test is true; else null when any is undecided; else false.</summary>
    public static bool? Any(params bool?[] tests)
    {
        ArgumentNullException.ThrowIfNull(tests);
        return tests.Contains(true) ? true : tests.Contains(null) ? null : false;
    }

    private static bool? Not(bool? test) => test is { } t ? !t : null;

    /// <summary>"≥ 4.0 m/s" style text of a comparator, for cards (empty without one).</summary>
    public static string Symbol(Bound? bound) => bound switch
    {
        null => string.Empty,
        Bound.LessThan => "<",
        Bound.LessOrEqual => "≤",
        Bound.GreaterOrEqual => "≥",
        Bound.GreaterThan => ">",
        _ => throw new ArgumentOutOfRangeException(nameof(bound), bound, "Unknown comparator."),
    };
}
