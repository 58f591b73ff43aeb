using Valvuloplasty.Fhir.Rules.Engine;
using Valvuloplasty.Fhir.Rules.Facts;

namespace Valvuloplasty.Fhir.Rules.Content;

/// <summary>
/// One thing an assessment or a warning tells the clinician, as facts. The rules decide what to say; the card
/// renderer (one place) decides how it is worded, so every sentence a cardiologist reads is written once.
/// </summary>
public abstract record Statement;

/// <summary>The aortic stenosis stages of AHA20 (C1/C2 asymptomatic severe, D1–D3 symptomatic severe).</summary>
public enum AorticStage
{
    /// <summary>Asymptomatic severe, LVEF ≥ 50 %.</summary>
    C1,
    /// <summary>Asymptomatic severe, LVEF &lt; 50 %.</summary>
    C2,
    /// <summary>Asymptomatic severe, LVEF not measured.</summary>
    C,
    /// <summary>Symptomatic severe, high gradient.</summary>
    D1,
    /// <summary>Symptomatic severe, low flow, low gradient, reduced LVEF.</summary>
    D2,
    /// <summary>Symptomatic severe, low gradient, normal LVEF (paradoxical low flow).</summary>
    D3,
}

/// <summary>The grade of a stenosis.</summary>
public enum Grade
{
    Mild,
    Moderate,
    MildOrModerate,
    Severe,
}

/// <summary>Which threshold a bounded value could not decide.</summary>
public enum Criterion
{
    AorticSeverity,
    LvefBelow50,
    MitralSeverity,
    WilkinsAbove8,
    PulmonaryGrade,
    PulmonaryPediatric,
}

/// <summary>How an aortic low-gradient pattern is classified.</summary>
public enum LowGradientPattern
{
    /// <summary>No LVEF to classify it.</summary>
    LvefUnknown,
    /// <summary>Reduced LVEF: dobutamine stress echo separates true-severe from pseudo-severe.</summary>
    ReducedLvef,
    /// <summary>Preserved LVEF: normotensive re-measurement and CT calcium score.</summary>
    PreservedLvef,
    /// <summary>Reduced LVEF in an unstable patient: counted as severe.</summary>
    ReducedLvefUnstable,
}

/// <summary>Which valve replacement fits a symptomatic severe AS patient at low or intermediate risk, by age (AHA20 choice of AVR).</summary>
public enum AvrChoice
{
    /// <summary>Under 65: surgical AVR.</summary>
    Savr,
    /// <summary>Over 80: transfemoral TAVR.</summary>
    Tavr,
    /// <summary>65–80: the Heart Team chooses between SAVR and TAVR.</summary>
    HeartTeamChoice,
}

/// <summary>Pregnancy status as the record shows it.</summary>
public enum PregnancyStatus
{
    Unknown,
    Pregnant,
    NotPregnant,
}

// ---- Every valve ----

/// <summary>The qualifying diagnosis the assessment rests on.</summary>
public sealed record DiagnosisStated(StenosisDiagnosis Diagnosis) : Statement;

/// <summary>No confirmed diagnosis of the valve (unconfirmed, provisional, differential).</summary>
public sealed record DiagnosisUnconfirmed(Valve Valve) : Statement;

/// <summary>No usable birth date: adult and pediatric criteria differ.</summary>
public sealed record BirthDateMissing : Statement;

/// <summary>A balloon order for a valve with no qualifying stenosis diagnosis (§8).</summary>
public sealed record OrderWithoutDiagnosis(OrderFact Order, Valve Valve) : Statement;

/// <summary>Under 18: the pediatric pathway.</summary>
public sealed record PediatricPathway(int AgeYears, Valve Valve) : Statement;

/// <summary>A balloon procedure of the valve was completed within the post-procedure window.</summary>
public sealed record RecentBalloon(ProcedureFact Procedure, Valve Valve) : Statement;

/// <summary>Only a preliminary echo is newer than the last final one (which is older than the window, or absent).</summary>
public sealed record EchoPreliminaryOnly(DateTimeOffset? LastFinal, int FreshnessDays) : Statement;

/// <summary>No usable severity measurement.</summary>
public sealed record EchoMissing : Statement;

