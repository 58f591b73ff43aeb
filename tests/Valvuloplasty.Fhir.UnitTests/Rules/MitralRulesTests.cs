using Valvuloplasty.Fhir.Rules.Content;
using Valvuloplasty.Fhir.Rules.Engine;
using Valvuloplasty.Fhir.Rules.Facts;
using Valvuloplasty.Fhir.Rules.Valves;
using Valvuloplasty.Fhir.UnitTests.Support;
using static Valvuloplasty.Fhir.Rules.Facts.MeasurementKind;

namespace Valvuloplasty.Fhir.UnitTests.Rules;

/// <summary>docs/clinical-rules.md §5, one test (or row) per numbered branch, with the boundaries.</summary>
public sealed class MitralRulesTests
{
    /// <summary>Severe rheumatic MS, favourable valve, symptomatic, fresh TEE without thrombus: a clean candidate.</summary>
    private static FactsBuilder Favourable() =>
        new FactsBuilder().Stenosis(Valve.Mitral)
            .Measure(MitralValveAreaPlanimetry, 1.1m).Measure(WilkinsScore, 7m).Measure(Pasp, 40m)
            .Coded(CodedKind.CommissuralFusion, "present")
            .Coded(CodedKind.LaThrombusTee, "absent", daysAgo: 5)
            .Nyha("II");

    private static ValveAssessment? Assess(FactsBuilder builder)
    {
        var facts = builder.Build();
        return MitralRules.Assess(facts, ClinicalPicture.From(facts, FactsBuilder.AsOf), FactsBuilder.AsOf, new RuleOptions());
    }

    [Fact]
    public void NoMitralDiagnosis_ProducesNoCard()
    {
        Assert.Null(Assess(new FactsBuilder().Measure(MitralValveAreaPlanimetry, 1.0m)));
    }

    [Fact]
    public void Rule6_SymptomaticFavourable_IsCandidate_WithoutTeeWarningWhenAFreshTeeExcludedThrombus()
    {
        var result = Assess(Favourable())!;

        Assert.Equal(Decision.Candidate, result.Decision);
        Assert.DoesNotContain(ItemCodes.WarnTeeNeeded, result.Codes);
        Assert.Contains(Citations.EscPmcSymptomatic, result.Citations);
        Assert.Null(result.Bridge);
    }

    [Theory]
    [InlineData(30, false)]
    [InlineData(31, true)]
    public void Always_CandidateNeedsATeeWithin30Days(int teeDaysAgo, bool warned)
    {
        var builder = new FactsBuilder().Stenosis(Valve.Mitral)
            .Measure(MitralValveAreaPlanimetry, 1.1m).Measure(WilkinsScore, 7m).Coded(CodedKind.CommissuralFusion, "present")
            .Coded(CodedKind.LaThrombusTee, "absent", daysAgo: teeDaysAgo).Nyha("III");

        var result = Assess(builder)!;

        Assert.Equal(Decision.Candidate, result.Decision);
        Assert.Equal(warned, result.Codes.Contains(ItemCodes.WarnTeeNeeded));
        Assert.Equal(warned, result.NextSteps.Contains(NextStep.OrderTransesophagealEcho));
    }

    [Theory]
    [InlineData(1.5, Decision.Candidate)]
    [InlineData(1.51, Decision.NotCandidate)]
    public void Severity_MvaAtMost15IsSevere(double mva, Decision expected)
    {
        var result = Assess(Favourable().Measure(MitralValveAreaPlanimetry, (decimal)mva, daysAgo: 1))!;

        Assert.Equal(expected, result.Decision);
    }

    [Fact]
    public void Severity_PlanimetryIsPreferredOverPressureHalfTimeArea()
    {
        var result = Assess(Favourable().Measure(MitralValveAreaPressureHalfTime, 2.0m, daysAgo: 1))!;

        Assert.Equal(Decision.Candidate, result.Decision);
    }

    [Theory]
    [InlineData(150, Decision.Candidate)]
    [InlineData(149, Decision.NotCandidate)]
    public void Severity_WithoutMva_PressureHalfTimeAtLeast150IsSevere(double pht, Decision expected)
    {
        var builder = new FactsBuilder().Stenosis(Valve.Mitral).Measure(MitralPressureHalfTime, (decimal)pht).Measure(WilkinsScore, 6m)
            .Coded(CodedKind.CommissuralFusion, "present").Nyha("III");

        Assert.Equal(expected, Assess(builder)!.Decision);
    }

