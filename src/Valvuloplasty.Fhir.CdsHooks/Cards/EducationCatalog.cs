using Valvuloplasty.Fhir.Rules.Facts;
using Valvuloplasty.Fhir.Rules.Rules;

namespace Valvuloplasty.Fhir.CdsHooks.Cards;

/// <summary>A patient-education item: what to say, and a public page to hand the patient.</summary>
public sealed record EducationItem(string Code, string Text, string LinkLabel, Uri Link);

/// <summary>
/// The one catalog of risk and aftercare wording and patient-education links (CLINICAL_RULES §7).
/// Links are public pages from MedlinePlus (NLM), NHLBI and the American Heart Association.
/// </summary>
public static class EducationCatalog
{
    public static readonly Uri HeartValveDiseases = new("https://medlineplus.gov/heartvalvediseases.html");
    public static readonly Uri ValveTreatment = new("https://www.nhlbi.nih.gov/health/heart-valve-diseases/treatment");
    public static readonly Uri CatheterizationDischarge = new("https://medlineplus.gov/ency/patientinstructions/000085.htm");
    public static readonly Uri Arrhythmia = new("https://medlineplus.gov/arrhythmia.html");
    public static readonly Uri Stroke = new("https://medlineplus.gov/stroke.html");
    public static readonly Uri Bleeding = new("https://medlineplus.gov/bleeding.html");
    public static readonly Uri BloodThinners = new("https://medlineplus.gov/bloodthinners.html");
    public static readonly Uri AhaValveDisease = new("https://www.heart.org/en/health-topics/heart-valve-problems-and-disease");

    /// <summary>The education page for the valve's disease.</summary>
    public static Uri Disease(Valve valve) => valve switch
    {
        Valve.Aortic => new Uri("https://medlineplus.gov/ency/article/000178.htm"),
        Valve.Mitral => new Uri("https://medlineplus.gov/ency/article/000175.htm"),
        _ => new Uri("https://medlineplus.gov/ency/article/001096.htm"),
    };

    public static string ProcedureName(Valve valve) => valve switch
    {
        Valve.Aortic => "balloon aortic valvuloplasty (BAV)",
        Valve.Mitral => "percutaneous mitral balloon commissurotomy (PMBC)",
        _ => "balloon pulmonary valvuloplasty (BPV)",
    };

    public static string ValveName(Valve valve) => valve.ToString().ToLowerInvariant();

    /// <summary>The wording and link of one item code for a valve; null for codes that are not education items.</summary>
    public static EducationItem? Item(string code, Valve valve) => code switch
    {
        ItemCodes.RiskRegurgitation => new(code,
            $"Leaking of the {ValveName(valve)} valve ({Regurgitation(valve)}) if the balloon distorts or tears a leaflet.",
            "Heart valve diseases (MedlinePlus)", HeartValveDiseases),
        ItemCodes.RiskEmbolism => new(code,
            "Embolism: a clot or a piece of calcium can travel to the brain or the heart, causing a stroke or a heart attack.",
            "Stroke (MedlinePlus)", Stroke),
        ItemCodes.RiskArrhythmia => new(code,
            "Irregular heartbeat during or after the procedure; most episodes are brief.",
            "Arrhythmia (MedlinePlus)", Arrhythmia),
        ItemCodes.RiskBleeding => new(code,
            "Bleeding, from the access site or inside the body.",
            "Bleeding (MedlinePlus)", Bleeding),
        ItemCodes.RiskHematoma => new(code,
            "A hematoma (a collection of blood) at the groin where the catheter went in.",
            "After cardiac catheterization (MedlinePlus)", CatheterizationDischarge),
        ItemCodes.RiskPerforation => new(code,
            "Rarely, a puncture through the heart wall with blood around the heart (tamponade), which needs emergency treatment.",
            "Heart valve treatment (NHLBI)", ValveTreatment),
        ItemCodes.CareLiftingRestriction => new(code,
            "No lifting over 10 lb (4.5 kg) for a few days while the groin heals.",
            "After cardiac catheterization (MedlinePlus)", CatheterizationDischarge),
        ItemCodes.CareReturnPrecautions => new(code,
            $"The result is not permanent: worsening breathlessness, swelling of the feet or legs, or tiredness means calling the cardiologist; {NextProcedure(valve)}.",
            "Heart valve treatment (NHLBI)", ValveTreatment),
        _ => null,
    };

    /// <summary>What may come next when a balloon's relief wears off, named for the valve (CLINICAL_RULES §7).</summary>
    public static string NextProcedure(Valve valve) => valve switch
    {
        Valve.Aortic => "it may be time for TAVR or surgical aortic valve replacement",
        Valve.Mitral => "it may be time for a repeat balloon commissurotomy or mitral valve surgery",
        Valve.Pulmonary => "it may be time for a repeat balloon procedure or pulmonary valve replacement",
        _ => throw new ArgumentOutOfRangeException(nameof(valve), valve, "Unknown valve."),
    };

    private static string Regurgitation(Valve valve) => valve switch
    {
        Valve.Aortic => "aortic regurgitation",
        Valve.Mitral => "mitral regurgitation",
        _ => "pulmonary regurgitation",
    };
}
