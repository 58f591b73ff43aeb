using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Valvuloplasty.Fhir.CdsHooks.Hooks;
using Valvuloplasty.Fhir.CdsHooks.Hosting;
using Valvuloplasty.Fhir.Data.Diagnostics;
using Valvuloplasty.Fhir.IntegrationTests.Infrastructure;

namespace Valvuloplasty.Fhir.IntegrationTests.Telemetry;

/// <summary>
/// Traces and metrics of a hook call, exported in memory with the host's own instrumentation: one trace from the EHR's
/// request through the stages to the FHIR server (which receives the trace's <c>traceparent</c>), attributes that say
/// what happened, and not one attribute or metric tag that holds patient data, a resource id, a token or a query.
/// </summary>
public sealed class HookTracingTests : IDisposable
{
    private const string PatientId = "pt-5524-kw";
    private const string Family = "Thistlewaite";
    private const string Given = "Ottoline";
    private const string BirthDate = "1941-07-23";

    /// <summary>The test's own source: its span is the root of the trace, so the test knows the trace id before it asks.</summary>
    private static readonly ActivitySource TestSource = new("Valvuloplasty.Fhir.IntegrationTests");

    private readonly LockedList<Activity> _spans = new();
    private readonly LockedList<MetricSnapshot> _metrics = new();
    private readonly FhirServerStub _fhir = new();
    private readonly CdsTestHost _host;

    public HookTracingTests()
    {
        _host = new CdsTestHost(new Dictionary<string, string?>
        {
            ["Fhir:AllowLoopback"] = "true",
            ["Fhir:RequireHttps"] = "false",
            ["Fhir:AttemptTimeout"] = "00:00:05",
            ["Fhir:TotalBudget"] = "00:00:10",
        })
        {
            // What production configures, with an in-memory exporter instead of OTLP.
            ServiceOverrides = services => services.AddOpenTelemetry()
                .WithCdsHooksInstrumentation(new ConfigurationBuilder().Build())
                .WithTracing(tracing => tracing.AddSource(TestSource.Name).AddInMemoryExporter(_spans))
                .WithMetrics(metrics => metrics.AddInMemoryExporter(_metrics)),
        };
    }

