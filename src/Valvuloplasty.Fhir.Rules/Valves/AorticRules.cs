using Valvuloplasty.Fhir.Rules.Content;
using Valvuloplasty.Fhir.Rules.Engine;
using Valvuloplasty.Fhir.Rules.Facts;

namespace Valvuloplasty.Fhir.Rules.Valves;

/// <summary>The aortic assessment and, when bridgeToTavr is yes, the bridge recommendation.</summary>
public sealed record AorticResult(ValveAssessment Assessment, BridgeRecommendation? Bridge);

/// <summary>
/// Balloon aortic valvuloplasty (BAV), docs/clinical-rules.md §4. Severity and stages: AHA20
/// (C1/C2 asymptomatic, D1–D3 symptomatic). Adult indications: BAV as a bridge in haemodynamically unstable
/// patients and before urgent high-risk non-cardiac surgery (ESC21 §5.2), and in very symptomatic patients at high
/// or prohibitive surgical risk (AHA20). Otherwise definitive AVR, or surveillance when asymptomatic.
/// Pediatric: AHA11-PEDS. Bridge to TAVR: §4 "bridgeToTavr".
/// </summary>
public static class AorticRules
{
    public const decimal SevereVmax = 4.0m;          // m/s
    public const decimal VerySevereVmax = 5.0m;      // m/s
    public const decimal SevereMeanGradient = 40m;   // mmHg
    public const decimal LowGradientAva = 1.0m;      // cm2
    public const decimal LowGradientAvai = 0.6m;     // cm2/m2
    public const decimal ReducedLvef = 50m;          // %
    public const decimal ModerateVmax = 3.0m;        // m/s
    public const decimal ModerateMeanGradient = 20m; // mmHg
    public const int SavrBelowAge = 65;
    public const int TavrAboveAge = 80;

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
        ValveRules.PediatricPathway(picture, builder);
        ValveRules.CiteDiagnosis(diagnoses, builder);
        builder.Notes(EchoGate.NotesFor(facts, AllKinds));
        var tavrOrder = TavrOrder(facts);

        if (ValveRules.RecentBalloon(facts, ProcedureKind.BalloonAorticValvuloplasty, asOf, options) is { } recentBav)
        {
            return PostProcedure(picture, builder, recentBav, tavrOrder);
        }

        // 2. Data gaps: birth date, unconfirmed diagnosis, then echo (§2, §3).
        var gap = ValveRules.NoBirthDate(facts, builder) ?? ValveRules.Unconfirmed(diagnoses, builder);
        var study = EchoStudy.Read(facts, SeverityKinds, SupportingKinds, asOf, options.EchoFreshnessDays);
        gap ??= EchoGate.Gap(study, builder, options.EchoFreshnessDays);
        if (gap is not null)
        {
            return Insufficient(builder, picture, gap);
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
            return Insufficient(builder, picture, ValveRules.BoundsUndecided(builder, Criterion.AorticSeverity, vmax, meanGradient, ava, avai));
        }

        var highGradient = highGradientTest.Value;
        var lowArea = lowAreaTest == true;
        var regurgitation = WorstRegurgitation(facts);
        var lvefReduced = lvef.Below(ReducedLvef);
        if (lvef is not null && lvefReduced is null)
        {
            ValveRules.BoundsUndecided(builder, Criterion.LvefBelow50, lvef);
            lvef = null;
        }

        if (picture.Pediatric)
        {
            return Pediatric(builder, picture, highGradient, ava, lvef, regurgitation);
        }

