using System.Text.Json;
using Valvuloplasty.Fhir.Benchmarks;
using Valvuloplasty.Fhir.Rules.Engine;

namespace Valvuloplasty.Fhir.UnitTests.Benchmarks;

/// <summary>
/// Smoke mode of the benchmark project: every benchmark body runs once per parameter set and produces what it
/// should, so the benchmarks cannot rot. (Timing them is BenchmarkDotNet's job, never a unit test's.)
/// </summary>
public sealed class BenchmarkSmokeTests
{
    public static TheoryData<string, string> Parameters() => new()
    {
        { "typical", "patient-view" },
        { "typical", "order-sign" },
        { "large", "patient-view" },
        { "large", "order-sign" },
    };

    [Theory]
    [MemberData(nameof(Parameters))]
    public async Task EveryBenchmark_RunsOnce_AndTheWholePipelineEqualsItsStages(string size, string hook)
    {
        using var benchmarks = new PipelineBenchmarks { Size = size, Hook = hook };
        benchmarks.Setup();

        Assert.True(benchmarks.JsonDocumentParse() > 0);
        var staged = benchmarks.Serialize();
        var whole = await benchmarks.Pipeline();
        Assert.NotNull(benchmarks.Parse());
        Assert.NotNull(benchmarks.Assemble());
        Assert.NotEmpty(benchmarks.Map().Measurements);
        var evaluation = benchmarks.Rules();
        var cards = benchmarks.Render();

        Assert.Equal(Decision.Candidate, Assert.Single(evaluation.Assessments).Decision);
        Assert.NotEmpty(cards);
        using var wholeJson = JsonDocument.Parse(whole);
        using var stagedJson = JsonDocument.Parse(staged);
        Assert.Equal(stagedJson.RootElement.GetProperty("cards").GetArrayLength(), wholeJson.RootElement.GetProperty("cards").GetArrayLength());
    }

    [Theory]
    [InlineData("typical", 80, 150)]
    [InlineData("large", 800, 1200)]
    public void Fixtures_HaveTheAdvertisedSize(string size, int minimum, int maximum)
    {
        var request = RequestFixtures.Create(size, "patient-view");

        Assert.InRange(RequestFixtures.ResourceCount(request), minimum, maximum);
    }
}
