namespace Valvuloplasty.Fhir.Rules.Content;

/// <summary>
/// The guideline statements the rules cite, by id in the one citation table (<c>profiles/content/citations.json</c>):
/// the guideline, section, the recommendation's words, class and level, and where each was verified. The rules
/// choose which statement supports a decision; the table says what it is, and the cards print only that (a section,
/// class or level that could not be verified is not printed). Guidelines: AHA20 = 2020 ACC/AHA VHD; ESC21 = 2021
/// ESC/EACTS VHD; ESC20-ACHD and AHA18-ACHD (adult congenital); AHA11-PEDS = 2011 AHA pediatric catheter
/// intervention statement; ESC22-NCS = 2022 ESC non-cardiac surgery; ESC18-PREG = 2018 ESC pregnancy.
/// </summary>
public static class Citations
{
    // Aortic (§4)
    public const string AhaBavBridge = "aha20-bav-bridge";
    public const string EscBavBridge = "esc21-bav-bridge";
    public const string AhaAsStages = "aha20-as-stages";
    public const string EscAvrSymptomatic = "esc21-avr-symptomatic";
    public const string AhaAvrChoice = "aha20-avr-choice";
    public const string EscAvrChoice = "esc21-avr-choice";
    public const string EscAvrLvDysfunction = "esc21-avr-lv-dysfunction";
    public const string EscAvrVerySevere = "esc21-avr-very-severe";
    public const string EscAvrExerciseSymptoms = "esc21-avr-exercise-symptoms";
    public const string EscAsFollowUp = "esc21-as-follow-up";
    public const string AhaLowFlowDse = "aha20-low-flow-dse";
    public const string AhaLowGradientCt = "aha20-low-gradient-ct";
    public const string EscHeartTeam = "esc21-heart-team";
    public const string AhaPedsAortic = "aha11-peds-aortic";

    // Mitral (§5)
    public const string AhaPmbcSymptomatic = "aha20-pmbc-symptomatic";
    public const string EscPmcSymptomatic = "esc21-pmc-symptomatic";
    public const string AhaPmbcAsymptomatic = "aha20-pmbc-asymptomatic";
    public const string EscPmcAsymptomatic = "esc21-pmc-asymptomatic";
    public const string AhaPmbcSuboptimal = "aha20-pmbc-suboptimal";
    public const string EscPmcHighSurgicalRisk = "esc21-pmc-high-surgical-risk";
    public const string EscPmcContraindications = "esc21-pmc-contraindications";
    public const string EscTeeBeforePmc = "esc21-tee-before-pmc";
    public const string EscMsAnticoagulation = "esc21-ms-anticoagulation";
    public const string EscNoacMitralStenosis = "esc21-noac-ms";
    public const string EscPmcPregnancy = "esc21-pmc-pregnancy";
    public const string EscVkaEmbryopathy = "esc18-preg-vka-embryopathy";

    // Pulmonary (§6)
    public const string EscAchdPsSevere = "esc20-achd-ps-severe";
    public const string EscAchdPsModerate = "esc20-achd-ps-moderate";
    public const string EscAchdPsBalloon = "esc20-achd-ps-balloon";
    public const string EscAchdPsDysplastic = "esc20-achd-ps-dysplastic";
    public const string AhaAchdPsSymptomatic = "aha18-achd-ps";
    public const string AhaPedsPulmonary = "aha11-peds-bpv";
    public const string AhaPedsDysplastic = "aha11-peds-bpv-dysplastic";

    // Shared
    public const string AhaEchoReassessment = "aha20-tte-reassess";
    public const string EscNcsNoacInterruption = "esc22-ncs-noac-interruption";
    public const string EscNcsNoBridging = "esc22-ncs-no-bridging";
    public const string EscNcsVka = "esc22-ncs-vka";

    /// <summary>Every id the rules may cite: the table must hold each (checked at start-up and by the tests).</summary>
    public static readonly IReadOnlyList<string> All =
    [
        AhaBavBridge, EscBavBridge, AhaAsStages, EscAvrSymptomatic, AhaAvrChoice, EscAvrChoice, EscAvrLvDysfunction, EscAvrVerySevere,
        EscAvrExerciseSymptoms, EscAsFollowUp, AhaLowFlowDse, AhaLowGradientCt, EscHeartTeam, AhaPedsAortic,
        AhaPmbcSymptomatic, EscPmcSymptomatic, AhaPmbcAsymptomatic, EscPmcAsymptomatic, AhaPmbcSuboptimal, EscPmcHighSurgicalRisk,
        EscPmcContraindications, EscTeeBeforePmc, EscMsAnticoagulation, EscNoacMitralStenosis, EscPmcPregnancy, EscVkaEmbryopathy,
        EscAchdPsSevere, EscAchdPsModerate, EscAchdPsBalloon, EscAchdPsDysplastic, AhaAchdPsSymptomatic, AhaPedsPulmonary, AhaPedsDysplastic,
        AhaEchoReassessment, EscNcsNoacInterruption, EscNcsNoBridging, EscNcsVka,
    ];
}
