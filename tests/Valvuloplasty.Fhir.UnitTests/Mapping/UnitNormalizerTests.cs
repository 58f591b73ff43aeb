using Valvuloplasty.Fhir.Data.Mapping;
using Valvuloplasty.Fhir.Rules.Content;
using Valvuloplasty.Fhir.Rules.Facts;
using static Valvuloplasty.Fhir.Rules.Facts.MeasurementKind;

namespace Valvuloplasty.Fhir.UnitTests.Mapping;

/// <summary>docs/clinical-rules.md §2 units: conversions, aliases, unknown units and plausibility ranges.</summary>
public sealed class UnitNormalizerTests
{
    private const string Ucum = UnitNormalizer.Ucum;

    [Theory]
    [InlineData(AorticVmax, 350, "cm/s", 3.5, true)]
    [InlineData(AorticVmax, 4.0, "m/s", 4.0, false)]
    [InlineData(AorticMeanGradient, 5.333, "kPa", 40.0008, true)]
    [InlineData(AorticMeanGradient, 5333, "Pa", 40.0008, true)]
    [InlineData(AorticMeanGradient, 40, "mmHg", 40, false)]
    [InlineData(AorticValveArea, 80, "mm2", 0.8, true)]
    [InlineData(AorticValveArea, 0.8, "cm2", 0.8, false)]
    [InlineData(Lvef, 0.35, "1", 35, true)]
    [InlineData(Lvef, 35, "%", 35, false)]
    [InlineData(MitralPressureHalfTime, 0.15, "s", 150, true)]
    [InlineData(WilkinsScore, 8, "{score}", 8, false)]
    public void Normalize_ConvertsOnlyWhenTheFactorIsNotOne(MeasurementKind kind, double value, string unit, double expected, bool converted)
    {
        var result = UnitNormalizer.Normalize(kind, (decimal)value, Ucum, unit, null);

        Assert.True(result.Usable);
        Assert.Equal((decimal)expected, result.Value);
        Assert.Equal(converted, result.ConvertedFrom is not null);
        Assert.Equal(UnitNormalizer.CanonicalUnit(kind), result.Unit);
    }

    [Fact]
    public void Normalize_LvefFractionWithoutAnyUnit_IsConverted()
    {
        var result = UnitNormalizer.Normalize(Lvef, 0.6m, null, null, null);

        Assert.Equal((60m, new RecordedValue(0.6m, "")), (result.Value, result.ConvertedFrom));
    }

    [Fact]
    public void Normalize_NonUcumSystem_FallsBackToTheUnitText()
    {
        var result = UnitNormalizer.Normalize(AorticVmax, 4.2m, "http://local/units", "VEL-MS", "m/s");

        Assert.Equal(4.2m, result.Value);
    }

    [Theory]
    [InlineData(AorticVmax, "mph")]
    [InlineData(AorticValveArea, "in2")]
    [InlineData(AorticMeanGradient, "cmH2O")]
    public void Normalize_UnknownUnit_IsRejected(MeasurementKind kind, string unit)
    {
        var result = UnitNormalizer.Normalize(kind, 1m, Ucum, unit, null);

        Assert.Equal((ItemCodes.WarnUnknownUnit, NoteKind.UnknownUnit, unit), (result.Rejection!.Code, result.Rejection.Kind, result.Rejection.Unit));
    }

    [Theory]
    [InlineData(AorticValveArea, 0.19, false)]
    [InlineData(AorticValveArea, 0.2, true)]
    [InlineData(AorticValveArea, 5, true)]
    [InlineData(AorticValveArea, 5.01, false)]
    [InlineData(MitralValveAreaPlanimetry, 0.29, false)]
    [InlineData(MitralValveAreaPlanimetry, 8, true)]
    [InlineData(AorticVmax, 0.49, false)]
    [InlineData(AorticVmax, 7, true)]
    [InlineData(AorticVmax, 7.1, false)]
    [InlineData(Pasp, 200, true)]
    [InlineData(Pasp, 201, false)]
    [InlineData(AorticMeanGradient, -1, false)]
    [InlineData(Lvef, 4, false)]
    [InlineData(Lvef, 90, true)]
    [InlineData(Lvef, 91, false)]
    public void Normalize_PlausibilityRanges(MeasurementKind kind, double value, bool usable)
    {
        var result = UnitNormalizer.Normalize(kind, (decimal)value, Ucum, UnitNormalizer.CanonicalUnit(kind), null);

        Assert.Equal(usable, result.Usable);
        if (!usable)
        {
            Assert.Equal((ItemCodes.WarnImplausibleValue, NoteKind.Implausible), (result.Rejection!.Code, result.Rejection.Kind));
        }
    }
}
