using Valvuloplasty.Fhir.Rules.Content;
using Valvuloplasty.Fhir.Rules.Engine;
using Valvuloplasty.Fhir.Rules.Facts;

namespace Valvuloplasty.Fhir.Rules.Valves;

/// <summary>
/// Risk education and safety warnings, docs/clinical-rules.md §7: the procedure's risks and
/// aftercare when it may go ahead, the aftercare after it, and the anticoagulation plan worded for the drug.
/// </summary>
public static class EducationRules
{
    private static readonly IReadOnlyList<string> ProcedureRisks =
    [
        ItemCodes.RiskRegurgitation, ItemCodes.RiskEmbolism, ItemCodes.RiskArrhythmia, ItemCodes.RiskBleeding,
        ItemCodes.RiskHematoma, ItemCodes.RiskPerforation, ItemCodes.CareLiftingRestriction, ItemCodes.CareReturnPrecautions,
    ];

    private static readonly IReadOnlyList<string> PostProcedureItems =
    [
        ItemCodes.CareLiftingRestriction, ItemCodes.CareReturnPrecautions, ItemCodes.RiskBleeding, ItemCodes.RiskHematoma,
    ];

    /// <summary>
    /// The education items for an assessment, or null when none apply. A not-candidate or
    /// insufficient-data decision never gets the procedure risk list.
    /// </summary>
    public static EducationItems? For(ValveAssessment assessment)
    {
        ArgumentNullException.ThrowIfNull(assessment);
        return assessment.Decision switch
        {
            Decision.Candidate or Decision.CandidateWithCaution => new EducationItems(
                assessment.Valve,
                assessment.Decision,
                // Embolism to the systemic circulation is a left-heart risk; optional for pulmonary (§7).
                assessment.Valve == Valve.Pulmonary ? [.. ProcedureRisks.Where(c => c != ItemCodes.RiskEmbolism)] : ProcedureRisks,
                assessment.Pediatric),
            Decision.PostProcedure => new EducationItems(assessment.Valve, assessment.Decision, PostProcedureItems, assessment.Pediatric),
            Decision.NotCandidate or Decision.InsufficientData => null,
            _ => throw new ArgumentOutOfRangeException(nameof(assessment), assessment.Decision, "Unknown decision."),
        };
    }

    /// <summary>
    /// <c>warn-anticoagulant</c>: anticoagulated and a balloon procedure is possible, recent, or being ordered. The plan
    /// is worded for the drug (a NOAC is interrupted without heparin bridging, a vitamin K antagonist is managed by
    /// INR); with a left atrial thrombus it is the opposite: never interrupt.
    /// </summary>
    public static SafetyWarning? Anticoagulant(ClinicalPicture picture, ValveAssessment assessment, bool balloonOrderDrafted)
    {
        ArgumentNullException.ThrowIfNull(picture);
        ArgumentNullException.ThrowIfNull(assessment);
        var applies = picture.Anticoagulated && (balloonOrderDrafted
            || assessment.Decision is Decision.Candidate or Decision.CandidateWithCaution or Decision.PostProcedure);
        if (!applies)
        {
            return null;
        }

        var drugs = picture.Anticoagulants;
        var sources = drugs.Select(a => a.Source).ToList();
        if (assessment.Statements.OfType<LeftAtrialThrombus>().Any())
        {
            List<NextStep> steps = [NextStep.AnticoagulateAndRepeatTee];
            if (drugs.Any(d => d.IsNoac))
            {
                steps.Add(NextStep.SwitchNoacToVitaminKAntagonist);
            }

            return new SafetyWarning(assessment.Valve, assessment.Decision, ItemCodes.WarnAnticoagulant,
                new AnticoagulationWithThrombus(drugs, picture.ChildbearingAge), steps,
                picture.ChildbearingAge ? [Citations.EscMsAnticoagulation, Citations.EscVkaEmbryopathy] : [Citations.EscMsAnticoagulation], sources);
        }

        // After the procedure the plan is about resuming: the interruption guidelines belong to a plan before one.
        var afterProcedure = assessment.Decision == Decision.PostProcedure && !balloonOrderDrafted;
        List<string> citations = [];
        if (!afterProcedure && drugs.Any(d => d.IsNoac))
        {
            citations.AddRange([Citations.EscNcsNoacInterruption, Citations.EscNcsNoBridging]);
        }

        if (!afterProcedure && drugs.Any(d => d.Class == AnticoagulantClass.VitaminKAntagonist))
        {
            citations.Add(Citations.EscNcsVka);
        }

        return new SafetyWarning(assessment.Valve, assessment.Decision, ItemCodes.WarnAnticoagulant,
            new AnticoagulationPlan(drugs, picture.ChildbearingAge, afterProcedure),
            [NextStep.PeriproceduralAnticoagulationPlan], citations, sources);
    }
}
