using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Valvuloplasty.Fhir.Cards;
using Valvuloplasty.Fhir.CdsHooks.Hooks;
using Valvuloplasty.Fhir.CdsHooks.Protocol;
using Valvuloplasty.Fhir.Data;
using Valvuloplasty.Fhir.Data.Mapping;
using Valvuloplasty.Fhir.Data.Prefetch;
using Valvuloplasty.Fhir.Rules.Engine;
using Valvuloplasty.Fhir.Rules.Facts;

namespace Valvuloplasty.Fhir.Benchmarks;

/// <summary>
/// The hook pipeline in process, with the host's real components (terminology from profiles/, mapper, rules,
/// renderer), so each stage can be timed alone and the whole from request bytes to response bytes.
/// </summary>
public sealed class PipelineHarness : IDisposable
{
    private static readonly DateTimeOffset AsOf = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    private readonly ServiceProvider _provider;
    private readonly PatientRecordSource _records;
    private readonly PatientFactsMapper _mapper;
    private readonly CardRenderer _renderer;
    private readonly HookEvaluator _evaluator;
    private readonly RuleOptions _rules = new();
    private readonly FhirJsonReader _fhirJson;

    public PipelineHarness()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Terminology:ProfilesPath"] = Path.Combine(RequestFixtures.RepoRoot, "profiles") })
            .Build();
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IHostEnvironment>(new Environment())
            .AddSingleton<TimeProvider>(new FixedClock(AsOf))
            .AddSingleton(Options.Create(new RuleOptions()))
            .AddContentTables()
            .AddSingleton<CardRenderer>()
            .AddSingleton<HookEvaluator>();
        services.AddProfileTerminology(configuration).AddFhirDataAccess(configuration);
        _provider = services.BuildServiceProvider();
        _records = _provider.GetRequiredService<PatientRecordSource>();
        _mapper = _provider.GetRequiredService<PatientFactsMapper>();
        _renderer = _provider.GetRequiredService<CardRenderer>();
        _evaluator = _provider.GetRequiredService<HookEvaluator>();
        _fhirJson = _provider.GetRequiredService<FhirJsonReader>();
    }

    public static CdsService Service(string hook) => CdsServiceCatalog.Services.Single(s => s.Hook == hook);

    /// <summary>Stage 1: the envelope (each prefetch key's JSON checked and kept as sent).</summary>
    public HookRequest Parse(byte[] body, CdsService service) =>
        CdsRequestReader.Read(body, service, 64, _fhirJson).Request ?? throw new InvalidOperationException("The fixture is not a valid request.");

    /// <summary>Stage 2: the patient record: each prefetch key read as FHIR into the elements the rules use, per-key states, patient filter.</summary>
    public PatientRecord Assemble(HookRequest request) =>
        _records.GetAsync(new RecordRequest(request.Context.PatientId, request.Prefetch, null, null), CancellationToken.None).GetAwaiter().GetResult().Record
            ?? throw new InvalidOperationException("The fixture lacks a required key.");

    /// <summary>Stage 3: FHIR → facts.</summary>
    public (PatientFacts Facts, IReadOnlyList<OrderFact> Drafts) Map(PatientRecord record, HookRequest request) =>
        (_mapper.Map(record, AsOf), _mapper.MapOrders(request.Context.DraftOrders));

    /// <summary>Stage 4: the rules.</summary>
    public Evaluation Evaluate(PatientFacts facts, IReadOnlyList<OrderFact> drafts, CdsService service) =>
        RuleCatalog.Evaluate(facts, drafts, service.Kind, AsOf, _rules);

    /// <summary>Stage 5: cards.</summary>
    public IReadOnlyList<Card> Render(Evaluation evaluation, PatientFacts facts) => _renderer.Render(evaluation, facts.PatientReference);

    /// <summary>Stage 6: the response bytes.</summary>
    public static byte[] Serialize(IReadOnlyList<Card> cards) => CdsJson.Serialize(new CdsResponse(cards));

    /// <summary>The whole pipeline, as the endpoint runs it: request bytes in, response bytes out.</summary>
    public async Task<byte[]> RunAsync(byte[] body, CdsService service)
    {
        var request = Parse(body, service);
        var outcome = await _evaluator.EvaluateAsync(service, request, CancellationToken.None);
        return Serialize([.. outcome.Cards.Select(c => c.Card)]);
    }

    public void Dispose() => _provider.Dispose();

    private sealed class Environment : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = Environments.Production;
        public string ApplicationName { get; set; } = "Valvuloplasty.Fhir.Benchmarks";
        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
