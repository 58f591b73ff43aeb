using Valvuloplasty.Fhir.Rules.Facts;
using static Valvuloplasty.Fhir.Rules.Rules.Format;

namespace Valvuloplasty.Fhir.Rules.Rules;

/// <summary>The aortic assessment and, when bridgeToTavr is yes, the bridge recommendation.</summary>
public sealed record AorticResult(ValveAssessment Assessment, BridgeRecommendation? Bridge);

/// <summary>
/// Balloon aortic valvuloplasty (BAV), CLINICAL_RULES §4.
/// Severity: AHA20 §3.2.1 stages (D1 high gradient, D2/D3 low gradient); ESC21 §5.1.
/// Adult indication: AHA20 §3.2.4 BAV as a bridge to SAVR/TAVI (class 2b, C-LD);
/// ESC21 §5.1.3 haemodynamically unstable (IIb, C) and §12.2.1 urgent non-cardiac surgery (IIb, C).
/// Pediatric: AHA11-PEDS (class I, B). Bridge to TAVR: §4 "bridgeToTavr".
/// </summary>
public static class AorticRules
{
    public const decimal SevereVmax = 4.0m;          // m/s
    public const decimal SevereMeanGradient = 40m;   // mmHg
    public const decimal LowGradientAva = 1.0m;      // cm2
    public const decimal LowGradientAvai = 0.6m;     // cm2/m2
    public const decimal ReducedLvef = 50m;          // %
    public const decimal ModerateVmax = 3.0m;        // m/s
    public const decimal ModerateMeanGradient = 20m; // mmHg

    /// <summary>The measurements that grade aortic stenosis and date the study.</summary>
    public static readonly IReadOnlyList<MeasurementKind> SeverityKinds =
        [MeasurementKind.AorticVmax, MeasurementKind.AorticMeanGradient, MeasurementKind.AorticValveArea, MeasurementKind.AorticValveAreaIndex];

    /// <summary>Read from the same study, but do not date it.</summary>
    public static readonly IReadOnlyList<MeasurementKind> SupportingKinds =
        [MeasurementKind.Lvef, MeasurementKind.StrokeVolumeIndex];

    private static readonly IReadOnlyList<MeasurementKind> AllKinds = [.. SeverityKinds, .. SupportingKinds];

    public static AorticResult? Assess(PatientFacts facts, ClinicalPicture picture, DateTimeOffset asOf, RuleOptions options)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(picture);
        ArgumentNullException.ThrowIfNull(options);

        var diagnoses = facts.Stenoses.Where(s => s.Valve == Valve.Aortic).ToList();
        if (diagnoses.Count == 0)
        {
            return null;
        }

        // 1. After a completed aortic valve replacement the native-valve question is closed: no card.
        if (CompletedAvr(facts) is not null)
        {
            return null;
        }

        var builder = new AssessmentBuilder(Valve.Aortic) { Pediatric = picture.Pediatric };
        ValveRules.CiteDiagnosis(diagnoses, builder);
        builder.Notes(EchoGate.NotesFor(facts, AllKinds));

        if (ValveRules.RecentBalloon(facts, ProcedureKind.BalloonAorticValvuloplasty, asOf, options) is { } recentBav)
        {
            return PostProcedure(facts, picture, builder, recentBav);
        }

        // 2. Data gaps: birth date, unconfirmed diagnosis, then echo (§2, §3).
        if (ValveRules.NoBirthDate(facts, builder))
        {
            return Insufficient(builder, picture, "Aortic stenosis: date of birth needed before a BAV decision (adult and pediatric criteria differ)");
        }

        if (ValveRules.Unconfirmed(diagnoses, builder, "Aortic stenosis"))
        {
            return Insufficient(builder, picture, "Aortic stenosis unconfirmed: confirm the diagnosis before a BAV decision");
        }

        var study = EchoStudy.Read(facts, SeverityKinds, SupportingKinds, asOf, options.EchoFreshnessDays);
        if (EchoGate.HasGap(study, builder, options.EchoFreshnessDays))
        {
            return Insufficient(builder, picture, ValveRules.GapHeadline("Aortic stenosis", "BAV", study.Status));
        }

        var vmax = study[MeasurementKind.AorticVmax];
        var meanGradient = study[MeasurementKind.AorticMeanGradient];
        var ava = study[MeasurementKind.AorticValveArea];
        var avai = study[MeasurementKind.AorticValveAreaIndex];
        var lvef = study[MeasurementKind.Lvef];
        builder.Evidence(vmax).Evidence(meanGradient).Evidence(ava).Evidence(avai).Evidence(lvef)
            .Evidence(study[MeasurementKind.StrokeVolumeIndex]);

