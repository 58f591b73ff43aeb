using System.Collections.Frozen;
using Valvuloplasty.Fhir.Rules.Content;
using Valvuloplasty.Fhir.Rules.Facts;

namespace Valvuloplasty.Fhir.Data.Mapping;

/// <summary>The outcome of normalising one value: usable (possibly converted) or rejected with a note (no source yet).</summary>
public readonly record struct NormalizedValue(decimal Value, string Unit, RecordedValue? ConvertedFrom, DataNote? Rejection)
{
    public bool Usable => Rejection is null;
}

/// <summary>
/// UCUM normalisation and plausibility, docs/clinical-rules.md §2. Each measurement kind has one canonical unit;
/// UCUM codes (or, failing that, the unit text) are matched against that kind's table. A spelling alias
/// (<c>mmHg</c> for <c>mm[Hg]</c>) is not a conversion; a factor other than 1 is, and is recorded.
/// Unknown units and implausible values make the value unusable.
/// </summary>
public static class UnitNormalizer
{
    public const string Ucum = "http://unitsofmeasure.org";

    private sealed record Dimension(string Canonical, FrozenDictionary<string, decimal> Factors, decimal Min, decimal Max, bool FractionToPercent = false);

    private static FrozenDictionary<string, decimal> Units(params (string Unit, decimal Factor)[] units) =>
        units.ToFrozenDictionary(u => u.Unit, u => u.Factor, StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenDictionary<string, decimal> AreaUnits =
        Units(("cm2", 1m), ("cm^2", 1m), ("cm²", 1m), ("cm*cm", 1m), ("mm2", 0.01m), ("mm^2", 0.01m), ("mm²", 0.01m));
    private static readonly FrozenDictionary<string, decimal> AreaIndexUnits =
        Units(("cm2/m2", 1m), ("cm^2/m^2", 1m), ("cm²/m²", 1m), ("mm2/m2", 0.01m), ("mm^2/m^2", 0.01m));
    private static readonly FrozenDictionary<string, decimal> VelocityUnits =
        Units(("m/s", 1m), ("m/sec", 1m), ("cm/s", 0.01m), ("cm/sec", 0.01m), ("mm/s", 0.001m));
    private static readonly FrozenDictionary<string, decimal> PressureUnits =
        Units(("mm[Hg]", 1m), ("mmHg", 1m), ("mm Hg", 1m), ("kPa", 7.50062m), ("Pa", 0.00750062m));
    private static readonly FrozenDictionary<string, decimal> TimeUnits =
        Units(("ms", 1m), ("msec", 1m), ("s", 1000m), ("sec", 1000m));
    private static readonly FrozenDictionary<string, decimal> PercentUnits =
        Units(("%", 1m), ("percent", 1m), ("1", 1m), ("", 1m));
    private static readonly FrozenDictionary<string, decimal> ScoreUnits =
        Units(("{score}", 1m), ("{#}", 1m), ("1", 1m), ("", 1m), ("score", 1m), ("points", 1m));
    private static readonly FrozenDictionary<string, decimal> VolumeIndexUnits =
        Units(("mL/m2", 1m), ("mL/m^2", 1m), ("mL/m²", 1m), ("L/m2", 1000m));

    private static readonly FrozenDictionary<MeasurementKind, Dimension> Dimensions = new Dictionary<MeasurementKind, Dimension>
    {
        [MeasurementKind.AorticValveArea] = new("cm2", AreaUnits, 0.2m, 5m),
        [MeasurementKind.AorticValveAreaIndex] = new("cm2/m2", AreaIndexUnits, 0.1m, 3m),
        [MeasurementKind.MitralValveAreaPlanimetry] = new("cm2", AreaUnits, 0.3m, 8m),
        [MeasurementKind.MitralValveAreaPressureHalfTime] = new("cm2", AreaUnits, 0.3m, 8m),
        [MeasurementKind.MitralValveAreaPisa] = new("cm2", AreaUnits, 0.3m, 8m),
        [MeasurementKind.AorticVmax] = new("m/s", VelocityUnits, 0.5m, 7m),
        [MeasurementKind.PulmonicVmax] = new("m/s", VelocityUnits, 0.5m, 7m),
        [MeasurementKind.AorticMeanGradient] = new("mm[Hg]", PressureUnits, 0m, 200m),
        [MeasurementKind.MitralMeanGradient] = new("mm[Hg]", PressureUnits, 0m, 200m),
        [MeasurementKind.PulmonicPeakGradient] = new("mm[Hg]", PressureUnits, 0m, 200m),
        [MeasurementKind.Pasp] = new("mm[Hg]", PressureUnits, 0m, 200m),
        [MeasurementKind.Lvef] = new("%", PercentUnits, 5m, 90m, FractionToPercent: true),
        [MeasurementKind.MitralPressureHalfTime] = new("ms", TimeUnits, 10m, 1000m),
        [MeasurementKind.StsProm] = new("%", PercentUnits, 0m, 100m, FractionToPercent: true),
        [MeasurementKind.EuroScoreII] = new("%", PercentUnits, 0m, 100m, FractionToPercent: true),
        [MeasurementKind.ClinicalFrailtyScale] = new("1", ScoreUnits, 1m, 9m),
        [MeasurementKind.WilkinsScore] = new("1", ScoreUnits, 4m, 16m),
        [MeasurementKind.StrokeVolumeIndex] = new("mL/m2", VolumeIndexUnits, 5m, 150m),
    }.ToFrozenDictionary();

    /// <summary>The canonical unit of a kind (what the rules' thresholds are written in).</summary>
    public static string CanonicalUnit(MeasurementKind kind) => Dimensions[kind].Canonical;

    /// <summary>
    /// Normalises <paramref name="value"/> for <paramref name="kind"/>. The unit is the UCUM code when
    /// the system is UCUM (or absent), else the unit text.
    /// </summary>
    public static NormalizedValue Normalize(MeasurementKind kind, decimal value, string? system, string? code, string? unitText)
    {
        var dimension = Dimensions[kind];
        var useCode = !string.IsNullOrWhiteSpace(code) && (string.IsNullOrEmpty(system) || system == Ucum);
        var unit = (useCode ? code : unitText)?.Trim() ?? string.Empty;

        if (!dimension.Factors.TryGetValue(unit, out var factor)
            && !(useCode && unitText is not null && dimension.Factors.TryGetValue(unitText.Trim(), out factor)))
        {
            return Rejected(new DataNote(ItemCodes.WarnUnknownUnit, NoteKind.UnknownUnit, Measurement: kind) { Value = value, Unit = unit });
        }

        var normalized = value * factor;
        var convertedFrom = factor == 1m ? null : new RecordedValue(value, unit);

        // A fraction (0.55) where a percentage (55 %) belongs, with unit 1 or no unit.
        if (dimension.FractionToPercent && factor == 1m && value is > 0m and <= 1m && unit is "1" or "")
        {
            normalized = value * 100m;
            convertedFrom = new RecordedValue(value, unit);
        }

        normalized = Math.Round(normalized, 4, MidpointRounding.AwayFromZero);
        if (normalized < dimension.Min || normalized > dimension.Max)
        {
            return Rejected(new DataNote(ItemCodes.WarnImplausibleValue, NoteKind.Implausible, Measurement: kind)
            {
                Value = normalized, Unit = dimension.Canonical, Min = dimension.Min, Max = dimension.Max,
            });
        }

        return new NormalizedValue(normalized, dimension.Canonical, convertedFrom, null);
    }

    private static NormalizedValue Rejected(DataNote note) => new(0m, string.Empty, null, note);
}
