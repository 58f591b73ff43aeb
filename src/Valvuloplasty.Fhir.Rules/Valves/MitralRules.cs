using Valvuloplasty.Fhir.Rules.Content;
using Valvuloplasty.Fhir.Rules.Engine;
using Valvuloplasty.Fhir.Rules.Facts;

namespace Valvuloplasty.Fhir.Rules.Valves;

/// <summary>
/// Percutaneous mitral balloon commissurotomy (PMBC), docs/clinical-rules.md §5. Surgical risk
/// does not gate PMBC. ESC21 §7.1.2: PMC in symptomatic MS without unfavourable characteristics (I, B); in
/// asymptomatic MS with high thromboembolic or haemodynamic risk, PASP &gt; 50 mmHg or new AF (IIa, C); Table 8, the
/// contraindications (LA thrombus, MR, bi-commissural calcification, no commissural fusion). AHA20 the same
/// indications for rheumatic MS. ESC21 §3.6.2: no NOAC with AF and moderate-to-severe MS (III, C).
/// </summary>
public static class MitralRules
{
    public const decimal SevereArea = 1.5m;              // cm2
    public const decimal SeverePressureHalfTime = 150m;  // ms, when no MVA is measured
    public const decimal HalfTimeConstant = 220m;        // MVA ≈ 220 / PHT
    public const decimal MaxFavourableWilkins = 8m;
    public const decimal PulmonaryHypertensionPasp = 50m; // mmHg
    public const int NewAtrialFibrillationDays = 90;
    public const int TeeWindowDays = 30;

    /// <summary>The measurements that grade mitral stenosis and date the study.</summary>
    public static readonly IReadOnlyList<MeasurementKind> SeverityKinds =
    [
        MeasurementKind.MitralValveAreaPlanimetry, MeasurementKind.MitralValveAreaPressureHalfTime,
        MeasurementKind.MitralValveAreaPisa, MeasurementKind.MitralPressureHalfTime,
    ];

    public static readonly IReadOnlyList<MeasurementKind> SupportingKinds =
        [MeasurementKind.MitralMeanGradient, MeasurementKind.Pasp, MeasurementKind.WilkinsScore];

    private static readonly IReadOnlyList<MeasurementKind> AllKinds = [.. SeverityKinds, .. SupportingKinds];

    public static ValveAssessment? Assess(PatientFacts facts, ClinicalPicture picture, DateTimeOffset asOf, RuleOptions options)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(picture);
        ArgumentNullException.ThrowIfNull(options);

        var diagnoses = facts.Stenoses.Where(s => s.Valve == Valve.Mitral).ToList();
        if (diagnoses.Count == 0)
        {
            return null;
        }

        var builder = new AssessmentBuilder(Valve.Mitral) { Pediatric = picture.Pediatric };
        ValveRules.PediatricPathway(picture, builder);
        ValveRules.CiteDiagnosis(diagnoses, builder);
        builder.Notes(EchoGate.NotesFor(facts, AllKinds));

        if (ValveRules.RecentBalloon(facts, ProcedureKind.BalloonMitralCommissurotomy, asOf, options) is { } recent)
        {
            return ValveRules.PostProcedure(builder, recent);
        }

        var gap = ValveRules.NoBirthDate(facts, builder) ?? ValveRules.Unconfirmed(diagnoses, builder);
        var study = EchoStudy.Read(facts, SeverityKinds, SupportingKinds, asOf, options.EchoFreshnessDays);
        gap ??= EchoGate.Gap(study, builder, options.EchoFreshnessDays);
        if (gap is not null)
        {
            return builder.Build(Decision.InsufficientData, gap);
        }

        // Severity: MVA by planimetry (preferred), pressure half-time, PISA; else PHT alone.
        var area = study[MeasurementKind.MitralValveAreaPlanimetry]
            ?? study[MeasurementKind.MitralValveAreaPressureHalfTime]
            ?? study[MeasurementKind.MitralValveAreaPisa];
        var halfTime = study[MeasurementKind.MitralPressureHalfTime];
        builder.Evidence(area).Evidence(halfTime).Evidence(study[MeasurementKind.MitralMeanGradient])
            .Evidence(study[MeasurementKind.Pasp]).Evidence(study[MeasurementKind.WilkinsScore]);

        // The study is dated by a severity measurement within the window, so an area or a half-time is present.
        var severeTest = area is not null ? area.AtMost(SevereArea) : halfTime.AtLeast(SeverePressureHalfTime);
        if (severeTest is not { } severe)
        {
            return builder.Build(Decision.InsufficientData, ValveRules.BoundsUndecided(builder, Criterion.MitralSeverity, area, halfTime));
        }

        var severity = new MitralSeverity(severe, area is null, (area ?? halfTime)!);
        builder.Say(severity);
        if (!severe)
        {
            builder.Next(NextStep.Surveillance).Cite(Citations.AhaPmbcSymptomatic);
            return builder.Build(Decision.NotCandidate, severity);
        }

