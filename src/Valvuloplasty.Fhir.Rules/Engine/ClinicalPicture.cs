using Valvuloplasty.Fhir.Rules.Content;
using Valvuloplasty.Fhir.Rules.Facts;
using Valvuloplasty.Fhir.Rules.Valves;

namespace Valvuloplasty.Fhir.Rules.Engine;

/// <summary>
/// What a surgical risk category rests on: a score (in the evidence table), a Heart Team category, or the count of
/// organ-system comorbidities.
/// </summary>
public sealed record RiskBasis(Measurement? Score, CodedObservation? Category, int OrganSystems = 0);

/// <summary>
/// The patient-level judgements of docs/clinical-rules.md §2 that every valve's rules share: age pathway,
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
    /// <summary>A "not pregnant" result answers the question before fluoroscopy for this long.</summary>
    public const int PregnancyTestWindowDays = 30;
    /// <summary>A "pregnant" result stands for this long unless a later result says otherwise.</summary>
    public const int PregnancyWindowDays = 280;
    /// <summary>From this age, calcific MS is a Heart Team question rather than a surgical referral (§5).</summary>
    public const int OlderAge = 75;

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
    public RiskBasis? SurgicalRiskBasis { get; init; }
    public Sex Sex { get; init; }

    /// <summary>A woman aged 12–50: pregnancy status matters before fluoroscopy and a vitamin K antagonist (§5).</summary>
    public bool ChildbearingAge => Sex == Sex.Female && AgeYears is >= 12 and <= 50;

    public PregnancyStatus Pregnancy { get; init; }
    public string? PregnancySource { get; init; }
    public bool Older => AgeYears >= OlderAge;
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
        var (pregnancy, pregnancySource) = AssessPregnancy(facts, asOf);

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
            Sex = facts.Sex,
            Pregnancy = pregnancy,
            PregnancySource = pregnancySource,
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

    private static (SurgicalRisk Risk, RiskBasis? Basis) AssessSurgicalRisk(PatientFacts facts)
    {
        var signals = new List<(SurgicalRisk Risk, RiskBasis Basis)>();

        var category = facts.CodedObservations
            .Where(o => o.Kind == CodedKind.SurgicalRiskCategory)
            .MaxBy(o => o.EffectiveAt);
        if (category is not null && ParseCategory(category.Answer) is { } fromCategory)
        {
            signals.Add((fromCategory, new RiskBasis(null, category)));
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
                signals.Add((scoreRisk, new RiskBasis(score, null)));
            }
        }

        var frailty = Latest(facts, MeasurementKind.ClinicalFrailtyScale);
        SurgicalRisk? frail = frailty.AtLeast(6m) == true ? SurgicalRisk.High
            : frailty.AtLeast(5m) == true && frailty.Below(6m) == true ? SurgicalRisk.Intermediate
            : null;
        if (frailty is not null && frail is { } frailRisk)
        {
            signals.Add((frailRisk, new RiskBasis(frailty, null)));
        }

        var organSystems = facts.Findings
            .Where(f => f.Kind is FindingKind.ChronicKidneyDiseaseSevere or FindingKind.Cirrhosis or FindingKind.Copd
                or FindingKind.Dementia or FindingKind.ActiveCancer)
            .Select(f => f.Kind)
            .Distinct()
            .Count();
        if (organSystems >= 3)
        {
            signals.Add((SurgicalRisk.Prohibitive, new RiskBasis(null, null, organSystems)));
        }

        if (signals.Count == 0)
        {
            return (SurgicalRisk.Unknown, null);
        }

        var highest = signals.MaxBy(s => s.Risk);
        return (highest.Risk, highest.Basis);
    }

    /// <summary>
    /// Pregnancy: an active pregnancy Condition, or the latest pregnancy-status Observation ("pregnant" within 280
    /// days, "not pregnant" within 30 days, the time a negative result answers the question before fluoroscopy).
    /// </summary>
    private static (PregnancyStatus Status, string? Source) AssessPregnancy(PatientFacts facts, DateTimeOffset asOf)
    {
        var latest = facts.CodedObservations.Where(o => o.Kind == CodedKind.PregnancyStatus).MaxBy(o => o.EffectiveAt);
        var condition = facts.Findings.FirstOrDefault(f => f.Kind == FindingKind.Pregnancy);
        if (latest is { Answer: "pregnant" } && Within(latest.EffectiveAt, asOf, PregnancyWindowDays))
        {
            return (PregnancyStatus.Pregnant, latest.Source);
        }

        if (latest is { Answer: "not-pregnant" } && Within(latest.EffectiveAt, asOf, PregnancyTestWindowDays))
        {
            return (PregnancyStatus.NotPregnant, latest.Source);
        }

        return condition is not null && (latest is null || condition.Onset is not { } onset || onset >= latest.EffectiveAt)
            ? (PregnancyStatus.Pregnant, condition.Source)
            : (PregnancyStatus.Unknown, null);
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
