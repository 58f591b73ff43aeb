using Valvuloplasty.Fhir.Rules.Facts;
using static Valvuloplasty.Fhir.Rules.Rules.Format;

namespace Valvuloplasty.Fhir.Rules.Rules;

/// <summary>
/// Percutaneous mitral balloon commissurotomy (PMBC), CLINICAL_RULES §5. Surgical risk does not gate PMBC.
/// AHA20 §6.2.3: symptomatic severe rheumatic MS with favourable valve (class 1, level A); asymptomatic with
/// PASP &gt; 50 mmHg (2a, B-NR); asymptomatic with new-onset AF (2b, C-LD); unfavourable morphology at high
/// surgical risk, NYHA III–IV (2b, B-NR); LA thrombus or moderate-or-worse MR contraindicate it (1, A).
/// ESC21 §9.3: PMC in symptomatic MS without unfavourable characteristics (I, B); asymptomatic with PASP &gt; 50 (IIa, C).
/// ESC21 §9.2: no NOAC with AF and moderate-to-severe MS, use a vitamin K antagonist (III, C).
/// </summary>
public static class MitralRules
{
    public const decimal SevereArea = 1.5m;              // cm2
    public const decimal SeverePressureHalfTime = 150m;  // ms, when no MVA is measured
    public const decimal HalfTimeConstant = 220m;        // MVA ≈ 220 / PHT
    public const decimal MaxFavourableWilkins = 8m;
    public const decimal PulmonaryHypertension = 50m;    // PASP, mmHg
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
        ValveRules.CiteDiagnosis(diagnoses, builder);
        builder.Notes(EchoGate.NotesFor(facts, AllKinds));
        if (picture.Pediatric)
        {
            builder.Code(ItemCodes.WarnPediatricPathway)
                .Reason($"Patient is {picture.AgeYears} years old: pediatric pathway; the adult high-surgical-risk criteria do not apply.");
        }

        if (ValveRules.RecentBalloon(facts, ProcedureKind.BalloonMitralCommissurotomy, asOf, options) is { } recent)
        {
            return ValveRules.PostProcedure(builder, recent, "Recent mitral balloon commissurotomy: follow-up care", Guidelines.AhaPmbcSymptomatic);
        }

        if (ValveRules.NoBirthDate(facts, builder))
        {
            return builder.Build(Decision.InsufficientData, "Mitral stenosis: date of birth needed before a PMBC decision (adult and pediatric criteria differ)");
        }

        if (ValveRules.Unconfirmed(diagnoses, builder, "Mitral stenosis"))
        {
            return builder.Build(Decision.InsufficientData, "Mitral stenosis unconfirmed: confirm the diagnosis before a PMBC decision");
        }

        var study = EchoStudy.Read(facts, SeverityKinds, SupportingKinds, asOf, options.EchoFreshnessDays);
        if (EchoGate.HasGap(study, builder, options.EchoFreshnessDays))
        {
            return builder.Build(Decision.InsufficientData, ValveRules.GapHeadline("Mitral stenosis", "PMBC", study.Status));
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
            ValveRules.BoundsUndecided(builder, "whether the stenosis is severe (MVA ≤ 1.5 cm², or pressure half-time ≥ 150 ms)", area, halfTime);
            return builder.Build(Decision.InsufficientData, "Mitral stenosis severity undecided (values recorded as bounds): repeat TTE before a PMBC decision");
        }

        if (area is not null)
        {
            builder.Reason($"{Describe(area)} is {(severe ? "≤" : ">")} 1.5 cm²: {(severe ? "severe" : "not severe")} mitral stenosis.");
        }
        else
        {
            var estimate = halfTime!.Comparator is null ? $" (MVA ≈ 220 / PHT = {Number(Math.Round(HalfTimeConstant / halfTime.Value, 2))} cm²)" : "";
            builder.Reason($"No MVA measured; {Describe(halfTime)}{estimate} is {(severe ? "≥" : "<")} 150 ms.");
        }

        if (!severe)
        {
            builder.Reason("PMBC is for severe mitral stenosis: continue surveillance.").Next(NextStep.Surveillance).Cite(Guidelines.AhaPmbcSymptomatic);
            return builder.Build(Decision.NotCandidate, "Mitral stenosis not severe: PMBC not indicated");
        }

        // 1. Left atrial thrombus.
        var thrombusFinding = facts.Findings.FirstOrDefault(f => f.Kind == FindingKind.Thrombus);
        var latestTee = facts.CodedObservations.Where(c => c.Kind == CodedKind.LaThrombusTee).MaxBy(c => c.EffectiveAt);
        if (thrombusFinding is not null || latestTee?.Answer == "present")
        {
            builder.Contraindicated = true;
            builder.Code(ItemCodes.WarnLaThrombus)
                .Reason($"Left atrial thrombus ({thrombusFinding?.Source ?? $"TEE {Date(latestTee!.EffectiveAt)}, {latestTee.Source}"}): PMBC is contraindicated; anticoagulate and re-image, or refer for surgery.")
                .Next(NextStep.SurgicalReferral)
                .Cite(Guidelines.AhaPmbcContraindications);
            return builder.Build(Decision.NotCandidate, "Severe MS with left atrial thrombus: PMBC contraindicated");
        }