        // 3. Severity and stage: D only when symptomatic (C1/C2 otherwise).
        var symptomatic = picture.Symptomatic;
        var stage = symptomatic ? AorticStage.D1
            : lvef is null ? AorticStage.C
            : lvefReduced == true ? AorticStage.C2
            : AorticStage.C1;
        if (highGradient)
        {
            builder.Say(new AorticSevere(stage, HighGradient: true)).Cite(Citations.AhaAsStages);
        }
        else if (lowArea)
        {
            if (lvef is null)
            {
                var unknown = new AorticLowGradient(LowGradientPattern.LvefUnknown, symptomatic);
                builder.Code(ItemCodes.WarnDiscordantGrading).Say(unknown).Next(NextStep.RepeatTransthoracicEcho).Cite(Citations.AhaAsStages);
                return Insufficient(builder, picture, unknown);
            }

            if (lvefReduced == true && !picture.Unstable)
            {
                var reduced = new AorticLowGradient(LowGradientPattern.ReducedLvef, symptomatic);
                builder.Code(ItemCodes.WarnDiscordantGrading).Say(reduced).Next(NextStep.DobutamineStressEcho).Cite(Citations.AhaLowFlowDse);
                return Insufficient(builder, picture, reduced);
            }

            if (lvefReduced == false)
            {
                var preserved = new AorticLowGradient(LowGradientPattern.PreservedLvef, symptomatic);
                builder.Code(ItemCodes.WarnDiscordantGrading).Say(preserved).Next(NextStep.CtCalciumScore).Cite(Citations.AhaLowGradientCt);
                return Insufficient(builder, picture, preserved);
            }

            builder.Say(new AorticLowGradient(LowGradientPattern.ReducedLvefUnstable, symptomatic)).Cite(Citations.AhaAsStages);
        }
        else
        {
            var grade = Threshold.Any(vmax.AtLeast(ModerateVmax), meanGradient.AtLeast(ModerateMeanGradient)) switch
            {
                true => Grade.Moderate,
                false => Grade.Mild,
                null => Grade.MildOrModerate,
            };
            var notSevere = new AorticNotSevere(grade);
            builder.Say(notSevere);
            if (symptomatic)
            {
                builder.Say(ValveRules.Symptoms(picture)).Next(NextStep.SeekOtherCauseOfSymptoms);
            }

            builder.Next(NextStep.Surveillance).Cite(Citations.AhaAsStages).Cite(Citations.EscAsFollowUp);
            return Decided(builder, picture, Decision.NotCandidate, notSevere);
        }

        // 4. Severe (or moderate-to-severe) aortic regurgitation: the balloon would worsen it (consensus; no guideline class).
        if (regurgitation is { Severity: SeverityGrade.Severe or SeverityGrade.ModerateToSevere } severeAr)
        {
            builder.Contraindicated = true;
            var ar = new AorticRegurgitationSignificant(severeAr);
            builder.Code(ItemCodes.WarnAorticRegurgitation).Say(ar).Next(NextStep.HeartTeamReferral);
            if (tavrOrder is null)
            {
                builder.Next(NextStep.TavrEvaluation);
            }

            builder.Next(NextStep.SurgicalReferral);
            return Decided(builder, picture, Decision.NotCandidate, ar);
        }

        Statement decisive;
        var decision = Decision.Candidate;
        if (picture.Unstable)
        {
            // 5. Haemodynamically unstable.
            decisive = new HaemodynamicallyUnstable(picture.InstabilitySources);
            builder.Say(decisive).Cite(Citations.EscBavBridge);
        }
        else if (options.UrgentNonCardiacSurgeryIsIndication && picture.UrgentNonCardiacSurgery is { } surgery)
        {
            // 6. Urgent high-risk non-cardiac surgery (ESC choice, configurable).
            decisive = new UrgentNonCardiacSurgery(surgery);
            builder.Say(decisive).Cite(Citations.EscBavBridge).Cite(Citations.EscHeartTeam);
        }
        else if (picture.VerySymptomatic && picture.SurgicalRisk is SurgicalRisk.High or SurgicalRisk.Prohibitive)
        {
            // 7. Very symptomatic at high or prohibitive surgical risk.
            builder.Say(ValveRules.Symptoms(picture));
            decisive = ValveRules.Risk(picture, builder)!;
            builder.Cite(Citations.AhaBavBridge);
        }
        else if (picture.VerySymptomatic && picture.SurgicalRisk == SurgicalRisk.Unknown)
        {
            // 8. Very symptomatic, risk not documented.
            var unknown = new SurgicalRiskUnknown();
            builder.Say(ValveRules.Symptoms(picture)).Say(unknown).Code(ItemCodes.GapNoSurgicalRisk).Next(NextStep.ObtainSurgicalRisk);
            return Insufficient(builder, picture, unknown);
        }
        else
        {
            // 9. Stable, and not very symptomatic at high risk: BAV is not the answer.
            return picture.Symptomatic
                ? DefinitiveAvr(builder, picture, tavrOrder)
                : AsymptomaticSevere(builder, picture, stage, vmax, lvefReduced == true);
        }

        if (regurgitation is { Severity: SeverityGrade.Moderate } moderateAr)
        {
            builder.Code(ItemCodes.WarnAorticRegurgitation).Say(new AorticRegurgitationModerate(moderateAr));
            decision = Decision.CandidateWithCaution;
        }

