using System.Globalization;
using Valvuloplasty.Fhir.Data.Worklist;
using Valvuloplasty.Fhir.Rules.Engine;
using Valvuloplasty.Fhir.Rules.Facts;

namespace Valvuloplasty.Fhir.Cards;

/// <summary>
/// One patient's assessment per valve, as the hook's <c>patient-view</c> cards state it: the card contract (valve,
/// decision, bridge to TAVR, the union of the codes of every card of that valve), the assessment card's summary, its
/// evidence and next steps. The population worklist lists these lines, and the SMART app shows them, so neither can
/// disagree with a card.
/// </summary>
public sealed class AssessmentLines(CardRenderer renderer, RuleOptions rules)
{
    /// <summary>One line per valve assessed, when the hook would show the patient a card; none otherwise.</summary>
    public IEnumerable<WorklistLine> Of(string patientId, PatientFacts facts, DateTimeOffset asOf)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var evaluation = RuleCatalog.Evaluate(facts, [], HookKind.PatientView, asOf, rules);
        var cards = renderer.RenderWithFacts(evaluation, facts.PatientReference);
        if (cards.Count == 0)
        {
            yield break;
        }

        foreach (var assessment in evaluation.Assessments)
        {
            var ofValve = cards.Where(c => c.Facts.Valve == assessment.Valve).ToList();
            var summary = ofValve.FirstOrDefault(c => c.Facts.Topic == CardTopics.Assessment)?.Card.Summary ?? CardText.Summary(assessment);
            yield return new WorklistLine(
                patientId,
                CardText.ValveName(assessment.Valve),
                CardText.Wire(assessment.Decision),
                assessment.Valve == Valve.Aortic && assessment.Bridge is { } bridge ? CardText.Wire(bridge) : null,
                [.. ofValve.SelectMany(c => c.Facts.Codes).Distinct(StringComparer.Ordinal)],
                summary,
                [.. assessment.Evidence.Select(Evidence)],
                [.. assessment.NextSteps.Select(step => CardText.Step(step, assessment.Valve)).Distinct(StringComparer.Ordinal)]);
        }
    }

    /// <summary>A measurement as the card's evidence table shows it: the value at clinical precision, the unit, the date.</summary>
    private static WorklistEvidence Evidence(Measurement m) =>
        new(CardText.Name(m.Kind),
            decimal.TryParse(CardText.Number(m.Kind, m.Value), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : m.Value,
            CardText.Unit(m.Unit) is { Length: > 0 } unit ? unit : null,
            CardText.Date(m),
            m.Source);
}
