using Valvuloplasty.Fhir.Rules.Content;
using Valvuloplasty.Fhir.Rules.Engine;
using Valvuloplasty.Fhir.Rules.Facts;

namespace Valvuloplasty.Fhir.Rules.Valves;

/// <summary>
/// Balloon pulmonary valvuloplasty (BPV), docs/clinical-rules.md §6. Severity by peak gradient
/// (ESC20-ACHD §4.8.3): mild &lt; 36, moderate 36–64, severe &gt; 64 mmHg. Adult: severe → intervention regardless of
/// symptoms (ESC20-ACHD I, C); moderate and symptomatic (AHA18-ACHD class 1). Pediatric: peak gradient &gt; 40 mmHg
/// (AHA11-PEDS), with pediatric or congenital cardiology, never the adult guidelines.
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
        ValveRules.PediatricPathway(picture, builder);
        ValveRules.CiteDiagnosis(diagnoses, builder);
        builder.Notes(EchoGate.NotesFor(facts, SeverityKinds));

        if (ValveRules.RecentBalloon(facts, ProcedureKind.BalloonPulmonaryValvuloplasty, asOf, options) is { } recent)
        {
            return ValveRules.PostProcedure(builder, recent);
        }

        var gap = ValveRules.NoBirthDate(facts, builder) ?? ValveRules.Unconfirmed(diagnoses, builder);
        var study = EchoStudy.Read(facts, SeverityKinds, [], asOf, options.EchoFreshnessDays);
        gap ??= EchoGate.Gap(study, builder, options.EchoFreshnessDays);
        if (gap is not null)
        {
            return builder.Build(Decision.InsufficientData, gap);
        }

        var measured = study[MeasurementKind.PulmonicPeakGradient];
        var vmax = study[MeasurementKind.PulmonicVmax];
        builder.Evidence(measured).Evidence(vmax);

        // A bound on Vmax bounds the estimated gradient the same way (4·v² grows with v).
        var bound = (measured ?? vmax)!.Comparator;
        var gradient = measured?.Value ?? Math.Round(4m * vmax!.Value * vmax.Value, 1);
        var severeTest = Threshold.Above(gradient, bound, SevereGradient);
        var moderateTest = Threshold.AtLeast(gradient, bound, ModerateGradient);
        var pediatricTest = Threshold.Above(gradient, bound, PediatricGradient);
        var undecided = picture.Pediatric
            ? pediatricTest is null
            : severeTest is null || (severeTest == false && moderateTest is null && picture.Symptomatic);
        if (undecided)
        {
            var criterion = picture.Pediatric ? Criterion.PulmonaryPediatric : Criterion.PulmonaryGrade;
            return builder.Build(Decision.InsufficientData, ValveRules.BoundsUndecided(builder, criterion, measured, vmax));
        }

        var grade = severeTest == true ? Grade.Severe : moderateTest switch { true => Grade.Moderate, false => Grade.Mild, null => Grade.MildOrModerate };
        // The adult grades (ESC20-ACHD) are not the pediatric criterion: a child's card shows only an estimate, when there is one.
        if (!picture.Pediatric || measured is null)
        {
            builder.Say(new PulmonaryGradient(grade, measured, measured is null ? vmax : null, gradient));
        }

        var regurgitation = facts.Regurgitations.Where(r => r.Valve == Valve.Pulmonary).MaxBy(r => r.Severity ?? SeverityGrade.Mild);
        if (regurgitation is { Severity: SeverityGrade.Severe })
        {
            builder.Contraindicated = true;
            var pr = new PulmonaryRegurgitationSevere(regurgitation);
            builder.Code(ItemCodes.WarnPulmonaryRegurgitation).Say(pr).Next(ValveRules.Referral(picture));
            if (!picture.Pediatric)
            {
                builder.Cite(Citations.EscAchdPsDysplastic);
            }

            return builder.Build(Decision.NotCandidate, pr);
        }

        bool met;
        if (picture.Pediatric)
        {
            met = pediatricTest == true;
            builder.Cite(Citations.AhaPedsPulmonary);
        }
        else if (grade == Grade.Severe)
        {
            met = true;
            builder.Cite(Citations.EscAchdPsSevere);
        }
        else if (grade == Grade.Moderate && picture.Symptomatic)
        {
            met = true;
            builder.Say(ValveRules.Symptoms(picture)).Cite(Citations.AhaAchdPsSymptomatic).Cite(Citations.EscAchdPsModerate);
        }
        else
        {
            met = false;
            builder.Cite(grade == Grade.Moderate ? Citations.AhaAchdPsSymptomatic : Citations.EscAchdPsSevere);
        }

        var indication = new PulmonaryIndication(grade, picture.Pediatric, picture.Symptomatic, met);
        builder.Say(indication);
        if (!met)
        {
            builder.Next(picture.Pediatric ? NextStep.PediatricCardiologyReferral : NextStep.Surveillance);
            if (picture.Pediatric)
            {
                builder.Next(NextStep.Surveillance);
            }

            return builder.Build(Decision.NotCandidate, indication);
        }

        builder.Next(ValveRules.Referral(picture));
        if (!picture.Pediatric)
        {
            builder.Cite(Citations.EscAchdPsBalloon);
        }

        var decision = Decision.Candidate;
        Statement decisive = indication;
        var morphology = facts.CodedObservations.Where(c => c.Kind == CodedKind.PulmonaryValveMorphology).MaxBy(c => c.EffectiveAt);
        if (morphology?.Answer == "dysplastic")
        {
            var noonan = facts.Findings.FirstOrDefault(f => f.Kind == FindingKind.NoonanSyndrome);
            decisive = new DysplasticPulmonaryValve(morphology.Source, noonan);
            builder.Code(ItemCodes.WarnDysplasticValve).Say(decisive).Cite(picture.Pediatric ? Citations.AhaPedsDysplastic : Citations.EscAchdPsDysplastic);
            decision = Decision.CandidateWithCaution;
        }

        ValveRules.Pregnancy(picture, builder);
        return builder.Build(decision, decisive);
    }
}