        // What PMBC turns on is shown whichever way the decision goes: the MR grade and the commissures.
        var regurgitation = facts.Regurgitations.Where(r => r.Valve == Valve.Mitral).MaxBy(r => r.Severity ?? SeverityGrade.Mild);
        var significantMr = regurgitation is { Severity: SeverityGrade.Moderate or SeverityGrade.ModerateToSevere or SeverityGrade.Severe };
        var fusion = facts.CodedObservations.Where(c => c.Kind == CodedKind.CommissuralFusion).MaxBy(c => c.EffectiveAt);
        var calcification = facts.CodedObservations.Where(c => c.Kind == CodedKind.CommissuralCalcification).MaxBy(c => c.EffectiveAt);
        var nonRheumatic = diagnoses.All(d => d.NonRheumatic);
        var mr = new MitralRegurgitationStated(regurgitation, significantMr);
        builder.Say(mr).Say(new CommissuralMorphology(fusion, calcification, nonRheumatic));

        // 1. Left atrial thrombus: contraindicated; anticoagulation is never interrupted, and the TEE is repeated.
        var thrombusFinding = facts.Findings.FirstOrDefault(f => f.Kind == FindingKind.Thrombus);
        var latestTee = facts.CodedObservations.Where(c => c.Kind == CodedKind.LaThrombusTee).MaxBy(c => c.EffectiveAt);
        if (thrombusFinding is not null || latestTee?.Answer == "present")
        {
            builder.Contraindicated = true;
            var onNoac = picture.Anticoagulants.Any(a => a.IsNoac);
            var thrombus = new LeftAtrialThrombus(thrombusFinding?.Source ?? latestTee!.Source, picture.Anticoagulated, onNoac, picture.ChildbearingAge);
            builder.Code(ItemCodes.WarnLaThrombus).Say(thrombus).Next(NextStep.AnticoagulateAndRepeatTee);
            if (onNoac)
            {
                builder.Next(NextStep.SwitchNoacToVitaminKAntagonist);
            }

            builder.Cite(Citations.EscPmcContraindications).Cite(Citations.EscMsAnticoagulation);
            return builder.Build(Decision.NotCandidate, thrombus);
        }

        // 2. Moderate or worse mitral regurgitation.
        if (significantMr)
        {
            builder.Contraindicated = true;
            builder.Code(ItemCodes.WarnMitralRegurgitation).Next(Referral(picture, NextStep.SurgicalReferral)).Cite(Citations.EscPmcContraindications);
            return builder.Build(Decision.NotCandidate, mr);
        }

        // 3. No commissural fusion: nothing for the balloon to split. Calcific MS in an older or high-risk patient is a
        //    Heart Team question, not a surgical referral.
        if (fusion?.Answer == "absent" || (nonRheumatic && fusion?.Answer != "present"))
        {
            var olderOrHighRisk = nonRheumatic && (picture.Older || picture.SurgicalRisk is SurgicalRisk.High or SurgicalRisk.Prohibitive);
            var noFusion = new NoCommissuralFusion(nonRheumatic, olderOrHighRisk);
            builder.Say(noFusion);
            if (olderOrHighRisk)
            {
                ValveRules.Risk(picture, builder);
            }

            builder.Next(Referral(picture, olderOrHighRisk ? NextStep.HeartTeamReferral : NextStep.SurgicalReferral))
                .Cite(Citations.EscPmcContraindications);
            return builder.Build(Decision.NotCandidate, noFusion);
        }

        // 4. Unfavourable morphology.
        var wilkins = study[MeasurementKind.WilkinsScore];
        if (wilkins is not null && wilkins.Above(MaxFavourableWilkins) is null)
        {
            ValveRules.BoundsUndecided(builder, Criterion.WilkinsAbove8, wilkins);
            wilkins = null;
        }

        var highWilkins = wilkins.Above(MaxFavourableWilkins) == true;
        var calcified = calcification?.Answer is "bicommissural" or "severe";
        if (highWilkins || calcified)
        {
            var mayProceed = picture.NyhaClass is "III" or "IV" && picture.SurgicalRisk is SurgicalRisk.High or SurgicalRisk.Prohibitive && !picture.Pediatric;
            var unfavourable = new UnfavourableMitralValve(highWilkins, calcified, mayProceed);
            builder.Say(unfavourable).Say(ValveRules.Symptoms(picture));
            ValveRules.Risk(picture, builder);
            builder.Cite(Citations.AhaPmbcSuboptimal);
            if (calcified)
            {
                builder.Cite(Citations.EscPmcContraindications);
            }

            if (mayProceed)
            {
                builder.Next(NextStep.HeartTeamReferral).Cite(Citations.EscPmcHighSurgicalRisk);
                return WithTee(builder, facts, picture, asOf, Decision.CandidateWithCaution, unfavourable);
            }

            builder.Next(Referral(picture, NextStep.SurgicalReferral));
            return builder.Build(Decision.NotCandidate, unfavourable);
        }