    [Fact]
    public void Rule1_LeftAtrialThrombusOnTee_IsNotCandidate_Contraindicated()
    {
        var result = Assess(Favourable().Coded(CodedKind.LaThrombusTee, "present", daysAgo: 1))!;

        Assert.Equal(Decision.NotCandidate, result.Decision);
        Assert.True(result.Contraindicated);
        Assert.Contains(ItemCodes.WarnLaThrombus, result.Codes);
    }

    [Fact]
    public void Rule1_ThrombusCondition_IsNotCandidate_EvenWithAnOlderCleanTee()
    {
        var result = Assess(Favourable().Finding(FindingKind.Thrombus, 2))!;

        Assert.Contains(ItemCodes.WarnLaThrombus, result.Codes);
    }

    [Theory]
    [InlineData(SeverityGrade.Moderate, true)]
    [InlineData(SeverityGrade.Severe, true)]
    [InlineData(SeverityGrade.MildToModerate, false)]
    public void Rule2_ModerateOrWorseMitralRegurgitation_IsNotCandidate(SeverityGrade grade, bool blocked)
    {
        var result = Assess(Favourable().Regurgitation(Valve.Mitral, grade))!;

        Assert.Equal(blocked ? Decision.NotCandidate : Decision.Candidate, result.Decision);
        Assert.Equal(blocked, result.Codes.Contains(ItemCodes.WarnMitralRegurgitation));
    }

    [Fact]
    public void Rule3_CommissuralFusionAbsent_IsNotCandidate()
    {
        var result = Assess(Favourable().Coded(CodedKind.CommissuralFusion, "absent", daysAgo: 1))!;

        Assert.Equal(Decision.NotCandidate, result.Decision);
        Assert.Contains(NextStep.SurgicalReferral, result.NextSteps);
    }

    [Theory]
    [InlineData(null, Decision.NotCandidate)]
    [InlineData("present", Decision.Candidate)]
    public void Rule3_NonRheumaticStenosis_NeedsDocumentedFusion(string? fusion, Decision expected)
    {
        var builder = new FactsBuilder().Stenosis(Valve.Mitral, nonRheumatic: true)
            .Measure(MitralValveAreaPlanimetry, 1.0m).Measure(WilkinsScore, 6m).Nyha("III");
        if (fusion is not null)
        {
            builder.Coded(CodedKind.CommissuralFusion, fusion);
        }

        Assert.Equal(expected, Assess(builder)!.Decision);
    }

    [Theory]
    [InlineData(9, null, "III", 9.0, Decision.CandidateWithCaution)]
    [InlineData(9, null, "II", 9.0, Decision.NotCandidate)]
    [InlineData(9, null, "IV", 2.0, Decision.NotCandidate)]
    [InlineData(6, "bicommissural", "IV", 9.0, Decision.CandidateWithCaution)]
    [InlineData(8, "unicommissural", "II", 2.0, Decision.Candidate)]
    public void Rule4_UnfavourableMorphology_IsCautionOnlyForNyha3To4AtHighRisk(int wilkins, string? calcification, string nyha, double sts, Decision expected)
    {
        var builder = Favourable().Measure(WilkinsScore, wilkins, daysAgo: 1).Nyha(nyha, daysAgo: 1).Sts((decimal)sts);
        if (calcification is not null)
        {
            builder.Coded(CodedKind.CommissuralCalcification, calcification);
        }

        Assert.Equal(expected, Assess(builder)!.Decision);
    }

    [Fact]
    public void Rule5_WilkinsMissing_IsInsufficientData_GapNoValveMorphology()
    {
        var builder = new FactsBuilder().Stenosis(Valve.Mitral).Measure(MitralValveAreaPlanimetry, 1.1m)
            .Coded(CodedKind.CommissuralFusion, "present").Nyha("III");

        var result = Assess(builder)!;

        Assert.Equal(Decision.InsufficientData, result.Decision);
        Assert.Contains(ItemCodes.GapNoValveMorphology, result.Codes);
    }

