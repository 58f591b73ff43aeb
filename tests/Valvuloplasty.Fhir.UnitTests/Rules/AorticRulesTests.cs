using Valvuloplasty.Fhir.Rules.Content;
using Valvuloplasty.Fhir.Rules.Engine;
using Valvuloplasty.Fhir.Rules.Facts;
using Valvuloplasty.Fhir.UnitTests.Support;
using static Valvuloplasty.Fhir.Rules.Facts.MeasurementKind;

namespace Valvuloplasty.Fhir.UnitTests.Rules;

/// <summary>docs/clinical-rules.md §4, one test (or row) per numbered branch, with the boundaries.</summary>
public sealed class AorticRulesTests
{
    private static FactsBuilder SevereSymptomaticHighRisk() =>
        new FactsBuilder().Stenosis(Valve.Aortic).SevereAorticEcho().Nyha("III").Sts(9.5m);

    [Fact]
    public void NoAorticDiagnosis_ProducesNoCard()
    {
        var result = new FactsBuilder().SevereAorticEcho().Nyha("IV").Sts(12m).Aortic();

        Assert.Null(result);
    }

    [Fact]
    public void Rule1_CompletedTavr_ProducesNoCard()
    {
        Assert.Null(SevereSymptomaticHighRisk().Procedure(ProcedureKind.Tavr, completed: true, daysAgo: 200).Aortic());
    }

    [Fact]
    public void Rule1_CompletedSavr_ProducesNoCard()
    {
        Assert.Null(SevereSymptomaticHighRisk().Procedure(ProcedureKind.Savr, completed: true, daysAgo: 900).Aortic());
    }

    [Fact]
    public void Rule1_HistoryOfAvrCondition_ProducesNoCard()
    {
        Assert.Null(SevereSymptomaticHighRisk().Finding(FindingKind.HistoryOfAorticValveReplacement, 2000).Aortic());
    }

    [Fact]
    public void Rule1_PlannedTavrNotCompleted_StillAssesses()
    {
        var result = SevereSymptomaticHighRisk().Procedure(ProcedureKind.Tavr, completed: false, daysAgo: 1).Aortic();

        Assert.Equal(Decision.Candidate, result!.Assessment.Decision);
    }

    [Theory]
    [InlineData(0, Decision.PostProcedure)]
    [InlineData(30, Decision.PostProcedure)]
    [InlineData(31, Decision.CandidateWithCaution)] // symptoms (NYHA III, 10 days ago) are back after it: repeat BAV at most with caution
    public void Rule1_CompletedBav_Within30Days_IsPostProcedure(int daysAgo, Decision expected)
    {
        var result = SevereSymptomaticHighRisk().Procedure(ProcedureKind.BalloonAorticValvuloplasty, daysAgo: daysAgo).Aortic();

        Assert.Equal(expected, result!.Assessment.Decision);
        Assert.Equal(BridgeToTavr.Yes, result.Assessment.Bridge);
        Assert.NotNull(result.Bridge);
    }

    [Fact]
    public void Rule2_UnconfirmedDiagnosis_IsInsufficientData()
    {
        var result = new FactsBuilder().Stenosis(Valve.Aortic, confirmed: false).SevereAorticEcho().Nyha("III").Sts(9m).Aortic()!;

        Assert.Equal((Decision.InsufficientData, BridgeToTavr.Deferred), (result.Assessment.Decision, result.Assessment.Bridge));
        Assert.Contains(ItemCodes.WarnUnconfirmedDiagnosis, result.Assessment.Codes);
        Assert.Contains(NextStep.ConfirmDiagnosis, result.Assessment.NextSteps);
    }

    [Fact]
    public void Rule2_NoEcho_IsInsufficientData_WithGapNoEcho_AndTteNext()
    {
        var result = new FactsBuilder().Stenosis(Valve.Aortic).Nyha("III").Sts(9m).Aortic()!;

        Assert.Equal(Decision.InsufficientData, result.Assessment.Decision);
        Assert.Contains(ItemCodes.GapNoEcho, result.Assessment.Codes);
        Assert.Contains(NextStep.OrderTransthoracicEcho, result.Assessment.NextSteps);
        Assert.Null(result.Bridge);
    }