/// <summary>The latest usable study is older than the freshness window.</summary>
public sealed record EchoStale(DateTimeOffset StudyDate, int FreshnessDays) : Statement;

/// <summary>Values recorded as bounds that do not decide a threshold.</summary>
public sealed record BoundsUndecided(IReadOnlyList<Measurement> Bounds, Criterion Criterion) : Statement;

/// <summary>The patient's symptoms (NYHA and recent symptom conditions); <paramref name="Very"/>: NYHA III–IV, syncope, angina or heart failure.</summary>
public sealed record SymptomsStated(string? NyhaClass, CodedObservation? Nyha, IReadOnlyList<ClinicalFinding> Symptoms, bool Very) : Statement;

/// <summary>No symptoms recorded in the last 180 days.</summary>
public sealed record NoSymptomsRecorded : Statement;

/// <summary>The surgical risk category and what it rests on (a score is in the evidence table).</summary>
public sealed record SurgicalRiskStated(SurgicalRisk Risk, RiskBasis Basis) : Statement;

/// <summary>Pregnancy status must be known before fluoroscopy (a woman aged 12–50, candidate or caution).</summary>
public sealed record PregnancyStatusNeeded : Statement;

/// <summary>Recorded pregnancy status, shown when it answers the question or changes the plan.</summary>
public sealed record PregnancyStated(PregnancyStatus Status, string Source, Valve Valve) : Statement;

// ---- Aortic (§4) ----

/// <summary>Severe aortic stenosis and its stage; the deciding values are in the evidence table.</summary>
public sealed record AorticSevere(AorticStage Stage, bool HighGradient) : Statement;

/// <summary>A low-gradient pattern (AVA ≤ 1.0 cm² or AVAi ≤ 0.6 with a gradient below severe).</summary>
public sealed record AorticLowGradient(LowGradientPattern Pattern, bool Symptomatic) : Statement;

/// <summary>Not severe: moderate or mild.</summary>
public sealed record AorticNotSevere(Grade Grade) : Statement;

/// <summary>Severe or moderate-to-severe aortic regurgitation: balloon dilation can worsen it.</summary>
public sealed record AorticRegurgitationSignificant(RegurgitationFinding Finding) : Statement;

/// <summary>Moderate aortic regurgitation: a caution.</summary>
public sealed record AorticRegurgitationModerate(RegurgitationFinding Finding) : Statement;

/// <summary>Haemodynamically unstable (cardiogenic shock, acute heart failure within 30 days).</summary>
public sealed record HaemodynamicallyUnstable(IReadOnlyList<string> Sources) : Statement;

/// <summary>Urgent high-risk non-cardiac surgery within 30 days.</summary>
public sealed record UrgentNonCardiacSurgery(OrderFact Order) : Statement;

/// <summary>Very symptomatic, surgical risk not documented.</summary>
public sealed record SurgicalRiskUnknown : Statement;

/// <summary>Asymptomatic severe AS (C1/C2): surveillance or exercise test, AVR evaluation when LVEF &lt; 50 % or Vmax ≥ 5 m/s.</summary>
public sealed record AsymptomaticSevereAs(AorticStage Stage, bool VerySevere, bool ReducedLvef) : Statement;

/// <summary>Symptomatic severe AS at low or intermediate risk: definitive AVR, chosen by age.</summary>
public sealed record DefinitiveAvr(AvrChoice Choice, int? AgeYears, bool VerySymptomatic) : Statement;

/// <summary>BAV is palliation or a bridge: restenosis and recurrent symptoms usually within 6–12 months.</summary>
public sealed record BavIsPalliation : Statement;

/// <summary>An earlier BAV followed by recurrent symptoms and no valve replacement since.</summary>
public sealed record SymptomsBackAfterBav(ProcedureFact Bav, string? NyhaClass, IReadOnlyList<ClinicalFinding> NewSymptoms) : Statement;

/// <summary>A TAVR order is already active or drafted.</summary>
public sealed record TavrAlreadyPlanned(OrderFact Order) : Statement;

/// <summary>Pediatric aortic: which indication is met, or none.</summary>
public sealed record PediatricAorticIndication(bool HighGradient, bool Dysfunction) : Statement;

// ---- Mitral (§5) ----

/// <summary>Mitral severity from the valve area (or the pressure half-time when no area is measured).</summary>
public sealed record MitralSeverity(bool Severe, bool FromHalfTime, Measurement Deciding) : Statement;