        // 5. Morphology unknown.
        if (wilkins is null)
        {
            var missing = new WilkinsMissing();
            builder.Code(ItemCodes.GapNoValveMorphology).Say(missing).Next(NextStep.RepeatTransthoracicEcho).Cite(Citations.AhaPmbcSymptomatic);
            return builder.Build(Decision.InsufficientData, missing);
        }

        builder.Say(new FavourableMitralValve());
        if (picture.Symptomatic)
        {
            // 6. Symptomatic.
            var symptoms = ValveRules.Symptoms(picture);
            builder.Say(symptoms).Cite(Citations.AhaPmbcSymptomatic).Cite(Citations.EscPmcSymptomatic);
            return WithTee(builder, facts, picture, asOf, Decision.Candidate, symptoms);
        }

        builder.Say(new NoSymptomsRecorded());
        var pasp = study[MeasurementKind.Pasp];
        if (pasp.Above(PulmonaryHypertensionPasp) == true)
        {
            // 7. Asymptomatic with pulmonary hypertension.
            var hypertension = new PulmonaryHypertension();
            builder.Say(hypertension).Cite(Citations.AhaPmbcAsymptomatic).Cite(Citations.EscPmcAsymptomatic);
            return WithTee(builder, facts, picture, asOf, Decision.Candidate, hypertension);
        }

        var newAf = facts.Findings.FirstOrDefault(f => f.Kind == FindingKind.AtrialFibrillation && f.Onset is { } onset
            && ClinicalPicture.Within(onset, asOf, NewAtrialFibrillationDays));
        if (newAf is not null)
        {
            // 8. Asymptomatic with new-onset atrial fibrillation.
            var af = new NewAtrialFibrillation(newAf);
            builder.Say(af).Cite(Citations.AhaPmbcAsymptomatic).Cite(Citations.EscPmcAsymptomatic);
            return WithTee(builder, facts, picture, asOf, Decision.CandidateWithCaution, af);
        }

        // 9. Surveillance.
        var surveillance = new MitralSurveillance();
        builder.Say(surveillance).Next(NextStep.Surveillance).Cite(Citations.AhaPmbcSymptomatic);
        return builder.Build(Decision.NotCandidate, surveillance);
    }

    /// <summary>
    /// <c>warn-noac-mitral-stenosis</c>: a NOAC with atrial fibrillation and mitral stenosis, whatever the decision.
    /// </summary>
    public static SafetyWarning? NoacWarning(PatientFacts facts, ClinicalPicture picture, Decision? decision)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(picture);
        var noacs = facts.Anticoagulants.Where(a => a.IsNoac).ToList();
        var af = facts.Findings.FirstOrDefault(f => f.Kind == FindingKind.AtrialFibrillation);
        if (noacs.Count == 0 || af is null || !facts.Stenoses.Any(s => s.Valve == Valve.Mitral))
        {
            return null;
        }

        return new SafetyWarning(
            Valve.Mitral,
            decision,
            ItemCodes.WarnNoacMitralStenosis,
            new NoacWithMitralStenosis(af, noacs, picture.ChildbearingAge),
            [NextStep.SwitchNoacToVitaminKAntagonist],
            picture.ChildbearingAge ? [Citations.EscNoacMitralStenosis, Citations.EscVkaEmbryopathy] : [Citations.EscNoacMitralStenosis],
            [af.Source, .. noacs.Select(n => n.Source)]);
    }

    private static NextStep Referral(ClinicalPicture picture, NextStep adult) =>
        picture.Pediatric ? NextStep.PediatricCardiologyReferral : adult;

    /// <summary>Candidate or caution: a TEE excluding thrombus within 30 days is needed first (§5); pregnancy status for a woman aged 12–50.</summary>
    private static ValveAssessment WithTee(AssessmentBuilder builder, PatientFacts facts, ClinicalPicture picture, DateTimeOffset asOf, Decision decision, Statement decisive)
    {
        var recentTee = facts.CodedObservations
            .Where(c => c.Kind == CodedKind.LaThrombusTee && ClinicalPicture.Within(c.EffectiveAt, asOf, TeeWindowDays))
            .MaxBy(c => c.EffectiveAt);
        if (recentTee?.Answer == "absent")
        {
            builder.Say(new TeeStated(recentTee));
        }
        else
        {
            builder.Code(ItemCodes.WarnTeeNeeded).Say(new TeeStated(null)).Next(NextStep.OrderTransesophagealEcho).Cite(Citations.EscTeeBeforePmc);
        }

        ValveRules.Pregnancy(picture, builder);
        if (picture.Pediatric)
        {
            builder.Drop(NextStep.HeartTeamReferral).Next(NextStep.PediatricCardiologyReferral);
        }
        else
        {
            builder.Next(NextStep.HeartTeamReferral);
        }

        return builder.Build(decision, decisive);
    }
}
