using Valvuloplasty.Fhir.Cards;
using Valvuloplasty.Fhir.Rules.Content;
using Valvuloplasty.Fhir.Rules.Engine;
using Valvuloplasty.Fhir.Rules.Facts;
using Valvuloplasty.Fhir.UnitTests.Support;
using static Valvuloplasty.Fhir.Rules.Facts.MeasurementKind;

namespace Valvuloplasty.Fhir.UnitTests.Cards;

/// <summary>
/// The card content of docs/clinical-rules.md §4–§8 (docs/clinical-rules.md) at the level of the rules and the wording:
/// pregnancy, pediatric referral, calcific MS, contradictions, drug-class plans, precision, the citation and link tables.
/// </summary>
public sealed class CardContentTests
{
    private static Evaluation Evaluate(FactsBuilder facts, HookKind hook = HookKind.PatientView, params OrderFact[] drafts) => facts.Evaluate(hook, drafts);

    private static string Text(Evaluation evaluation) =>
        string.Join("\n", Profiles.Renderer.Render(evaluation, "Patient/p1").Select(c => c.Summary + "\n" + c.Detail));

    private static FactsBuilder FavourableMitral(int age, Sex sex) =>
        new FactsBuilder().Age(age).Sex(sex).Stenosis(Valve.Mitral).Measure(MitralValveAreaPlanimetry, 1.1m).Measure(WilkinsScore, 7m)
            .Coded(CodedKind.CommissuralFusion, "present").Coded(CodedKind.LaThrombusTee, "absent", daysAgo: 3).Nyha("III");

    // ---- Pregnancy before fluoroscopy (§5) ----

    [Theory]
    [InlineData(44, Sex.Female, true)]
    [InlineData(13, Sex.Female, true)]      // the pediatric pathway too
    [InlineData(12, Sex.Female, true)]
    [InlineData(50, Sex.Female, true)]
    [InlineData(51, Sex.Female, false)]
    [InlineData(11, Sex.Female, false)]
    [InlineData(44, Sex.Male, false)]
    [InlineData(44, Sex.Unknown, false)]
    public void Pregnancy_StatusIsAskedFor_WomenAged12To50_OnCandidateCards(int age, Sex sex, bool asked)
    {
        var assessment = Assert.Single(Evaluate(FavourableMitral(age, sex)).Assessments);

        Assert.Equal(asked, assessment.Codes.Contains(ItemCodes.WarnPregnancyStatus));
        Assert.Equal(asked, assessment.NextSteps.Contains(NextStep.ConfirmPregnancyStatus));
    }

    [Theory]
    [InlineData("not-pregnant", 10, null)]                          // a recent negative test answers it
    [InlineData("not-pregnant", 45, ItemCodes.WarnPregnancyStatus)]  // an old one does not
    [InlineData("pregnant", 60, ItemCodes.WarnPregnancy)]
    [InlineData("unknown", 2, ItemCodes.WarnPregnancyStatus)]
    public void Pregnancy_RecordedStatus_AnswersOrChangesThePlan(string answer, int daysAgo, string? code)
    {
        var assessment = Assert.Single(Evaluate(FavourableMitral(30, Sex.Female).Coded(CodedKind.PregnancyStatus, answer, daysAgo)).Assessments);

        Assert.Equal(code == ItemCodes.WarnPregnancyStatus, assessment.Codes.Contains(ItemCodes.WarnPregnancyStatus));
        Assert.Equal(code == ItemCodes.WarnPregnancy, assessment.Codes.Contains(ItemCodes.WarnPregnancy));
        Assert.Equal(code == ItemCodes.WarnPregnancy, assessment.Citations.Contains(Citations.EscPmcPregnancy));
    }

    [Fact]
    public void Pregnancy_ConditionOnTheProblemList_CountsAsPregnant()
    {
        var assessment = Assert.Single(Evaluate(FavourableMitral(30, Sex.Female).Finding(FindingKind.Pregnancy, 60)).Assessments);

        Assert.Contains(ItemCodes.WarnPregnancy, assessment.Codes);
        Assert.Contains("PMC is the intervention in pregnancy", Text(Evaluate(FavourableMitral(30, Sex.Female).Finding(FindingKind.Pregnancy, 60))), StringComparison.Ordinal);
    }

