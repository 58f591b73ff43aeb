namespace Valvuloplasty.Fhir.Rules.Content;

/// <summary>
/// The card item codes of docs/clinical-rules.md §3–§8: what a card tells the clinician, in machine-readable form.
/// These are the service's own output vocabulary (CodeSystem <c>card-item-codes</c> in profiles/), not clinical input codes.
/// </summary>
public static class ItemCodes
{
    public const string RiskRegurgitation = "risk-regurgitation";
    public const string RiskEmbolism = "risk-embolism";
    public const string RiskArrhythmia = "risk-arrhythmia";
    public const string RiskBleeding = "risk-bleeding";
    public const string RiskHematoma = "risk-hematoma";
    public const string RiskPerforation = "risk-perforation";
    public const string CareLiftingRestriction = "care-lifting-restriction";
    public const string CareReturnPrecautions = "care-return-precautions";

    public const string WarnUnitsConverted = "warn-units-converted";
    public const string WarnUnknownUnit = "warn-unknown-unit";
    public const string WarnImplausibleValue = "warn-implausible-value";
    public const string WarnPediatricPathway = "warn-pediatric-pathway";
    public const string WarnPreliminary = "warn-preliminary";
    public const string WarnStaleEcho = "warn-stale-echo";
    public const string WarnDiscordantGrading = "warn-discordant-grading";
    public const string WarnAorticRegurgitation = "warn-aortic-regurgitation";
    public const string WarnMitralRegurgitation = "warn-mitral-regurgitation";
    public const string WarnPulmonaryRegurgitation = "warn-pulmonary-regurgitation";
    public const string WarnLaThrombus = "warn-la-thrombus";
    public const string WarnTeeNeeded = "warn-tee-needed";
    public const string WarnNoacMitralStenosis = "warn-noac-mitral-stenosis";
    public const string WarnDysplasticValve = "warn-dysplastic-valve";
    public const string WarnAnticoagulant = "warn-anticoagulant";
    public const string WarnUnconfirmedDiagnosis = "warn-unconfirmed-diagnosis";
    public const string WarnDataUnavailable = "warn-data-unavailable";
    public const string WarnFutureDate = "warn-future-date";
    public const string WarnValueBound = "warn-value-bound";
    public const string WarnPatientDeceased = "warn-patient-deceased";
    public const string WarnPregnancyStatus = "warn-pregnancy-status";
    public const string WarnPregnancy = "warn-pregnancy";

    public const string GapNoEcho = "gap-no-echo";
    public const string GapNoSurgicalRisk = "gap-no-surgical-risk";
    public const string GapNoValveMorphology = "gap-no-valve-morphology";
    public const string GapNoDiagnosis = "gap-no-diagnosis";
    public const string GapNoBirthDate = "gap-no-birth-date";
}