        var lastBav = facts.Procedures
            .Where(p => p.Kind == ProcedureKind.BalloonAorticValvuloplasty && p.Completed && p.PerformedAt is not null)
            .MaxBy(p => p.PerformedAt);
        if (RepeatSymptomsAfterBav(facts, picture, lastBav) is { } repeat)
        {
            builder.Say(repeat);
            decision = Decision.CandidateWithCaution;
            decisive = repeat;
        }

        builder.Say(new BavIsPalliation());
        ValveRules.Pregnancy(picture, builder);
        builder.Next(NextStep.HeartTeamReferral);
        if (tavrOrder is not null)
        {
            builder.Say(new TavrAlreadyPlanned(tavrOrder));
        }
        else
        {
            builder.Next(NextStep.TavrEvaluation);
        }

        var assessment = builder.Build(decision, decisive, BridgeToTavr.Yes);
        var bridgeKind = decisive is SymptomsBackAfterBav ? BridgeKind.RepeatSymptomsAfterBav
            : tavrOrder is not null ? BridgeKind.TavrPlanned
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

    /// <summary>A TAVR order that is active or drafted (TAVR is planned), or null.</summary>
    public static OrderFact? TavrOrder(PatientFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return facts.Orders.FirstOrDefault(o => o.Kind == ProcedureKind.Tavr && o.Status is "active" or "draft");
    }

    /// <summary>
    /// Rule 9, asymptomatic severe AS (stage C1/C2): AVR evaluation when LVEF &lt; 50 % or Vmax ≥ 5 m/s; otherwise
    /// surveillance or an exercise test to unmask symptoms. Never "refer for TAVR/SAVR" as the default for C1.
    /// </summary>
    private static AorticResult AsymptomaticSevere(AssessmentBuilder builder, ClinicalPicture picture, AorticStage stage, Measurement? vmax, bool reducedLvef)
    {
        var verySevere = vmax.AtLeast(VerySevereVmax) == true;
        var asymptomatic = new AsymptomaticSevereAs(stage, verySevere, reducedLvef);
        builder.Say(new NoSymptomsRecorded()).Say(asymptomatic);
        if (reducedLvef || verySevere)
        {
            builder.Next(NextStep.HeartTeamReferral).Cite(reducedLvef ? Citations.EscAvrLvDysfunction : Citations.EscAvrVerySevere);
        }
        else
        {
            builder.Next(NextStep.SevereAsSurveillance).Next(NextStep.ExerciseTest).Cite(Citations.EscAsFollowUp).Cite(Citations.EscAvrExerciseSymptoms);
        }

        return Decided(builder, picture, Decision.NotCandidate, asymptomatic);
    }

    /// <summary>
    /// Rule 9, symptomatic severe AS at low or intermediate risk (or not very symptomatic): definitive AVR, SAVR under
    /// 65, TAVR over 80, the Heart Team's choice between (AHA20; ESC21 draws the line at 75).
    /// </summary>
    private static AorticResult DefinitiveAvr(AssessmentBuilder builder, ClinicalPicture picture, OrderFact? tavrOrder)
    {
        builder.Say(ValveRules.Symptoms(picture));
        ValveRules.Risk(picture, builder);
        var choice = picture.AgeYears switch
        {
            < SavrBelowAge => AvrChoice.Savr,
            > TavrAboveAge => AvrChoice.Tavr,
            _ => AvrChoice.HeartTeamChoice,
        };
        var avr = new DefinitiveAvr(choice, picture.AgeYears, picture.VerySymptomatic);
        builder.Say(avr).Next(NextStep.HeartTeamReferral);
        if (choice == AvrChoice.Savr)
        {
            builder.Next(NextStep.SurgicalReferral);
        }
        else if (choice == AvrChoice.Tavr && tavrOrder is null)
        {
            builder.Next(NextStep.TavrEvaluation);
        }

        if (tavrOrder is not null)
        {
            builder.Say(new TavrAlreadyPlanned(tavrOrder));
        }

        builder.Cite(Citations.EscAvrSymptomatic).Cite(Citations.AhaAvrChoice).Cite(Citations.EscAvrChoice).Cite(Citations.EscHeartTeam);
        return Decided(builder, picture, Decision.NotCandidate, avr);
    }

