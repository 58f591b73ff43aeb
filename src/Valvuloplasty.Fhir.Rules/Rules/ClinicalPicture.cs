using Valvuloplasty.Fhir.Rules.Facts;

namespace Valvuloplasty.Fhir.Rules.Rules;

/// <summary>
/// The patient-level judgements of CLINICAL_RULES §2 that every valve's rules share: age pathway,
/// symptoms, haemodynamic stability, surgical risk, urgent non-cardiac surgery, anticoagulation.
/// Computed once per evaluation from the facts and <c>asOf</c>.
/// </summary>
public sealed record ClinicalPicture
{
    /// <summary>Symptoms count when recorded within this window (§2).</summary>
    public const int SymptomWindowDays = 180;
    /// <summary>Acute heart failure makes the patient unstable within this window (§2).</summary>
    public const int InstabilityWindowDays = 30;
    /// <summary>Urgent non-cardiac surgery counts when planned within this window (§2).</summary>
    public const int UrgentSurgeryWindowDays = 30;

    public int? AgeYears { get; init; }
    public bool Pediatric => AgeYears is < 18;
    public string? NyhaClass { get; init; }
    public CodedObservation? NyhaSource { get; init; }
    public IReadOnlyList<ClinicalFinding> RecentSymptoms { get; init; } = [];
    public bool Symptomatic { get; init; }
    public bool VerySymptomatic { get; init; }
    public bool Unstable { get; init; }
    public IReadOnlyList<string> InstabilitySources { get; init; } = [];
    public SurgicalRisk SurgicalRisk { get; init; }
    public string? SurgicalRiskBasis { get; init; }
    public OrderFact? UrgentNonCardiacSurgery { get; init; }
    public IReadOnlyList<AnticoagulantFact> Anticoagulants { get; init; } = [];
    public bool Anticoagulated => Anticoagulants.Count > 0;

    public static ClinicalPicture From(PatientFacts facts, DateTimeOffset asOf)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var nyha = facts.CodedObservations
            .Where(o => o.Kind == CodedKind.NyhaClass && Within(o.EffectiveAt, asOf, SymptomWindowDays))
            .MaxBy(o => o.EffectiveAt);
        var symptoms = facts.Findings
            .Where(f => IsSymptom(f.Kind) && f.Onset is { } onset && Within(onset, asOf, SymptomWindowDays))
            .ToList();

        var nyhaSymptomatic = nyha?.Answer is "II" or "III" or "IV";
        var nyhaSevere = nyha?.Answer is "III" or "IV";
        var severeSymptom = symptoms.Any(s => s.Kind is FindingKind.Syncope or FindingKind.Angina or FindingKind.HeartFailure);

        var instability = facts.Findings
            .Where(f => f.Kind == FindingKind.CardiogenicShock
                || (f.Kind == FindingKind.AcuteHeartFailure && f.Onset is { } onset && Within(onset, asOf, InstabilityWindowDays)))
            .Select(f => f.Source)
            .ToList();

        var (risk, basis) = AssessSurgicalRisk(facts);

        var surgery = facts.Orders
            .Where(o => o.SurgicalCategory && o.Urgent && !o.Cardiac
                && o.Status is "active" or "draft"
                && (o.OccurrenceAt is not { } when || (when >= asOf.AddDays(-1) && when <= asOf.AddDays(UrgentSurgeryWindowDays))))
            .OrderBy(o => o.OccurrenceAt ?? asOf)
            .FirstOrDefault();

