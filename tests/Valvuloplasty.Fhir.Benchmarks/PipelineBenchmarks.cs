using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Valvuloplasty.Fhir.Cards;
using Valvuloplasty.Fhir.CdsHooks.Hooks;
using Valvuloplasty.Fhir.CdsHooks.Protocol;
using Valvuloplasty.Fhir.Data.Prefetch;
using Valvuloplasty.Fhir.Rules.Engine;
using Valvuloplasty.Fhir.Rules.Facts;

namespace Valvuloplasty.Fhir.Benchmarks;

/// <summary>
/// The hook pipeline in process, whole and stage by stage, against the baseline of merely parsing the same
/// request bytes with <see cref="JsonDocument"/>. Allocations are reported.
/// </summary>
[MemoryDiagnoser]
public class PipelineBenchmarks : IDisposable
{
    private PipelineHarness _harness = null!;
    private CdsService _service = null!;
    private byte[] _request = [];
    private HookRequest _parsed = null!;
    private PatientRecord _record = null!;
    private PatientFacts _facts = null!;
    private IReadOnlyList<OrderFact> _drafts = [];
    private Evaluation _evaluation = null!;
    private IReadOnlyList<Card> _cards = [];

    /// <summary>Every size, or those in VALVULOPLASTY_BENCH_SIZES (comma-separated) for a shorter run.</summary>
    public static IEnumerable<string> Sizes() => Selected("VALVULOPLASTY_BENCH_SIZES", RequestFixtures.Sizes);

    /// <summary>Both hooks, or those in VALVULOPLASTY_BENCH_HOOKS.</summary>
    public static IEnumerable<string> Hooks() => Selected("VALVULOPLASTY_BENCH_HOOKS", ["patient-view", "order-sign"]);

    [ParamsSource(nameof(Sizes))]
    public string Size { get; set; } = "typical";

    [ParamsSource(nameof(Hooks))]
    public string Hook { get; set; } = "patient-view";

    private static IEnumerable<string> Selected(string variable, IReadOnlyList<string> all) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } chosen ? chosen.Split(',', StringSplitOptions.TrimEntries) : all;

    [GlobalSetup]
    public void Setup()
    {
        _harness = new PipelineHarness();
        _service = PipelineHarness.Service(Hook);
        _request = RequestFixtures.Create(Size, Hook);
        _parsed = _harness.Parse(_request, _service);
        _record = _harness.Assemble(_parsed);
        (_facts, _drafts) = _harness.Map(_record, _parsed);
        _evaluation = _harness.Evaluate(_facts, _drafts, _service);
        _cards = _harness.Render(_evaluation, _facts);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _harness?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The request size, for allocations per request byte.</summary>
    public int RequestBytes => _request.Length;

    [Benchmark(Baseline = true, Description = "JsonDocument.Parse (baseline)")]
    public int JsonDocumentParse()
    {
        using var document = JsonDocument.Parse(_request);
        return document.RootElement.GetPropertyCount();
    }

    [Benchmark(Description = "Whole pipeline: bytes in, bytes out")]
    public Task<byte[]> Pipeline() => _harness.RunAsync(_request, _service);

    [Benchmark(Description = "1 Read envelope")]
    public HookRequest Parse() => _harness.Parse(_request, _service);

    [Benchmark(Description = "2 Read record (prefetch as FHIR)")]
    public PatientRecord Assemble() => _harness.Assemble(_parsed);

    [Benchmark(Description = "3 Map FHIR to facts")]
    public PatientFacts Map() => _harness.Map(_record, _parsed).Facts;

    [Benchmark(Description = "4 Rules")]
    public Evaluation Rules() => _harness.Evaluate(_facts, _drafts, _service);

    [Benchmark(Description = "5 Render cards")]
    public IReadOnlyList<Card> Render() => _harness.Render(_evaluation, _facts);

    [Benchmark(Description = "6 Serialize response")]
    public byte[] Serialize() => PipelineHarness.Serialize(_cards);
}
