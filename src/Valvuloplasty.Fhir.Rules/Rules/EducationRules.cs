using Valvuloplasty.Fhir.Rules.Facts;

namespace Valvuloplasty.Fhir.Rules.Rules;

/// <summary>
/// Risk education and safety warnings, CLINICAL_RULES §7 (ESC21 §5.1.3 and AHA20 §3.2.4 list the
/// procedural risks of BAV; ESC21 §9.2 the NOAC caution in mitral stenosis).
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
                assessment.Valve == Valve.Pulmonary ? [.. ProcedureRisks.Where(c => c != ItemCodes.RiskEmbolism)] : ProcedureRisks),
            Decision.PostProcedure => new EducationItems(assessment.Valve, assessment.Decision, PostProcedureItems),
            _ => null,
        };
    }

    /// <summary>
    /// <c>warn-anticoagulant</c>: anticoagulated and a balloon procedure is possible, recent, or being ordered.
    /// </summary>
    public static SafetyWarning? Anticoagulant(ClinicalPicture picture, Valve valve, Decision? decision, bool balloonOrderDrafted)
    {
        ArgumentNullException.ThrowIfNull(picture);
        var applies = picture.Anticoagulated && (balloonOrderDrafted
            || decision is Decision.Candidate or Decision.CandidateWithCaution or Decision.PostProcedure);
        if (!applies)
        {
            return null;
        }

        var drugs = string.Join(", ", picture.Anticoagulants.Select(a => a.Name).Distinct(StringComparer.OrdinalIgnoreCase));
        return new SafetyWarning(
            valve,
            decision,
            ItemCodes.WarnAnticoagulant,
            $"Anticoagulated ({Truncate(drugs, 60)}): plan periprocedural anticoagulation for balloon valvuloplasty",
            [
                $"Active anticoagulant: {drugs}.",
                "Bleeding and groin hematoma risk rise with anticoagulation; agree a periprocedural anticoagulation plan (hold, bridge or continue) before the procedure.",
            ],
            [NextStep.PeriproceduralAnticoagulationPlan],
            [],
            [.. picture.Anticoagulants.Select(a => a.Source)]);
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