        return new ClinicalPicture
        {
            AgeYears = facts.AgeOn(DateOnly.FromDateTime(asOf.UtcDateTime)),
            NyhaClass = nyha?.Answer,
            NyhaSource = nyha,
            RecentSymptoms = symptoms,
            Symptomatic = nyhaSymptomatic || symptoms.Count > 0,
            VerySymptomatic = nyhaSevere || severeSymptom,
            Unstable = instability.Count > 0,
            InstabilitySources = instability,
            SurgicalRisk = risk,
            SurgicalRiskBasis = basis,
            UrgentNonCardiacSurgery = surgery,
            Anticoagulants = facts.Anticoagulants,
        };
    }

    /// <summary>True when <paramref name="when"/> lies within the last <paramref name="days"/> days of <paramref name="asOf"/>.</summary>
    /// <remarks>A date up to one day ahead of <paramref name="asOf"/> counts as today (time zones).</remarks>
    public static bool Within(DateTimeOffset when, DateTimeOffset asOf, int days)
    {
        var age = DaysBetween(when, asOf);
        return age >= -1 && age <= days;
    }

    /// <summary>Whole calendar days from <paramref name="from"/> to <paramref name="to"/> (UTC dates).</summary>
    public static int DaysBetween(DateTimeOffset from, DateTimeOffset to) =>
        DateOnly.FromDateTime(to.UtcDateTime).DayNumber - DateOnly.FromDateTime(from.UtcDateTime).DayNumber;

    private static bool IsSymptom(FindingKind kind) => kind is FindingKind.Dyspnea or FindingKind.Syncope
        or FindingKind.Angina or FindingKind.HeartFailure or FindingKind.Edema or FindingKind.Fatigue;

    private static (SurgicalRisk Risk, string? Basis) AssessSurgicalRisk(PatientFacts facts)
    {
        var signals = new List<(SurgicalRisk Risk, string Basis)>();

        var category = facts.CodedObservations
            .Where(o => o.Kind == CodedKind.SurgicalRiskCategory)
            .MaxBy(o => o.EffectiveAt);
        if (category is not null && ParseCategory(category.Answer) is { } fromCategory)
        {
            signals.Add((fromCategory, $"surgical risk category {category.Answer}, {category.Source}"));
        }

        foreach (var kind in new[] { MeasurementKind.StsProm, MeasurementKind.EuroScoreII })
        {
            var score = Latest(facts, kind);
            // A score recorded as a bound counts only when the bound decides its category.
            SurgicalRisk? risk = score.Below(4m) == true ? SurgicalRisk.Low
                : score.Above(8m) == true ? SurgicalRisk.High
                : score.AtLeast(4m) == true && score.AtMost(8m) == true ? SurgicalRisk.Intermediate
                : null;
            if (score is not null && risk is { } scoreRisk)
            {
                var name = kind == MeasurementKind.StsProm ? "STS-PROM" : "EuroSCORE II";
                signals.Add((scoreRisk, $"{name} {Format.Value(score)}, {score.Source}"));
            }
        }

        var frailty = Latest(facts, MeasurementKind.ClinicalFrailtyScale);
        SurgicalRisk? frail = frailty.AtLeast(6m) == true ? SurgicalRisk.High
            : frailty.AtLeast(5m) == true && frailty.Below(6m) == true ? SurgicalRisk.Intermediate
            : null;
        if (frailty is not null && frail is { } frailRisk)
        {
            signals.Add((frailRisk, $"Clinical Frailty Scale {Format.Value(frailty)}, {frailty.Source}"));
        }

        var organSystems = facts.Findings
            .Where(f => f.Kind is FindingKind.ChronicKidneyDiseaseSevere or FindingKind.Cirrhosis or FindingKind.Copd
                or FindingKind.Dementia or FindingKind.ActiveCancer)
            .Select(f => f.Kind)
            .Distinct()
            .Count();
        if (organSystems >= 3)
        {
            signals.Add((SurgicalRisk.Prohibitive, $"{organSystems} organ-system comorbidities"));
        }

        if (signals.Count == 0)
        {
            return (SurgicalRisk.Unknown, null);
        }

        var highest = signals.MaxBy(s => s.Risk);
        return (highest.Risk, highest.Basis);
    }

    private static Measurement? Latest(PatientFacts facts, MeasurementKind kind) =>
        facts.Measurements.Where(m => m.Kind == kind && !m.Preliminary).MaxBy(m => m.EffectiveAt);

    private static SurgicalRisk? ParseCategory(string answer) => answer.Trim().ToUpperInvariant() switch
    {
        "LOW" => SurgicalRisk.Low,
        "INTERMEDIATE" => SurgicalRisk.Intermediate,
        "HIGH" => SurgicalRisk.High,
        "PROHIBITIVE" => SurgicalRisk.Prohibitive,
        _ => null,
    };
}
