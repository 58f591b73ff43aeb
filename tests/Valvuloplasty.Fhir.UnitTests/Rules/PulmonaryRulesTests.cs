using Valvuloplasty.Fhir.Rules.Content;
using Valvuloplasty.Fhir.Rules.Engine;
using Valvuloplasty.Fhir.Rules.Facts;
using Valvuloplasty.Fhir.Rules.Valves;
using Valvuloplasty.Fhir.UnitTests.Support;
using static Valvuloplasty.Fhir.Rules.Facts.MeasurementKind;

namespace Valvuloplasty.Fhir.UnitTests.Rules;

/// <summary>docs/clinical-rules.md §6, every branch and the 36 / 64–65 / 40 boundaries.</summary>
public sealed class PulmonaryRulesTests
{
    private static ValveAssessment? Assess(FactsBuilder builder)
    {
        var facts = builder.Build();
        return PulmonaryRules.Assess(facts, ClinicalPicture.From(facts, FactsBuilder.AsOf), FactsBuilder.AsOf, new RuleOptions());
    }

    private static FactsBuilder Adult(double peakGradient) =>
        new FactsBuilder().Age(30).Stenosis(Valve.Pulmonary).Measure(PulmonicPeakGradient, (decimal)peakGradient);

    [Theory]
    [InlineData(65, Decision.Candidate)]
    [InlineData(64, Decision.NotCandidate)]
    public void Adult_SevereAbove64_IsCandidateRegardlessOfSymptoms(double gradient, Decision expected)
    {
        var result = Assess(Adult(gradient))!;

        Assert.Equal(expected, result.Decision);
        Assert.Null(result.Bridge);
    }

    [Theory]
    [InlineData(64, Decision.Candidate)]
    [InlineData(36, Decision.Candidate)]
    [InlineData(35.9, Decision.NotCandidate)]
    public void Adult_ModerateAndSymptomatic_IsCandidate(double gradient, Decision expected)
    {
        Assert.Equal(expected, Assess(Adult(gradient).Nyha("II"))!.Decision);
    }

    [Fact]
    public void Adult_VmaxOnly_EstimatesTheGradientAs4VSquared()
    {
        var result = Assess(new FactsBuilder().Age(30).Stenosis(Valve.Pulmonary).Measure(PulmonicVmax, 4.1m))!;

        Assert.Equal(Decision.Candidate, result.Decision);
        var gradient = Assert.Single(result.Statements.OfType<PulmonaryGradient>());
        Assert.Equal((67.2m, Grade.Severe), (gradient.Gradient, gradient.Grade));
    }

    [Theory]
    [InlineData(40.1, Decision.Candidate)]
    [InlineData(40, Decision.NotCandidate)]
    public void Pediatric_PeakGradientAbove40_IsCandidate(double gradient, Decision expected)
    {
        var result = Assess(new FactsBuilder().Age(6).Stenosis(Valve.Pulmonary).Measure(PulmonicPeakGradient, (decimal)gradient))!;

        Assert.Equal(expected, result.Decision);
        Assert.Contains(ItemCodes.WarnPediatricPathway, result.Codes);
    }

    [Fact]
    public void SeverePulmonaryRegurgitation_IsNotCandidate()
    {
        var result = Assess(Adult(80).Regurgitation(Valve.Pulmonary, SeverityGrade.Severe))!;

        Assert.Equal(Decision.NotCandidate, result.Decision);
        Assert.Contains(ItemCodes.WarnPulmonaryRegurgitation, result.Codes);
        Assert.True(result.Contraindicated);
    }

    [Fact]
    public void DysplasticValve_TurnsCandidateIntoCaution()
    {
        var result = Assess(Adult(80).Coded(CodedKind.PulmonaryValveMorphology, "dysplastic"))!;

        Assert.Equal(Decision.CandidateWithCaution, result.Decision);
        Assert.Contains(ItemCodes.WarnDysplasticValve, result.Codes);
    }

    [Fact]
    public void DomedValve_StaysCandidate()
    {
        Assert.Equal(Decision.Candidate, Assess(Adult(80).Coded(CodedKind.PulmonaryValveMorphology, "domed"))!.Decision);
    }

    [Fact]
    public void PostProcedure_BpvWithin30Days()
    {
        Assert.Equal(Decision.PostProcedure, Assess(Adult(80).Procedure(ProcedureKind.BalloonPulmonaryValvuloplasty, daysAgo: 3))!.Decision);
    }

    [Fact]
    public void StaleEcho_IsInsufficientData()
    {
        var result = Assess(new FactsBuilder().Age(30).Stenosis(Valve.Pulmonary).Measure(PulmonicPeakGradient, 80m, daysAgo: 400))!;

        Assert.Equal(Decision.InsufficientData, result.Decision);
        Assert.Contains(ItemCodes.WarnStaleEcho, result.Codes);
    }

    [Fact]
    public void Education_ForPulmonary_LeavesOutSystemicEmbolism()
    {
        var evaluation = Adult(80).Evaluate();

        Assert.DoesNotContain(ItemCodes.RiskEmbolism, Assert.Single(evaluation.Education).Codes);
    }
}