    [Fact]
    public void Pregnancy_NotAskedOnANotCandidateCard()
    {
        var assessment = Assert.Single(Evaluate(FavourableMitral(30, Sex.Female).Coded(CodedKind.LaThrombusTee, "present", daysAgo: 1)).Assessments);

        Assert.Equal(Decision.NotCandidate, assessment.Decision);
        Assert.DoesNotContain(ItemCodes.WarnPregnancyStatus, assessment.Codes);
    }

    [Fact]
    public void NoacSwitch_ForAWomanOfChildbearingAge_NotesTeratogenicityAndContraception()
    {
        var text = Text(Evaluate(FavourableMitral(35, Sex.Female).Finding(FindingKind.AtrialFibrillation, 400).Anticoagulant()));

        Assert.Contains("Warfarin is teratogenic", text, StringComparison.Ordinal);
        Assert.Contains("contraception", text, StringComparison.Ordinal);
        Assert.Contains("ESC18-PREG", text, StringComparison.Ordinal);
    }

    // ---- Thrombus and drug-class plans (§5.1, §7) ----

    [Fact]
    public void Thrombus_AssessmentProposesAnticoagulationAndRepeatTee_NotOnlySurgery()
    {
        var assessment = Assert.Single(Evaluate(FavourableMitral(70, Sex.Male).Coded(CodedKind.LaThrombusTee, "present", daysAgo: 1).Anticoagulant()).Assessments);

        Assert.Equal(NextStep.AnticoagulateAndRepeatTee, assessment.NextSteps[0]);
        Assert.Contains(NextStep.SwitchNoacToVitaminKAntagonist, assessment.NextSteps);
        Assert.DoesNotContain(NextStep.SurgicalReferral, assessment.NextSteps);
    }

    [Fact]
    public void Thrombus_WithABalloonOrderDrafted_TheAnticoagulantCardSaysDoNotInterrupt()
    {
        var evaluation = Evaluate(FavourableMitral(70, Sex.Male).Coded(CodedKind.LaThrombusTee, "present", daysAgo: 1).Anticoagulant("warfarin", noac: false),
            HookKind.OrderSign, FactsBuilder.Draft(ProcedureKind.BalloonMitralCommissurotomy));

        var warning = Assert.Single(evaluation.Safety);
        Assert.IsType<AnticoagulationWithThrombus>(warning.Statement);
        var text = Text(evaluation);
        Assert.Contains("do not interrupt anticoagulation", text, StringComparison.Ordinal);
        Assert.DoesNotContain("hold, bridge", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, "without heparin bridging")]
    [InlineData(false, "managed by INR")]
    public void AnticoagulationPlan_IsWordedForTheDrug(bool noac, string wording)
    {
        var text = Text(Evaluate(new FactsBuilder().Stenosis(Valve.Aortic).SevereAorticEcho().Nyha("III").Sts(9.5m).Anticoagulant(noac ? "apixaban 5 mg" : "warfarin 5 mg", noac)));

        Assert.Contains(wording, text, StringComparison.Ordinal);
        Assert.DoesNotContain("hold, bridge or continue", text, StringComparison.Ordinal);
    }

    // ---- Pediatric, calcific MS, Noonan (§5, §6) ----

    [Fact]
    public void Pediatric_IsReferredToPediatricCardiology_NotTheHeartTeam()
    {
        var evaluation = Evaluate(new FactsBuilder().Age(6).Stenosis(Valve.Pulmonary).Measure(PulmonicPeakGradient, 55m));
        var assessment = Assert.Single(evaluation.Assessments);

        Assert.Contains(NextStep.PediatricCardiologyReferral, assessment.NextSteps);
        Assert.DoesNotContain(NextStep.HeartTeamReferral, assessment.NextSteps);
        Assert.DoesNotContain(Citations.EscAchdPsSevere, assessment.Citations);
        var text = Text(evaluation);
        Assert.DoesNotContain("Heart Team", text, StringComparison.Ordinal);
        Assert.DoesNotContain("10 lb", text, StringComparison.Ordinal);
        Assert.Contains("parents or caregivers", text, StringComparison.Ordinal);
    }