    [Fact]
    public void Rule2_LvefOnly_IsNoEcho_BecauseLvefDoesNotGrade()
    {
        var result = new FactsBuilder().Stenosis(Valve.Aortic).Measure(Lvef, 55m).Aortic()!;

        Assert.Contains(ItemCodes.GapNoEcho, result.Assessment.Codes);
    }

    [Theory]
    [InlineData(365, Decision.Candidate)]
    [InlineData(366, Decision.InsufficientData)]
    public void Rule2_EchoAge_365DaysIsCurrent_366IsStale(int daysAgo, Decision expected)
    {
        var result = new FactsBuilder().Stenosis(Valve.Aortic).SevereAorticEcho(daysAgo).Nyha("III").Sts(9m).Aortic()!;

        Assert.Equal(expected, result.Assessment.Decision);
        Assert.Equal(expected == Decision.InsufficientData, result.Assessment.Codes.Contains(ItemCodes.WarnStaleEcho));
    }

    [Fact]
    public void Rule2_StaleEcho_ShowsTheStaleValues_AndAsksForARepeatTte()
    {
        var result = new FactsBuilder().Stenosis(Valve.Aortic).SevereAorticEcho(500).Aortic()!;

        Assert.Contains(NextStep.RepeatTransthoracicEcho, result.Assessment.NextSteps);
        Assert.Contains(result.Assessment.Evidence, m => m.Kind == AorticVmax && m.Value == 4.5m);
    }

    [Fact]
    public void Rule2_PreliminaryOnlyStudy_IsInsufficientData_WithPreliminaryValuesShown()
    {
        var result = new FactsBuilder().Stenosis(Valve.Aortic)
            .Measure(AorticVmax, 4.8m, daysAgo: 3, preliminary: true)
            .Nyha("III").Sts(9m).Aortic()!;

        Assert.Equal(Decision.InsufficientData, result.Assessment.Decision);
        Assert.Contains(ItemCodes.WarnPreliminary, result.Assessment.Codes);
        Assert.DoesNotContain(ItemCodes.WarnStaleEcho, result.Assessment.Codes);
        Assert.All(result.Assessment.Evidence, m => Assert.True(m.Preliminary));
    }

    [Fact]
    public void Rule2_PreliminaryNewerThanAStaleFinalStudy_WarnsPreliminaryAndStale()
    {
        var result = new FactsBuilder().Stenosis(Valve.Aortic)
            .SevereAorticEcho(daysAgo: 500)
            .Measure(AorticVmax, 4.8m, daysAgo: 3, preliminary: true)
            .Aortic()!;

        Assert.Equal(Decision.InsufficientData, result.Assessment.Decision);
        Assert.Contains(ItemCodes.WarnPreliminary, result.Assessment.Codes);
        Assert.Contains(ItemCodes.WarnStaleEcho, result.Assessment.Codes);
    }

    [Fact]
    public void Rule2_PreliminaryNewerThanAFreshFinalStudy_IsIgnored()
    {
        var result = SevereSymptomaticHighRisk().Measure(AorticVmax, 3.1m, daysAgo: 1, preliminary: true).Aortic()!;

        Assert.Equal(Decision.Candidate, result.Assessment.Decision);
        Assert.DoesNotContain(result.Assessment.Evidence, m => m.Preliminary);
    }

    [Fact]
    public void Rule2_LatestMeasurementWins()
    {
        var result = new FactsBuilder().Stenosis(Valve.Aortic)
            .Measure(AorticVmax, 4.6m, daysAgo: 200).Measure(AorticVmax, 3.2m, daysAgo: 20)
            .Aortic()!;

        Assert.Equal(Decision.NotCandidate, result.Assessment.Decision);
        Assert.Equal(3.2m, Assert.Single(result.Assessment.Evidence, m => m.Kind == AorticVmax).Value);
    }

