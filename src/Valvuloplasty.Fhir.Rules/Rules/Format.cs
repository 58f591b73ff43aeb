using System.Globalization;
using Valvuloplasty.Fhir.Rules.Facts;

namespace Valvuloplasty.Fhir.Rules.Rules;

/// <summary>How the rules write measurements and dates into their reasons.</summary>
public static class Format
{
    public static string Name(MeasurementKind kind) => kind switch
    {
        MeasurementKind.AorticVmax => "Aortic Vmax",
        MeasurementKind.AorticMeanGradient => "Aortic mean gradient",
        MeasurementKind.AorticValveArea => "AVA",
        MeasurementKind.AorticValveAreaIndex => "AVAi",
        MeasurementKind.Lvef => "LVEF",
        MeasurementKind.MitralValveAreaPlanimetry => "MVA (planimetry)",
        MeasurementKind.MitralValveAreaPressureHalfTime => "MVA (pressure half-time)",
        MeasurementKind.MitralValveAreaPisa => "MVA (PISA)",
        MeasurementKind.MitralPressureHalfTime => "Mitral pressure half-time",
        MeasurementKind.MitralMeanGradient => "Mitral mean gradient",
        MeasurementKind.Pasp => "PASP",
        MeasurementKind.PulmonicPeakGradient => "Pulmonic peak gradient",
        MeasurementKind.PulmonicVmax => "Pulmonic Vmax",
        MeasurementKind.StrokeVolumeIndex => "Stroke volume index",
        MeasurementKind.StsProm => "STS-PROM",
        MeasurementKind.EuroScoreII => "EuroSCORE II",
        MeasurementKind.ClinicalFrailtyScale => "Clinical Frailty Scale",
        MeasurementKind.WilkinsScore => "Wilkins score",
        _ => kind.ToString(),
    };

    /// <summary>The value with its unit as a clinician writes it, e.g. <c>4.3 m/s</c>, <c>42 mmHg</c>, <c>&lt; 0.8 cm²</c>.</summary>
    public static string Value(Measurement m)
    {
        ArgumentNullException.ThrowIfNull(m);
        var number = (m.Comparator is { } bound ? Threshold.Symbol(bound) + " " : "") + m.Value.ToString("0.##", CultureInfo.InvariantCulture);
        return m.Unit switch
        {
            "1" or "" => number,
            "mm[Hg]" => $"{number} mmHg",
            "cm2" => $"{number} cm²",
            "cm2/m2" => $"{number} cm²/m²",
            "mL/m2" => $"{number} mL/m²",
            "%" => $"{number} %",
            _ => $"{number} {m.Unit}",
        };
    }

    /// <summary>e.g. <c>Aortic Vmax 4.3 m/s (2026-10-01)</c>.</summary>
    public static string Describe(Measurement m)
    {
        ArgumentNullException.ThrowIfNull(m);
        return $"{Name(m.Kind)} {Value(m)} ({Date(m)}{(m.Preliminary ? ", preliminary" : "")})";
    }

    /// <summary>The measurement's date; a partial date says which day it was counted as (CLINICAL_RULES §2).</summary>
    public static string Date(Measurement m)
    {
        ArgumentNullException.ThrowIfNull(m);
        return m.DateAsRecorded is { } partial ? $"{partial}, counted as {Date(m.EffectiveAt)}" : Date(m.EffectiveAt);
    }

    public static string Date(DateTimeOffset when) => when.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string Number(decimal value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
