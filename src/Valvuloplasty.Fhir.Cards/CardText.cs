using System.Globalization;
using Valvuloplasty.Fhir.Data.Prefetch;
using Valvuloplasty.Fhir.Rules.Content;
using Valvuloplasty.Fhir.Rules.Engine;
using Valvuloplasty.Fhir.Rules.Facts;
using Valvuloplasty.Fhir.Rules.Valves;

namespace Valvuloplasty.Fhir.Cards;

/// <summary>
/// Every sentence a card says, in one place: the rules decide what to say (statements, next steps, notes) and this
/// class words it for a cardiologist at order entry (docs/clinical-rules.md §8). Numbers are at clinical precision:
/// gradients and pressures as integers, velocities to 0.1 m/s, areas to 0.1 cm² (indexed areas to 0.01), LVEF as an
/// integer %, with one more decimal when rounding would land on a decision threshold the value is not on.
/// </summary>
public static class CardText
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    // ---- Names and numbers ----

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
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown measurement."),
    };

    private static string Name(CodedKind kind) => kind switch
    {
        CodedKind.NyhaClass => "NYHA class",
        CodedKind.SurgicalRiskCategory => "Surgical risk category",
        CodedKind.LaThrombusTee => "TEE thrombus finding",
        CodedKind.CommissuralFusion => "Commissural fusion",
        CodedKind.CommissuralCalcification => "Commissural calcification",
        CodedKind.PulmonaryValveMorphology => "Pulmonary valve morphology",
        CodedKind.PregnancyStatus => "Pregnancy status",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown coded observation."),
    };

    /// <summary>Decimal places at clinical precision, and the thresholds a rounded value must not be mistaken for.</summary>
    private static (int Places, decimal[] Thresholds) Precision(MeasurementKind kind) => kind switch
    {
        MeasurementKind.AorticVmax or MeasurementKind.PulmonicVmax => (1, [3.0m, 4.0m, 5.0m]),
        MeasurementKind.AorticMeanGradient => (0, [20m, 40m]),
        MeasurementKind.MitralMeanGradient => (0, []),
        MeasurementKind.PulmonicPeakGradient => (0, [36m, 40m, 64m]),
        MeasurementKind.Pasp => (0, [50m]),
        MeasurementKind.AorticValveArea => (1, [1.0m]),
        MeasurementKind.MitralValveAreaPlanimetry or MeasurementKind.MitralValveAreaPressureHalfTime or MeasurementKind.MitralValveAreaPisa => (1, [1.5m]),
        MeasurementKind.AorticValveAreaIndex => (2, [0.6m]),
        MeasurementKind.Lvef => (0, [50m]),
        MeasurementKind.MitralPressureHalfTime => (0, [150m]),
        MeasurementKind.StrokeVolumeIndex => (0, []),
        MeasurementKind.StsProm or MeasurementKind.EuroScoreII => (1, [4m, 8m]),
        MeasurementKind.ClinicalFrailtyScale => (0, [5m, 6m]),
        MeasurementKind.WilkinsScore => (0, [8m]),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown measurement."),
    };

    /// <summary>A value at clinical precision (<c>4.5</c> m/s, <c>48</c> mmHg, <c>0.7</c> cm²).</summary>
    public static string Number(MeasurementKind kind, decimal value)
    {
        var (places, thresholds) = Precision(kind);
        var rounded = Math.Round(value, places, MidpointRounding.AwayFromZero);
        while (places < 3 && rounded != value && thresholds.Contains(rounded))
        {
            rounded = Math.Round(value, ++places, MidpointRounding.AwayFromZero);
        }

        return rounded.ToString("F" + places.ToString(Invariant), Invariant);
    }

    /// <summary>The unit as a clinician writes it.</summary>
    public static string Unit(string unit) => unit switch
    {
        "mm[Hg]" => "mmHg",
        "cm2" => "cm²",
        "cm2/m2" => "cm²/m²",
        "mL/m2" => "mL/m²",
        "%" => "%",
        "1" or "" => "",
        _ => unit,
    };

    /// <summary>The value with its comparator and unit, e.g. <c>4.5 m/s</c>, <c>&lt; 0.8 cm²</c>, <c>9.1 %</c>.</summary>
    public static string Value(Measurement m)
    {
        ArgumentNullException.ThrowIfNull(m);
        var bound = m.Comparator is { } comparator ? Threshold.Symbol(comparator) + " " : "";
        var unit = Unit(m.Unit);
        return $"{bound}{Number(m.Kind, m.Value)}{(unit.Length == 0 ? "" : " " + unit)}";
    }

    public static string Date(DateTimeOffset when) => when.ToString("yyyy-MM-dd", Invariant);

    /// <summary>The measurement's date; a partial date says which day it was counted as.</summary>
    public static string Date(Measurement m)
    {
        ArgumentNullException.ThrowIfNull(m);
        return m.DateAsRecorded is { } partial ? $"{partial} (counted as {Date(m.EffectiveAt)})" : Date(m.EffectiveAt);
    }

    /// <summary>e.g. <c>Aortic Vmax 4.5 m/s (2026-10-20)</c>.</summary>
    public static string Describe(Measurement m)
    {
        ArgumentNullException.ThrowIfNull(m);
        return $"{Name(m.Kind)} {Value(m)} ({Date(m)}{(m.Preliminary ? ", preliminary" : "")})";
    }

    /// <summary>What a value was before conversion: <c>430 cm/s</c>, or <c>0.55 (fraction)</c> for a percentage.</summary>
    public static string Recorded(RecordedValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var number = value.Value.ToString("0.####", Invariant);
        return value.Unit is "1" or "" ? $"{number} (fraction)" : $"{number} {value.Unit}";
    }

    // ---- Valves and procedures ----

    public static string ValveName(Valve valve) => valve switch
    {
        Valve.Aortic => "aortic",
        Valve.Mitral => "mitral",
        Valve.Pulmonary => "pulmonary",
        _ => throw new ArgumentOutOfRangeException(nameof(valve), valve, "Unknown valve."),
    };

    public static string Disease(Valve valve) => valve switch
    {
        Valve.Aortic => "Aortic stenosis",
        Valve.Mitral => "Mitral stenosis",
        Valve.Pulmonary => "Pulmonary stenosis",
        _ => throw new ArgumentOutOfRangeException(nameof(valve), valve, "Unknown valve."),
    };

    public static string Procedure(Valve valve) => valve switch
    {
        Valve.Aortic => "balloon aortic valvuloplasty (BAV)",
        Valve.Mitral => "percutaneous mitral balloon commissurotomy (PMBC)",
        Valve.Pulmonary => "balloon pulmonary valvuloplasty (BPV)",
        _ => throw new ArgumentOutOfRangeException(nameof(valve), valve, "Unknown valve."),
    };

    public static string Abbreviation(Valve valve) => valve switch
    {
        Valve.Aortic => "BAV",
        Valve.Mitral => "PMBC",
        Valve.Pulmonary => "BPV",
        _ => throw new ArgumentOutOfRangeException(nameof(valve), valve, "Unknown valve."),
    };

    /// <summary>What may come next when a balloon's relief wears off, named for the valve (docs/clinical-rules.md §7).</summary>
    public static string NextProcedure(Valve valve) => valve switch
    {
        Valve.Aortic => "it may be time for TAVR or surgical aortic valve replacement",
        Valve.Mitral => "it may be time for a repeat balloon commissurotomy or mitral valve surgery",
        Valve.Pulmonary => "it may be time for a repeat balloon procedure or pulmonary valve replacement",
        _ => throw new ArgumentOutOfRangeException(nameof(valve), valve, "Unknown valve."),
    };

    public static string Wire(Decision decision) => decision switch
    {
        Decision.Candidate => "candidate",
        Decision.CandidateWithCaution => "candidate-with-caution",
        Decision.NotCandidate => "not-candidate",
        Decision.InsufficientData => "insufficient-data",
        Decision.PostProcedure => "post-procedure",
        _ => throw new ArgumentOutOfRangeException(nameof(decision), decision, "Unknown decision."),
    };

    public static string Wire(BridgeToTavr bridge) => bridge switch
    {
        BridgeToTavr.Yes => "yes",
        BridgeToTavr.No => "no",
        BridgeToTavr.Deferred => "deferred",
        _ => throw new ArgumentOutOfRangeException(nameof(bridge), bridge, "Unknown bridge flag."),
    };

    public static string DecisionLine(ValveAssessment a)
    {
        ArgumentNullException.ThrowIfNull(a);
        var team = a.Pediatric ? "pediatric cardiology" : "Heart Team";
        return a.Decision switch
        {
            Decision.Candidate => $"Candidate for {Procedure(a.Valve)}",
            Decision.CandidateWithCaution => $"Candidate for {Procedure(a.Valve)}, with caution: {team} review",
            Decision.NotCandidate => $"Not a candidate for {Procedure(a.Valve)}",
            Decision.InsufficientData => $"Insufficient data to decide on {Procedure(a.Valve)}",
            Decision.PostProcedure => $"After {Procedure(a.Valve)}: follow-up care",
            _ => throw new ArgumentOutOfRangeException(nameof(a), a.Decision, "Unknown decision."),
        } + (a.Pediatric ? " (pediatric pathway)" : "");
    }

    public static string DecisionSupportNotice(bool pediatric) => pediatric
        ? "_Decision support only: confirm with pediatric or congenital cardiology before acting._"
        : "_Decision support only: confirm with the Heart Team before acting._";

    // ---- Summaries ----

    /// <summary>The card's summary: what the decisive statement means for this valve.</summary>
    public static string Summary(ValveAssessment a)
    {
        ArgumentNullException.ThrowIfNull(a);
        var disease = Disease(a.Valve);
        var abbreviation = Abbreviation(a.Valve);
        return a.Decisive switch
        {
            RecentBalloon when a.Valve == Valve.Aortic && a.Statements.OfType<TavrAlreadyPlanned>().Any() => "Recent balloon aortic valvuloplasty: follow-up care; the planned TAVR is next",
            RecentBalloon when a.Valve == Valve.Aortic && !a.Pediatric => "Recent balloon aortic valvuloplasty: follow-up care and TAVR planning",
            RecentBalloon => $"Recent {Procedure(a.Valve)[..Procedure(a.Valve).IndexOf(" (", StringComparison.Ordinal)]}: follow-up care",
            DiagnosisUnconfirmed => $"{disease} unconfirmed: confirm the diagnosis before a {abbreviation} decision",
            BirthDateMissing => $"{disease}: date of birth needed before a {abbreviation} decision (adult and pediatric criteria differ)",
            EchoMissing => $"{disease}: no echo on record; order a TTE before a {abbreviation} decision",
            EchoStale stale => $"{disease}: echo more than {stale.FreshnessDays} days old; repeat TTE before a {abbreviation} decision",
            EchoPreliminaryOnly => $"{disease}: only a preliminary echo is recent; await the final report",
            BoundsUndecided => $"{disease} severity undecided (values recorded as bounds): repeat TTE before a {abbreviation} decision",
            OrderWithoutDiagnosis => $"Balloon {ValveName(a.Valve)} valvuloplasty ordered without a {ValveName(a.Valve)} stenosis diagnosis",
            AorticLowGradient { Pattern: LowGradientPattern.LvefUnknown } => "Aortic stenosis grading discordant: LVEF needed before a BAV decision",
            AorticLowGradient { Pattern: LowGradientPattern.ReducedLvef } => "Low-flow low-gradient AS with reduced LVEF: dobutamine stress echo before a BAV decision",
            AorticLowGradient => "Low-gradient AS with normal LVEF: confirm severity (CT calcium score) before a BAV decision",
            AorticNotSevere notSevere => $"Aortic stenosis {GradeText(notSevere.Grade)}, not severe: balloon valvuloplasty not indicated",
            AorticRegurgitationSignificant when a.Pediatric => "Pediatric aortic stenosis with significant regurgitation: balloon valvuloplasty not advised",
            AorticRegurgitationSignificant => "Severe AS with significant aortic regurgitation: BAV not advised; Heart Team for valve replacement",
            HaemodynamicallyUnstable => $"Severe AS, haemodynamically unstable: BAV {Caution(a)}as a bridge to TAVR or SAVR",
            UrgentNonCardiacSurgery => $"Severe AS before urgent non-cardiac surgery: BAV {Caution(a)}as a bridge",
            SurgicalRiskStated risk => $"Severe symptomatic AS at {RiskWord(risk.Risk)} surgical risk: BAV {Caution(a)}as a bridge to TAVR",
            SurgicalRiskUnknown => "Severe symptomatic AS: surgical risk needed before a BAV decision",
            AsymptomaticSevereAs { ReducedLvef: true } => "Asymptomatic severe AS with LVEF < 50 % (stage C2): refer for valve replacement; BAV not indicated",
            AsymptomaticSevereAs { VerySevere: true } => "Asymptomatic very severe AS (Vmax ≥ 5 m/s): refer for valve replacement evaluation; BAV not indicated",
            AsymptomaticSevereAs asymptomatic => $"Asymptomatic severe AS ({StageName(asymptomatic.Stage)}): surveillance or exercise test; BAV not indicated",
            DefinitiveAvr { Choice: AvrChoice.Savr } => "Severe symptomatic AS, lower surgical risk, under 65: SAVR is the route, not BAV",
            DefinitiveAvr { Choice: AvrChoice.Tavr } => "Severe symptomatic AS, lower surgical risk, over 80: TAVR is the route, not BAV",
            DefinitiveAvr => "Severe symptomatic AS, lower surgical risk: TAVR or SAVR (Heart Team), not BAV",
            SymptomsBackAfterBav => "Symptoms back after an earlier BAV: time for TAVR or SAVR; repeat BAV only as a bridge",
            PediatricAorticIndication { HighGradient: false, Dysfunction: false } => "Pediatric aortic stenosis below intervention criteria: surveillance",
            PediatricAorticIndication => "Pediatric aortic stenosis: balloon valvuloplasty candidate (pediatric pathway)",
            MitralSeverity => "Mitral stenosis not severe: PMBC not indicated",
            LeftAtrialThrombus => "Severe MS with left atrial thrombus: PMBC contraindicated; continue anticoagulation, repeat TEE",
            MitralRegurgitationStated => "Severe MS with moderate or worse MR: PMBC not advised; refer for mitral surgery",
            NoCommissuralFusion { NonRheumatic: true, OlderOrHighRisk: true } => "Calcific MS without commissural fusion: PMBC not effective; Heart Team review",
            NoCommissuralFusion => "Severe MS without commissural fusion: PMBC not effective; refer for surgery",
            UnfavourableMitralValve { MayProceed: true } => "Severe MS, unfavourable valve, high surgical risk: PMBC with caution (Heart Team)",
            UnfavourableMitralValve => "Severe MS with unfavourable valve morphology: refer for surgery",
            WilkinsMissing => "Severe MS: Wilkins score needed before a PMBC decision",
            SymptomsStated => "Severe symptomatic mitral stenosis, favourable valve: PMBC candidate",
            PulmonaryHypertension => "Severe MS with PASP > 50 mmHg: PMBC candidate",
            NewAtrialFibrillation => "Severe MS with new atrial fibrillation: PMBC may be considered",
            MitralSurveillance => "Severe asymptomatic mitral stenosis: surveillance, PMBC not yet indicated",
            PulmonaryRegurgitationSevere => "Pulmonary stenosis with severe regurgitation: BPV not advised",
            PulmonaryIndication { Pediatric: true, Met: true } => "Pediatric pulmonary stenosis, peak gradient > 40 mmHg: BPV candidate",
            PulmonaryIndication { Pediatric: true } => "Pediatric pulmonary stenosis ≤ 40 mmHg: surveillance",
            PulmonaryIndication { Grade: Grade.Severe } => "Severe pulmonary stenosis: balloon pulmonary valvuloplasty candidate",
            PulmonaryIndication { Grade: Grade.Moderate, Met: true } => "Moderate symptomatic pulmonary stenosis: balloon pulmonary valvuloplasty candidate",
            PulmonaryIndication { Grade: Grade.Moderate } => "Moderate asymptomatic pulmonary stenosis: surveillance",
            PulmonaryIndication => "Mild pulmonary stenosis: BPV not indicated",
            DysplasticPulmonaryValve => $"Pulmonary stenosis, dysplastic valve: BPV with caution ({(a.Pediatric ? "pediatric cardiology" : "Heart Team")})",
            _ => throw new ArgumentOutOfRangeException(nameof(a), a.Decisive.GetType().Name, "No summary for this statement."),
        };
    }

    /// <summary>"candidate " or, with moderate aortic regurgitation, "with caution (moderate AR) ".</summary>
    private static string Caution(ValveAssessment a) =>
        a.Decision == Decision.CandidateWithCaution ? "with caution (moderate AR) " : "candidate ";

    /// <summary>What a held balloon order waits for, from the assessment's data gap.</summary>
    public static string HoldUntil(ValveAssessment a)
    {
        ArgumentNullException.ThrowIfNull(a);
        return a.Decisive switch
        {
            EchoMissing => "a TTE grades the stenosis",
            EchoStale => "a repeat TTE",
            EchoPreliminaryOnly => "the final echo report is in",
            DiagnosisUnconfirmed => "the diagnosis is confirmed",
            BirthDateMissing => "the date of birth is recorded",
            SurgicalRiskUnknown => "surgical risk is documented",
            WilkinsMissing => "the Wilkins score is recorded",
            BoundsUndecided => "measured values replace the bounds",
            AorticLowGradient { Pattern: LowGradientPattern.ReducedLvef } => "a dobutamine stress echo grades the stenosis",
            AorticLowGradient { Pattern: LowGradientPattern.PreservedLvef } => "severity is confirmed (CT calcium score)",
            AorticLowGradient => "LVEF is measured",
            OrderWithoutDiagnosis => "a stenosis diagnosis is recorded",
            _ => "the missing data are obtained",
        };
    }

    // ---- Statements ----

    /// <summary>One statement as a sentence for the card's "Why" list.</summary>
    public static string Say(Statement statement, ValveAssessment? context = null)
    {
        ArgumentNullException.ThrowIfNull(statement);
        var pediatric = context?.Pediatric ?? false;
        return statement switch
        {
            DiagnosisStated d => $"Diagnosis: {d.Diagnosis.Display} ({d.Diagnosis.Source}{(d.Diagnosis.Onset is { } onset ? $", since {Date(onset)}" : "")}).",
            DiagnosisUnconfirmed u => $"{Disease(u.Valve)} is recorded but not confirmed (unconfirmed, provisional or differential): confirm it before a {Abbreviation(u.Valve)} decision.",
            OrderWithoutDiagnosis o => $"The order ({o.Order.Display}) has no matching active, confirmed or provisional {ValveName(o.Valve)} stenosis on the problem list.",
            BirthDateMissing => "No usable date of birth is recorded: adult and pediatric criteria differ, so no decision is made without it.",
            PediatricPathway p => $"Patient is {p.AgeYears} years old: pediatric pathway, decided with pediatric or congenital cardiology; the adult criteria{(p.Valve == Valve.Aortic ? " (surgical risk, bridge to TAVR)" : "")} do not apply.",
            RecentBalloon r => $"{Capitalised(Procedure(r.Valve))} completed on {Date(r.Procedure.PerformedAt!.Value)} ({r.Procedure.Source}): follow-up care, no new decision.",
            EchoPreliminaryOnly p => p.LastFinal is { } last
                ? $"Only a preliminary echo report is newer than the last final one ({Date(last)}, more than {p.FreshnessDays} days old); preliminary values are shown but not used for grading."
                : "Only a preliminary echo report is on record; its values are shown but not used for grading.",
            EchoMissing => "No usable echo measurement of the stenosis is on record.",
            EchoStale s => $"The latest echo ({Date(s.StudyDate)}) is more than {s.FreshnessDays} days old: severity must be re-measured before a decision.",
            BoundsUndecided b => $"{string.Join("; ", b.Bounds.Select(m => $"{Name(m.Kind)} recorded as {Value(m)}"))}: a bound that does not decide {CriterionText(b.Criterion)}; a measured value is needed.",
            SymptomsStated s => SymptomsText(s),
            NoSymptomsRecorded => "No symptoms recorded in the last 180 days (no NYHA class II–IV, dyspnea, syncope, angina, heart failure, edema or fatigue).",
            SurgicalRiskStated r => $"{Capitalised(RiskWord(r.Risk))} surgical risk: {RiskBasisText(r.Basis)}.",
            PregnancyStatusNeeded => "A woman aged 12–50: confirm pregnancy status before fluoroscopy.",
            PregnancyStated { Status: PregnancyStatus.NotPregnant } p => $"Pregnancy test negative ({p.Source}, within the last 30 days).",
            PregnancyStated p => PregnantText(p),
            AorticSevere s => $"Severe aortic stenosis, high gradient (Vmax ≥ 4.0 m/s or mean gradient ≥ 40 mmHg): {StageName(s.Stage)}.",
            AorticLowGradient l => LowGradientText(l),
            AorticNotSevere n => $"Aortic stenosis is {GradeText(n.Grade)}, not severe (Vmax below 4.0 m/s, mean gradient below 40 mmHg, no low-gradient pattern): balloon valvuloplasty is not indicated.",
            AorticRegurgitationSignificant ar => pediatric
                ? $"{Capitalised(SeverityText(ar.Finding.Severity))} aortic regurgitation ({ar.Finding.Source}): balloon dilation can worsen it; pediatric cardiac surgery or cardiology decides the treatment."
                : $"{Capitalised(SeverityText(ar.Finding.Severity))} aortic regurgitation ({ar.Finding.Source}): balloon dilation can worsen it, so BAV is not advised (clinical consensus; no guideline grades this). Refer for TAVR or SAVR (Heart Team).",
            AorticRegurgitationModerate ar => $"Moderate aortic regurgitation ({ar.Finding.Source}): dilation may worsen it; size the balloon conservatively.",
            HaemodynamicallyUnstable u => $"Haemodynamically unstable ({string.Join(", ", u.Sources)}): BAV may stabilise the patient as a bridge to TAVR or SAVR.",
            UrgentNonCardiacSurgery s => $"Urgent non-cardiac surgery within 30 days ({s.Order.Display}, {s.Order.Source}): BAV may be considered before it, as a bridge to definitive valve treatment.",
            SurgicalRiskUnknown => "No surgical risk is documented (STS-PROM, EuroSCORE II, frailty or a Heart Team category): the BAV decision turns on it.",
            AsymptomaticSevereAs a => AsymptomaticText(a),
            DefinitiveAvr avr => DefinitiveAvrText(avr),
            BavIsPalliation => "BAV relieves for months, not years: restenosis and recurrent symptoms usually follow within 6–12 months, so the TAVR or SAVR plan starts now.",
            SymptomsBackAfterBav back => $"Symptoms are back after the BAV of {Date(back.Bav.PerformedAt!.Value)} ({back.Bav.Source}): {BackSymptoms(back)}, with no valve replacement since. A repeat BAV is at most a bridge: it is time for TAVR or SAVR.",
            TavrAlreadyPlanned t => $"A TAVR order is already active or drafted ({t.Order.Display}, {t.Order.Source}): no new TAVR evaluation is proposed.",
            PediatricAorticIndication p => PediatricAorticText(p),
            MitralSeverity m => MitralSeverityText(m),
            LeftAtrialThrombus t => ThrombusText(t),
            MitralRegurgitationStated mr => MitralRegurgitationText(mr),
            CommissuralMorphology c => MorphologyText(c),
            NoCommissuralFusion f => f.NonRheumatic
                ? "Calcific (non-rheumatic) mitral stenosis without documented commissural fusion: the balloon has nothing to split, so PMBC is not effective."
                    + (f.OlderOrHighRisk ? " At this age or surgical risk, the options (surgery or a transcatheter approach) are a Heart Team question." : " Refer to cardiac surgery.")
                : "No commissural fusion on imaging: the balloon has nothing to split, so PMBC is not effective.",
            UnfavourableMitralValve u => $"Unfavourable valve ({UnfavourableWhy(u)}): " + (u.MayProceed
                ? "PMBC may still be considered because the patient is NYHA III–IV at high surgical risk, after Heart Team review."
                : "surgery gives the better result; PMBC is reserved for NYHA III–IV at high surgical risk."),
            WilkinsMissing => "No Wilkins score is recorded: valve morphology decides between PMBC and surgery.",
            FavourableMitralValve => "Favourable valve: Wilkins score 8 or less, with commissural fusion.",
            PulmonaryHypertension => "Asymptomatic, but pulmonary artery systolic pressure above 50 mmHg.",
            NewAtrialFibrillation af => $"Asymptomatic, with new-onset atrial fibrillation (since {Date(af.Finding.Onset!.Value)}, {af.Finding.Source}).",
            MitralSurveillance => "Asymptomatic, PASP not above 50 mmHg and no new atrial fibrillation: yearly clinical and echo review.",
            TeeStated { ClearTee: { } tee } => $"TEE on {Date(tee.EffectiveAt)} excluded left atrial thrombus ({tee.Source}).",
            TeeStated => "No TEE excluding left atrial thrombus within 30 days: one is needed before PMBC.",
            PulmonaryGradient g => (g.Measured is not null, pediatric) switch
            {
                (true, _) => $"Pulmonary stenosis is {GradeText(g.Grade)} by the measured peak gradient (mild < 36, moderate 36–64, severe > 64 mmHg).",
                (false, false) => $"Peak gradient estimated from Vmax as 4·v² = {Estimated(g)} mmHg: pulmonary stenosis is {GradeText(g.Grade)} (mild < 36, moderate 36–64, severe > 64 mmHg).",
                (false, true) => $"Peak gradient estimated from Vmax as 4·v² = {Estimated(g)} mmHg.",
            },
            PulmonaryRegurgitationSevere pr => pediatric
                ? $"Severe pulmonary regurgitation ({pr.Finding.Source}): balloon dilation would worsen it; pediatric or congenital cardiology decides the treatment."
                : $"Severe pulmonary regurgitation ({pr.Finding.Source}): balloon dilation would worsen it; surgery is the route for stenosis with severe regurgitation.",
            PulmonaryIndication i => PulmonaryIndicationText(i),
            DysplasticPulmonaryValve d => $"Dysplastic pulmonary valve ({d.Source}): balloon dilation is less effective and surgery may be needed"
                + (d.Noonan is { } noonan ? $"; Noonan syndrome is on the problem list ({noonan.Source}), a frequent cause of a dysplastic valve." : "."),
            AnticoagulationPlan or AnticoagulationWithThrombus or NoacWithMitralStenosis => throw new ArgumentException("Safety statements are worded by SafetyLines.", nameof(statement)),
            _ => throw new ArgumentOutOfRangeException(nameof(statement), statement.GetType().Name, "No wording for this statement."),
        };
    }

    private static string Estimated(PulmonaryGradient g) =>
        (g.FromVmax!.Comparator is { } b ? Threshold.Symbol(b) + " " : "") + Number(MeasurementKind.PulmonicPeakGradient, g.Gradient);

    private static string Capitalised(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    private static string GradeText(Grade grade) => grade switch
    {
        Grade.Mild => "mild",
        Grade.Moderate => "moderate",
        Grade.MildOrModerate => "mild or moderate",
        Grade.Severe => "severe",
        _ => throw new ArgumentOutOfRangeException(nameof(grade), grade, "Unknown grade."),
    };

    public static string StageName(AorticStage stage) => stage switch
    {
        AorticStage.C1 => "asymptomatic, LVEF ≥ 50 % (stage C1)",
        AorticStage.C2 => "asymptomatic, LVEF < 50 % (stage C2)",
        AorticStage.C => "asymptomatic, LVEF not measured (stage C)",
        AorticStage.D1 => "symptomatic (stage D1)",
        AorticStage.D2 => "symptomatic, low flow with reduced LVEF (stage D2)",
        AorticStage.D3 => "symptomatic, low gradient with normal LVEF (stage D3)",
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, "Unknown stage."),
    };

    private static string CriterionText(Criterion criterion) => criterion switch
    {
        Criterion.AorticSeverity => "whether the stenosis is severe (Vmax ≥ 4.0 m/s, mean gradient ≥ 40 mmHg, AVA ≤ 1.0 cm²)",
        Criterion.LvefBelow50 => "whether LVEF is below 50 %",
        Criterion.MitralSeverity => "whether the stenosis is severe (MVA ≤ 1.5 cm², or pressure half-time ≥ 150 ms)",
        Criterion.WilkinsAbove8 => "whether the Wilkins score is above 8",
        Criterion.PulmonaryGrade => "the grade (moderate 36–64, severe > 64 mmHg)",
        Criterion.PulmonaryPediatric => "whether the peak gradient is above 40 mmHg",
        _ => throw new ArgumentOutOfRangeException(nameof(criterion), criterion, "Unknown criterion."),
    };

    private static string RiskWord(SurgicalRisk risk) => risk switch
    {
        SurgicalRisk.Low => "low",
        SurgicalRisk.Intermediate => "intermediate",
        SurgicalRisk.High => "high",
        SurgicalRisk.Prohibitive => "prohibitive",
        SurgicalRisk.Unknown => "unknown",
        _ => throw new ArgumentOutOfRangeException(nameof(risk), risk, "Unknown risk."),
    };

    /// <summary>What a risk category rests on; a score's value is in the evidence table, so only its band is said here.</summary>
    private static string RiskBasisText(RiskBasis basis) => basis switch
    {
        { Category: { } category } => $"Heart Team risk category '{category.Answer}' ({Date(category.EffectiveAt)}, {category.Source})",
        { Score: { Kind: MeasurementKind.ClinicalFrailtyScale } frailty } => $"Clinical Frailty Scale {(frailty.AtLeast(6m) == true ? "6 or more" : "5")} ({frailty.Source})",
        { Score: { } score } => $"{Name(score.Kind)} {(score.Above(8m) == true ? "above 8 %" : score.Below(4m) == true ? "below 4 %" : "between 4 and 8 %")} ({score.Source})",
        _ => $"{basis.OrganSystems} organ-system comorbidities (severe CKD, cirrhosis, COPD, dementia, active cancer)",
    };

    private static string SymptomsText(SymptomsStated s)
    {
        var parts = new List<string>();
        if (s.Nyha is { } nyha)
        {
            parts.Add($"NYHA class {nyha.Answer} ({Date(nyha.EffectiveAt)}, {nyha.Source})");
        }

        parts.AddRange(s.Symptoms.Select(f => $"{SymptomName(f.Kind)} (since {Date(f.Onset!.Value)}, {f.Source})"));
        var symptomatic = s.NyhaClass is "II" or "III" or "IV" || s.Symptoms.Count > 0;
        var lead = s.Very ? "Very symptomatic" : symptomatic ? "Symptomatic, not severely" : "No limiting symptoms";
        return $"{lead}: {string.Join("; ", parts)}.";
    }

    private static string SymptomName(FindingKind kind) => kind switch
    {
        FindingKind.Dyspnea => "dyspnea",
        FindingKind.Syncope => "syncope",
        FindingKind.Angina => "angina",
        FindingKind.HeartFailure => "heart failure",
        FindingKind.Edema => "edema",
        FindingKind.Fatigue => "fatigue",
        _ => kind.ToString().ToLowerInvariant(),
    };

    private static string PregnantText(PregnancyStated p) => p.Valve switch
    {
        Valve.Mitral => $"Pregnant ({p.Source}): PMC is the intervention in pregnancy for severe symptoms or PASP above 50 mmHg despite therapy, preferably after the 20th week, in an experienced centre; plan with a pregnancy Heart Team.",
        Valve.Aortic => $"Pregnant ({p.Source}): plan with a pregnancy Heart Team; BAV in pregnancy is for severe symptoms, by an experienced operator, with minimal fluoroscopy.",
        Valve.Pulmonary => $"Pregnant ({p.Source}): plan with a pregnancy Heart Team; a balloon valvotomy can be done in pregnancy but is rarely needed.",
        _ => throw new ArgumentOutOfRangeException(nameof(p), p.Valve, "Unknown valve."),
    };

    private static string LowGradientText(AorticLowGradient l) => l.Pattern switch
    {
        LowGradientPattern.LvefUnknown => "Low-gradient pattern (AVA ≤ 1.0 cm² or AVAi ≤ 0.6 cm²/m² with a gradient below severe) and no LVEF to classify it.",
        LowGradientPattern.ReducedLvef => $"Low-flow, low-gradient pattern with reduced LVEF{(l.Symptomatic ? " (stage D2 if confirmed)" : "")}: a dobutamine stress echo separates true-severe from pseudo-severe stenosis.",
        LowGradientPattern.PreservedLvef => $"Low-gradient pattern with preserved LVEF{(l.Symptomatic ? " (stage D3 if confirmed)" : "")}: confirm with a normotensive re-measurement and a CT calcium score.",
        LowGradientPattern.ReducedLvefUnstable => "Low-flow, low-gradient severe aortic stenosis with reduced LVEF (stage D2), counted as severe because the patient is haemodynamically unstable.",
        _ => throw new ArgumentOutOfRangeException(nameof(l), l.Pattern, "Unknown pattern."),
    };

    private static string AsymptomaticText(AsymptomaticSevereAs a) =>
        a.ReducedLvef ? "Asymptomatic severe aortic stenosis with LVEF below 50 % (stage C2): valve replacement is indicated, so refer for its evaluation."
        : a.VerySevere ? "Asymptomatic very severe aortic stenosis (Vmax ≥ 5 m/s): early valve replacement may be considered at low procedural risk; refer for its evaluation."
        : $"Asymptomatic severe aortic stenosis with normal LVEF ({StageName(a.Stage)}): no valve intervention yet. Follow up closely, or exercise-test to unmask symptoms; valve replacement once symptoms, LVEF below 50 % or very severe stenosis appear.";

    private static string DefinitiveAvrText(DefinitiveAvr avr)
    {
        var lead = avr.VerySymptomatic
            ? "Severe symptomatic aortic stenosis, stable, at lower surgical risk: definitive valve replacement is indicated, not BAV."
            : "Severe aortic stenosis with symptoms that are not severe, in a stable patient: definitive valve replacement is indicated, not BAV.";
        var age = avr.AgeYears is { } years ? $"At {years}" : "By age";
        var choice = avr.Choice switch
        {
            AvrChoice.Savr => $"{age}, SAVR (AHA20: under 65; ESC21: under 75 at low surgical risk).",
            AvrChoice.Tavr => $"{age}, transfemoral TAVR (AHA20: over 80; ESC21: from 75).",
            AvrChoice.HeartTeamChoice => $"{age}, SAVR or TAVR is the Heart Team's choice with the patient (AHA20: 65–80; ESC21 favours SAVR under 75 at low surgical risk, TAVR from 75).",
            _ => throw new ArgumentOutOfRangeException(nameof(avr), avr.Choice, "Unknown choice."),
        };
        return $"{lead} {choice}";
    }

    private static string BackSymptoms(SymptomsBackAfterBav back)
    {
        var parts = new List<string>();
        if (back.NyhaClass is { } nyha)
        {
            parts.Add($"NYHA class {nyha}");
        }

        parts.AddRange(back.NewSymptoms.Select(s => $"{SymptomName(s.Kind)} since {Date(s.Onset!.Value)}"));
        return string.Join(", ", parts);
    }

    private static string PediatricAorticText(PediatricAorticIndication p) =>
        p.HighGradient ? "Mean gradient ≥ 40 mmHg or Vmax ≥ 4.0 m/s on echo: the service's echo counterpart of the pediatric indication (a catheter peak gradient ≥ 50 mmHg)."
        : p.Dysfunction ? "LVEF below 50 % with AVA ≤ 1.0 cm²: depressed LV function is a pediatric indication whatever the gradient."
        : "The pediatric criteria (mean gradient ≥ 40 mmHg or Vmax ≥ 4.0 m/s, or LVEF below 50 % with AVA ≤ 1.0 cm²) are not met: surveillance with pediatric cardiology.";

    private static string MitralSeverityText(MitralSeverity m) => (m.FromHalfTime, m.Severe) switch
    {
        (false, true) => "Severe mitral stenosis: valve area 1.5 cm² or less.",
        (false, false) => "Mitral valve area above 1.5 cm²: not severe; PMBC is for severe stenosis.",
        (true, true) => $"Severe mitral stenosis: no valve area measured; pressure half-time 150 ms or more{Estimate(m.Deciding)}.",
        (true, false) => $"No valve area measured; pressure half-time below 150 ms{Estimate(m.Deciding)}: not severe.",
    };

    private static string Estimate(Measurement halfTime) => halfTime.Comparator is null
        ? $" (MVA ≈ 220 / PHT ≈ {Number(MeasurementKind.MitralValveAreaPressureHalfTime, Math.Round(MitralRules.HalfTimeConstant / halfTime.Value, 2))} cm²)"
        : "";

    private static string ThrombusText(LeftAtrialThrombus t)
    {
        var drug = t.OnNoac ? " NOACs are not used with moderate-to-severe mitral stenosis: the NOAC is switched to a vitamin K antagonist."
            : t.Anticoagulated ? "" : " The patient is not anticoagulated: a vitamin K antagonist is started.";
        var text = $"Left atrial thrombus ({t.Source}): PMBC is contraindicated while it persists; anticoagulation is never interrupted.{drug}";
        return t.WomanOfChildbearingAge ? text + " " + Teratogenicity : text;
    }

    private const string Teratogenicity =
        "Warfarin is teratogenic (embryopathy after first-trimester exposure) and NOACs are contraindicated in pregnancy: discuss contraception and any pregnancy plans first.";

    private static string MitralRegurgitationText(MitralRegurgitationStated mr)
    {
        if (mr.Finding is not { } finding)
        {
            return "No mitral regurgitation is recorded.";
        }

        var grade = SeverityText(finding.Severity);
        return mr.Contraindicates
            ? $"Mitral regurgitation {grade} ({finding.Source}): PMBC would worsen it, a contraindication (ESC21: more than mild; AHA20: moderate or worse); refer for mitral surgery."
            : finding.Severity == SeverityGrade.MildToModerate
                ? $"Mitral regurgitation mild-to-moderate ({finding.Source}): below moderate, but ESC21 counts more than mild MR as a contraindication."
                : $"Mitral regurgitation {grade} ({finding.Source}): below moderate.";
    }

    private static string MorphologyText(CommissuralMorphology c)
    {
        var fusion = c.Fusion is { } f ? $"{f.Answer} ({Date(f.EffectiveAt)}, {f.Source})" : "not recorded";
        var calcification = c.Calcification is { } k ? $"{k.Answer} ({Date(k.EffectiveAt)}, {k.Source})" : "not recorded";
        return $"Commissures: fusion {fusion}; calcification {calcification}{(c.NonRheumatic ? "; the diagnosis is non-rheumatic (degenerative) mitral stenosis" : "")}.";
    }

    private static string UnfavourableWhy(UnfavourableMitralValve u) => (u.HighWilkins, u.Calcified) switch
    {
        (true, true) => "Wilkins score above 8 and bi-commissural or severe calcification",
        (true, false) => "Wilkins score above 8",
        _ => "bi-commissural or severe commissural calcification",
    };

    private static string PulmonaryIndicationText(PulmonaryIndication i) => (i.Pediatric, i.Grade, i.Met) switch
    {
        (true, _, true) => "Peak gradient above 40 mmHg: meets the pediatric indication for balloon valvuloplasty.",
        (true, _, false) => "Peak gradient 40 mmHg or less: below the pediatric threshold; surveillance with pediatric cardiology.",
        (false, Grade.Severe, _) => "Severe pulmonary stenosis: intervention is recommended whatever the symptoms, and balloon valvuloplasty is the intervention of choice for a suitable valve.",
        (false, Grade.Moderate, true) => "Moderate pulmonary stenosis with symptoms: balloon valvuloplasty is indicated.",
        (false, Grade.Moderate, false) => "Moderate pulmonary stenosis without symptoms: no intervention; surveillance.",
        (false, Grade.MildOrModerate, _) => "Mild or moderate pulmonary stenosis without symptoms: no intervention; surveillance.",
        _ => "Mild pulmonary stenosis: no intervention; surveillance.",
    };

    public static string SeverityText(SeverityGrade? grade) => grade switch
    {
        SeverityGrade.Mild => "mild",
        SeverityGrade.MildToModerate => "mild-to-moderate",
        SeverityGrade.Moderate => "moderate",
        SeverityGrade.ModerateToSevere => "moderate-to-severe",
        SeverityGrade.Severe => "severe",
        null => "of unrecorded severity",
        _ => throw new ArgumentOutOfRangeException(nameof(grade), grade, "Unknown severity."),
    };

    // ---- Safety ----

    /// <summary>The summary and the lines of a safety warning, worded for the drug and the situation.</summary>
    public static (string Summary, IReadOnlyList<string> Lines) Safety(SafetyWarning warning)
    {
        ArgumentNullException.ThrowIfNull(warning);
        return warning.Statement switch
        {
            AnticoagulationPlan { AfterProcedure: true } plan => (
                $"Anticoagulated after {Abbreviation(warning.Valve)} ({Truncate(DrugNames(plan.Drugs), 60)}): watch the groin; confirm when it resumes",
                AfterProcedureLines(plan, warning.Valve)),
            AnticoagulationPlan plan => (
                $"Anticoagulated ({Truncate(DrugNames(plan.Drugs), 60)}): plan periprocedural anticoagulation for {Abbreviation(warning.Valve)}",
                PlanLines(plan, warning.Valve)),
            AnticoagulationWithThrombus thrombus => (
                "Left atrial thrombus on anticoagulation: do not interrupt it; repeat the TEE before any PMBC",
                ThrombusLines(thrombus)),
            NoacWithMitralStenosis noac => (
                "Mitral stenosis with atrial fibrillation on a NOAC: a vitamin K antagonist is recommended instead",
                NoacLines(noac)),
            _ => throw new ArgumentOutOfRangeException(nameof(warning), warning.Statement.GetType().Name, "Not a safety statement."),
        };
    }

    private static string DrugNames(IEnumerable<AnticoagulantFact> drugs) =>
        string.Join(", ", drugs.Select(d => d.OnHold ? $"{d.Name} (on hold)" : d.Name).Distinct(StringComparer.OrdinalIgnoreCase));

    private static List<string> PlanLines(AnticoagulationPlan plan, Valve valve)
    {
        var lines = new List<string>
        {
            $"Anticoagulated: {DrugNames(plan.Drugs)}. Bleeding and groin-hematoma risk rise with anticoagulation; agree the periprocedural plan before the procedure.",
        };
        var access = valve == Valve.Aortic ? " (BAV uses large-bore arterial access)" : "";
        foreach (var group in plan.Drugs.GroupBy(d => d.Class).OrderBy(g => g.Key))
        {
            var names = DrugNames(group);
            lines.Add(group.Key switch
            {
                AnticoagulantClass.Noac => $"{names}: a NOAC is interrupted before the procedure on a schedule set by the drug, kidney function and bleeding risk, without heparin bridging{access}.",
                AnticoagulantClass.VitaminKAntagonist => $"{names}: a vitamin K antagonist is managed by INR: interrupted 3–5 days before a procedure with a high bleeding risk, without bridging at low or moderate thrombotic risk, and the INR checked before the procedure.",
                AnticoagulantClass.Heparin => $"{names}: a heparin is stopped before the procedure, its timing set by the drug and kidney function (local protocol).",
                _ => throw new ArgumentOutOfRangeException(nameof(plan), group.Key, "Unknown anticoagulant class."),
            });
        }

        if (plan.Drugs.Any(d => d.OnHold))
        {
            lines.Add("An order on hold is paused, not stopped: the plan covers when it resumes.");
        }

        if (plan.WomanOfChildbearingAge && plan.Drugs.Any(d => d.Class == AnticoagulantClass.VitaminKAntagonist))
        {
            lines.Add(Teratogenicity);
        }

        return lines;
    }

    private static List<string> AfterProcedureLines(AnticoagulationPlan plan, Valve valve)
    {
        var lines = new List<string>
        {
            $"Anticoagulated after {Procedure(valve)}: {DrugNames(plan.Drugs)}. Bleeding and groin-hematoma risk are higher while the access site heals: check the groin, and confirm when each anticoagulant resumes (usually once bleeding is controlled).",
        };
        if (plan.WomanOfChildbearingAge && plan.Drugs.Any(d => d.Class == AnticoagulantClass.VitaminKAntagonist))
        {
            lines.Add(Teratogenicity);
        }

        return lines;
    }

    private static List<string> ThrombusLines(AnticoagulationWithThrombus thrombus)
    {
        var lines = new List<string>
        {
            $"Left atrial thrombus: do not interrupt anticoagulation ({DrugNames(thrombus.Drugs)}); no periprocedural plan is made for a procedure that is not going ahead.",
        };
        if (thrombus.Drugs.Any(d => d.IsNoac))
        {
            lines.Add("Switch the NOAC to a vitamin K antagonist: NOACs are not used with moderate-to-severe mitral stenosis.");
        }

        lines.Add("Repeat the TEE after weeks of effective anticoagulation; PMBC is reconsidered only once the thrombus has resolved.");
        if (thrombus.WomanOfChildbearingAge)
        {
            lines.Add(Teratogenicity);
        }

        return lines;
    }

    private static List<string> NoacLines(NoacWithMitralStenosis noac)
    {
        var lines = new List<string>
        {
            $"Atrial fibrillation ({noac.AtrialFibrillation.Source}) with mitral stenosis, on {DrugNames(noac.Noacs)}.",
            "NOACs are not recommended in atrial fibrillation with moderate-to-severe mitral stenosis: switch to a vitamin K antagonist (warfarin, INR 2–3).",
        };
        if (noac.WomanOfChildbearingAge)
        {
            lines.Add(Teratogenicity);
        }

        return lines;
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    // ---- Next steps ----

    /// <summary>A next step as a sentence, for the valve and the pathway.</summary>
    public static string Step(NextStep step, Valve valve)
    {
        return step switch
        {
            NextStep.OrderTransthoracicEcho => "Order a transthoracic echocardiogram (TTE) to grade the stenosis.",
            NextStep.RepeatTransthoracicEcho => "Repeat the TTE: decisions need current, measured values.",
            NextStep.FinaliseEchoReport => "Ask for the final echo report; preliminary values are not used for decisions.",
            NextStep.OrderTransesophagealEcho => "Order a TEE to exclude left atrial thrombus.",
            NextStep.DobutamineStressEcho => "Low-dose dobutamine stress echo to separate true-severe from pseudo-severe stenosis.",
            NextStep.CtCalciumScore => "Re-measure when normotensive and obtain a CT aortic valve calcium score.",
            NextStep.ObtainSurgicalRisk => "Document surgical risk: STS-PROM or EuroSCORE II, frailty, or a Heart Team risk category.",
            NextStep.HeartTeamReferral => "Discuss with the Heart Team.",
            NextStep.TavrEvaluation => "Start the TAVR evaluation (CT angiography, access planning).",
            NextStep.SurgicalReferral => valve switch
            {
                Valve.Aortic => "Refer to cardiac surgery for surgical aortic valve replacement.",
                Valve.Mitral => "Refer to cardiac surgery for mitral valve surgery.",
                Valve.Pulmonary => "Refer to congenital cardiac surgery.",
                _ => throw new ArgumentOutOfRangeException(nameof(valve), valve, "Unknown valve."),
            },
            NextStep.Surveillance => "Continue clinical and echo surveillance at guideline intervals.",
            NextStep.SevereAsSurveillance => "Clinical and echo review at least every 6 months (AHA20: echo every 6–12 months).",
            NextStep.ExerciseTest => "Consider a supervised exercise test to unmask symptoms.",
            NextStep.SeekOtherCauseOfSymptoms => "Look for other causes of the symptoms.",
            NextStep.ConfirmDiagnosis => "Confirm the stenosis diagnosis (echo and problem list).",
            NextStep.PeriproceduralAnticoagulationPlan => "Agree the periprocedural anticoagulation plan: when each drug stops and resumes.",
            NextStep.SwitchNoacToVitaminKAntagonist => "Switch the NOAC to a vitamin K antagonist (warfarin, INR 2–3).",
            NextStep.RecordBirthDate => "Record the patient's date of birth: adult and pediatric criteria differ.",
            NextStep.PediatricCardiologyReferral => "Refer to pediatric or congenital cardiology.",
            NextStep.AnticoagulateAndRepeatTee => "Anticoagulate without interruption (a vitamin K antagonist) and repeat the TEE after weeks; if the thrombus persists, surgery.",
            NextStep.ConfirmPregnancyStatus => "Confirm pregnancy status (a pregnancy test) before fluoroscopy.",
            _ => throw new ArgumentOutOfRangeException(nameof(step), step, "Unknown next step."),
        };
    }

    // ---- Data notes ----

    /// <summary>A data note as a sentence.</summary>
    public static string Note(DataNote note)
    {
        ArgumentNullException.ThrowIfNull(note);
        var what = note.Measurement is { } kind ? Name(kind) : note.Coded is { } coded ? Name(coded) : "A value";
        return note.Kind switch
        {
            NoteKind.NoDate => $"{what} in {note.Source} has no effective date or issued time; not used.",
            NoteKind.NoValue => $"{what} in {note.Source} has no numeric value; not used.",
            NoteKind.UnknownComparator => $"{what} in {note.Source} has an unknown comparator; not used.",
            NoteKind.UnknownUnit => $"{what} {note.Value?.ToString("0.####", Invariant)} {note.Unit} ({note.Source}): '{note.Unit}' is not a unit of {Dimension(note.Measurement)}; not used.",
            NoteKind.Implausible => $"{what} {Number(note.Measurement!.Value, note.Value!.Value)} {Unit(note.Unit!)} ({note.Source}) is outside the plausible range {note.Min?.ToString("0.##", Invariant)}–{note.Max?.ToString("0.##", Invariant)}; not used.",
            NoteKind.FutureDate => $"{what} in {note.Source} is dated {note.Detail}, in the future; not used.",
            NoteKind.KeyUnavailable => $"The patient's {KeyName(note.Key)} could not be read; this advice does not take them into account.",
            NoteKind.KeyPartlyUnused => $"Part of the patient's {KeyName(note.Key)} could not be used: {string.Join("; ", note.Items.Take(3))}{(note.Items.Count > 3 ? "; …" : "")}.",
            NoteKind.ResourceUnreadable => $"{note.Source} could not be read and was skipped.",
            NoteKind.MedicationUnresolved => $"{note.Items.Count} medication order(s) name their medication only by a reference that was not sent ({string.Join(", ", note.Items.Take(3))}{(note.Items.Count > 3 ? ", …" : "")}): whether they are anticoagulants is unknown.",
            _ => throw new ArgumentOutOfRangeException(nameof(note), note.Kind, "Unknown note."),
        };
    }

    /// <summary>A unit conversion, for the data notes.</summary>
    public static string Converted(Measurement m)
    {
        ArgumentNullException.ThrowIfNull(m);
        return $"{Name(m.Kind)}: {Recorded(m.ConvertedFrom!)} converted to {Value(m)} ({m.Source}).";
    }

    private static string Dimension(MeasurementKind? kind) => kind switch
    {
        MeasurementKind.AorticValveArea or MeasurementKind.MitralValveAreaPlanimetry or MeasurementKind.MitralValveAreaPressureHalfTime
            or MeasurementKind.MitralValveAreaPisa => "area",
        MeasurementKind.AorticValveAreaIndex => "indexed area",
        MeasurementKind.AorticVmax or MeasurementKind.PulmonicVmax => "velocity",
        MeasurementKind.AorticMeanGradient or MeasurementKind.MitralMeanGradient or MeasurementKind.PulmonicPeakGradient or MeasurementKind.Pasp => "pressure",
        MeasurementKind.MitralPressureHalfTime => "time",
        MeasurementKind.Lvef or MeasurementKind.StsProm or MeasurementKind.EuroScoreII => "percentage",
        MeasurementKind.StrokeVolumeIndex => "indexed volume",
        _ => "a score",
    };

    private static string KeyName(string? key) => key switch
    {
        PrefetchKeys.Patient => "demographics",
        PrefetchKeys.Conditions => "conditions",
        PrefetchKeys.Observations => "observations",
        PrefetchKeys.Procedures => "procedures",
        PrefetchKeys.ServiceRequests => "orders",
        PrefetchKeys.Medications => "medications",
        PrefetchKeys.RiskAssessments => "risk assessments",
        _ => key ?? "data",
    };
}