    [Theory]
    [InlineData(4.0, 30, true)]
    [InlineData(3.99, 39.9, false)]
    [InlineData(3.5, 40, true)]
    [InlineData(4.5, 20, true)]
    public void Rule3_Severity_VmaxAtLeast4OrMeanGradientAtLeast40(double vmax, double meanGradient, bool severe)
    {
        var result = new FactsBuilder().Stenosis(Valve.Aortic)
            .Measure(AorticVmax, (decimal)vmax).Measure(AorticMeanGradient, (decimal)meanGradient).Measure(AorticValveArea, 1.3m).Measure(Lvef, 60m)
            .Nyha("III").Sts(9m).Aortic()!;

        Assert.Equal(severe ? Decision.Candidate : Decision.NotCandidate, result.Assessment.Decision);
    }

    [Theory]
    [InlineData(3.2, 25, "moderate")]
    [InlineData(2.6, 15, "mild")]
    public void Rule3_NotSevere_IsNotCandidate_LookForOtherCauses(double vmax, double meanGradient, string grade)
    {
        var result = new FactsBuilder().Stenosis(Valve.Aortic)
            .Measure(AorticVmax, (decimal)vmax).Measure(AorticMeanGradient, (decimal)meanGradient).Measure(AorticValveArea, 1.4m)
            .Nyha("IV").Sts(15m).Aortic()!;

        Assert.Equal((Decision.NotCandidate, BridgeToTavr.No), (result.Assessment.Decision, result.Assessment.Bridge));
        Assert.Equal(grade == "moderate" ? Grade.Moderate : Grade.Mild, Assert.IsType<AorticNotSevere>(result.Assessment.Decisive).Grade);
        Assert.Contains(NextStep.SeekOtherCauseOfSymptoms, result.Assessment.NextSteps);
    }

    [Fact]
    public void Rule3_LowGradientReducedLvef_Stable_IsDiscordant_DobutamineStressEcho()
    {
        var result = LowGradient(lvef: 35m).Nyha("III").Sts(9m).Aortic()!;

        Assert.Equal((Decision.InsufficientData, BridgeToTavr.Deferred), (result.Assessment.Decision, result.Assessment.Bridge));
        Assert.Contains(ItemCodes.WarnDiscordantGrading, result.Assessment.Codes);
        Assert.Contains(NextStep.DobutamineStressEcho, result.Assessment.NextSteps);
    }

    [Fact]
    public void Rule3_LowGradientReducedLvef_Unstable_CountsAsSevere_Candidate()
    {
        var result = LowGradient(lvef: 35m).Finding(FindingKind.CardiogenicShock, 2).Aortic()!;

        Assert.Equal(Decision.Candidate, result.Assessment.Decision);
        Assert.DoesNotContain(ItemCodes.WarnDiscordantGrading, result.Assessment.Codes);
    }

    [Fact]
    public void Rule3_LowGradientPreservedLvef_IsDiscordant_CtCalciumScore()
    {
        var result = LowGradient(lvef: 50m).Nyha("III").Sts(9m).Aortic()!;

        Assert.Equal(Decision.InsufficientData, result.Assessment.Decision);
        Assert.Contains(ItemCodes.WarnDiscordantGrading, result.Assessment.Codes);
        Assert.Contains(NextStep.CtCalciumScore, result.Assessment.NextSteps);
    }

    [Fact]
    public void Rule3_LowGradientWithoutLvef_IsDiscordant()
    {
        var result = new FactsBuilder().Stenosis(Valve.Aortic).Measure(AorticVmax, 3.5m).Measure(AorticValveArea, 0.8m).Aortic()!;

        Assert.Equal(Decision.InsufficientData, result.Assessment.Decision);
        Assert.Contains(ItemCodes.WarnDiscordantGrading, result.Assessment.Codes);
    }

    [Theory]
    [InlineData(1.0, 0.9, true)]
    [InlineData(1.01, 0.6, true)]
    [InlineData(1.01, 0.61, false)]
    public void Rule3_LowGradientPattern_AvaAtMost1OrAvaiAtMost06(double ava, double avai, bool lowGradient)
    {
        var result = new FactsBuilder().Stenosis(Valve.Aortic)
            .Measure(AorticVmax, 3.5m).Measure(AorticMeanGradient, 30m).Measure(AorticValveArea, (decimal)ava).Measure(AorticValveAreaIndex, (decimal)avai).Measure(Lvef, 60m)
            .Aortic()!;

        Assert.Equal(lowGradient, result.Assessment.Codes.Contains(ItemCodes.WarnDiscordantGrading));
    }