    [Theory]
    [InlineData(51, Decision.Candidate)]
    [InlineData(50, Decision.NotCandidate)]
    public void Rule7_AsymptomaticWithPaspAbove50_IsCandidate(double pasp, Decision expected)
    {
        var builder = new FactsBuilder().Stenosis(Valve.Mitral).Measure(MitralValveAreaPlanimetry, 1.1m).Measure(WilkinsScore, 7m)
            .Measure(Pasp, (decimal)pasp).Coded(CodedKind.CommissuralFusion, "present").Nyha("I");

        Assert.Equal(expected, Assess(builder)!.Decision);
    }

    [Theory]
    [InlineData(90, Decision.CandidateWithCaution)]
    [InlineData(91, Decision.NotCandidate)]
    public void Rule8_AsymptomaticWithNewAtrialFibrillation_IsCaution(int afDaysAgo, Decision expected)
    {
        var builder = new FactsBuilder().Stenosis(Valve.Mitral).Measure(MitralValveAreaPlanimetry, 1.1m).Measure(WilkinsScore, 7m)
            .Coded(CodedKind.CommissuralFusion, "present").Finding(FindingKind.AtrialFibrillation, afDaysAgo);

        Assert.Equal(expected, Assess(builder)!.Decision);
    }

    [Fact]
    public void Rule9_AsymptomaticOtherwise_IsNotCandidate_Surveillance()
    {
        var builder = new FactsBuilder().Stenosis(Valve.Mitral).Measure(MitralValveAreaPlanimetry, 1.1m).Measure(WilkinsScore, 7m)
            .Coded(CodedKind.CommissuralFusion, "present");

        var result = Assess(builder)!;

        Assert.Equal(Decision.NotCandidate, result.Decision);
        Assert.Contains(NextStep.Surveillance, result.NextSteps);
    }

    [Fact]
    public void SurgicalRisk_DoesNotGateACandidate()
    {
        var result = Assess(Favourable().Sts(1.5m))!;

        Assert.Equal(Decision.Candidate, result.Decision);
    }

    [Fact]
    public void PostProcedure_PmbcWithin30Days()
    {
        var result = Assess(Favourable().Procedure(ProcedureKind.BalloonMitralCommissurotomy, daysAgo: 12))!;

        Assert.Equal(Decision.PostProcedure, result.Decision);
    }

    [Fact]
    public void DataGaps_NoEcho_IsInsufficientData()
    {
        var result = Assess(new FactsBuilder().Stenosis(Valve.Mitral).Nyha("III"))!;

        Assert.Contains(ItemCodes.GapNoEcho, result.Codes);
    }

    [Fact]
    public void Pediatric_NeverUsesTheHighRiskGate()
    {
        var result = Assess(Favourable().Age(15).Measure(WilkinsScore, 10m, daysAgo: 1).Nyha("IV", daysAgo: 1).Sts(12m))!;

        Assert.Equal(Decision.NotCandidate, result.Decision);
        Assert.Contains(ItemCodes.WarnPediatricPathway, result.Codes);
    }

    [Fact]
    public void Noac_WithAtrialFibrillationAndMitralStenosis_WarnsWhateverTheDecision()
    {
        var evaluation = new FactsBuilder().Stenosis(Valve.Mitral).Finding(FindingKind.AtrialFibrillation, 400)
            .Anticoagulant("rivaroxaban 20 MG", noac: true).Evaluate();

        Assert.Equal(Decision.InsufficientData, Assert.Single(evaluation.Assessments).Decision);
        Assert.Contains(evaluation.Safety, s => s.Code == ItemCodes.WarnNoacMitralStenosis);
    }

    [Fact]
    public void Noac_WarfarinIsNotWarned()
    {
        var evaluation = Favourable().Finding(FindingKind.AtrialFibrillation, 400).Anticoagulant("warfarin", noac: false).Evaluate();

        Assert.DoesNotContain(evaluation.Safety, s => s.Code == ItemCodes.WarnNoacMitralStenosis);
        Assert.Contains(evaluation.Safety, s => s.Code == ItemCodes.WarnAnticoagulant);
    }
}