        // 2. Moderate or worse mitral regurgitation.
        var regurgitation = facts.Regurgitations.Where(r => r.Valve == Valve.Mitral).MaxBy(r => r.Severity ?? SeverityGrade.Mild);
        if (regurgitation is { Severity: SeverityGrade.Moderate or SeverityGrade.ModerateToSevere or SeverityGrade.Severe })
        {
            builder.Contraindicated = true;
            builder.Code(ItemCodes.WarnMitralRegurgitation)
                .Reason($"Mitral regurgitation {AorticRules.SeverityText(regurgitation.Severity)} ({regurgitation.Source}): PMBC would worsen it; refer for mitral surgery.")
                .Next(NextStep.SurgicalReferral)
                .Cite(Guidelines.AhaPmbcContraindications);
            return builder.Build(Decision.NotCandidate, "Severe MS with moderate or worse MR: PMBC not advised; refer for surgery");
        }

        // 3. No commissural fusion: nothing for the balloon to split.
        var fusion = facts.CodedObservations.Where(c => c.Kind == CodedKind.CommissuralFusion).MaxBy(c => c.EffectiveAt);
        var nonRheumatic = diagnoses.All(d => d.NonRheumatic);
        if (fusion?.Answer == "absent" || (nonRheumatic && fusion?.Answer != "present"))
        {
            builder.Reason(fusion?.Answer == "absent"
                    ? $"No commissural fusion on imaging ({fusion.Source}): the balloon has nothing to split."
                    : "Non-rheumatic (degenerative) mitral stenosis without documented commissural fusion: PMBC is not effective.")
                .Next(NextStep.SurgicalReferral)
                .Cite(Guidelines.AhaPmbcSymptomatic);
            return builder.Build(Decision.NotCandidate, "Severe MS without commissural fusion: PMBC not effective; refer for surgery");
        }

        // 4. Unfavourable morphology.
        var wilkins = study[MeasurementKind.WilkinsScore];
        if (wilkins is not null && wilkins.Above(MaxFavourableWilkins) is null)
        {
            ValveRules.BoundsUndecided(builder, "whether the Wilkins score is above 8", wilkins);
            wilkins = null;
        }

        var calcification = facts.CodedObservations.Where(c => c.Kind == CodedKind.CommissuralCalcification).MaxBy(c => c.EffectiveAt);
        var highWilkins = wilkins.Above(MaxFavourableWilkins) == true;
        var unfavourable = highWilkins || calcification?.Answer is "bicommissural" or "severe";
        if (unfavourable)
        {
            var why = highWilkins ? $"Wilkins score {Format.Value(wilkins!)} > 8" : $"{calcification!.Answer} commissural calcification ({calcification.Source})";
            var nyhaSevere = picture.NyhaClass is "III" or "IV";
            var highRisk = picture.SurgicalRisk is SurgicalRisk.High or SurgicalRisk.Prohibitive;
            if (nyhaSevere && highRisk && !picture.Pediatric)
            {
                builder.Reason($"Unfavourable valve ({why}), but NYHA {picture.NyhaClass} at {AorticRules.RiskText(picture)} surgical risk ({picture.SurgicalRiskBasis}): PMBC may be considered.")
                    .Next(NextStep.HeartTeamReferral)
                    .Cite(Guidelines.AhaPmbcUnfavourable);
                return WithTee(builder, facts, asOf, Decision.CandidateWithCaution,
                    "Severe MS, unfavourable valve, high surgical risk: PMBC with caution (Heart Team)");
            }

            builder.Reason($"Unfavourable valve ({why}): surgery gives the better result{(picture.Pediatric ? "" : " unless the patient is NYHA III–IV at high surgical risk")}.")
                .Next(NextStep.SurgicalReferral)
                .Cite(Guidelines.AhaPmbcUnfavourable);
            return builder.Build(Decision.NotCandidate, "Severe MS with unfavourable valve morphology: refer for surgery");
        }

        // 5. Morphology unknown.
        if (wilkins is null)
        {
            builder.Code(ItemCodes.GapNoValveMorphology)
                .Reason("No Wilkins score on record: valve morphology decides between PMBC and surgery.")
                .Next(NextStep.RepeatTransthoracicEcho)
                .Cite(Guidelines.AhaPmbcSymptomatic);
            return builder.Build(Decision.InsufficientData, "Severe MS: Wilkins score needed before a PMBC decision");
        }

