using Valvuloplasty.Fhir.Rules.Facts;
using static Valvuloplasty.Fhir.Rules.Rules.Format;

namespace Valvuloplasty.Fhir.Rules.Rules;

/// <summary>
/// Balloon pulmonary valvuloplasty (BPV), CLINICAL_RULES §6. Severity by peak gradient (ESC20-ACHD):
/// mild &lt; 36, moderate 36–64, severe &gt; 64 mmHg. Adult: severe → intervention (ESC20-ACHD class I, level C);
/// moderate and symptomatic (AHA18-ACHD class 1, level B-NR). Pediatric: peak gradient &gt; 40 mmHg (AHA11-PEDS class I, level A).
/// </summary>
public static class PulmonaryRules
{
    public const decimal ModerateGradient = 36m;   // mmHg
    public const decimal SevereGradient = 64m;     // > 64 mmHg
    public const decimal PediatricGradient = 40m;  // > 40 mmHg

    public static readonly IReadOnlyList<MeasurementKind> SeverityKinds =
        [MeasurementKind.PulmonicPeakGradient, MeasurementKind.PulmonicVmax];

    public static ValveAssessment? Assess(PatientFacts facts, ClinicalPicture picture, DateTimeOffset asOf, RuleOptions options)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(picture);
        ArgumentNullException.ThrowIfNull(options);

        var diagnoses = facts.Stenoses.Where(s => s.Valve == Valve.Pulmonary).ToList();
        if (diagnoses.Count == 0)
        {
            return null;
        }

        var builder = new AssessmentBuilder(Valve.Pulmonary) { Pediatric = picture.Pediatric };
        ValveRules.CiteDiagnosis(diagnoses, builder);
        builder.Notes(EchoGate.NotesFor(facts, SeverityKinds));
        if (picture.Pediatric)
        {
            builder.Code(ItemCodes.WarnPediatricPathway)
                .Reason($"Patient is {picture.AgeYears} years old: pediatric criteria (AHA11-PEDS).")
                .Cite(Guidelines.AhaPedsPulmonary);
        }

        if (ValveRules.RecentBalloon(facts, ProcedureKind.BalloonPulmonaryValvuloplasty, asOf, options) is { } recent)
        {
            return ValveRules.PostProcedure(builder, recent, "Recent balloon pulmonary valvuloplasty: follow-up care", Guidelines.EscAchdPsSevere);
        }

        if (ValveRules.NoBirthDate(facts, builder))
        {
            return builder.Build(Decision.InsufficientData, "Pulmonary stenosis: date of birth needed before a BPV decision (adult and pediatric criteria differ)");
        }

        if (ValveRules.Unconfirmed(diagnoses, builder, "Pulmonary stenosis"))
        {
            return builder.Build(Decision.InsufficientData, "Pulmonary stenosis unconfirmed: confirm the diagnosis before a BPV decision");
        }

        var study = EchoStudy.Read(facts, SeverityKinds, [], asOf, options.EchoFreshnessDays);
        if (EchoGate.HasGap(study, builder, options.EchoFreshnessDays))
        {
            return builder.Build(Decision.InsufficientData, ValveRules.GapHeadline("Pulmonary stenosis", "BPV", study.Status));
        }

        var measured = study[MeasurementKind.PulmonicPeakGradient];
        var vmax = study[MeasurementKind.PulmonicVmax];
        builder.Evidence(measured).Evidence(vmax);
        // A bound on Vmax bounds the estimated gradient the same way (4·v² grows with v).
        decimal gradient;
        var bound = (measured ?? vmax)!.Comparator;
        if (measured is not null)
        {
            gradient = measured.Value;
            builder.Reason($"{Describe(measured)}.");
        }
        else
        {
            gradient = Math.Round(4m * vmax!.Value * vmax.Value, 1);
            builder.Reason($"Peak gradient estimated from {Describe(vmax)}: 4 × v² = {Threshold.Symbol(bound)}{(bound is null ? "" : " ")}{Number(gradient)} mmHg.");
        }