    [Theory]
    [InlineData(SeverityGrade.Severe)]
    [InlineData(SeverityGrade.ModerateToSevere)]
    public void Rule4_SignificantAorticRegurgitation_IsNotCandidate_Contraindicated(SeverityGrade grade)
    {
        var result = SevereSymptomaticHighRisk().Regurgitation(Valve.Aortic, grade).Aortic()!;

        Assert.Equal((Decision.NotCandidate, BridgeToTavr.No), (result.Assessment.Decision, result.Assessment.Bridge));
        Assert.True(result.Assessment.Contraindicated);
        Assert.Contains(ItemCodes.WarnAorticRegurgitation, result.Assessment.Codes);
        Assert.Contains(NextStep.TavrEvaluation, result.Assessment.NextSteps);
    }

    [Fact]
    public void Rule4_MitralRegurgitation_DoesNotBlockAorticBalloon()
    {
        var result = SevereSymptomaticHighRisk().Regurgitation(Valve.Mitral, SeverityGrade.Severe).Aortic()!;

        Assert.Equal(Decision.Candidate, result.Assessment.Decision);
    }

    [Theory]
    [InlineData(FindingKind.CardiogenicShock, 300)]
    [InlineData(FindingKind.AcuteHeartFailure, 30)]
    public void Rule5_HaemodynamicallyUnstable_IsCandidate_EvenAtLowRiskAndWithoutSymptoms(FindingKind finding, int daysAgo)
    {
        var result = new FactsBuilder().Stenosis(Valve.Aortic).SevereAorticEcho().Sts(2m).Finding(finding, daysAgo).Aortic()!;

        Assert.Equal((Decision.Candidate, BridgeToTavr.Yes), (result.Assessment.Decision, result.Assessment.Bridge));
        Assert.Contains(Citations.EscBavBridge, result.Assessment.Citations);
        Assert.IsType<HaemodynamicallyUnstable>(result.Assessment.Decisive);
    }

    [Fact]
    public void Rule5_AcuteHeartFailureOlderThan30Days_IsNotInstability()
    {
        var result = new FactsBuilder().Stenosis(Valve.Aortic).SevereAorticEcho().Sts(2m).Finding(FindingKind.AcuteHeartFailure, 31).Aortic()!;

        Assert.Equal(Decision.NotCandidate, result.Assessment.Decision);
    }

    [Fact]
    public void Rule6_UrgentNonCardiacSurgery_IsCandidate_ByDefault()
    {
        var result = UrgentSurgery().Aortic()!;

        Assert.Equal(Decision.Candidate, result.Assessment.Decision);
        Assert.Contains(Citations.EscBavBridge, result.Assessment.Citations);
        Assert.IsType<UrgentNonCardiacSurgery>(result.Assessment.Decisive);
    }

    [Fact]
    public void Rule6_UrgentNonCardiacSurgery_OptionOff_FollowsTheOtherRules()
    {
        var result = UrgentSurgery().Aortic(new RuleOptions { UrgentNonCardiacSurgeryIsIndication = false })!;

        Assert.Equal(Decision.NotCandidate, result.Assessment.Decision);
    }

    [Theory]
    [InlineData(false, true, false, 5)]
    [InlineData(true, false, false, 5)]
    [InlineData(true, true, true, 5)]
    [InlineData(true, true, false, 45)]
    public void Rule6_OnlyUrgentNonCardiacSurgeryWithin30Days_Counts(bool surgical, bool urgent, bool cardiac, int inDays)
    {
        var result = new FactsBuilder().Stenosis(Valve.Aortic).SevereAorticEcho().Sts(2m)
            .Order(null, surgical: surgical, urgent: urgent, cardiac: cardiac, inDays: inDays).Aortic()!;

        Assert.Equal(Decision.NotCandidate, result.Assessment.Decision);
    }