        builder.Reason($"Favourable valve: Wilkins score {Format.Value(wilkins)} ≤ 8 with commissural fusion.");
        if (picture.Symptomatic)
        {
            // 6. Symptomatic.
            builder.Reason($"Symptomatic ({AorticRules.SymptomText(picture)}).")
                .Cite(Guidelines.AhaPmbcSymptomatic).Cite(Guidelines.EscPmcSymptomatic);
            return WithTee(builder, facts, asOf, Decision.Candidate, "Severe symptomatic mitral stenosis, favourable valve: PMBC candidate");
        }

        var pasp = study[MeasurementKind.Pasp];
        if (pasp.Above(PulmonaryHypertension) == true)
        {
            // 7. Asymptomatic with pulmonary hypertension.
            builder.Reason($"Asymptomatic, but {Describe(pasp!)} > 50 mmHg.")
                .Cite(Guidelines.AhaPmbcPasp).Cite(Guidelines.EscPmcAsymptomatic);
            return WithTee(builder, facts, asOf, Decision.Candidate, "Severe MS with PASP > 50 mmHg: PMBC candidate");
        }

        var newAf = facts.Findings.FirstOrDefault(f => f.Kind == FindingKind.AtrialFibrillation && f.Onset is { } onset
            && ClinicalPicture.Within(onset, asOf, NewAtrialFibrillationDays));
        if (newAf is not null)
        {
            // 8. Asymptomatic with new-onset atrial fibrillation.
            builder.Reason($"Asymptomatic with new-onset atrial fibrillation ({Date(newAf.Onset!.Value)}, {newAf.Source}).")
                .Cite(Guidelines.AhaPmbcNewAf);
            return WithTee(builder, facts, asOf, Decision.CandidateWithCaution, "Severe MS with new atrial fibrillation: PMBC may be considered");
        }

        // 9. Surveillance.
        builder.Reason("Asymptomatic, PASP not above 50 mmHg and no new atrial fibrillation: surveillance.")
            .Next(NextStep.Surveillance)
            .Cite(Guidelines.AhaPmbcSymptomatic);
        return builder.Build(Decision.NotCandidate, "Severe asymptomatic mitral stenosis: surveillance, PMBC not yet indicated");
    }

    /// <summary>
    /// <c>warn-noac-mitral-stenosis</c>: a NOAC with atrial fibrillation and mitral stenosis, whatever the decision.
    /// </summary>
    public static SafetyWarning? NoacWarning(PatientFacts facts, Decision? decision)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var noacs = facts.Anticoagulants.Where(a => a.IsNoac).ToList();
        var af = facts.Findings.FirstOrDefault(f => f.Kind == FindingKind.AtrialFibrillation);
        if (noacs.Count == 0 || af is null || !facts.Stenoses.Any(s => s.Valve == Valve.Mitral))
        {
            return null;
        }

        var names = string.Join(", ", noacs.Select(n => n.Name));
        return new SafetyWarning(
            Valve.Mitral,
            decision,
            ItemCodes.WarnNoacMitralStenosis,
            "Mitral stenosis with atrial fibrillation on a NOAC: a vitamin K antagonist is recommended instead",
            [
                $"Atrial fibrillation ({af.Source}) with mitral stenosis, on {names}.",
                "NOACs are not recommended in AF with moderate-to-severe mitral stenosis; use a vitamin K antagonist (warfarin).",
            ],
            [NextStep.SwitchNoacToVitaminKAntagonist],
            [Guidelines.EscNoacMitralStenosis],
            [af.Source, .. noacs.Select(n => n.Source)]);
    }

    /// <summary>Candidate or caution: a TEE excluding thrombus within 30 days is needed first (§5).</summary>
    private static ValveAssessment WithTee(AssessmentBuilder builder, PatientFacts facts, DateTimeOffset asOf, Decision decision, string headline)
    {
        var recentTee = facts.CodedObservations
            .Where(c => c.Kind == CodedKind.LaThrombusTee && ClinicalPicture.Within(c.EffectiveAt, asOf, TeeWindowDays))
            .MaxBy(c => c.EffectiveAt);
        if (recentTee?.Answer == "absent")
        {
            builder.Reason($"TEE on {Date(recentTee.EffectiveAt)} excluded left atrial thrombus ({recentTee.Source}).");
        }
        else
        {
            builder.Code(ItemCodes.WarnTeeNeeded)
                .Reason("A TEE excluding left atrial thrombus within 30 days is needed before PMBC.")
                .Next(NextStep.OrderTransesophagealEcho)
                .Cite(Guidelines.AhaTeeBeforePmbc);
        }

        return builder.Build(decision, headline);
    }
}
