using Valvuloplasty.Fhir.Rules.Engine;
using Valvuloplasty.Fhir.Rules.Facts;
using Valvuloplasty.Fhir.UnitTests.Support;
using static Valvuloplasty.Fhir.Rules.Facts.MeasurementKind;

namespace Valvuloplasty.Fhir.UnitTests.Rules;

/// <summary>docs/clinical-rules.md §2: symptoms, instability, surgical risk, urgent surgery, anticoagulation.</summary>
public sealed class ClinicalPictureTests
{
    private static ClinicalPicture Picture(FactsBuilder builder) => ClinicalPicture.From(builder.Build(), FactsBuilder.AsOf);

    [Theory]
    [InlineData(StsProm, 3.99, SurgicalRisk.Low)]
    [InlineData(StsProm, 4.0, SurgicalRisk.Intermediate)]
    [InlineData(StsProm, 8.0, SurgicalRisk.Intermediate)]
    [InlineData(StsProm, 8.01, SurgicalRisk.High)]
    [InlineData(EuroScoreII, 3.0, SurgicalRisk.Low)]
    [InlineData(EuroScoreII, 9.0, SurgicalRisk.High)]
    [InlineData(ClinicalFrailtyScale, 4, SurgicalRisk.Unknown)]
    [InlineData(ClinicalFrailtyScale, 5, SurgicalRisk.Intermediate)]
    [InlineData(ClinicalFrailtyScale, 6, SurgicalRisk.High)]
    public void SurgicalRisk_ScoreThresholds(MeasurementKind kind, double value, SurgicalRisk expected)
    {
        Assert.Equal(expected, Picture(new FactsBuilder().Measure(kind, (decimal)value)).SurgicalRisk);
    }

    [Theory]
    [InlineData("low", SurgicalRisk.Low)]
    [InlineData("Intermediate", SurgicalRisk.Intermediate)]
    [InlineData("HIGH", SurgicalRisk.High)]
    [InlineData("prohibitive", SurgicalRisk.Prohibitive)]
    [InlineData("unclear", SurgicalRisk.Unknown)]
    public void SurgicalRisk_LocalCategory(string answer, SurgicalRisk expected)
    {
        Assert.Equal(expected, Picture(new FactsBuilder().Coded(CodedKind.SurgicalRiskCategory, answer)).SurgicalRisk);
    }

    [Fact]
    public void SurgicalRisk_HighestSignalWins()
    {
        var picture = Picture(new FactsBuilder().Sts(2.5m).Measure(ClinicalFrailtyScale, 6m).Coded(CodedKind.SurgicalRiskCategory, "intermediate"));

        Assert.Equal(SurgicalRisk.High, picture.SurgicalRisk);
        Assert.Equal(ClinicalFrailtyScale, picture.SurgicalRiskBasis!.Score!.Kind);
    }

    [Theory]
    [InlineData(2, SurgicalRisk.Unknown)]
    [InlineData(3, SurgicalRisk.Prohibitive)]
    public void SurgicalRisk_ThreeOrganSystemComorbidities_IsProhibitive(int systems, SurgicalRisk expected)
    {
        var builder = new FactsBuilder();
        foreach (var kind in new[] { FindingKind.ChronicKidneyDiseaseSevere, FindingKind.Dementia, FindingKind.Cirrhosis }.Take(systems))
        {
            builder.Finding(kind, 500);
        }

        // Two conditions of the same organ system count once.
        builder.Finding(FindingKind.ChronicKidneyDiseaseSevere, 100);

        Assert.Equal(expected, Picture(builder).SurgicalRisk);
    }

    [Fact]
    public void SurgicalRisk_NoSignal_IsUnknown()
    {
        Assert.Equal(SurgicalRisk.Unknown, Picture(new FactsBuilder()).SurgicalRisk);
    }

    [Theory]
    [InlineData(FindingKind.Dyspnea, 180, true, false)]
    [InlineData(FindingKind.Dyspnea, 181, false, false)]
    [InlineData(FindingKind.Edema, 20, true, false)]
    [InlineData(FindingKind.Fatigue, 20, true, false)]
    [InlineData(FindingKind.Syncope, 20, true, true)]
    [InlineData(FindingKind.Angina, 20, true, true)]
    [InlineData(FindingKind.HeartFailure, 20, true, true)]
    public void Symptoms_ConditionsWithin180Days(FindingKind kind, int daysAgo, bool symptomatic, bool verySymptomatic)
    {
        var picture = Picture(new FactsBuilder().Finding(kind, daysAgo));

        Assert.Equal((symptomatic, verySymptomatic), (picture.Symptomatic, picture.VerySymptomatic));
    }

    [Theory]
    [InlineData("I", false, false)]
    [InlineData("II", true, false)]
    [InlineData("III", true, true)]
    [InlineData("IV", true, true)]
    public void Symptoms_Nyha(string nyha, bool symptomatic, bool verySymptomatic)
    {
        var picture = Picture(new FactsBuilder().Nyha(nyha));

        Assert.Equal((symptomatic, verySymptomatic), (picture.Symptomatic, picture.VerySymptomatic));
    }

    [Fact]
    public void Symptoms_LatestNyhaWins()
    {
        Assert.False(Picture(new FactsBuilder().Nyha("IV", 60).Nyha("I", 5)).VerySymptomatic);
    }

    [Fact]
    public void Anticoagulated_WhenAnyActiveAnticoagulant()
    {
        Assert.True(Picture(new FactsBuilder().Anticoagulant("enoxaparin", noac: false)).Anticoagulated);
        Assert.False(Picture(new FactsBuilder()).Anticoagulated);
    }

    [Fact]
    public void UrgentSurgery_WithoutADate_Counts()
    {
        Assert.NotNull(Picture(new FactsBuilder().Order(null, surgical: true, urgent: true, inDays: null)).UrgentNonCardiacSurgery);
    }

    [Fact]
    public void UrgentSurgery_CancelledOrder_DoesNotCount()
    {
        Assert.Null(Picture(new FactsBuilder().Order(null, status: "revoked", surgical: true, urgent: true)).UrgentNonCardiacSurgery);
    }

    [Fact]
    public void Age_WithoutBirthDate_IsUnknown_AndNotPediatric()
    {
        var picture = Picture(new FactsBuilder().NoBirthDate());

        Assert.Null(picture.AgeYears);
        Assert.False(picture.Pediatric);
    }
}