    [Theory]
    [InlineData("III", 8.01)]
    [InlineData("IV", 20)]
    public void Rule7_VerySymptomaticAtHighRisk_IsCandidate(string nyha, double sts)
    {
        var result = new FactsBuilder().Stenosis(Valve.Aortic).SevereAorticEcho().Nyha(nyha).Sts((decimal)sts).Aortic()!;

        Assert.Equal((Decision.Candidate, BridgeToTavr.Yes), (result.Assessment.Decision, result.Assessment.Bridge));
        Assert.Equal(BridgeKind.HeartTeamReferral, result.Bridge!.Kind);
        Assert.Contains(Citations.AhaBavBridge, result.Assessment.Citations);
        Assert.Contains(result.Assessment.Statements, s => s is BavIsPalliation);
    }

    [Theory]
    [InlineData(FindingKind.Syncope)]
    [InlineData(FindingKind.Angina)]
    [InlineData(FindingKind.HeartFailure)]
    public void Rule7_SevereSymptomConditions_CountAsVerySymptomatic(FindingKind symptom)
    {
        var result = new FactsBuilder().Stenosis(Valve.Aortic).SevereAorticEcho().Finding(symptom, 30).Coded(CodedKind.SurgicalRiskCategory, "high").Aortic()!;

        Assert.Equal(Decision.Candidate, result.Assessment.Decision);
    }

    [Fact]
    public void Rule7_ProhibitiveRiskFromThreeOrganSystems_BridgeSaysPalliativeOr12Months()
    {
        var result = new FactsBuilder().Stenosis(Valve.Aortic).SevereAorticEcho().Nyha("IV")
            .Finding(FindingKind.Copd, 900).Finding(FindingKind.Cirrhosis, 900).Finding(FindingKind.ActiveCancer, 100)
            .Aortic()!;

        Assert.Equal(Decision.Candidate, result.Assessment.Decision);
        Assert.True(result.Bridge!.ProhibitiveRisk);
        Assert.Equal(SurgicalRisk.Prohibitive, Assert.IsType<SurgicalRiskStated>(result.Assessment.Decisive).Risk);
    }

    [Fact]
    public void Rule7_ClinicalFrailtyScale6_IsHighRisk()
    {
        var result = new FactsBuilder().Stenosis(Valve.Aortic).SevereAorticEcho().Nyha("III").Measure(ClinicalFrailtyScale, 6m).Aortic()!;

        Assert.Equal(Decision.Candidate, result.Assessment.Decision);
    }

    [Fact]
    public void Rule8_VerySymptomaticRiskUnknown_IsInsufficientData_GapNoSurgicalRisk()
    {
        var result = new FactsBuilder().Stenosis(Valve.Aortic).SevereAorticEcho().Nyha("III").Aortic()!;

        Assert.Equal((Decision.InsufficientData, BridgeToTavr.Deferred), (result.Assessment.Decision, result.Assessment.Bridge));
        Assert.Contains(ItemCodes.GapNoSurgicalRisk, result.Assessment.Codes);
        Assert.Contains(NextStep.ObtainSurgicalRisk, result.Assessment.NextSteps);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("I")]
    public void Rule9_AsymptomaticSevereNormalLvef_IsStageC1_SurveillanceOrExerciseTest_NeverReferForAvr(string? nyha)
    {
        var builder = new FactsBuilder().Stenosis(Valve.Aortic).SevereAorticEcho().Sts(9m);
        if (nyha is not null)
        {
            builder.Nyha(nyha);
        }

        var result = builder.Aortic()!;

        Assert.Equal((Decision.NotCandidate, BridgeToTavr.No), (result.Assessment.Decision, result.Assessment.Bridge));
        Assert.Equal(AorticStage.C1, Assert.IsType<AsymptomaticSevereAs>(result.Assessment.Decisive).Stage);
        Assert.Contains(result.Assessment.Statements, s => s is AorticSevere { Stage: AorticStage.C1 });
        Assert.Equal([NextStep.SevereAsSurveillance, NextStep.ExerciseTest], result.Assessment.NextSteps);
        Assert.Null(result.Bridge);
    }

