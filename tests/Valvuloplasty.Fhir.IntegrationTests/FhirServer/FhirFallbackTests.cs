using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Valvuloplasty.Fhir.IntegrationTests.Infrastructure;
using Valvuloplasty.Fhir.IntegrationTests.Protocol;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Valvuloplasty.Fhir.IntegrationTests.FhirServer;

/// <summary>
/// The FHIR fallback through the real host, with a WireMock.Net FHIR server per test: what is fetched,
/// with which token, and every fault (401, 404, 429, 5xx, timeouts, malformed JSON, paging).
/// </summary>
public sealed class FhirFallbackTests : IDisposable
{
    private static readonly Dictionary<string, string?> LoopbackAllowed = new()
    {
        ["Fhir:AllowLoopback"] = "true",
        ["Fhir:RequireHttps"] = "false",

        // Generous timeouts, so a busy test machine never turns a slow answer into an extra retry: the tests that count
        // calls count the retry policy's, and the time-budget test sets the default budget itself.
        ["Fhir:AttemptTimeout"] = "00:00:05",
        ["Fhir:TotalBudget"] = "00:00:10",
    };

    private readonly FhirServerStub _fhir = new();
    private readonly CdsTestHost _host = new(LoopbackAllowed);
    private readonly JsonObject _example = Requests.Example("patient-view-aortic-bav-candidate.json");

