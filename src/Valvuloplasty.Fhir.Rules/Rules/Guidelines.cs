namespace Valvuloplasty.Fhir.Rules.Rules;

/// <summary>
/// The guideline statements the rules cite (CLINICAL_RULES header): AHA20 = 2020 ACC/AHA VHD,
/// ESC21 = 2021 ESC/EACTS VHD, ESC20-ACHD, AHA18-ACHD, AHA11-PEDS.
/// </summary>
public static class Guidelines
{
    // Aortic (CLINICAL_RULES §4)
    public static readonly Guideline AhaBavBridge = new("AHA20", "§3.2.4 BAV as a bridge to SAVR/TAVI in severe symptomatic AS", "class 2b, level C-LD");
    public static readonly Guideline EscBavUnstable = new("ESC21", "§5.1.3 BAV as a bridge in haemodynamically unstable AS", "class IIb, level C");
    public static readonly Guideline EscBavNonCardiacSurgery = new("ESC21", "§12.2.1 BAV before urgent high-risk non-cardiac surgery", "class IIb, level C");
    public static readonly Guideline AhaAvrChoice = new("AHA20", "§3.2.3–3.2.4 choice of SAVR or TAVI for severe AS", "class 1, level A");
    public static readonly Guideline EscAvrChoice = new("ESC21", "§5.1.3 mode of intervention (Heart Team)", "class I, level C");
    public static readonly Guideline AhaStaging = new("AHA20", "§3.2.1 stages of AS (D1 high gradient; D2/D3 low gradient)", "staging definition");
    public static readonly Guideline AhaLowFlowDse = new("AHA20", "§3.2.2 low-flow low-gradient AS with reduced LVEF: dobutamine stress echo", "class 1, level B-NR");
    public static readonly Guideline AhaLowGradientCt = new("AHA20", "§3.2.2 low-gradient AS with normal LVEF: CT calcium score", "class 2a, level B-NR");
    public static readonly Guideline AhaAorticRegurgitation = new("AHA20", "§3.2.4 BAV contraindicated by significant AR", "expert consensus");
    public static readonly Guideline AhaPedsAortic = new("AHA11-PEDS", "§ aortic valve stenosis: balloon valvuloplasty indications", "class I, level B");

    // Mitral (CLINICAL_RULES §5)
    public static readonly Guideline AhaPmbcSymptomatic = new("AHA20", "§6.2.3 PMBC in symptomatic severe rheumatic MS with favourable morphology", "class 1, level A");
    public static readonly Guideline EscPmcSymptomatic = new("ESC21", "§9.3 PMC in symptomatic MS without unfavourable characteristics", "class I, level B");
    public static readonly Guideline AhaPmbcPasp = new("AHA20", "§6.2.3 PMBC in asymptomatic severe MS with PASP > 50 mmHg", "class 2a, level B-NR");
    public static readonly Guideline EscPmcAsymptomatic = new("ESC21", "§9.3 PMC in asymptomatic MS with high thromboembolic risk or PASP > 50 mmHg", "class IIa, level C");
    public static readonly Guideline AhaPmbcNewAf = new("AHA20", "§6.2.3 PMBC in asymptomatic severe MS with new-onset AF", "class 2b, level C-LD");
    public static readonly Guideline AhaPmbcUnfavourable = new("AHA20", "§6.2.3 PMBC with suboptimal anatomy, NYHA III–IV, high surgical risk", "class 2b, level B-NR");
    public static readonly Guideline AhaPmbcContraindications = new("AHA20", "§6.2.3 PMBC contraindicated by LA thrombus or moderate-to-severe MR", "class 1, level A");
    public static readonly Guideline EscNoacMitralStenosis = new("ESC21", "§9.2 NOACs not recommended in AF with moderate-to-severe MS: use a VKA", "class III, level C");
    public static readonly Guideline AhaTeeBeforePmbc = new("AHA20", "§6.2.2 TEE to exclude LA thrombus before PMBC", "class 1, level C-EO");

    // Pulmonary (CLINICAL_RULES §6)
    public static readonly Guideline EscAchdPsSevere = new("ESC20-ACHD", "§ pulmonary stenosis: intervention when peak gradient > 64 mmHg", "class I, level C");
    public static readonly Guideline AhaAchdPsSymptomatic = new("AHA18-ACHD", "§ valvular PS: balloon valvotomy when moderate/severe and symptomatic", "class 1, level B-NR");
    public static readonly Guideline AhaPedsPulmonary = new("AHA11-PEDS", "§ pulmonary valve stenosis: BPV when peak gradient > 40 mmHg", "class I, level A");
    public static readonly Guideline EscAchdDysplastic = new("ESC20-ACHD", "§ pulmonary stenosis: dysplastic valves respond less to balloon valvuloplasty", "expert consensus");

    // Shared
    public static readonly Guideline EchoFreshness = new("AHA20", "§2.2 periodic TTE to reassess severity before intervention", "class 1, level C-EO");
}