        var severeTest = Threshold.Above(gradient, bound, SevereGradient);
        var moderateTest = Threshold.AtLeast(gradient, bound, ModerateGradient);
        var pediatricTest = Threshold.Above(gradient, bound, PediatricGradient);
        var undecided = picture.Pediatric
            ? pediatricTest is null
            : severeTest is null || (severeTest == false && moderateTest is null && picture.Symptomatic);
        if (undecided)
        {
            ValveRules.BoundsUndecided(builder, picture.Pediatric ? "whether the peak gradient is above 40 mmHg" : "the grade of the stenosis (moderate 36–64, severe > 64 mmHg)", measured, vmax);
            return builder.Build(Decision.InsufficientData, "Pulmonary stenosis grade undecided (values recorded as bounds): repeat TTE before a BPV decision");
        }

        var grade = severeTest == true ? "severe" : moderateTest switch { true => "moderate", false => "mild", null => "mild or moderate" };
        builder.Reason($"Pulmonary stenosis is {grade} (mild < 36, moderate 36–64, severe > 64 mmHg).");

        var regurgitation = facts.Regurgitations.Where(r => r.Valve == Valve.Pulmonary).MaxBy(r => r.Severity ?? SeverityGrade.Mild);
        if (regurgitation is { Severity: SeverityGrade.Severe })
        {
            builder.Contraindicated = true;
            builder.Code(ItemCodes.WarnPulmonaryRegurgitation)
                .Reason($"Severe pulmonary regurgitation ({regurgitation.Source}): balloon dilation would worsen it; refer to the congenital heart team.")
                .Next(NextStep.SurgicalReferral)
                .Cite(Guidelines.EscAchdPsSevere);
            return builder.Build(Decision.NotCandidate, "Pulmonary stenosis with severe regurgitation: BPV not advised");
        }

        bool indicated;
        string headline;
        if (picture.Pediatric)
        {
            indicated = pediatricTest == true;
            headline = indicated ? "Pediatric pulmonary stenosis, peak gradient > 40 mmHg: BPV candidate" : "Pediatric pulmonary stenosis ≤ 40 mmHg: surveillance";
        }
        else if (grade == "severe")
        {
            indicated = true;
            builder.Cite(Guidelines.EscAchdPsSevere);
            headline = "Severe pulmonary stenosis: balloon pulmonary valvuloplasty candidate";
        }
        else if (grade == "moderate" && picture.Symptomatic)
        {
            indicated = true;
            builder.Reason($"Symptomatic ({AorticRules.SymptomText(picture)}).").Cite(Guidelines.AhaAchdPsSymptomatic);
            headline = "Moderate symptomatic pulmonary stenosis: balloon pulmonary valvuloplasty candidate";
        }
        else
        {
            indicated = false;
            headline = grade == "moderate" ? "Moderate asymptomatic pulmonary stenosis: surveillance" : "Mild pulmonary stenosis: BPV not indicated";
            builder.Cite(Guidelines.AhaAchdPsSymptomatic);
        }

        if (!indicated)
        {
            builder.Reason("The criteria for balloon valvuloplasty are not met: surveillance.").Next(NextStep.Surveillance);
            return builder.Build(Decision.NotCandidate, headline);
        }

        builder.Next(NextStep.HeartTeamReferral);
        var morphology = facts.CodedObservations.Where(c => c.Kind == CodedKind.PulmonaryValveMorphology).MaxBy(c => c.EffectiveAt);
        if (morphology?.Answer == "dysplastic")
        {
            builder.Code(ItemCodes.WarnDysplasticValve)
                .Reason($"Dysplastic pulmonary valve ({morphology.Source}): balloon dilation is less effective; surgery may be needed.")
                .Cite(Guidelines.EscAchdDysplastic);
            return builder.Build(Decision.CandidateWithCaution, "Pulmonary stenosis, dysplastic valve: BPV with caution (Heart Team)");
        }

        return builder.Build(Decision.Candidate, headline);
    }
}