    private static AorticResult PostProcedure(ClinicalPicture picture, AssessmentBuilder builder, ProcedureFact bav, OrderFact? tavrOrder)
    {
        var recent = new RecentBalloon(bav, Valve.Aortic);
        builder.Say(recent).Say(new BavIsPalliation());
        if (picture.Pediatric)
        {
            builder.Next(NextStep.PediatricCardiologyReferral);
            return new AorticResult(builder.Build(Decision.PostProcedure, recent, BridgeToTavr.No), null);
        }

        if (tavrOrder is not null)
        {
            builder.Say(new TavrAlreadyPlanned(tavrOrder));
        }
        else
        {
            builder.Next(NextStep.TavrEvaluation);
        }

        builder.Cite(Citations.AhaBavBridge);
        var assessment = builder.Build(Decision.PostProcedure, recent, BridgeToTavr.Yes);
        var kind = tavrOrder is not null ? BridgeKind.AfterRecentBavTavrPlanned : BridgeKind.AfterRecentBav;
        return new AorticResult(assessment, Bridge(kind, picture, assessment));
    }

    private static AorticResult Pediatric(
        AssessmentBuilder builder, ClinicalPicture picture, bool highGradient, Measurement? ava, Measurement? lvef, RegurgitationFinding? regurgitation)
    {
        builder.Cite(Citations.AhaPedsAortic);
        if (regurgitation is { Severity: SeverityGrade.Severe or SeverityGrade.ModerateToSevere } ar)
        {
            builder.Contraindicated = true;
            var significant = new AorticRegurgitationSignificant(ar);
            builder.Code(ItemCodes.WarnAorticRegurgitation).Say(significant).Next(NextStep.PediatricCardiologyReferral);
            return new AorticResult(builder.Build(Decision.NotCandidate, significant, BridgeToTavr.No), null);
        }

        var dysfunction = lvef.Below(ReducedLvef) == true && ava.AtMost(LowGradientAva) == true;
        var indication = new PediatricAorticIndication(highGradient, dysfunction);
        builder.Say(indication).Next(NextStep.PediatricCardiologyReferral);
        if (highGradient || dysfunction)
        {
            ValveRules.Pregnancy(picture, builder);
            return new AorticResult(builder.Build(Decision.Candidate, indication, BridgeToTavr.No), null);
        }

        builder.Next(NextStep.Surveillance);
        return new AorticResult(builder.Build(Decision.NotCandidate, indication, BridgeToTavr.No), null);
    }

    private static AorticResult Insufficient(AssessmentBuilder builder, ClinicalPicture picture, Statement gap) =>
        new(builder.Build(Decision.InsufficientData, gap, picture.Pediatric ? BridgeToTavr.No : BridgeToTavr.Deferred), null);

    private static AorticResult Decided(AssessmentBuilder builder, ClinicalPicture picture, Decision decision, Statement decisive) =>
        new(builder.Build(decision, decisive, BridgeToTavr.No), null);

    /// <summary>The bridge card refers to the assessment for evidence and guidelines; it cites only when no assessment card goes with it.</summary>
    private static BridgeRecommendation Bridge(BridgeKind kind, ClinicalPicture picture, ValveAssessment assessment) =>
        new(kind, picture.SurgicalRisk == SurgicalRisk.Prohibitive, assessment.Citations);

    private static SymptomsBackAfterBav? RepeatSymptomsAfterBav(PatientFacts facts, ClinicalPicture picture, ProcedureFact? lastBav)
    {
        if (lastBav?.PerformedAt is not { } bavDate)
        {
            return null;
        }

        var nyhaAfter = picture.NyhaSource is { } nyha && nyha.EffectiveAt > bavDate && nyha.Answer is "III" or "IV";
        var newSymptoms = facts.Findings.Where(f =>
            f.Kind is FindingKind.Edema or FindingKind.Fatigue or FindingKind.Dyspnea or FindingKind.HeartFailure
            && f.Onset > bavDate).ToList();
        return !nyhaAfter && newSymptoms.Count == 0
            ? null
            : new SymptomsBackAfterBav(lastBav, nyhaAfter ? picture.NyhaClass : null, newSymptoms);
    }

    private static RegurgitationFinding? WorstRegurgitation(PatientFacts facts) =>
        facts.Regurgitations.Where(r => r.Valve == Valve.Aortic).MaxBy(r => r.Severity ?? SeverityGrade.Mild);
}