    [Theory]
    [InlineData(45, 4.5, AorticStage.C2, NextStep.HeartTeamReferral)]   // LVEF < 50 %: AVR evaluation
    [InlineData(60, 5.1, AorticStage.C1, NextStep.HeartTeamReferral)]   // very severe: AVR evaluation
    [InlineData(60, 4.9, AorticStage.C1, NextStep.SevereAsSurveillance)]
    public void Rule9_Asymptomatic_AvrEvaluationOnlyWithLowLvefOrVerySevere(double lvef, double vmax, AorticStage stage, NextStep first)
    {
        var result = new FactsBuilder().Stenosis(Valve.Aortic).Measure(AorticVmax, (decimal)vmax).Measure(AorticMeanGradient, 45m)
            .Measure(Lvef, (decimal)lvef).Aortic()!;

        Assert.Equal(Decision.NotCandidate, result.Assessment.Decision);
        Assert.Equal(stage, Assert.IsType<AsymptomaticSevereAs>(result.Assessment.Decisive).Stage);
        Assert.Equal(first, result.Assessment.NextSteps[0]);
    }

    [Theory]
    [InlineData("II", 9.0, 80, AvrChoice.HeartTeamChoice)]   // symptomatic but not very: definitive AVR, not BAV
    [InlineData("III", 2.0, 62, AvrChoice.Savr)]             // low risk, under 65: SAVR
    [InlineData("III", 4.0, 85, AvrChoice.Tavr)]             // over 80: TAVR
    [InlineData("IV", 8.0, 72, AvrChoice.HeartTeamChoice)]   // 65–80: the Heart Team chooses
    public void Rule9_Symptomatic_NotHighRisk_IsDefinitiveAvr_ChosenByAge(string nyha, double sts, int age, AvrChoice choice)
    {
        var result = new FactsBuilder().Age(age).Stenosis(Valve.Aortic).SevereAorticEcho().Sts((decimal)sts).Nyha(nyha).Aortic()!;

        Assert.Equal((Decision.NotCandidate, BridgeToTavr.No), (result.Assessment.Decision, result.Assessment.Bridge));
        Assert.Equal(choice, Assert.IsType<DefinitiveAvr>(result.Assessment.Decisive).Choice);
        Assert.Contains(result.Assessment.Statements, s => s is AorticSevere { Stage: AorticStage.D1 });
        Assert.Contains(NextStep.HeartTeamReferral, result.Assessment.NextSteps);
        Assert.Equal(choice == AvrChoice.Savr, result.Assessment.NextSteps.Contains(NextStep.SurgicalReferral));
        Assert.Equal(choice == AvrChoice.Tavr, result.Assessment.NextSteps.Contains(NextStep.TavrEvaluation));
        Assert.Null(result.Bridge);
    }

    [Theory]
    [InlineData(180, Decision.Candidate)]
    [InlineData(181, Decision.NotCandidate)]
    public void Symptoms_NyhaCountsWithin180Days(int daysAgo, Decision expected)
    {
        var result = new FactsBuilder().Stenosis(Valve.Aortic).SevereAorticEcho().Nyha("III", daysAgo).Sts(9m).Aortic()!;

        Assert.Equal(expected, result.Assessment.Decision);
    }

    [Fact]
    public void ModerateAorticRegurgitation_TurnsCandidateIntoCaution()
    {
        var result = SevereSymptomaticHighRisk().Regurgitation(Valve.Aortic, SeverityGrade.Moderate).Aortic()!;

        Assert.Equal((Decision.CandidateWithCaution, BridgeToTavr.Yes), (result.Assessment.Decision, result.Assessment.Bridge));
        Assert.Contains(ItemCodes.WarnAorticRegurgitation, result.Assessment.Codes);
    }

    [Fact]
    public void RepeatBav_SymptomsBackAfterAnOlderBav_IsAtMostCaution_AndTheBridgeSaysTimeForTavr()
    {
        var result = SevereSymptomaticHighRisk().Procedure(ProcedureKind.BalloonAorticValvuloplasty, daysAgo: 120).Aortic()!;

        Assert.Equal(Decision.CandidateWithCaution, result.Assessment.Decision);
        Assert.Equal(BridgeKind.RepeatSymptomsAfterBav, result.Bridge!.Kind);
    }

