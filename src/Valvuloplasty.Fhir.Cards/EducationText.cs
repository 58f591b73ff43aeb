using Valvuloplasty.Fhir.Rules.Content;
using Valvuloplasty.Fhir.Rules.Engine;
using Valvuloplasty.Fhir.Rules.Facts;

namespace Valvuloplasty.Fhir.Cards;

/// <summary>A patient-education item: what to say, and the page (an id of the link table) to hand the patient.</summary>
public sealed record EducationItem(string Code, string Text, string LinkId);

/// <summary>
/// The risk and aftercare wording of the education card (docs/clinical-rules.md §7), worded for the valve and, for a child,
/// for parents and caregivers; each item points at the link table.
/// </summary>
public static class EducationText
{
    /// <summary>The education card's heading.</summary>
    public static string Heading(EducationItems education)
    {
        ArgumentNullException.ThrowIfNull(education);
        var procedure = CardText.Procedure(education.Valve);
        return education.Decision == Decision.PostProcedure
            ? $"Aftercare following {procedure}"
            : $"Risks and aftercare of {procedure}{(education.Pediatric ? ", to discuss with the parents or caregivers" : ", to discuss with the patient")}";
    }

    /// <summary>What happens, from the seed page, true for the valve's approach (arterial for the aortic valve, venous for the others).</summary>
    public static string WhatToExpect(Valve valve, bool pediatric)
    {
        var setting = pediatric
            ? "It is done in the catheterization lab with sedation or general anaesthesia"
            : "It is done in the catheterization lab under mild sedation and local anaesthetic";
        var approach = valve switch
        {
            Valve.Aortic => "a catheter goes in through a sheath in the groin artery and the balloon is inflated across the aortic valve, while the heart is paced fast for a few seconds to hold it still",
            Valve.Mitral => "a catheter goes in through a sheath in the groin vein, crosses from the right to the left upper heart chamber through a small puncture in the wall between them, and the balloon is inflated across the mitral valve",
            Valve.Pulmonary => "a catheter goes in through a sheath in the groin vein and the balloon is inflated across the pulmonary valve",
            _ => throw new ArgumentOutOfRangeException(nameof(valve), valve, "Unknown valve."),
        };
        var after = pediatric
            ? "Children usually have a short hospital stay and return to normal activity after the initial bed rest; breathing and energy are expected to improve."
            : "Most patients stay 24–48 hours, walk and resume normal activity after the initial bed rest, and can expect their breathing and energy to improve.";
        return $"{setting}: {approach}. {after}";
    }

    /// <summary>The wording and link of one item code for a valve; null for codes that are not education items.</summary>
    public static EducationItem? Item(string code, Valve valve, bool pediatric) => code switch
    {
        ItemCodes.RiskRegurgitation => new(code,
            $"Leaking of the {CardText.ValveName(valve)} valve ({CardText.ValveName(valve)} regurgitation) if the balloon tears or distorts a leaflet.",
            valve switch
            {
                Valve.Aortic => LinkIds.AorticRegurgitation,
                Valve.Mitral => LinkIds.MitralRegurgitation,
                Valve.Pulmonary => LinkIds.PulmonaryRegurgitation,
                _ => throw new ArgumentOutOfRangeException(nameof(valve), valve, "Unknown valve."),
            }),
        ItemCodes.RiskEmbolism => new(code,
            "Embolism: a clot or a piece of calcium can travel to the brain or the heart, causing a stroke or a heart attack.",
            LinkIds.Stroke),
        ItemCodes.RiskArrhythmia => new(code, "An irregular heartbeat during or after the procedure; most episodes are brief.", LinkIds.Arrhythmia),
        ItemCodes.RiskBleeding => new(code, "Bleeding, from the access site or inside the body.", LinkIds.Bleeding),
        ItemCodes.RiskHematoma => new(code, "A hematoma (a collection of blood) in the groin where the sheath went in.", LinkIds.CatheterizationDischarge),
        ItemCodes.RiskPerforation => new(code,
            "Rarely, a puncture of the heart wall with blood collecting around the heart (tamponade), which needs emergency drainage or surgery.",
            LinkIds.CardiacTamponade),
        ItemCodes.CareLiftingRestriction => new(code, pediatric
                ? "For a few days, no rough play, climbing or sports, and no bath or swimming until the groin has healed; the team gives the exact instructions."
                : "No lifting over 10 lb (4.5 kg) for a few days while the groin heals.",
            LinkIds.CatheterizationDischarge),
        ItemCodes.CareReturnPrecautions => new(code, pediatric
                ? "The result is not permanent: breathlessness, poor feeding or tiredness with play, or fainting means calling the child's cardiologist; a repeat balloon procedure or surgery may be needed later."
                : $"The result is not permanent: worsening breathlessness, swelling of the feet or legs, or unusual tiredness means calling the cardiologist; {CardText.NextProcedure(valve)}.",
            LinkIds.ValveTreatment),
        _ => null,
    };

    /// <summary>Risks (what may go wrong) and aftercare (what to do after), the two halves of the card.</summary>
    public static bool IsAftercare(string code) => code is ItemCodes.CareLiftingRestriction or ItemCodes.CareReturnPrecautions;

    /// <summary>The page about the valve's disease.</summary>
    public static string DiseaseLink(Valve valve) => valve switch
    {
        Valve.Aortic => LinkIds.AorticStenosis,
        Valve.Mitral => LinkIds.MitralStenosis,
        Valve.Pulmonary => LinkIds.PulmonaryStenosis,
        _ => throw new ArgumentOutOfRangeException(nameof(valve), valve, "Unknown valve."),
    };
}
