using Valvuloplasty.Fhir.Rules.Engine;
using Valvuloplasty.Fhir.Rules.Facts;

namespace Valvuloplasty.Fhir.Rules.Valves;

/// <summary>Whether a valve's echo data can carry a decision (docs/clinical-rules.md §3).</summary>
public enum EchoStatus
{
    /// <summary>A usable study within the freshness window.</summary>
    Current,
    /// <summary>No usable and no preliminary severity measurement.</summary>
    None,
    /// <summary>The latest usable study is older than the freshness window.</summary>
    Stale,
    /// <summary>A newer preliminary study exists and no usable study is fresh.</summary>
    PreliminaryOnly,
}

/// <summary>
/// The echo evidence for one valve: the latest usable value of each kind within the freshness window,
/// the study date, and the preliminary values kept aside.
/// </summary>
public sealed record EchoStudy(
    EchoStatus Status,
    DateTimeOffset? StudyDate,
    IReadOnlyDictionary<MeasurementKind, Measurement> Latest,
    IReadOnlyList<Measurement> Preliminary,
    IReadOnlyList<Measurement> StaleValues)
{
    public Measurement? this[MeasurementKind kind] => Latest.GetValueOrDefault(kind);

    public decimal? Value(MeasurementKind kind) => Latest.TryGetValue(kind, out var m) ? m.Value : null;

    /// <summary>
    /// Reads the study for a valve. <paramref name="severityKinds"/> date the study;
    /// <paramref name="supportingKinds"/> (e.g. LVEF) are read from the same window but do not date it.
    /// </summary>
    public static EchoStudy Read(
        PatientFacts facts,
        IReadOnlyCollection<MeasurementKind> severityKinds,
        IReadOnlyCollection<MeasurementKind> supportingKinds,
        DateTimeOffset asOf,
        int freshnessDays,
        DateTimeOffset? notBefore = null)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(severityKinds);
        ArgumentNullException.ThrowIfNull(supportingKinds);

        var relevant = facts.Measurements
            .Where(m => (severityKinds.Contains(m.Kind) || supportingKinds.Contains(m.Kind))
                && (notBefore is not { } floor || m.EffectiveAt < floor))
            .ToList();
        var usableSeverity = relevant.Where(m => !m.Preliminary && severityKinds.Contains(m.Kind)).ToList();
        DateTimeOffset? studyDate = usableSeverity.Count > 0 ? usableSeverity.Max(m => m.EffectiveAt) : null;
        var fresh = studyDate is { } date && ClinicalPicture.DaysBetween(date, asOf) <= freshnessDays;

        var preliminary = relevant
            .Where(m => m.Preliminary && severityKinds.Contains(m.Kind) && (studyDate is not { } d || m.EffectiveAt > d))
            .GroupBy(m => m.Kind)
            .Select(g => g.MaxBy(m => m.EffectiveAt)!)
            .ToList();

        var latest = relevant
            .Where(m => !m.Preliminary && ClinicalPicture.DaysBetween(m.EffectiveAt, asOf) <= freshnessDays)
            .GroupBy(m => m.Kind)
            .ToDictionary(g => g.Key, g => g.MaxBy(m => m.EffectiveAt)!);

        var staleValues = fresh
            ? []
            : usableSeverity.GroupBy(m => m.Kind).Select(g => g.MaxBy(m => m.EffectiveAt)!).ToList();

        var status = (preliminary.Count > 0 && !fresh) ? EchoStatus.PreliminaryOnly
            : studyDate is null ? EchoStatus.None
            : !fresh ? EchoStatus.Stale
            : EchoStatus.Current;

        return new EchoStudy(status, studyDate, latest, preliminary, staleValues);
    }
}