    [Fact]
    public void Bridge_ActiveTavrOrder_SaysTavrIsPlanned()
    {
        var result = SevereSymptomaticHighRisk().Order(ProcedureKind.Tavr, status: "active").Aortic()!;

        Assert.Equal(BridgeKind.TavrPlanned, result.Bridge!.Kind);
    }

    [Theory]
    [InlineData(17, 45, Decision.Candidate)]
    [InlineData(17, 30, Decision.NotCandidate)]
    public void Pediatric_Under18_UsesTheGradientCriteria_AndNeverBridges(int age, double meanGradient, Decision expected)
    {
        var result = new FactsBuilder().Age(age).Stenosis(Valve.Aortic)
            .Measure(AorticVmax, 3.6m).Measure(AorticMeanGradient, (decimal)meanGradient).Measure(Lvef, 65m)
            .Aortic()!;

        Assert.Equal((expected, BridgeToTavr.No), (result.Assessment.Decision, result.Assessment.Bridge));
        Assert.Contains(ItemCodes.WarnPediatricPathway, result.Assessment.Codes);
        Assert.True(result.Assessment.Pediatric);
        Assert.Null(result.Bridge);
    }

    [Fact]
    public void Pediatric_ReducedLvefWithSmallArea_IsCandidate()
    {
        var result = new FactsBuilder().Age(9).Stenosis(Valve.Aortic)
            .Measure(AorticVmax, 3.2m).Measure(AorticValveArea, 0.9m).Measure(Lvef, 40m).Aortic()!;

        Assert.Equal(Decision.Candidate, result.Assessment.Decision);
    }

    [Fact]
    public void Age18_IsAdult_AndNeedsTheAdultGate()
    {
        var result = new FactsBuilder().Age(18).Stenosis(Valve.Aortic)
            .Measure(AorticVmax, 3.6m).Measure(AorticMeanGradient, 45m).Measure(Lvef, 65m).Aortic()!;

        Assert.Equal((Decision.NotCandidate, BridgeToTavr.No), (result.Assessment.Decision, result.Assessment.Bridge));
        Assert.DoesNotContain(ItemCodes.WarnPediatricPathway, result.Assessment.Codes);
    }

    [Fact]
    public void Age17_TheDayBefore18_IsStillPediatric()
    {
        var facts = new FactsBuilder().Age(18, extraDays: -1);

        var picture = ClinicalPicture.From(facts.Build(), FactsBuilder.AsOf);

        Assert.Equal(17, picture.AgeYears);
        Assert.True(picture.Pediatric);
    }

    [Fact]
    public void ConvertedEvidence_AddsUnitsConverted()
    {
        var result = new FactsBuilder().Stenosis(Valve.Aortic)
            .Measure(AorticVmax, 4.3m, convertedFrom: new RecordedValue(430m, "cm/s")).Nyha("III").Sts(9m).Aortic()!;

        Assert.Contains(ItemCodes.WarnUnitsConverted, result.Assessment.Codes);
    }

    [Fact]
    public void RejectedValues_AreReportedOnTheirValveOnly()
    {
        var result = SevereSymptomaticHighRisk()
            .Note(ItemCodes.WarnUnknownUnit, AorticMeanGradient)
            .Note(ItemCodes.WarnImplausibleValue, MitralValveAreaPlanimetry)
            .Aortic()!;

        Assert.Contains(ItemCodes.WarnUnknownUnit, result.Assessment.Codes);
        Assert.DoesNotContain(ItemCodes.WarnImplausibleValue, result.Assessment.Codes);
    }

    private static FactsBuilder LowGradient(decimal lvef) =>
        new FactsBuilder().Stenosis(Valve.Aortic)
            .Measure(AorticVmax, 3.4m).Measure(AorticMeanGradient, 28m).Measure(AorticValveArea, 0.8m).Measure(Lvef, lvef);

    private static FactsBuilder UrgentSurgery() =>
        new FactsBuilder().Stenosis(Valve.Aortic).SevereAorticEcho().Sts(2m).Order(null, status: "active", surgical: true, urgent: true, inDays: 7);
}
