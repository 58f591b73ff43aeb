using Valvuloplasty.Fhir.Rules.Content;
using Valvuloplasty.Fhir.Rules.Facts;

namespace Valvuloplasty.Fhir.Rules.Engine;

/// <summary>The decision for one valve (docs/clinical-rules.md §1).</summary>
public enum Decision
{
    Candidate,
    CandidateWithCaution,
    NotCandidate,
    InsufficientData,
    PostProcedure,
}

/// <summary>Whether balloon aortic valvuloplasty serves as a bridge to TAVR (docs/clinical-rules.md §4).</summary>
public enum BridgeToTavr
{
    Yes,
    No,
    Deferred,
}

/// <summary>A concrete next step the card proposes; the host turns some into FHIR suggestions.</summary>
public enum NextStep
{
    OrderTransthoracicEcho,
    RepeatTransthoracicEcho,
    FinaliseEchoReport,
    OrderTransesophagealEcho,
    DobutamineStressEcho,
    CtCalciumScore,
    ObtainSurgicalRisk,
    HeartTeamReferral,
    TavrEvaluation,
    SurgicalReferral,
    Surveillance,
    SevereAsSurveillance,
    ExerciseTest,
    SeekOtherCauseOfSymptoms,
    ConfirmDiagnosis,
    PeriproceduralAnticoagulationPlan,
    SwitchNoacToVitaminKAntagonist,
    RecordBirthDate,
    PediatricCardiologyReferral,
    AnticoagulateAndRepeatTee,
    ConfirmPregnancyStatus,
}

/// <summary>
/// The outcome of one valve's rules: protocol-free and wording-free, rendered into cards by the host.
/// <paramref name="Decisive"/> is the statement the card's summary turns on; <paramref name="Statements"/> the
/// reasons in order; <paramref name="Codes"/> the warn-/gap- item codes the assessment conveys;
/// <paramref name="Evidence"/> the measurements the decision rests on; <paramref name="Citations"/> ids of the
/// citation table.
/// </summary>
public sealed record ValveAssessment(
    Valve Valve,
    Decision Decision,
    BridgeToTavr? Bridge,
    Statement Decisive,
    IReadOnlyList<Statement> Statements,
    IReadOnlyList<string> Codes,
    IReadOnlyList<Measurement> Evidence,
    IReadOnlyList<DataNote> DataNotes,
    IReadOnlyList<NextStep> NextSteps,
    IReadOnlyList<string> Citations,
    bool Pediatric = false,
    bool Contraindicated = false)
{
    /// <summary>Candidate or candidate-with-caution: the procedure may go ahead.</summary>
    public bool ProcedureMayProceed => Decision is Decision.Candidate or Decision.CandidateWithCaution;
}

/// <summary>How the bridge-to-TAVR card is worded.</summary>
public enum BridgeKind
{
    /// <summary>Refer to the Heart Team for TAVR evaluation; BAV bridges to it.</summary>
    HeartTeamReferral,
    /// <summary>A TAVR order is active or drafted: TAVR is planned and BAV bridges to it.</summary>
    TavrPlanned,
    /// <summary>After an earlier BAV the symptoms are back: time for TAVR or SAVR.</summary>
    RepeatSymptomsAfterBav,
    /// <summary>A BAV was completed recently: keep the patient on the way to TAVR.</summary>
    AfterRecentBav,
    /// <summary>A BAV was completed recently and a TAVR order is active: TAVR is the next step.</summary>
    AfterRecentBavTavrPlanned,
    /// <summary>A TAVR order is drafted for a BAV candidate: consider BAV as a bridge.</summary>
    ConsiderBavBeforeDraftedTavr,
}

/// <summary>The bridge-to-TAVR recommendation, when bridgeToTavr is yes.</summary>
public sealed record BridgeRecommendation(BridgeKind Kind, bool ProhibitiveRisk, IReadOnlyList<string> Citations);

/// <summary>Procedure risks and aftercare to teach, per valve (docs/clinical-rules.md §7); <paramref name="Pediatric"/> words it for parents.</summary>
public sealed record EducationItems(Valve Valve, Decision Decision, IReadOnlyList<string> Codes, bool Pediatric = false);

/// <summary>A safety warning (anticoagulation, NOAC with mitral stenosis).</summary>
public sealed record SafetyWarning(
    Valve Valve,
    Decision? Decision,
    string Code,
    Statement Statement,
    IReadOnlyList<NextStep> NextSteps,
    IReadOnlyList<string> Citations,
    IReadOnlyList<string> Sources);