/// <summary>Left atrial thrombus: PMBC contraindicated; anticoagulate without interruption and repeat the TEE.</summary>
public sealed record LeftAtrialThrombus(string Source, bool Anticoagulated, bool OnNoac, bool WomanOfChildbearingAge) : Statement;

/// <summary>The mitral regurgitation grade, shown on every PMBC card; <paramref name="Contraindicates"/> at moderate or worse.</summary>
public sealed record MitralRegurgitationStated(RegurgitationFinding? Finding, bool Contraindicates) : Statement;

/// <summary>Commissural morphology used by the decision: fusion and calcification as recorded.</summary>
public sealed record CommissuralMorphology(CodedObservation? Fusion, CodedObservation? Calcification, bool NonRheumatic) : Statement;

/// <summary>No commissural fusion: PMBC has nothing to split; <paramref name="OlderOrHighRisk"/> sends calcific MS to Heart Team review.</summary>
public sealed record NoCommissuralFusion(bool NonRheumatic, bool OlderOrHighRisk) : Statement;

/// <summary>Unfavourable valve (Wilkins &gt; 8, bicommissural or severe calcification); <paramref name="MayProceed"/> at NYHA III–IV and high risk.</summary>
public sealed record UnfavourableMitralValve(bool HighWilkins, bool Calcified, bool MayProceed) : Statement;

/// <summary>No Wilkins score: morphology decides between PMBC and surgery.</summary>
public sealed record WilkinsMissing : Statement;

/// <summary>Favourable valve: Wilkins ≤ 8 with commissural fusion.</summary>
public sealed record FavourableMitralValve : Statement;

/// <summary>Asymptomatic with PASP &gt; 50 mmHg.</summary>
public sealed record PulmonaryHypertension : Statement;

/// <summary>Asymptomatic with atrial fibrillation of recent onset.</summary>
public sealed record NewAtrialFibrillation(ClinicalFinding Finding) : Statement;

/// <summary>Asymptomatic, no PASP &gt; 50 and no new AF: surveillance.</summary>
public sealed record MitralSurveillance : Statement;

/// <summary>A TEE within 30 days excluded thrombus, or none did.</summary>
public sealed record TeeStated(CodedObservation? ClearTee) : Statement;

// ---- Pulmonary (§6) ----

/// <summary>The peak gradient, measured or estimated from Vmax (4·v²), and its grade.</summary>
public sealed record PulmonaryGradient(Grade Grade, Measurement? Measured, Measurement? FromVmax, decimal Gradient) : Statement;

/// <summary>Severe pulmonary regurgitation: balloon dilation would worsen it.</summary>
public sealed record PulmonaryRegurgitationSevere(RegurgitationFinding Finding) : Statement;

/// <summary>Which pulmonary indication is met (or none).</summary>
public sealed record PulmonaryIndication(Grade Grade, bool Pediatric, bool Symptomatic, bool Met) : Statement;

/// <summary>A dysplastic pulmonary valve; Noonan syndrome when on the problem list.</summary>
public sealed record DysplasticPulmonaryValve(string Source, ClinicalFinding? Noonan) : Statement;

// ---- Safety (§7) ----

/// <summary>The periprocedural anticoagulation plan, worded for the drugs (NOAC, VKA, heparin).</summary>
/// <param name="AfterProcedure">The balloon procedure is done (post-procedure): the plan is about the access site and resuming the drug.</param>
public sealed record AnticoagulationPlan(IReadOnlyList<AnticoagulantFact> Drugs, bool WomanOfChildbearingAge, bool AfterProcedure = false) : Statement;

/// <summary>With thrombus the plan is the opposite: never interrupt; switch a NOAC to a VKA; repeat TEE.</summary>
public sealed record AnticoagulationWithThrombus(IReadOnlyList<AnticoagulantFact> Drugs, bool WomanOfChildbearingAge) : Statement;

/// <summary>A NOAC with atrial fibrillation and mitral stenosis: a vitamin K antagonist instead.</summary>
public sealed record NoacWithMitralStenosis(ClinicalFinding AtrialFibrillation, IReadOnlyList<AnticoagulantFact> Noacs, bool WomanOfChildbearingAge) : Statement;