    [Fact]
    public async Task PatientViewWithFallback_IsOneTrace_WithStagesAndFhirQueries_AndNoPatientDataInAnyAttribute()
    {
        using var calls = new MetricCollector<long>(_host.Service<IMeterFactory>(), HookMetrics.MeterName, "cds.hook.calls");
        using var durations = new MetricCollector<double>(_host.Service<IMeterFactory>(), HookMetrics.MeterName, "cds.hook.duration");
        var example = PatientWithDistinctiveData();
        _fhir.ServeRecordOf(example);
        var request = _fhir.WithFhirServer(example, true, "patient", "conditions", "observations");

        ActivityTraceId traceId;
        using (var root = TestSource.StartActivity("ehr opens the chart", ActivityKind.Client))
        {
            Assert.NotNull(root);
            traceId = root.TraceId;
            var (response, _) = await Requests.PostAsync(_host.Client, Requests.PatientView, request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var trace = await TraceAsync(traceId);

        // The hook span, under ASP.NET Core's request span.
        var hook = Assert.Single(trace, a => a.Source.Name == Tracing.SourceName && a.DisplayName == "hook valvuloplasty-patient-view");
        var server = Assert.Single(trace, a => a.SpanId == hook.ParentSpanId);
        Assert.Equal(ActivityKind.Server, server.Kind);
        Assert.Equal("POST /cds-services/{id}", server.DisplayName);
        Assert.False(string.IsNullOrEmpty(hook.Source.Version));
        Assert.Equal("valvuloplasty-patient-view", hook.GetTagItem("cds.service.id"));
        Assert.Equal("patient-view", hook.GetTagItem("cds.hook"));
        Assert.Equal(200, hook.GetTagItem("http.response.status_code"));
        var states = ((string)hook.GetTagItem("cds.prefetch.states")!).Split(',');
        Assert.Contains("patient=absent", states);
        Assert.Contains("conditions=absent", states);
        Assert.Contains("observations=absent", states);
        Assert.Contains("procedures=present", states);
        Assert.StartsWith("cards=", (string)hook.GetTagItem("cds.outcome")!, StringComparison.Ordinal);
        Assert.Contains("decisions=", (string)hook.GetTagItem("cds.outcome")!, StringComparison.Ordinal);

        // One child per stage, in order, each a child of the hook.
        var stages = trace.Where(a => a.ParentSpanId == hook.SpanId).OrderBy(a => a.StartTimeUtc).ToList();
        Assert.Equal(["record", "facts", "rules", "cards"], stages.Select(a => a.DisplayName));
        Assert.All(stages, a => Assert.Equal(ActivityKind.Internal, a.Kind));
        var record = stages[0];
        Assert.Contains("conditions=FhirServer", (string)record.GetTagItem("cds.record.sources")!, StringComparison.Ordinal);
        Assert.True((int)stages[3].GetTagItem("cds.cards.count")! > 0);

        // One client span per FHIR query, under the record span.
        var fhir = trace.Where(a => a.Source.Name == Tracing.SourceName && a.DisplayName.StartsWith("fhir ", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, _fhir.Server.LogEntries.Count);
        Assert.Equal(["fhir Condition search", "fhir Observation search", "fhir Patient read"], fhir.Select(a => a.DisplayName).Order());
        Assert.All(fhir, a =>
        {
            Assert.Equal(record.SpanId, a.ParentSpanId);
            Assert.Equal(ActivityKind.Client, a.Kind);
            Assert.Equal(new Uri(_fhir.BaseUrl).Host, a.GetTagItem("server.address"));
            Assert.Equal(200, a.GetTagItem("http.response.status_code"));
            Assert.Equal("ok", a.GetTagItem("fhir.outcome"));
            Assert.NotNull(a.GetTagItem("fhir.resource.type"));
        });

        // The FHIR server was told the trace: each request's traceparent is the hook's trace, with a FHIR span (or the HttpClient span under it) as parent.
        var fhirSpanIds = fhir.Select(a => a.SpanId.ToHexString()).ToHashSet(StringComparer.Ordinal);
        foreach (var entry in _fhir.Server.LogEntries)
        {
            var traceparent = Assert.Single(entry.RequestMessage.Headers!["traceparent"]).Split('-');
            Assert.Equal(hook.TraceId.ToHexString(), traceparent[1]);
            var parent = trace.SingleOrDefault(a => a.SpanId.ToHexString() == traceparent[2]);
            Assert.True(fhirSpanIds.Contains(traceparent[2]) || (parent is not null && fhirSpanIds.Contains(parent.ParentSpanId.ToHexString())),
                $"traceparent {traceparent[2]} is not a FHIR query span nor a request under one");
        }

        // The hook metrics: one call, tagged with the service and the status.
        var call = Assert.Single(calls.GetMeasurementSnapshot());
        Assert.Equal(1, call.Value);
        Assert.Equal("valvuloplasty-patient-view", call.Tags["cds.service.id"]);
        Assert.Equal(200, call.Tags["http.response.status_code"]);
        Assert.InRange(Assert.Single(durations.GetMeasurementSnapshot()).Value, 0, 30);

        // No attribute of any exported span, and no tag of any exported metric, holds what the request named.
        var forbidden = Forbidden(request);
        foreach (var span in _spans.Snapshot())
        {
            AssertClean(forbidden, $"span '{span.DisplayName}'", Describe(span));
        }

        Assert.True(_host.Service<MeterProvider>().ForceFlush(5000));
        var metrics = _metrics.Snapshot();
        Assert.Contains(metrics, m => m.Name == "cds.hook.calls");
        foreach (var metric in metrics)
        {
            AssertClean(forbidden, $"metric '{metric.Name}'",
                metric.Name + " " + string.Join(" ", metric.MetricPoints.SelectMany(p => Tags(p.Tags)).Select(t => $"{t.Key}={t.Value}")));
        }
    }

    [Fact]
    public async Task UnknownService_IsCountedAs404_WithoutTheIdSent()
    {
        using var calls = new MetricCollector<long>(_host.Service<IMeterFactory>(), HookMetrics.MeterName, "cds.hook.calls");

        var (response, _) = await Requests.PostAsync(_host.Client, "/cds-services/" + PatientId, PatientWithDistinctiveData());

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var call = Assert.Single(calls.GetMeasurementSnapshot());
        Assert.Equal(HookTelemetry.UnknownService, call.Tags["cds.service.id"]);
        Assert.Equal(404, call.Tags["http.response.status_code"]);
        var hook = Assert.Single(await TraceOfHookAsync(), a => a.DisplayName == "hook");
        Assert.Equal("unknown service", hook.GetTagItem("cds.outcome"));
        foreach (var span in _spans.Snapshot())
        {
            AssertClean([PatientId], $"span '{span.DisplayName}'", Describe(span));
        }
    }

    /// <summary>The patient's id, name and birth date, the access token, every resource id of the request and the queries' parameters.</summary>
    private List<string> Forbidden(JsonObject request)
    {
        var forbidden = new List<string> { PatientId, Family, Given, BirthDate, FhirServerStub.Token, "?patient=", "&code=", "loinc.org", _fhir.BaseUrl };
        forbidden.AddRange(Ids(request["prefetch"]!).Where(id => id.Length >= 4));
        return [.. forbidden.Distinct(StringComparer.Ordinal)];
    }

    private static IEnumerable<string> Ids(JsonNode node) => node switch
    {
        JsonObject o => o.SelectMany(p => p.Key == "id" && p.Value is JsonValue v && v.TryGetValue<string>(out var id) ? [id] : p.Value is null ? [] : Ids(p.Value)),
        JsonArray a => a.OfType<JsonNode>().SelectMany(Ids),
        _ => [],
    };

    private static string Describe(Activity span) => string.Join(" | ",
        span.DisplayName,
        span.OperationName,
        span.StatusDescription,
        string.Join(",", span.TagObjects.Select(t => $"{t.Key}={t.Value}")),
        string.Join(",", span.Events.Select(e => e.Name + ":" + string.Join(",", e.Tags.Select(t => $"{t.Key}={t.Value}")))),
        string.Join(",", span.Links.Select(l => string.Join(",", l.Tags?.Select(t => $"{t.Key}={t.Value}") ?? []))),
        string.Join(",", span.Baggage.Select(b => $"{b.Key}={b.Value}")),
        span.TraceStateString);

    private static List<KeyValuePair<string, object?>> Tags(ReadOnlyTagCollection tags)
    {
        var list = new List<KeyValuePair<string, object?>>();
        foreach (var tag in tags)
        {
            list.Add(tag);
        }

        return list;
    }

    private static void AssertClean(IReadOnlyList<string> forbidden, string what, string text)
    {
        foreach (var secret in forbidden)
        {
            Assert.False(text.Contains(secret, StringComparison.Ordinal), $"{what} holds '{secret}': {text[..Math.Min(600, text.Length)]}");
        }
    }

    /// <summary>The spans of one trace, once ASP.NET Core's request span (which ends after the response is sent) is exported.</summary>
    private async Task<List<Activity>> TraceAsync(ActivityTraceId traceId)
    {
        for (var i = 0; i < 250 && !_spans.Snapshot().Any(a => a.TraceId == traceId && a.Kind == ActivityKind.Server && a.DisplayName.StartsWith("POST /cds-services", StringComparison.Ordinal)); i++)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        return [.. _spans.Snapshot().Where(a => a.TraceId == traceId)];
    }

    /// <summary>The trace of this host's one hook span (whichever trace it is in).</summary>
    private async Task<List<Activity>> TraceOfHookAsync()
    {
        var hook = _spans.Snapshot().First(a => a.Source.Name == Tracing.SourceName && a.DisplayName.StartsWith("hook", StringComparison.Ordinal)
            && (string?)a.GetTagItem("cds.service.id") == HookTelemetry.UnknownService);
        return await TraceAsync(hook.TraceId);
    }

    private static JsonObject PatientWithDistinctiveData()
    {
        var json = Requests.Example("patient-view-aortic-bav-candidate.json").ToJsonString().Replace("bav-candidate-1", PatientId, StringComparison.Ordinal);
        var request = JsonNode.Parse(json)!.AsObject();
        request["prefetch"]!["patient"]!["name"] = new JsonArray(new JsonObject { ["family"] = Family, ["given"] = new JsonArray(Given) });
        request["prefetch"]!["patient"]!["birthDate"] = BirthDate;
        return request;
    }

    public void Dispose()
    {
        _host.Dispose();
        _fhir.Dispose();
    }

    /// <summary>A list the exporters may add to from several threads at once.</summary>
    private sealed class LockedList<T> : ICollection<T>
    {
        private readonly List<T> _items = [];

        public int Count { get { lock (_items) { return _items.Count; } } }

        public bool IsReadOnly => false;

        public List<T> Snapshot() { lock (_items) { return [.. _items]; } }

        public void Add(T item) { lock (_items) { _items.Add(item); } }

        public void Clear() { lock (_items) { _items.Clear(); } }

        public bool Contains(T item) { lock (_items) { return _items.Contains(item); } }

        public void CopyTo(T[] array, int arrayIndex) { lock (_items) { _items.CopyTo(array, arrayIndex); } }

        public bool Remove(T item) { lock (_items) { return _items.Remove(item); } }

        public IEnumerator<T> GetEnumerator() => Snapshot().GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
