using Valvuloplasty.Fhir.Rules.Facts;

namespace Valvuloplasty.Fhir.Rules.Engine;

/// <summary>The CDS Hooks hook being answered, as far as the rules care.</summary>
public enum HookKind
{
    PatientView,
    OrderSelect,
    OrderSign,
}

/// <summary>
/// A drafted balloon valvuloplasty order and the assessment of its valve (docs/clinical-rules.md §8).
/// <paramref name="Supported"/> is false when the decision is not-candidate or insufficient-data:
/// the card then proposes to delete the draft.
/// </summary>
public sealed record OrderReview(OrderFact Order, Valve Valve, ValveAssessment Assessment, bool Supported);

/// <summary>A drafted TAVR/SAVR order for a patient who is not a BAV candidate: education only.</summary>
public sealed record ValveReplacementOrderAdvice(OrderFact Order, ProcedureKind Kind, Decision? AorticDecision);

/// <summary>
/// A valve procedure order drafted for a patient the record says is deceased (docs/clinical-rules.md §2): the one card
/// an order hook shows then.
/// </summary>
public sealed record DeceasedPatientNotice(OrderFact Order, Valve Valve);

/// <summary>Everything the rules concluded for one hook call; the host renders it into cards.</summary>
public sealed record Evaluation(
    HookKind Hook,
    IReadOnlyList<ValveAssessment> Assessments,
    BridgeRecommendation? Bridge,
    IReadOnlyList<EducationItems> Education,
    IReadOnlyList<SafetyWarning> Safety,
    IReadOnlyList<OrderReview> OrderReviews,
    ValveReplacementOrderAdvice? ReplacementOrderAdvice)
{
    /// <summary>Set instead of every other item when the patient is recorded as deceased and an order hook drafts a valve procedure.</summary>
    public DeceasedPatientNotice? Deceased { get; init; }

    public static Evaluation Empty(HookKind hook) => new(hook, [], null, [], [], [], null);

    public bool IsEmpty => Assessments.Count == 0 && Bridge is null && Education.Count == 0 && Safety.Count == 0
        && OrderReviews.Count == 0 && ReplacementOrderAdvice is null && Deceased is null;
}