    [Fact]
    public void DysplasticValve_WithNoonanSyndrome_NamesIt()
    {
        var evaluation = Evaluate(new FactsBuilder().Age(9).Stenosis(Valve.Pulmonary).Measure(PulmonicPeakGradient, 55m)
            .Coded(CodedKind.PulmonaryValveMorphology, "dysplastic").Finding(FindingKind.NoonanSyndrome, 2000));

        Assert.Equal(Decision.CandidateWithCaution, Assert.Single(evaluation.Assessments).Decision);
        Assert.Contains("Noonan syndrome is on the problem list", Text(evaluation), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(84, SurgicalRisk.High, NextStep.HeartTeamReferral)]
    [InlineData(78, SurgicalRisk.Low, NextStep.HeartTeamReferral)]
    [InlineData(60, SurgicalRisk.Low, NextStep.SurgicalReferral)]
    public void CalcificMitralStenosis_OlderOrHighRisk_IsAHeartTeamQuestion(int age, SurgicalRisk risk, NextStep step)
    {
        var facts = new FactsBuilder().Age(age).Stenosis(Valve.Mitral, nonRheumatic: true).Measure(MitralValveAreaPlanimetry, 1.2m).Nyha("III")
            .Coded(CodedKind.SurgicalRiskCategory, risk.ToString().ToLowerInvariant());

        var assessment = Assert.Single(Evaluate(facts).Assessments);

        Assert.Equal(Decision.NotCandidate, assessment.Decision);
        Assert.Contains(step, assessment.NextSteps);
        Assert.DoesNotContain(step == NextStep.HeartTeamReferral ? NextStep.SurgicalReferral : NextStep.HeartTeamReferral, assessment.NextSteps);
    }

    [Fact]
    public void PmbcCards_ShowTheMrGradeAndTheCommissures_WhicheverWayTheDecisionGoes()
    {
        var refused = Assert.Single(Evaluate(FavourableMitral(60, Sex.Male).Coded(CodedKind.CommissuralCalcification, "bicommissural")).Assessments);
        var accepted = Assert.Single(Evaluate(FavourableMitral(60, Sex.Male).Regurgitation(Valve.Mitral, SeverityGrade.Mild)).Assessments);

        Assert.Equal(Decision.NotCandidate, refused.Decision);
        Assert.Contains(refused.Statements, s => s is CommissuralMorphology { Calcification.Answer: "bicommissural" });
        Assert.Contains(refused.Statements, s => s is MitralRegurgitationStated);
        Assert.Equal(Decision.Candidate, accepted.Decision);
        Assert.Contains(accepted.Statements, s => s is MitralRegurgitationStated { Finding.Severity: SeverityGrade.Mild });
    }

    // ---- Contradictions (§4) ----

    [Fact]
    public void TavrOrderActive_NoCardProposesATavrEvaluation()
    {
        var evaluation = Evaluate(new FactsBuilder().Stenosis(Valve.Aortic).SevereAorticEcho().Nyha("III").Sts(9.5m).Order(ProcedureKind.Tavr));

        Assert.DoesNotContain(NextStep.TavrEvaluation, Assert.Single(evaluation.Assessments).NextSteps);
        Assert.Equal(BridgeKind.TavrPlanned, evaluation.Bridge!.Kind);
        Assert.DoesNotContain("Start the TAVR evaluation", Text(evaluation), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, BridgeKind.AfterRecentBav)]
    [InlineData(true, BridgeKind.AfterRecentBavTavrPlanned)]
    public void AfterARecentBav_TheBridgeCardNeverSaysBavCanBridge(bool tavrPlanned, BridgeKind kind)
    {
        var facts = new FactsBuilder().Stenosis(Valve.Aortic).SevereAorticEcho(40).Procedure(ProcedureKind.BalloonAorticValvuloplasty, daysAgo: 3);
        if (tavrPlanned)
        {
            facts.Order(ProcedureKind.Tavr);
        }

        var evaluation = Evaluate(facts);

        Assert.Equal(kind, evaluation.Bridge!.Kind);
        Assert.DoesNotContain("can bridge", Text(evaluation), StringComparison.Ordinal);
        Assert.Equal(!tavrPlanned, Assert.Single(evaluation.Assessments).NextSteps.Contains(NextStep.TavrEvaluation));
    }

    // ---- Summaries and precision (§8) ----

    [Theory]
    [InlineData(365)]
    [InlineData(30)]
    public void StaleEchoSummary_SaysTheConfiguredWindow(int days)
    {
        var facts = new FactsBuilder().Stenosis(Valve.Aortic).SevereAorticEcho(daysAgo: days + 5).Build();
        var evaluation = RuleCatalog.Evaluate(facts, [], HookKind.PatientView, FactsBuilder.AsOf, new RuleOptions { EchoFreshnessDays = days });

        var card = Profiles.Renderer.Render(evaluation, "Patient/p1")[0];

        Assert.Contains($"more than {days} days old", card.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("a year", card.Summary, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(AorticMeanGradient, 47.6, "48")]
    [InlineData(Pasp, 56.25, "56")]
    [InlineData(AorticVmax, 4.56, "4.6")]
    [InlineData(AorticVmax, 3.96, "3.96")]   // rounding would say 4.0, a threshold the value is below
    [InlineData(AorticValveArea, 0.75, "0.8")]
    [InlineData(AorticValveArea, 1.04, "1.04")] // would say 1.0, the threshold
    [InlineData(MitralValveAreaPlanimetry, 1.46, "1.46")]
    [InlineData(MitralValveAreaPlanimetry, 1.14, "1.1")]
    [InlineData(AorticValveAreaIndex, 0.456, "0.46")]
    [InlineData(Lvef, 54.6, "55")]
    [InlineData(StsProm, 9.14, "9.1")]
    [InlineData(PulmonicPeakGradient, 67.24, "67")]
    public void Numbers_AreShownAtClinicalPrecision(MeasurementKind kind, double value, string shown)
    {
        Assert.Equal(shown, CardText.Number(kind, (decimal)value));
    }

    // ---- The tables ----

    [Fact]
    public void CitationTable_HoldsEveryIdTheRulesCite_AndPrintsOnlyWhatWasSeen()
    {
        var table = Profiles.Content;

        Assert.All(Citations.All, id => Assert.NotNull(table.Citation(id)));
        foreach (var row in table.Citations)
        {
            Assert.Contains(row.Guideline, table.Guidelines.Keys);
            Assert.Contains(row.Verified.Status, (string[])["verified", "partial", "unverified"]);
            if (row.Verified.Status == "unverified")
            {
                Assert.True(row.Section is null && row.Class is null && row.Level is null && row.Recommendation is null,
                    $"{row.Id}: an unverified row prints no section, class, level or words.");
                Assert.False(string.IsNullOrWhiteSpace(row.Verified.Note), $"{row.Id}: say why it is unverified.");
            }
            else
            {
                Assert.False(string.IsNullOrWhiteSpace(row.Verified.Source), $"{row.Id}: where was it verified?");
            }

            if (row.Verified.Status == "verified")
            {
                Assert.False(string.IsNullOrWhiteSpace(row.Recommendation), $"{row.Id}: the recommendation's words as found.");
                Assert.False(string.IsNullOrWhiteSpace(row.Verified.Where), $"{row.Id}: where in the guideline.");
            }

            Assert.False(row.Class is "1" or "I" && row.Topic.Contains("contraindicat", StringComparison.OrdinalIgnoreCase),
                $"{row.Id}: a contraindication is not a class 1 recommendation.");
        }
    }

    [Fact]
    public void CitationLine_PrintsSectionClassAndLevelOnlyWhenPresent()
    {
        Assert.Equal("ESC21 §5.2 (class IIb, level C): balloon aortic valvotomy as a bridge to SAVR or TAVI when haemodynamically unstable, or before urgent high-risk non-cardiac surgery",
            ContentTables.CitationLine(Profiles.Content.Citation(Citations.EscBavBridge)));
        Assert.Equal("AHA20: balloon aortic valvuloplasty as a bridge to SAVR or TAVI in severe symptomatic aortic stenosis",
            ContentTables.CitationLine(Profiles.Content.Citation(Citations.AhaBavBridge)));
        Assert.Equal("ESC21 Table 8: contraindications to PMC: LA thrombus, more than mild MR, severe or bi-commissural calcification, no commissural fusion",
            ContentTables.CitationLine(Profiles.Content.Citation(Citations.EscPmcContraindications)));
    }

    [Fact]
    public void LinkTable_HoldsEveryLinkTheCardsUse_WithATitleAndHowItWasVerified()
    {
        var table = Profiles.Content;

        Assert.All(LinkIds.All, id => Assert.NotNull(table.Link(id)));
        foreach (var row in table.Links)
        {
            Assert.StartsWith("https://", row.Url, StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(row.Title), $"{row.Id}: title as verified");
            Assert.Contains(row.Status, (string[])["verified", "partial"]);
            Assert.False(string.IsNullOrWhiteSpace(row.Evidence), $"{row.Id}: how it was verified");
        }

        Assert.DoesNotContain(table.Links, l => l.Url.EndsWith("/patientinstructions/000085.htm", StringComparison.Ordinal));
    }
}
