using Valvuloplasty.Fhir.Rules.Content;
using Valvuloplasty.Fhir.Rules.Facts;
using Valvuloplasty.Fhir.Rules.Valves;

namespace Valvuloplasty.Fhir.Rules.Engine;

/// <summary>
/// The entry point of the rules: which valves to assess for a hook, and what to say about drafted
/// orders (docs/clinical-rules.md §8). Pure: facts, draft orders and <c>asOf</c> in; an <see cref="Evaluation"/> out.
/// </summary>
public static class RuleCatalog
{
    public static Evaluation Evaluate(
        PatientFacts facts,
        IReadOnlyList<OrderFact> draftOrders,
        HookKind hook,
        DateTimeOffset asOf,
        RuleOptions options)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(draftOrders);
        ArgumentNullException.ThrowIfNull(options);

        // A patient recorded as deceased gets no candidacy cards; an order hook drafting a valve procedure gets one warning.
        if (facts.Deceased)
        {
            var order = hook switch
            {
                HookKind.PatientView => null,
                HookKind.OrderSelect or HookKind.OrderSign => draftOrders.FirstOrDefault(o => BalloonValve(o.Kind) is not null || o.Kind is ProcedureKind.Tavr or ProcedureKind.Savr),
                _ => throw new ArgumentOutOfRangeException(nameof(hook), hook, "Unknown hook."),
            };
            return order is null
                ? Evaluation.Empty(hook)
                : Evaluation.Empty(hook) with { Deceased = new DeceasedPatientNotice(order, BalloonValve(order.Kind) ?? Valve.Aortic) };
        }

        // Draft orders also count as orders of the record (a drafted TAVR means TAVR is planned).
        var withDrafts = draftOrders.Count == 0 ? facts : facts with { Orders = [.. facts.Orders, .. draftOrders] };
        var picture = ClinicalPicture.From(withDrafts, asOf);

        return hook switch
        {
            HookKind.PatientView => PatientView(withDrafts, picture, asOf, options),
            HookKind.OrderSelect or HookKind.OrderSign => OrderEntry(withDrafts, draftOrders, hook, picture, asOf, options),
            _ => throw new ArgumentOutOfRangeException(nameof(hook), hook, "Unknown hook."),
        };
    }

    private static Evaluation PatientView(PatientFacts facts, ClinicalPicture picture, DateTimeOffset asOf, RuleOptions options)
    {
        var assessments = new List<ValveAssessment>();
        BridgeRecommendation? bridge = null;
        foreach (var valve in Enum.GetValues<Valve>())
        {
            var (assessment, valveBridge) = AssessValve(valve, facts, picture, asOf, options);
            if (assessment is not null)
            {
                assessments.Add(assessment);
                bridge ??= valveBridge;
            }
        }

        return Assemble(HookKind.PatientView, facts, picture, assessments, bridge, [], null, balloonValve: null);
    }

    private static Evaluation OrderEntry(
        PatientFacts facts, IReadOnlyList<OrderFact> draftOrders, HookKind hook, ClinicalPicture picture,
        DateTimeOffset asOf, RuleOptions options)
    {
        var balloonOrder = draftOrders.FirstOrDefault(o => BalloonValve(o.Kind) is not null);
        if (balloonOrder is not null)
        {
            var valve = BalloonValve(balloonOrder.Kind)!.Value;
            var (assessment, bridge) = AssessValve(valve, facts, picture, asOf, options);
            assessment ??= NoDiagnosis(valve, balloonOrder);
            var supported = assessment.Decision is Decision.Candidate or Decision.CandidateWithCaution;
            var review = new OrderReview(balloonOrder, valve, assessment, supported);
            return Assemble(hook, facts, picture, [assessment], bridge, [review], null, valve);
        }

        var replacementOrder = draftOrders.FirstOrDefault(o => o.Kind is ProcedureKind.Tavr or ProcedureKind.Savr);
        if (replacementOrder is not null)
        {
            var aortic = AorticRules.Assess(facts, picture, asOf, options);
            if (aortic?.Assessment.ProcedureMayProceed == true)
            {
                // A BAV candidate with a TAVR drafted: suggest BAV as the bridge to it.
                var bridge = aortic.Bridge! with
                {
                    Kind = BridgeKind.ConsiderBavBeforeDraftedTavr,
                };
                return Evaluation.Empty(hook) with { Bridge = bridge };
            }

            return Evaluation.Empty(hook) with
            {
                ReplacementOrderAdvice = new ValveReplacementOrderAdvice(replacementOrder, replacementOrder.Kind!.Value, aortic?.Assessment.Decision),
            };
        }

        return Evaluation.Empty(hook);
    }

    private static (ValveAssessment? Assessment, BridgeRecommendation? Bridge) AssessValve(
        Valve valve, PatientFacts facts, ClinicalPicture picture, DateTimeOffset asOf, RuleOptions options)
    {
        switch (valve)
        {
            case Valve.Aortic:
                var aortic = AorticRules.Assess(facts, picture, asOf, options);
                return (aortic?.Assessment, aortic?.Bridge);
            case Valve.Mitral:
                return (MitralRules.Assess(facts, picture, asOf, options), null);
            case Valve.Pulmonary:
                return (PulmonaryRules.Assess(facts, picture, asOf, options), null);
            default:
                throw new ArgumentOutOfRangeException(nameof(valve), valve, "Unknown valve.");
        }
    }

    private static ValveAssessment NoDiagnosis(Valve valve, OrderFact order) => new(
        valve,
        Decision.InsufficientData,
        valve == Valve.Aortic ? BridgeToTavr.Deferred : null,
        new OrderWithoutDiagnosis(order, valve),
        [new OrderWithoutDiagnosis(order, valve)],
        [ItemCodes.GapNoDiagnosis],
        [],
        [],
        [NextStep.ConfirmDiagnosis, NextStep.OrderTransthoracicEcho],
        [Citations.AhaEchoReassessment]);

    private static Evaluation Assemble(
        HookKind hook, PatientFacts facts, ClinicalPicture picture, List<ValveAssessment> assessments,
        BridgeRecommendation? bridge, IReadOnlyList<OrderReview> reviews, ValveReplacementOrderAdvice? advice, Valve? balloonValve)
    {
        var education = assessments.Select(EducationRules.For).OfType<EducationItems>().ToList();
        var safety = new List<SafetyWarning>();
        foreach (var a in assessments)
        {
            if (EducationRules.Anticoagulant(picture, a, balloonOrderDrafted: a.Valve == balloonValve) is { } warning)
            {
                safety.Add(warning);
            }

            if (a.Valve == Valve.Mitral && MitralRules.NoacWarning(facts, picture, a.Decision) is { } noac)
            {
                safety.Add(noac);
            }
        }

        return new Evaluation(hook, assessments, bridge, education, safety, reviews, advice);
    }

    /// <summary>The valve a balloon procedure dilates; null for any other procedure.</summary>
    public static Valve? BalloonValve(ProcedureKind? kind) => kind switch
    {
        ProcedureKind.BalloonAorticValvuloplasty => Valve.Aortic,
        ProcedureKind.BalloonMitralCommissurotomy => Valve.Mitral,
        ProcedureKind.BalloonPulmonaryValvuloplasty => Valve.Pulmonary,
        _ => null,
    };
}