    [Fact]
    public async Task AllKeysAbsent_AreFetchedWithTheBearerToken_AndGiveTheSameCardsAsPrefetch()
    {
        _fhir.ServeRecordOf(_example);
        var (_, fromPrefetch) = await Requests.PostAsync(_host.Client, Requests.PatientView, _example);

        var (response, fromServer) = await Requests.PostAsync(_host.Client, Requests.PatientView, _fhir.WithFhirServer(_example));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        CardContract.AssertValid(fromServer);
        Assert.Equal(WithoutUuids(fromPrefetch!), WithoutUuids(fromServer!));
        Assert.Equal(7, _fhir.RequestedPaths.Count);
        Assert.All(_fhir.AuthorizationHeaders, h => Assert.Equal($"Bearer {FhirServerStub.Token}", h));
        Assert.All(_fhir.Server.LogEntries, e => Assert.Contains("application/fhir+json", e.RequestMessage.Headers!["Accept"].First(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task NoFhirAuthorization_FetchesWithoutAToken()
    {
        _fhir.ServeRecordOf(_example);

        var (response, _) = await Requests.PostAsync(_host.Client, Requests.PatientView, _fhir.WithFhirServer(_example, withToken: false));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.All(_fhir.AuthorizationHeaders, Assert.Null);
    }

    [Fact]
    public async Task PartialPrefetch_FetchesOnlyTheMissingKeys()
    {
        _fhir.ServeRecordOf(_example);

        var (response, _) = await Requests.PostAsync(_host.Client, Requests.PatientView, _fhir.WithFhirServer(_example, true, "observations", "medications"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["/fhir/MedicationRequest", "/fhir/Observation"], _fhir.RequestedPaths.Order());
    }

    [Fact]
    public async Task ObservationQuery_RendersTheTemplateWithTheCodesAndEncodedPatient()
    {
        _fhir.ServeRecordOf(_example);

        await Requests.PostAsync(_host.Client, Requests.PatientView, _fhir.WithFhirServer(_example, true, "observations"));

        var query = _fhir.Server.LogEntries.Single().RequestMessage.Query!;
        Assert.Equal("bav-candidate-1", query["patient"].Single());
        Assert.Contains("http://loinc.org|79964-3", string.Join(",", query["code"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NullKey_IsNeverFetched()
    {
        _fhir.ServeRecordOf(_example);
        var request = _fhir.WithFhirServer(_example, true, "procedures", "medications");
        request["prefetch"]!["medications"] = null;

        await Requests.PostAsync(_host.Client, Requests.PatientView, request);

        Assert.Equal(["/fhir/Procedure"], _fhir.RequestedPaths);
    }

    [Fact]
    public async Task OperationOutcomeInPrefetch_IsFetched()
    {
        _fhir.ServeRecordOf(_example);
        var request = _fhir.WithFhirServer(_example, true, "conditions");
        request["prefetch"]!["conditions"] = new JsonObject { ["resourceType"] = "OperationOutcome", ["issue"] = new JsonArray() };

        var (response, body) = await Requests.PostAsync(_host.Client, Requests.PatientView, request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["/fhir/Condition"], _fhir.RequestedPaths);
        Assert.Equal("candidate", CardContract.Contract(CardContract.AssertValid(body)[0]).Decision);
    }

    [Fact]
    public async Task Paging_FollowsNextLinksAcrossThreePages()
    {
        _fhir.ServeRecordOf(_example, 0, "observations");
        ServeObservationPages(loop: false);

        var (response, body) = await Requests.PostAsync(_host.Client, Requests.PatientView, _fhir.WithFhirServer(_example, true, "observations"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // STS-PROM is on page 3: without it the decision would be insufficient-data (risk unknown).
        Assert.Equal("candidate", CardContract.Contract(CardContract.AssertValid(body)[0]).Decision);
        Assert.Equal(3, _fhir.Count("Observation"));
    }

    [Fact]
    public async Task Paging_ALoopOfNextLinks_Stops()
    {
        _fhir.ServeRecordOf(_example, 0, "observations");
        ServeObservationPages(loop: true);

        var (response, body) = await Requests.PostAsync(_host.Client, Requests.PatientView, _fhir.WithFhirServer(_example, true, "observations"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, _fhir.Count("Observation"));
        Assert.Equal("insufficient-data", CardContract.Contract(CardContract.AssertValid(body)[0]).Decision);
    }

    [Fact]
    public async Task Paging_ANextLinkToAnotherServer_IsNotFollowed_AndGetsNoToken()
    {
        using var elsewhere = new FhirServerStub();
        _fhir.ServeRecordOf(_example, 0, "observations");
        var first = Page(0, 1, $"{elsewhere.BaseUrl}/Observation?page=2");
        _fhir.Serve("Observation", first.ToJsonString(), "bav-candidate-1");

        var (response, _) = await Requests.PostAsync(_host.Client, Requests.PatientView, _fhir.WithFhirServer(_example, true, "observations"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(elsewhere.RequestedPaths);
    }

    [Fact]
    public async Task ServerError503ThenSuccess_IsRetried()
    {
        ServeConditionsAfterOneFailure(Response.Create().WithStatusCode(503));

        var (response, body) = await Requests.PostAsync(_host.Client, Requests.PatientView, _fhir.WithFhirServer(_example, true, "conditions"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, _fhir.Count("Condition"));
        Assert.Equal("candidate", CardContract.Contract(CardContract.AssertValid(body)[0]).Decision);
    }

    [Fact]
    public async Task TooManyRequests_HonoursRetryAfter()
    {
        ServeConditionsAfterOneFailure(Response.Create().WithStatusCode(429).WithHeader("Retry-After", "1"));

        var (response, _) = await Requests.PostAsync(_host.Client, Requests.PatientView, _fhir.WithFhirServer(_example, true, "conditions"));

        // The wait is read from the FHIR server's own log: the retry comes after the second the server asked for, and
        // not much later (the backoff's own delay would be shorter; a lost Retry-After would be either). The hook's
        // total time is not asserted: on a loaded machine it measures the machine, not the policy.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var requests = _fhir.Server.LogEntries.OrderBy(e => e.RequestMessage.DateTime).ToList();
        Assert.Equal(2, requests.Count);
        var gap = requests[1].RequestMessage.DateTime - requests[0].RequestMessage.DateTime;
        Assert.True(gap >= TimeSpan.FromMilliseconds(950) && gap < TimeSpan.FromSeconds(2.5), $"the retry came {gap.TotalMilliseconds} ms after the 429");
    }

    [Fact]
    public async Task OneQueryTimesOut_Returns412WithinTheTotalBudget()
    {
        using var host = new CdsTestHost(new Dictionary<string, string?>
        {
            ["Fhir:AllowLoopback"] = "true", ["Fhir:RequireHttps"] = "false", ["Fhir:TotalBudget"] = "00:00:03", ["Fhir:AttemptTimeout"] = "00:00:01",
        });
        _fhir.ServeRecordOf(_example, 0, "observations");
        _fhir.Serve("Observation", _example["prefetch"]!["observations"]!.ToJsonString(), "bav-candidate-1", delayMs: 10_000);
        _ = host.Client;
        var watch = Stopwatch.StartNew();

        var (response, body) = await Requests.PostAsync(host.Client, Requests.PatientView, _fhir.WithFhirServer(_example));

        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3 + 1), $"took {watch.Elapsed}");
        HookCallTests.AssertOutcome(body, "prefetch.observations");
        Assert.Contains("time budget", body!.RootElement.GetRawText(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Every way the FHIR server can fail one required key: the hook answers 412 naming the key and the cause, after the
    /// number of calls the policy allows (retries only for 408, 429, 5xx; never for 401, 403, 404 or a bad body).
    /// </summary>
    public static TheoryData<string, string, int, string, int, string> FailureModes() => new()
    {
        // name, key, HTTP status, body, calls made, what the 412 says
        { "401: the token is refused", "conditions", 401, "{}", 1, "refused the access token (401)" },
        { "403: the read is forbidden", "conditions", 403, "{}", 1, "forbids this read (403)" },
        { "404 on the patient read", "patient", 404, "{\"resourceType\":\"OperationOutcome\",\"issue\":[]}", 1, "does not have it (404)" },
        { "404 on a search", "observations", 404, "", 1, "does not have it (404)" },
        { "500 every time", "observations", 500, "oops", 3, "kept failing after retries (500)" },
        { "502 every time", "conditions", 502, "<html>Bad Gateway</html>", 3, "kept failing after retries (502)" },
        { "429 every time", "conditions", 429, "", 3, "kept refusing after retries (429)" },
        { "an unexpected 3xx", "conditions", 302, "", 1, "answered 302" },
        { "malformed JSON", "observations", 200, "{\"resourceType\":\"Bundle\",\"entry\":[{", 1, "not valid JSON" },
        { "an empty body", "observations", 200, "", 1, "not valid JSON" },
        { "an HTML page with 200", "conditions", 200, "<html><body>Sign in</body></html>", 1, "not valid JSON" },
        { "JSON that is not FHIR", "conditions", 200, "[1,2,3]", 1, "not a FHIR resource or Bundle" },
        { "an OperationOutcome with 200", "conditions", 200, "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":\"exception\"}]}", 1, "answered with an OperationOutcome" },
        { "a Bundle of only failing OperationOutcomes", "conditions", 200, "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":[{\"resource\":{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"fatal\",\"code\":\"exception\"}]}}]}", 1, "answered with an OperationOutcome" },
        { "a Patient read that is not this patient's", "patient", 200, "{\"resourceType\":\"Patient\",\"id\":\"someone-else\"}", 1, "no Patient resource for the context patient" },
    };

    [Theory]
    [MemberData(nameof(FailureModes))]
    public async Task RequiredKeyFails_Returns412NamingTheKeyAndTheCause(string name, string key, int status, string body, int calls, string says)
    {
        _fhir.ServeRecordOf(_example, 0, key);
        var type = FhirServerStub.KeyTypes[key];
        _fhir.Serve(type, body, "bav-candidate-1", status: status);

        var (response, outcome) = await Requests.PostAsync(_host.Client, Requests.PatientView, _fhir.WithFhirServer(_example, true, key));

        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        HookCallTests.AssertOutcome(outcome, $"prefetch.{key}");
        Assert.Contains(says, outcome!.RootElement.GetRawText(), StringComparison.Ordinal);
        Assert.True(calls == _fhir.Count(type), $"{name}: {_fhir.Count(type)} call(s), expected {calls}");
    }

    [Fact]
    public async Task OptionalKeyFails_CardsStillCome_AndSayWhatWasNotRead()
    {
        _fhir.ServeRecordOf(_example, 0, "medications");
        _fhir.Serve("MedicationRequest", "down", "bav-candidate-1", status: 503);

        var (response, body) = await Requests.PostAsync(_host.Client, Requests.PatientView, _fhir.WithFhirServer(_example, true, "medications"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cards = CardContract.AssertValid(body);
        Assert.Contains("warn-data-unavailable", CardContract.Contract(cards[0]).Codes);
        Assert.DoesNotContain("warn-anticoagulant", CardContract.AllCodes(cards));
    }

    [Fact]
    public async Task ResourcesForAnotherPatient_AreDropped()
    {
        _fhir.ServeRecordOf(_example, 0, "conditions");
        var conditions = _example["prefetch"]!["conditions"]!.DeepClone();
        conditions["entry"]![0]!["resource"]!["subject"]!["reference"] = "Patient/someone-else";
        _fhir.Serve("Condition", conditions.ToJsonString(), "bav-candidate-1");

        var (response, body) = await Requests.PostAsync(_host.Client, Requests.PatientView, _fhir.WithFhirServer(_example, true, "conditions"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(CardContract.AssertValid(body));
    }

    [Fact]
    public async Task DroppedResources_AreReportedOnTheCard()
    {
        _fhir.ServeRecordOf(_example, 0, "medications");
        var medications = _example["prefetch"]!["medications"]!.DeepClone();
        medications["entry"]!.AsArray().Add(new JsonObject
        {
            ["resource"] = new JsonObject { ["resourceType"] = "MedicationRequest", ["id"] = "other", ["status"] = "active", ["subject"] = new JsonObject { ["reference"] = "Patient/someone-else" } },
        });
        _fhir.Serve("MedicationRequest", medications.ToJsonString(), "bav-candidate-1");

        var (_, body) = await Requests.PostAsync(_host.Client, Requests.PatientView, _fhir.WithFhirServer(_example, true, "medications"));

        var assessment = CardContract.AssertValid(body)[0];
        Assert.Contains("warn-data-unavailable", CardContract.Contract(assessment).Codes);
        Assert.Contains("for another patient dropped", assessment.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fallback_RecordsMetrics_WithoutPatientData()
    {
        using var collector = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<double>(
            _host.Service<System.Diagnostics.Metrics.IMeterFactory>(), Valvuloplasty.Fhir.Data.FhirServer.FallbackMetrics.MeterName, "valvuloplasty.fhir.query.duration");
        _fhir.ServeRecordOf(_example);

        await Requests.PostAsync(_host.Client, Requests.PatientView, _fhir.WithFhirServer(_example, true, "observations", "conditions"));

        var measurements = collector.GetMeasurementSnapshot();
        Assert.Equal(["conditions", "observations"], measurements.Select(m => (string)m.Tags["key"]!).Order());
        Assert.All(measurements, m => Assert.Equal("ok", m.Tags["outcome"]));
        Assert.DoesNotContain(measurements.SelectMany(m => m.Tags.Values), v => v?.ToString()?.Contains("bav-candidate-1", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task ServerNotAllowListed_Returns412_WithoutAnyOutboundRequest()
    {
        using var strict = new CdsTestHost(new Dictionary<string, string?>
        {
            ["Fhir:AllowLoopback"] = "false",
            ["Fhir:RequireHttps"] = "false",
            ["Fhir:AllowedServers:0"] = "https://ehr.example.org/fhir",
        });
        _fhir.ServeRecordOf(_example);

        var (response, body) = await Requests.PostAsync(strict.Client, Requests.PatientView, _fhir.WithFhirServer(_example));

        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        Assert.Contains("not in Fhir:AllowedServers", body!.RootElement.GetRawText(), StringComparison.Ordinal);
        Assert.Empty(_fhir.RequestedPaths);
    }

    [Fact]
    public async Task HttpServerWhenHttpsRequired_Returns412_WithoutAnyOutboundRequest()
    {
        using var strict = new CdsTestHost(new Dictionary<string, string?> { ["Fhir:AllowLoopback"] = "false", ["Fhir:RequireHttps"] = "true" });
        _fhir.ServeRecordOf(_example);

        var (response, body) = await Requests.PostAsync(strict.Client, Requests.PatientView, _fhir.WithFhirServer(_example));

        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        Assert.Contains("must use https", body!.RootElement.GetRawText(), StringComparison.Ordinal);
        Assert.Empty(_fhir.RequestedPaths);
    }

    [Fact]
    public async Task SixQueriesAt200Ms_RunConcurrently()
    {
        _fhir.ServeRecordOf(_example, delayMs: 200);
        await Requests.PostAsync(_host.Client, Requests.PatientView, _fhir.WithFhirServer(_example)); // warm the pipeline
        var watch = Stopwatch.StartNew();

        var before = _fhir.Server.LogEntries.Count;
        var (response, _) = await Requests.PostAsync(_host.Client, Requests.PatientView, _fhir.WithFhirServer(_example));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // All seven queries reached the server within one query's latency of each other: they were in flight together.
        var arrivals = _fhir.Server.LogEntries.Skip(before).Select(e => e.RequestMessage.DateTime).ToList();
        Assert.Equal(7, arrivals.Count);
        Assert.True(arrivals.Max() - arrivals.Min() < TimeSpan.FromMilliseconds(200), $"queries arrived over {(arrivals.Max() - arrivals.Min()).TotalMilliseconds} ms");
        Assert.True(watch.Elapsed < TimeSpan.FromMilliseconds(1000), $"7 queries of 200 ms took {watch.ElapsedMilliseconds} ms (sequentially: 1,400 ms or more)");
    }

    [Fact]
    public async Task ResponseLargerThanTheLimit_Returns412()
    {
        using var small = new CdsTestHost(new Dictionary<string, string?>(LoopbackAllowed) { ["Fhir:MaxResponseBytes"] = "2048" });
        _fhir.ServeRecordOf(_example);

        var (response, body) = await Requests.PostAsync(small.Client, Requests.PatientView, _fhir.WithFhirServer(_example, true, "observations"));

        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        Assert.Contains("larger than 2048 bytes", body!.RootElement.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailingServer_OpensTheCircuit_AndLaterCallsAreNotSent()
    {
        using var host = new CdsTestHost(new Dictionary<string, string?>(LoopbackAllowed)
        {
            ["Fhir:MaxRetries"] = "0",
            ["Fhir:BreakerMinimumThroughput"] = "2",
            ["Fhir:BreakerFailureRatio"] = "0.5",
        });
        _fhir.Serve("Patient", "down", "bav-candidate-1", status: 503);
        var request = _fhir.WithFhirServer(_example, true, "patient");
        await Requests.PostAsync(host.Client, Requests.PatientView, request);
        await Requests.PostAsync(host.Client, Requests.PatientView, request);
        var sent = _fhir.Count("Patient");

        var (response, body) = await Requests.PostAsync(host.Client, Requests.PatientView, request);

        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        var text = body!.RootElement.GetRawText();
        Assert.Contains("paused after repeated failures", text, StringComparison.Ordinal);
        Assert.Contains("(503)", text, StringComparison.Ordinal);
        Assert.Equal(sent, _fhir.Count("Patient"));
    }

    [Fact]
    public async Task FirstHookAgainstAFailingServer_NamesTheServersAnswer_NotTheBreaker()
    {
        // Default breaker settings: one hook's seven concurrent queries and their retries are one sample, not fourteen.
        _fhir.Server.Given(Request.Create().WithPath("/fhir/*").UsingGet()).RespondWith(Response.Create().WithStatusCode(503));

        var (response, body) = await Requests.PostAsync(_host.Client, Requests.PatientView, _fhir.WithFhirServer(_example));

        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        var text = body!.RootElement.GetRawText();
        Assert.Contains("kept failing after retries (503)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("paused", text, StringComparison.Ordinal);
        Assert.True(_fhir.Server.LogEntries.Count >= 7, "every key was tried");
    }

    [Fact]
    public async Task UnreachableServer_NamesTheNetworkFailure_OnEveryHookUntilTheBreakerOpens()
    {
        var closed = FhirServerStub.UnusedLoopbackPort();
        var request = _fhir.WithFhirServer(_example);
        request["fhirServer"] = $"http://127.0.0.1:{closed}/fhir";

        for (var hook = 1; hook <= 3; hook++)
        {
            var (response, body) = await Requests.PostAsync(_host.Client, Requests.PatientView, request);

            Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
            Assert.Contains("could not be reached", body!.RootElement.GetRawText(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task SlowFailingServer_LogsOneWarningPerHook_AttemptsOnlyAtDebug_AndNoUrls()
    {
        using var host = new CdsTestHost(new Dictionary<string, string?>(LoopbackAllowed)
        {
            ["Logging:LogLevel:Default"] = "Trace",
        }) { CaptureLogs = true };
        _fhir.Server.Given(Request.Create().WithPath("/fhir/*").UsingGet()).RespondWith(Response.Create().WithStatusCode(503).WithDelay(20));
        var request = _fhir.WithFhirServer(_example);

        for (var hook = 0; hook < 3; hook++)
        {
            var (response, _) = await Requests.PostAsync(host.Client, Requests.PatientView, request);
            Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        }

        var records = host.Logs.GetSnapshot();
        var resilience = records.Where(r => r.Category is { } c && (c.StartsWith("Polly", StringComparison.Ordinal) || c.Contains("Resilience", StringComparison.Ordinal))).ToList();
        Assert.NotEmpty(resilience); // the attempts are there, at Debug
        Assert.All(resilience, r => Assert.True(r.Level <= Microsoft.Extensions.Logging.LogLevel.Debug, $"{r.Category} logged at {r.Level}: {r.Message}"));
        var warnings = records.Where(r => r.Level >= Microsoft.Extensions.Logging.LogLevel.Warning && r.Category == typeof(Valvuloplasty.Fhir.Data.FhirServer.FhirFallback).FullName).ToList();
        Assert.Equal(3, warnings.Count);
        Assert.All(warnings, w => Assert.Contains("retr", w.Message, StringComparison.Ordinal));
        Assert.All(records.Where(r => r.Level >= Microsoft.Extensions.Logging.LogLevel.Information), r =>
        {
            Assert.DoesNotContain("/fhir/", r.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("bav-candidate-1", r.Message, StringComparison.Ordinal);
        });
    }

    public void Dispose()
    {
        _host.Dispose();
        _fhir.Dispose();
    }

    /// <summary>Serves the example's record; the Condition search fails once with <paramref name="failure"/>, then succeeds.</summary>
    private void ServeConditionsAfterOneFailure(IResponseBuilder failure)
    {
        _fhir.ServeRecordOf(_example, 0, "conditions");
        var scenario = Guid.NewGuid().ToString();
        _fhir.Server.Given(Request.Create().WithPath("/fhir/Condition").UsingGet()).InScenario(scenario).WillSetStateTo("recovered")
            .RespondWith(failure);
        _fhir.Server.Given(Request.Create().WithPath("/fhir/Condition").UsingGet()).InScenario(scenario).WhenStateIs("recovered")
            .RespondWith(Json(_example["prefetch"]!["conditions"]!));
    }

    /// <summary>Splits the example's observations over three pages (the last holds STS-PROM); optionally page 2 links to itself.</summary>
    private void ServeObservationPages(bool loop)
    {
        var entries = _example["prefetch"]!["observations"]!["entry"]!.AsArray();
        var pageUrl = $"{_fhir.BaseUrl}/Observation?patient=bav-candidate-1&page=";
        var first = Page(0, 3, pageUrl + "2");
        var second = Page(3, 2, loop ? pageUrl + "2" : pageUrl + "3");
        var third = Page(5, entries.Count - 5, null);
        _fhir.Server.Given(Request.Create().WithPath("/fhir/Observation").WithParam("patient", "bav-candidate-1").UsingGet())
            .AtPriority(10).RespondWith(Json(first));
        _fhir.Server.Given(Request.Create().WithPath("/fhir/Observation").WithParam("page", "2").UsingGet())
            .AtPriority(1).RespondWith(Json(second));
        _fhir.Server.Given(Request.Create().WithPath("/fhir/Observation").WithParam("page", "3").UsingGet())
            .AtPriority(1).RespondWith(Json(third));
    }

    private JsonObject Page(int skip, int take, string? next)
    {
        var entries = _example["prefetch"]!["observations"]!["entry"]!.AsArray().Skip(skip).Take(take).Select(e => e!.DeepClone()).ToArray();
        var page = new JsonObject { ["resourceType"] = "Bundle", ["type"] = "searchset", ["entry"] = new JsonArray(entries) };
        if (next is not null)
        {
            page["link"] = new JsonArray(new JsonObject { ["relation"] = "next", ["url"] = next });
        }

        return page;
    }

    private static IResponseBuilder Json(JsonNode body) =>
        Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/fhir+json").WithBody(body.ToJsonString());

    private static string WithoutUuids(JsonDocument response)
    {
        var node = JsonNode.Parse(response.RootElement.GetRawText())!;
        Strip(node);
        return node.ToJsonString();

        static void Strip(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject obj:
                    obj.Remove("uuid");
                    foreach (var (_, child) in obj.ToList())
                    {
                        Strip(child);
                    }

                    break;
                case JsonArray array:
                    foreach (var child in array)
                    {
                        Strip(child);
                    }

                    break;
            }
        }
    }
}
