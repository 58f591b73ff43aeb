using Valvuloplasty.Fhir.Rules.Content;
using Valvuloplasty.Fhir.Rules.Engine;
using Valvuloplasty.Fhir.Rules.Facts;
using Valvuloplasty.Fhir.Rules.Valves;
using Valvuloplasty.Fhir.UnitTests.Support;
using static Valvuloplasty.Fhir.Rules.Facts.Bound;
using static Valvuloplasty.Fhir.Rules.Facts.MeasurementKind;

namespace Valvuloplasty.Fhir.UnitTests.Rules;

/// <summary>
/// What the rules do with the shapes real records take (docs/clinical-rules.md §2): values recorded as bounds, no usable
/// birth date, a deceased patient.
/// </summary>
public sealed class RecordShapeRulesTests
{
    // ---- Bounds: used only where the bound decides ----

    [Theory]
    [InlineData(4.0, null, 4.0, true)]
    [InlineData(3.9, null, 4.0, false)]
    [InlineData(5.0, GreaterThan, 4.0, true)]       // > 5 is at least 4
    [InlineData(4.0, GreaterOrEqual, 4.0, true)]
    [InlineData(3.5, GreaterThan, 4.0, null)]       // > 3.5 may or may not reach 4
    [InlineData(4.0, LessThan, 4.0, false)]         // < 4 never reaches 4
    [InlineData(4.5, LessThan, 4.0, null)]
    [InlineData(3.9, LessOrEqual, 4.0, false)]
    [InlineData(4.0, LessOrEqual, 4.0, null)]       // ≤ 4 may be exactly 4
    public void Threshold_AtLeast(double value, Bound? bound, double threshold, bool? expected)
    {
        Assert.Equal(expected, Threshold.AtLeast((decimal)value, bound, (decimal)threshold));
    }

    [Theory]
    [InlineData(64, null, 64, false)]
    [InlineData(64.1, null, 64, true)]
    [InlineData(64, GreaterThan, 64, true)]         // > 64 is above 64
    [InlineData(64, GreaterOrEqual, 64, null)]      // ≥ 64 may be exactly 64
    [InlineData(70, GreaterOrEqual, 64, true)]
    [InlineData(64, LessThan, 64, false)]
    [InlineData(64, LessOrEqual, 64, false)]
    [InlineData(80, LessThan, 64, null)]
    public void Threshold_Above(double value, Bound? bound, double threshold, bool? expected)
    {
        Assert.Equal(expected, Threshold.Above((decimal)value, bound, (decimal)threshold));
    }

    [Theory]
    [InlineData(AorticVmax, GreaterThan, 5.0, Decision.Candidate, null)]                          // decides severe
    [InlineData(AorticValveArea, LessThan, 0.8, Decision.InsufficientData, ItemCodes.WarnDiscordantGrading)] // low-area pattern decided
    [InlineData(AorticVmax, LessThan, 4.5, Decision.InsufficientData, ItemCodes.WarnValueBound)]    // does not decide ≥ 4.0
    [InlineData(AorticVmax, LessThan, 3.9, Decision.NotCandidate, null)]                          // decides: not severe
    public void Aortic_BoundedSeverityValue_UsedOnlyWhereItDecides(MeasurementKind kind, Bound bound, double value, Decision expected, string? code)
    {
        var result = new FactsBuilder().Stenosis(Valve.Aortic).Bounded(kind, bound, (decimal)value).Measure(Lvef, 60m)
            .Nyha("III").Sts(9.5m).Aortic()!;

        Assert.Equal(expected, result.Assessment.Decision);
        if (code is not null)
        {
            Assert.Contains(code, result.Assessment.Codes);
        }

        Assert.Contains(result.Assessment.Evidence, m => m.Comparator == bound);
    }

