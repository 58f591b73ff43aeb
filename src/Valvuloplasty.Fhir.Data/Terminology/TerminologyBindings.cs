using System.Collections.Frozen;
using Valvuloplasty.Fhir.Rules.Facts;

namespace Valvuloplasty.Fhir.Data.Terminology;

/// <summary>
/// Which ValueSet in <c>profiles/</c> stands for which concept the rules read. These are ValueSet
/// ids (names), never codes: the codes live only in the ValueSet files.
/// </summary>
public static class TerminologyBindings
{
    public static readonly FrozenDictionary<Valve, string> Stenosis = new Dictionary<Valve, string>
    {
        [Valve.Aortic] = "aortic-stenosis",
        [Valve.Mitral] = "mitral-stenosis",
        [Valve.Pulmonary] = "pulmonary-stenosis",
    }.ToFrozenDictionary();

    public const string NonRheumaticMitralStenosis = "mitral-stenosis-nonrheumatic";

    public static readonly FrozenDictionary<Valve, string> Regurgitation = new Dictionary<Valve, string>
    {
        [Valve.Aortic] = "aortic-regurgitation",
        [Valve.Mitral] = "mitral-regurgitation",
        [Valve.Pulmonary] = "pulmonary-regurgitation",
    }.ToFrozenDictionary();

    public static readonly FrozenDictionary<SeverityGrade, string> Severity = new Dictionary<SeverityGrade, string>
    {
        [SeverityGrade.Mild] = "severity-mild",
        [SeverityGrade.MildToModerate] = "severity-mild-to-moderate",
        [SeverityGrade.Moderate] = "severity-moderate",
        [SeverityGrade.ModerateToSevere] = "severity-moderate-to-severe",
        [SeverityGrade.Severe] = "severity-severe",
    }.ToFrozenDictionary();

    public static readonly FrozenDictionary<FindingKind, string> Findings = new Dictionary<FindingKind, string>
    {
        [FindingKind.Thrombus] = "intracardiac-thrombus",
        [FindingKind.AtrialFibrillation] = "atrial-fibrillation",
        [FindingKind.CardiogenicShock] = "cardiogenic-shock",
        [FindingKind.AcuteHeartFailure] = "acute-heart-failure",
        [FindingKind.Dyspnea] = "symptom-dyspnea",
        [FindingKind.Syncope] = "symptom-syncope",
        [FindingKind.Angina] = "symptom-angina",
        [FindingKind.HeartFailure] = "symptom-heart-failure",
        [FindingKind.Edema] = "symptom-edema",
        [FindingKind.Fatigue] = "symptom-fatigue",
        [FindingKind.HistoryOfAorticValveReplacement] = "history-of-aortic-valve-replacement",
        [FindingKind.ChronicKidneyDiseaseSevere] = "comorbidity-ckd-severe",
        [FindingKind.Cirrhosis] = "comorbidity-cirrhosis",
        [FindingKind.Copd] = "comorbidity-copd",
        [FindingKind.Dementia] = "comorbidity-dementia",
        [FindingKind.ActiveCancer] = "comorbidity-active-cancer",
        [FindingKind.Pregnancy] = "pregnancy-condition",
        [FindingKind.NoonanSyndrome] = "noonan-syndrome",
    }.ToFrozenDictionary();

    public static readonly FrozenDictionary<MeasurementKind, string> Measurements = new Dictionary<MeasurementKind, string>
    {
        [MeasurementKind.AorticVmax] = "aortic-vmax",
        [MeasurementKind.AorticMeanGradient] = "aortic-mean-gradient",
        [MeasurementKind.AorticValveArea] = "aortic-valve-area",
        [MeasurementKind.AorticValveAreaIndex] = "aortic-valve-area-index",
        [MeasurementKind.Lvef] = "lvef",
        [MeasurementKind.MitralValveAreaPlanimetry] = "mitral-valve-area-planimetry",
        [MeasurementKind.MitralValveAreaPressureHalfTime] = "mitral-valve-area-pht",
        [MeasurementKind.MitralValveAreaPisa] = "mitral-valve-area-pisa",
        [MeasurementKind.MitralPressureHalfTime] = "mitral-pressure-half-time",
        [MeasurementKind.MitralMeanGradient] = "mitral-mean-gradient",
        [MeasurementKind.Pasp] = "pasp",
        [MeasurementKind.PulmonicPeakGradient] = "pulmonic-peak-gradient",
        [MeasurementKind.PulmonicVmax] = "pulmonic-vmax",
        [MeasurementKind.StrokeVolumeIndex] = "stroke-volume-index",
        [MeasurementKind.StsProm] = "sts-prom",
        [MeasurementKind.EuroScoreII] = "euroscore-ii",
        [MeasurementKind.ClinicalFrailtyScale] = "clinical-frailty-scale",
        [MeasurementKind.WilkinsScore] = "wilkins-score",
    }.ToFrozenDictionary();