        var highGradientTest = Threshold.Any(vmax.AtLeast(SevereVmax), meanGradient.AtLeast(SevereMeanGradient));
        var lowAreaTest = Threshold.Any(ava.AtMost(LowGradientAva), avai.AtMost(LowGradientAvai));
        if (highGradientTest is null || (highGradientTest == false && lowAreaTest is null))
        {
            ValveRules.BoundsUndecided(builder, "whether the stenosis is severe (Vmax ≥ 4.0 m/s, mean gradient ≥ 40 mmHg, AVA ≤ 1.0 cm²)", vmax, meanGradient, ava, avai);
            return Insufficient(builder, picture, "Aortic stenosis severity undecided (values recorded as bounds): repeat TTE before a BAV decision");
        }

        var highGradient = highGradientTest.Value;
        var lowArea = lowAreaTest == true;
        var regurgitation = WorstRegurgitation(facts);
        var lvefReduced = lvef.Below(ReducedLvef);
        if (lvef is not null && lvefReduced is null)
        {
            ValveRules.BoundsUndecided(builder, "whether LVEF is below 50 %", lvef);
            lvef = null;
        }

        if (picture.Pediatric)
        {
            return Pediatric(builder, picture, highGradient, lowArea, ava, lvef, regurgitation);
        }

        // 3. Severity.
        if (highGradient)
        {
            builder.Reason($"Severe aortic stenosis, high gradient (stage D1): {HighGradientEvidence(vmax, meanGradient)}.")
                .Cite(Guidelines.AhaStaging);
        }
        else if (lowArea)
        {
            var area = ava.AtMost(LowGradientAva) == true ? Describe(ava!) : Describe(avai!);
            if (lvef is null)
            {
                builder.Code(ItemCodes.WarnDiscordantGrading)
                    .Reason($"Low-gradient pattern ({area}, gradient below severe) without an LVEF to classify it.")
                    .Next(NextStep.RepeatTransthoracicEcho)
                    .Cite(Guidelines.AhaStaging);
                return Insufficient(builder, picture, "Aortic stenosis grading discordant: LVEF needed before a BAV decision");
            }

            if (lvefReduced == true && !picture.Unstable)
            {
                builder.Code(ItemCodes.WarnDiscordantGrading)
                    .Reason($"Low-flow low-gradient pattern with reduced LVEF (stage D2?): {area}, {Describe(lvef)}.")
                    .Next(NextStep.DobutamineStressEcho)
                    .Cite(Guidelines.AhaLowFlowDse);
                return Insufficient(builder, picture, "Aortic stenosis grading discordant (low gradient, low LVEF): dobutamine stress echo advised");
            }

            if (lvefReduced == false)
            {
                builder.Code(ItemCodes.WarnDiscordantGrading)
                    .Reason($"Low-gradient pattern with preserved LVEF (stage D3?): {area}, {Describe(lvef)}. Confirm with a normotensive re-measurement and a CT calcium score.")
                    .Next(NextStep.CtCalciumScore)
                    .Cite(Guidelines.AhaLowGradientCt);
                return Insufficient(builder, picture, "Aortic stenosis grading discordant (low gradient, normal LVEF): confirm severity");
            }

            builder.Reason($"Low-flow low-gradient severe aortic stenosis (stage D2) counted as severe because the patient is haemodynamically unstable: {area}, {Describe(lvef)}.")
                .Cite(Guidelines.AhaStaging);
        }
        else
        {
            var grade = Threshold.Any(vmax.AtLeast(ModerateVmax), meanGradient.AtLeast(ModerateMeanGradient)) switch
            {
                true => "moderate",
                false => "mild",
                null => "moderate or mild",
            };
            builder.Reason($"Aortic stenosis is {grade}, not severe: {GradingEvidence(vmax, meanGradient, ava)}.")
                .Reason("Balloon valvuloplasty is not indicated; look for other causes of symptoms and continue echo surveillance.")
                .Next(NextStep.SeekOtherCauseOfSymptoms)
                .Next(NextStep.Surveillance)
                .Cite(Guidelines.AhaStaging);
            return Decided(builder, picture, Decision.NotCandidate, $"Aortic stenosis {grade}: balloon valvuloplasty not indicated");
        }

