using Valvuloplasty.Fhir.Rules.Content;
using Valvuloplasty.Fhir.Rules.Engine;
using Valvuloplasty.Fhir.Rules.Facts;
using Valvuloplasty.Fhir.UnitTests.Support;

namespace Valvuloplasty.Fhir.UnitTests.Rules;

/// <summary>docs/clinical-rules.md §7 (education, safety) and §8 (order entry).</summary>
public sealed class RuleCatalogTests
{
    private static FactsBuilder Candidate() => new FactsBuilder().Stenosis(Valve.Aortic).SevereAorticEcho().Nyha("III").Sts(9.5m);

    private static FactsBuilder NotCandidate() => new FactsBuilder().Stenosis(Valve.Aortic).SevereAorticEcho().Sts(2m);

    [Fact]
    public void Education_Candidate_CarriesAllProcedureRisksAndAftercare()
    {
        var evaluation = Candidate().Evaluate();

        var education = Assert.Single(evaluation.Education);
        Assert.Equal(
            [ItemCodes.RiskRegurgitation, ItemCodes.RiskEmbolism, ItemCodes.RiskArrhythmia, ItemCodes.RiskBleeding,
             ItemCodes.RiskHematoma, ItemCodes.RiskPerforation, ItemCodes.CareLiftingRestriction, ItemCodes.CareReturnPrecautions],
            education.Codes);
    }

    [Fact]
    public void Education_NotCandidate_NeverPresentsTheRiskList()
    {
        var evaluation = NotCandidate().Anticoagulant().Evaluate();

        Assert.Empty(evaluation.Education);
        Assert.Empty(evaluation.Safety);
    }

    [Fact]
    public void Education_PostProcedure_CarriesAftercareOnly()
    {
        var evaluation = Candidate().Procedure(ProcedureKind.BalloonAorticValvuloplasty, daysAgo: 5).Evaluate();

        Assert.Equal(
            [ItemCodes.CareLiftingRestriction, ItemCodes.CareReturnPrecautions, ItemCodes.RiskBleeding, ItemCodes.RiskHematoma],
            Assert.Single(evaluation.Education).Codes);
    }

    [Fact]
    public void Safety_AnticoagulatedCandidate_WarnsAnticoagulant()
    {
        var evaluation = Candidate().Anticoagulant("warfarin", noac: false).Evaluate();

        Assert.Equal(ItemCodes.WarnAnticoagulant, Assert.Single(evaluation.Safety).Code);
    }

    [Fact]
    public void OrderEntry_NoBalloonOrTavrOrder_ReturnsNothing()
    {
        var evaluation = Candidate().Evaluate(HookKind.OrderSelect, FactsBuilder.Draft(ProcedureKind.TransthoracicEcho), FactsBuilder.Draft(null));

        Assert.True(evaluation.IsEmpty);
    }

    [Fact]
    public void OrderEntry_BalloonOrderForACandidate_IsSupported()
    {
        var evaluation = Candidate().Evaluate(HookKind.OrderSign, FactsBuilder.Draft(ProcedureKind.BalloonAorticValvuloplasty));

        var review = Assert.Single(evaluation.OrderReviews);
        Assert.True(review.Supported);
        Assert.Equal(Decision.Candidate, review.Assessment.Decision);
        Assert.NotNull(evaluation.Bridge);
    }

    [Fact]
    public void OrderEntry_BalloonOrderForANonCandidate_IsNotSupported()
    {
        var evaluation = NotCandidate().Evaluate(HookKind.OrderSign, FactsBuilder.Draft(ProcedureKind.BalloonAorticValvuloplasty));

        Assert.False(Assert.Single(evaluation.OrderReviews).Supported);
    }

    [Fact]
    public void OrderEntry_BalloonOrderWithoutDiagnosis_IsInsufficientData_GapNoDiagnosis()
    {
        var evaluation = new FactsBuilder().SevereAorticEcho().Evaluate(HookKind.OrderSelect, FactsBuilder.Draft(ProcedureKind.BalloonAorticValvuloplasty));

        var review = Assert.Single(evaluation.OrderReviews);
        Assert.False(review.Supported);
        Assert.Equal(Decision.InsufficientData, review.Assessment.Decision);
        Assert.Contains(ItemCodes.GapNoDiagnosis, review.Assessment.Codes);
    }

    [Fact]
    public void OrderEntry_BalloonOrderOfAnAnticoagulatedNonCandidate_StillWarnsAnticoagulant()
    {
        var evaluation = NotCandidate().Anticoagulant().Evaluate(HookKind.OrderSign, FactsBuilder.Draft(ProcedureKind.BalloonAorticValvuloplasty));

        Assert.Equal(ItemCodes.WarnAnticoagulant, Assert.Single(evaluation.Safety).Code);
        Assert.Empty(evaluation.Education);
    }

    [Fact]
    public void OrderEntry_TavrDraftedForABavCandidate_SuggestsBavAsBridge()
    {
        var evaluation = Candidate().Evaluate(HookKind.OrderSelect, FactsBuilder.Draft(ProcedureKind.Tavr));

        Assert.Equal(BridgeKind.ConsiderBavBeforeDraftedTavr, evaluation.Bridge!.Kind);
        Assert.Empty(evaluation.Assessments);
    }

    [Fact]
    public void OrderEntry_TavrDraftedForAStableNonCandidate_GivesTavrEducationOnly()
    {
        var evaluation = NotCandidate().Evaluate(HookKind.OrderSign, FactsBuilder.Draft(ProcedureKind.Tavr));

        Assert.NotNull(evaluation.ReplacementOrderAdvice);
        Assert.Empty(evaluation.Assessments);
        Assert.Null(evaluation.Bridge);
    }
}