    public static readonly FrozenDictionary<CodedKind, string> CodedObservations = new Dictionary<CodedKind, string>
    {
        [CodedKind.NyhaClass] = "nyha-assessment",
        [CodedKind.SurgicalRiskCategory] = "surgical-risk-category",
        [CodedKind.LaThrombusTee] = "la-thrombus-tee",
        [CodedKind.CommissuralFusion] = "commissural-fusion",
        [CodedKind.CommissuralCalcification] = "commissural-calcification",
        [CodedKind.PulmonaryValveMorphology] = "pv-morphology",
        [CodedKind.PregnancyStatus] = "pregnancy-status",
    }.ToFrozenDictionary();

    /// <summary>NYHA class ("I".."IV") by ValueSet: LOINC answers and SNOMED findings.</summary>
    public static readonly FrozenDictionary<string, string> NyhaClasses = new Dictionary<string, string>
    {
        ["nyha-class-i"] = "I",
        ["nyha-class-ii"] = "II",
        ["nyha-class-iii"] = "III",
        ["nyha-class-iv"] = "IV",
    }.ToFrozenDictionary();

    public static readonly FrozenDictionary<ProcedureKind, string> Procedures = new Dictionary<ProcedureKind, string>
    {
        [ProcedureKind.BalloonAorticValvuloplasty] = "bav-procedure",
        [ProcedureKind.BalloonMitralCommissurotomy] = "pmbc-procedure",
        [ProcedureKind.BalloonPulmonaryValvuloplasty] = "bpv-procedure",
        [ProcedureKind.Tavr] = "tavr-procedure",
        [ProcedureKind.Savr] = "savr-procedure",
        [ProcedureKind.TransthoracicEcho] = "tte-procedure",
        [ProcedureKind.TransesophagealEcho] = "tee-procedure",
    }.ToFrozenDictionary();

    /// <summary>Echo study panels whose measurements are components (fetched with the observations; never measurements themselves).</summary>
    public const string EchoPanels = "echo-panels";

    public const string SurgicalProcedureCategory = "surgical-procedure-category";
    public const string Anticoagulants = "anticoagulants";
    public const string Noacs = "noacs";
    public const string VitaminKAntagonists = "vitamin-k-antagonists";

    /// <summary>Answers of the pregnancy status Observation (LOINC 82810-3).</summary>
    public const string PregnancyStatusPregnant = "pregnancy-status-pregnant";
    public const string PregnancyStatusNotPregnant = "pregnancy-status-not-pregnant";

    /// <summary>Codes of the orders the cards suggest, and the override reasons they offer.</summary>
    public const string HeartTeamReferral = "heart-team-referral";
    public const string TavrEvaluation = "tavr-evaluation";
    public const string OverrideReasons = "override-reasons";

    /// <summary>Every ValueSet the service needs; start-up fails when one is missing from profiles/.</summary>
    public static readonly IReadOnlyList<string> Required =
    [
        .. Stenosis.Values, NonRheumaticMitralStenosis, .. Regurgitation.Values, .. Severity.Values, .. Findings.Values,
        .. Measurements.Values, .. CodedObservations.Values, .. NyhaClasses.Keys, .. Procedures.Values,
        EchoPanels, SurgicalProcedureCategory, Anticoagulants, Noacs, VitaminKAntagonists, PregnancyStatusPregnant, PregnancyStatusNotPregnant, HeartTeamReferral, TavrEvaluation, OverrideReasons,
    ];

    /// <summary>Reverse lookups: ValueSet id → concept.</summary>
    public static readonly FrozenDictionary<string, MeasurementKind> MeasurementByValueSet = Measurements.ToFrozenDictionary(kv => kv.Value, kv => kv.Key);
    public static readonly FrozenDictionary<string, CodedKind> CodedByValueSet = CodedObservations.ToFrozenDictionary(kv => kv.Value, kv => kv.Key);
    public static readonly FrozenDictionary<string, FindingKind> FindingByValueSet = Findings.ToFrozenDictionary(kv => kv.Value, kv => kv.Key);
    public static readonly FrozenDictionary<string, Valve> StenosisByValueSet = Stenosis.ToFrozenDictionary(kv => kv.Value, kv => kv.Key);
    public static readonly FrozenDictionary<string, Valve> RegurgitationByValueSet = Regurgitation.ToFrozenDictionary(kv => kv.Value, kv => kv.Key);
    public static readonly FrozenDictionary<string, SeverityGrade> SeverityByValueSet = Severity.ToFrozenDictionary(kv => kv.Value, kv => kv.Key);
    public static readonly FrozenDictionary<string, ProcedureKind> ProcedureByValueSet = Procedures.ToFrozenDictionary(kv => kv.Value, kv => kv.Key);
}
