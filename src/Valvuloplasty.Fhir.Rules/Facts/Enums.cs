namespace Valvuloplasty.Fhir.Rules.Facts;

/// <summary>The three valves a balloon can dilate.</summary>
public enum Valve
{
    Aortic,
    Mitral,
    Pulmonary,
}

/// <summary>Numeric measurements the rules read, after unit normalisation (docs/clinical-rules.md §2, §4–§6, §9).</summary>
public enum MeasurementKind
{
    /// <summary>Aortic peak velocity, m/s.</summary>
    AorticVmax,
    /// <summary>Aortic mean gradient, mm[Hg].</summary>
    AorticMeanGradient,
    /// <summary>Aortic valve area, cm2.</summary>
    AorticValveArea,
    /// <summary>Indexed aortic valve area, cm2/m2.</summary>
    AorticValveAreaIndex,
    /// <summary>Left ventricular ejection fraction, %.</summary>
    Lvef,
    /// <summary>Mitral valve area by planimetry (preferred), cm2.</summary>
    MitralValveAreaPlanimetry,
    /// <summary>Mitral valve area by pressure half-time, cm2.</summary>
    MitralValveAreaPressureHalfTime,
    /// <summary>Mitral valve area by PISA, cm2.</summary>
    MitralValveAreaPisa,
    /// <summary>Mitral pressure half-time, ms.</summary>
    MitralPressureHalfTime,
    /// <summary>Mitral mean gradient, mm[Hg] (shown, not used for staging).</summary>
    MitralMeanGradient,
    /// <summary>Pulmonary artery systolic pressure, mm[Hg].</summary>
    Pasp,
    /// <summary>Pulmonic valve peak gradient, mm[Hg].</summary>
    PulmonicPeakGradient,
    /// <summary>Pulmonic valve peak velocity, m/s.</summary>
    PulmonicVmax,
    /// <summary>Stroke volume index, mL/m2.</summary>
    StrokeVolumeIndex,
    /// <summary>STS predicted risk of mortality, %.</summary>
    StsProm,
    /// <summary>EuroSCORE II, %.</summary>
    EuroScoreII,
    /// <summary>Clinical Frailty Scale, 1–9.</summary>
    ClinicalFrailtyScale,
    /// <summary>Wilkins echo score, 4–16.</summary>
    WilkinsScore,
}

/// <summary>Coded (non-numeric) observations the rules read.</summary>
public enum CodedKind
{
    /// <summary>NYHA functional class; the answer is "I".."IV".</summary>
    NyhaClass,
    /// <summary>Local surgical-risk-category: low|intermediate|high|prohibitive.</summary>
    SurgicalRiskCategory,
    /// <summary>Local la-thrombus-tee: present|absent.</summary>
    LaThrombusTee,
    /// <summary>Local commissural-fusion: present|absent.</summary>
    CommissuralFusion,
    /// <summary>Local commissural-calcification: none|unicommissural|bicommissural.</summary>
    CommissuralCalcification,
    /// <summary>Local pv-morphology: domed|dysplastic.</summary>
    PulmonaryValveMorphology,
    /// <summary>Pregnancy status (LOINC 82810-3): pregnant|not-pregnant|unknown.</summary>
    PregnancyStatus,
}

/// <summary>Clinical findings recorded as Conditions (other than stenosis and regurgitation).</summary>
public enum FindingKind
{
    Thrombus,
    AtrialFibrillation,
    CardiogenicShock,
    AcuteHeartFailure,
    Dyspnea,
    Syncope,
    Angina,
    HeartFailure,
    Edema,
    Fatigue,
    HistoryOfAorticValveReplacement,
    ChronicKidneyDiseaseSevere,
    Cirrhosis,
    Copd,
    Dementia,
    ActiveCancer,
    Pregnancy,
    NoonanSyndrome,
}

/// <summary>Severity grade from <c>Condition.severity</c>.</summary>
public enum SeverityGrade
{
    Mild,
    MildToModerate,
    Moderate,
    ModerateToSevere,
    Severe,
}

/// <summary>Procedures and orders the rules recognise.</summary>
public enum ProcedureKind
{
    BalloonAorticValvuloplasty,
    BalloonMitralCommissurotomy,
    BalloonPulmonaryValvuloplasty,
    Tavr,
    Savr,
    TransthoracicEcho,
    TransesophagealEcho,
}

/// <summary>Surgical risk category (docs/clinical-rules.md §2): highest signal wins.</summary>
public enum SurgicalRisk
{
    Unknown,
    Low,
    Intermediate,
    High,
    Prohibitive,
}