    [Fact]
    public void Aortic_BoundedValue_IsShownWithItsComparator()
    {
        var result = new FactsBuilder().Stenosis(Valve.Aortic).Bounded(AorticVmax, GreaterThan, 5m).Measure(Lvef, 60m).Nyha("III").Sts(9.5m).Aortic()!;

        var card = Profiles.Renderer.Render(new Evaluation(HookKind.PatientView, [result.Assessment], null, [], [], [], null), "Patient/p1")[0];
        Assert.Contains("| Aortic Vmax | \\> 5.0 m/s |", card.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(LessThan, 1.0, Decision.InsufficientData)]   // severe decided; Wilkins missing → gap
    [InlineData(LessThan, 2.0, null)]                        // does not decide ≤ 1.5
    [InlineData(GreaterThan, 1.6, Decision.NotCandidate)]    // decides: not severe
    public void Mitral_BoundedArea_UsedOnlyWhereItDecides(Bound bound, double value, Decision? expected)
    {
        var evaluation = new FactsBuilder().Stenosis(Valve.Mitral).Bounded(MitralValveAreaPlanimetry, bound, (decimal)value).Nyha("III").Evaluate();
        var assessment = Assert.Single(evaluation.Assessments);

        Assert.Equal(expected ?? Decision.InsufficientData, assessment.Decision);
        Assert.Equal(expected is null, assessment.Codes.Contains(ItemCodes.WarnValueBound));
    }

    [Theory]
    [InlineData(GreaterThan, 70, 40, Decision.Candidate)]        // adult: > 70 is severe
    [InlineData(LessThan, 60, 40, Decision.InsufficientData)]    // adult, symptomatic: < 60 may be moderate or mild
    [InlineData(LessThan, 40, 12, Decision.NotCandidate)]        // child: < 40 is not above 40
    [InlineData(GreaterThan, 45, 12, Decision.Candidate)]        // child: > 45 is above 40
    public void Pulmonary_BoundedGradient_UsedOnlyWhereItDecides(Bound bound, double gradient, int age, Decision expected)
    {
        var evaluation = new FactsBuilder().Age(age).Stenosis(Valve.Pulmonary).Bounded(PulmonicPeakGradient, bound, (decimal)gradient)
            .Finding(FindingKind.Dyspnea).Evaluate();

        Assert.Equal(expected, Assert.Single(evaluation.Assessments).Decision);
    }

    [Theory]
    [InlineData(GreaterThan, 8, SurgicalRisk.High)]
    [InlineData(LessThan, 4, SurgicalRisk.Low)]
    [InlineData(LessThan, 6, SurgicalRisk.Unknown)]   // < 6 % may be low or intermediate: not a signal
    [InlineData(GreaterThan, 5, SurgicalRisk.Unknown)]
    public void SurgicalRisk_BoundedScore_CountsOnlyWhenItDecidesTheCategory(Bound bound, double percent, SurgicalRisk expected)
    {
        var facts = new FactsBuilder().Bounded(StsProm, bound, (decimal)percent).Build();

        Assert.Equal(expected, ClinicalPicture.From(facts, FactsBuilder.AsOf).SurgicalRisk);
    }

    // ---- No usable birth date: adult and pediatric pathways differ, so no guess ----

    [Theory]
    [InlineData(Valve.Aortic)]
    [InlineData(Valve.Mitral)]
    [InlineData(Valve.Pulmonary)]
    public void NoBirthDate_IsInsufficientData_WithGapNoBirthDate(Valve valve)
    {
        var evaluation = new FactsBuilder().NoBirthDate().Stenosis(valve).SevereAorticEcho()
            .Measure(MitralValveAreaPlanimetry, 1.0m).Measure(PulmonicPeakGradient, 70m).Nyha("III").Sts(9.5m).Evaluate();
        var assessment = Assert.Single(evaluation.Assessments);

        Assert.Equal(Decision.InsufficientData, assessment.Decision);
        Assert.Contains(ItemCodes.GapNoBirthDate, assessment.Codes);
        Assert.Contains(NextStep.RecordBirthDate, assessment.NextSteps);
        Assert.DoesNotContain(ItemCodes.WarnPediatricPathway, assessment.Codes);
    }

    [Fact]
    public void NoBirthDate_RecentBalloon_StillGetsItsAftercare()
    {
        var evaluation = new FactsBuilder().NoBirthDate().Stenosis(Valve.Mitral)
            .Procedure(ProcedureKind.BalloonMitralCommissurotomy, daysAgo: 5).Evaluate();

        Assert.Equal(Decision.PostProcedure, Assert.Single(evaluation.Assessments).Decision);
    }

    // ---- Deceased: no candidacy cards ----

    [Fact]
    public void Deceased_PatientView_HasNothingToSay()
    {
        var evaluation = new FactsBuilder().Deceased().Stenosis(Valve.Aortic).SevereAorticEcho().Nyha("III").Sts(9.5m).Anticoagulant().Evaluate();

        Assert.True(evaluation.IsEmpty);
    }

    [Theory]
    [InlineData(ProcedureKind.BalloonAorticValvuloplasty, Valve.Aortic)]
    [InlineData(ProcedureKind.BalloonMitralCommissurotomy, Valve.Mitral)]
    [InlineData(ProcedureKind.Tavr, Valve.Aortic)]
    public void Deceased_ValveProcedureOrder_GetsOnlyTheDeceasedNotice(ProcedureKind kind, Valve valve)
    {
        var draft = FactsBuilder.Draft(kind);
        var evaluation = new FactsBuilder().Deceased().Stenosis(Valve.Aortic).SevereAorticEcho().Nyha("III").Sts(9.5m)
            .Evaluate(HookKind.OrderSign, draft);

        Assert.Equal(new DeceasedPatientNotice(draft, valve), evaluation.Deceased);
        Assert.True(evaluation with { Deceased = null } is { IsEmpty: true });
    }

    [Fact]
    public void Deceased_OtherOrders_HaveNothingToSay()
    {
        var evaluation = new FactsBuilder().Deceased().Stenosis(Valve.Aortic).Evaluate(HookKind.OrderSelect, FactsBuilder.Draft(null));

        Assert.True(evaluation.IsEmpty);
    }
}