        // 4. Severe (or moderate-to-severe) aortic regurgitation: the balloon would worsen it.
        if (regurgitation is { Severity: SeverityGrade.Severe or SeverityGrade.ModerateToSevere } severeAr)
        {
            builder.Contraindicated = true;
            builder.Code(ItemCodes.WarnAorticRegurgitation)
                .Reason($"Significant aortic regurgitation ({SeverityText(severeAr.Severity)}, {severeAr.Source}): balloon dilation can worsen it. Refer for TAVR or SAVR.")
                .Next(NextStep.TavrEvaluation)
                .Next(NextStep.SurgicalReferral)
                .Cite(Guidelines.AhaAorticRegurgitation);
            return Decided(builder, picture, Decision.NotCandidate, "Severe AS with significant AR: BAV not advised; refer for TAVR/SAVR");
        }

        Decision decision;
        string headline;
        if (picture.Unstable)
        {
            // 5. Haemodynamically unstable.
            builder.Reason($"Haemodynamically unstable ({string.Join(", ", picture.InstabilitySources)}): BAV may stabilise the patient as a bridge to TAVR or SAVR.")
                .Cite(Guidelines.EscBavUnstable).Cite(Guidelines.AhaBavBridge);
            decision = Decision.Candidate;
            headline = "Severe AS, haemodynamically unstable: balloon valvuloplasty candidate as a bridge";
        }
        else if (options.UrgentNonCardiacSurgeryIsIndication && picture.UrgentNonCardiacSurgery is { } surgery)
        {
            // 6. Urgent high-risk non-cardiac surgery (ESC choice, configurable).
            builder.Reason($"Urgent non-cardiac surgery is planned ({surgery.Display}, {surgery.Source}): BAV may be considered before it.")
                .Cite(Guidelines.EscBavNonCardiacSurgery);
            decision = Decision.Candidate;
            headline = "Severe AS before urgent non-cardiac surgery: balloon valvuloplasty candidate";
        }
        else if (picture.VerySymptomatic && picture.SurgicalRisk is SurgicalRisk.High or SurgicalRisk.Prohibitive)
        {
            // 7. Very symptomatic at high or prohibitive surgical risk.
            builder.Reason($"Very symptomatic ({SymptomText(picture)}) at {RiskText(picture)} surgical risk ({picture.SurgicalRiskBasis}).")
                .Cite(Guidelines.AhaBavBridge);
            decision = Decision.Candidate;
            headline = $"Severe symptomatic AS, {RiskText(picture)} surgical risk: balloon valvuloplasty candidate (bridge to TAVR)";
        }
        else if (picture.VerySymptomatic && picture.SurgicalRisk == SurgicalRisk.Unknown)
        {
            // 8. Very symptomatic, risk not documented.
            builder.Code(ItemCodes.GapNoSurgicalRisk)
                .Reason($"Very symptomatic ({SymptomText(picture)}) but no surgical risk is documented (STS-PROM, EuroSCORE II, frailty or Heart Team category).")
                .Next(NextStep.ObtainSurgicalRisk)
                .Cite(Guidelines.AhaBavBridge);
            return Insufficient(builder, picture, "Severe symptomatic AS: surgical risk needed before a BAV decision");
        }
        else
        {
            // 9. Definitive AVR is the route.
            var why = !picture.VerySymptomatic
                ? (picture.Symptomatic ? $"symptoms are mild ({SymptomText(picture)})" : "no significant symptoms are recorded")
                : $"surgical risk is {RiskText(picture)} ({picture.SurgicalRiskBasis})";
            builder.Reason($"Severe aortic stenosis, but {why} and the patient is stable: definitive valve replacement (TAVR or SAVR) is the route, not BAV.")
                .Next(NextStep.HeartTeamReferral)
                .Cite(Guidelines.AhaAvrChoice).Cite(Guidelines.EscAvrChoice);
            return Decided(builder, picture, Decision.NotCandidate, "Severe AS: refer for TAVR/SAVR; balloon valvuloplasty not indicated");
        }

        if (regurgitation is { Severity: SeverityGrade.Moderate } moderateAr)
        {
            builder.Code(ItemCodes.WarnAorticRegurgitation)
                .Reason($"Moderate aortic regurgitation ({moderateAr.Source}): dilation may worsen it; size the balloon conservatively.");
            decision = Decision.CandidateWithCaution;
        }

        var lastBav = facts.Procedures
            .Where(p => p.Kind == ProcedureKind.BalloonAorticValvuloplasty && p.Completed && p.PerformedAt is not null)
            .MaxBy(p => p.PerformedAt);
        var repeat = RepeatSymptomsAfterBav(facts, picture, lastBav);
        if (repeat is not null)
        {
            builder.Reason(repeat);
            decision = Decision.CandidateWithCaution;
            headline = "Symptoms back after an earlier BAV: time for TAVR or SAVR; repeat BAV only as a bridge";
        }

        builder.Next(NextStep.HeartTeamReferral).Next(NextStep.TavrEvaluation);
        var assessment = builder.Build(decision, headline, BridgeToTavr.Yes);
        var bridgeKind = repeat is not null ? BridgeKind.RepeatSymptomsAfterBav
            : HasTavrOrder(facts) ? BridgeKind.TavrPlanned
            : BridgeKind.HeartTeamReferral;
        return new AorticResult(assessment, Bridge(bridgeKind, picture, assessment));
    }

    /// <summary>A completed TAVR/SAVR procedure, or a history-of-AVR condition; null when none.</summary>
    public static string? CompletedAvr(PatientFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return facts.Procedures.FirstOrDefault(p => p.Completed && p.Kind is ProcedureKind.Tavr or ProcedureKind.Savr)?.Source
            ?? facts.Findings.FirstOrDefault(f => f.Kind == FindingKind.HistoryOfAorticValveReplacement)?.Source;
    }

    private static AorticResult PostProcedure(PatientFacts facts, ClinicalPicture picture, AssessmentBuilder builder, ProcedureFact bav)
    {
        builder.Reason($"Balloon aortic valvuloplasty completed on {Date(bav.PerformedAt!.Value)} ({bav.Source}): follow-up care, no new decision.")
            .Reason("BAV relief is temporary: plan definitive valve replacement (TAVR or SAVR).")
            .Next(NextStep.TavrEvaluation)
            .Cite(Guidelines.AhaBavBridge);
        var assessment = builder.Build(Decision.PostProcedure, "Recent balloon aortic valvuloplasty: follow-up care and TAVR planning", BridgeToTavr.Yes);
        var kind = HasTavrOrder(facts) ? BridgeKind.TavrPlanned : BridgeKind.AfterRecentBav;
        return new AorticResult(assessment, Bridge(kind, picture, assessment));
    }

    private static AorticResult Pediatric(
        AssessmentBuilder builder, ClinicalPicture picture, bool highGradient, bool lowArea,
        Measurement? ava, Measurement? lvef, RegurgitationFinding? regurgitation)
    {
        builder.Code(ItemCodes.WarnPediatricPathway)
            .Reason($"Patient is {picture.AgeYears} years old: pediatric pathway (AHA11-PEDS), not the adult bridge-to-TAVR criteria.")
            .Cite(Guidelines.AhaPedsAortic);

        if (regurgitation is { Severity: SeverityGrade.Severe or SeverityGrade.ModerateToSevere } ar)
        {
            builder.Contraindicated = true;
            builder.Code(ItemCodes.WarnAorticRegurgitation)
                .Reason($"Significant aortic regurgitation ({SeverityText(ar.Severity)}, {ar.Source}): balloon dilation can worsen it; refer to pediatric cardiac surgery.")
                .Next(NextStep.SurgicalReferral);
            return new AorticResult(builder.Build(Decision.NotCandidate, "Pediatric AS with significant AR: balloon valvuloplasty not advised", BridgeToTavr.No), null);
        }

        var dysfunction = lvef.Below(ReducedLvef) == true && ava.AtMost(LowGradientAva) == true;
        if (highGradient || dysfunction)
        {
            builder.Reason(highGradient
                ? "Mean gradient ≥ 40 mmHg or Vmax ≥ 4.0 m/s meets the pediatric indication for balloon valvuloplasty."
                : "Reduced LVEF with AVA ≤ 1.0 cm² meets the pediatric indication for balloon valvuloplasty.")
                .Next(NextStep.HeartTeamReferral);
            return new AorticResult(builder.Build(Decision.Candidate, "Pediatric aortic stenosis: balloon valvuloplasty candidate (pediatric pathway)", BridgeToTavr.No), null);
        }

        builder.Reason("The pediatric criteria (mean gradient ≥ 40 mmHg, Vmax ≥ 4.0 m/s, or LVEF < 50 % with AVA ≤ 1.0 cm²) are not met: surveillance.")
            .Next(NextStep.Surveillance);
        return new AorticResult(builder.Build(Decision.NotCandidate, "Pediatric aortic stenosis below intervention criteria: surveillance", BridgeToTavr.No), null);
    }

    private static AorticResult Insufficient(AssessmentBuilder builder, ClinicalPicture picture, string headline) =>
        new(builder.Build(Decision.InsufficientData, headline, picture.Pediatric ? BridgeToTavr.No : BridgeToTavr.Deferred), null);

    private static AorticResult Decided(AssessmentBuilder builder, ClinicalPicture picture, Decision decision, string headline) =>
        new(builder.Build(decision, headline, BridgeToTavr.No), null);

    private static BridgeRecommendation Bridge(BridgeKind kind, ClinicalPicture picture, ValveAssessment assessment)
    {
        var prohibitive = picture.SurgicalRisk == SurgicalRisk.Prohibitive;
        var reasons = new List<string>
        {
            kind switch
            {
                BridgeKind.TavrPlanned => "A TAVR order is already active or drafted: BAV bridges the patient to it.",
                BridgeKind.RepeatSymptomsAfterBav => "Symptoms have returned after an earlier BAV: the balloon's effect is wearing off. It is time for TAVR or SAVR.",
                BridgeKind.AfterRecentBav => "BAV relief is temporary (months): keep the patient on the way to definitive valve replacement.",
                BridgeKind.ConsiderBavBeforeDraftedTavr => "The patient meets BAV criteria: consider BAV as a bridge while TAVR is arranged.",
                _ => "Refer to the Heart Team for TAVR evaluation; BAV can bridge the patient to it.",
            },
        };
        if (prohibitive)
        {
            reasons.Add("At prohibitive surgical risk: bridge to TAVR if survival over 12 months is expected; otherwise BAV is palliative.");
        }

        return new BridgeRecommendation(kind, prohibitive, reasons, assessment.Guidelines);
    }

    private static bool HasTavrOrder(PatientFacts facts) =>
        facts.Orders.Any(o => o.Kind == ProcedureKind.Tavr && o.Status is "active" or "draft");

    private static string? RepeatSymptomsAfterBav(PatientFacts facts, ClinicalPicture picture, ProcedureFact? lastBav)
    {
        if (lastBav?.PerformedAt is not { } bavDate)
        {
            return null;
        }

        var nyhaAfter = picture.NyhaSource is { } nyha && nyha.EffectiveAt > bavDate && nyha.Answer is "III" or "IV";
        var newSymptoms = facts.Findings.Where(f =>
            f.Kind is FindingKind.Edema or FindingKind.Fatigue or FindingKind.Dyspnea or FindingKind.HeartFailure
            && f.Onset > bavDate).ToList();
        if (!nyhaAfter && newSymptoms.Count == 0)
        {
            return null;
        }

        var what = nyhaAfter ? $"NYHA class {picture.NyhaClass}" : string.Join(", ", newSymptoms.Select(s => s.Kind.ToString().ToLowerInvariant()));
        return $"An earlier BAV ({Date(bavDate)}, {lastBav.Source}) was followed by recurrent symptoms ({what}) and no valve replacement since: a repeat BAV is at most a bridge.";
    }

    private static RegurgitationFinding? WorstRegurgitation(PatientFacts facts) =>
        facts.Regurgitations.Where(r => r.Valve == Valve.Aortic).MaxBy(r => r.Severity ?? SeverityGrade.Mild);

    private static string HighGradientEvidence(Measurement? vmax, Measurement? meanGradient)
    {
        var parts = new List<string>();
        if (vmax.AtLeast(SevereVmax) == true)
        {
            parts.Add($"{Describe(vmax!)} ≥ 4.0 m/s");
        }

        if (meanGradient.AtLeast(SevereMeanGradient) == true)
        {
            parts.Add($"{Describe(meanGradient!)} ≥ 40 mmHg");
        }

        return string.Join("; ", parts);
    }

    private static string GradingEvidence(params Measurement?[] measurements) =>
        string.Join(", ", measurements.Where(m => m is not null).Select(m => Describe(m!)));

    internal static string SymptomText(ClinicalPicture picture)
    {
        var parts = new List<string>();
        if (picture.NyhaClass is { } nyha)
        {
            parts.Add($"NYHA {nyha}");
        }

        parts.AddRange(picture.RecentSymptoms.Select(s => s.Kind.ToString().ToLowerInvariant()).Distinct());
        return parts.Count == 0 ? "none recorded" : string.Join(", ", parts);
    }

    internal static string RiskText(ClinicalPicture picture) => picture.SurgicalRisk.ToString().ToLowerInvariant();

    internal static string SeverityText(SeverityGrade? grade) => grade switch
    {
        SeverityGrade.ModerateToSevere => "moderate-to-severe",
        SeverityGrade.MildToModerate => "mild-to-moderate",
        null => "severity not recorded",
        _ => grade.Value.ToString().ToLowerInvariant(),
    };
}
