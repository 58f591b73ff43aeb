using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Valvuloplasty.Fhir.Data.Worklist;
using Valvuloplasty.Fhir.IntegrationTests.Infrastructure;

namespace Valvuloplasty.Fhir.IntegrationTests.Worklist;

/// <summary>
/// <c>GET /worklist/runs/latest</c> and <c>GET /worklist</c> over HTTP, with runs saved through the host's own
/// <see cref="IWorklistStore"/> (its SQLite file): no run, the latest run with its counts, authentication and CORS as
/// on /analytics, and foreign text kept as text on the page.
/// </summary>
public sealed class WorklistEndpointTests
{
    private const string Latest = "/worklist/runs/latest";
    private const string Page = "/worklist";
    private const string Sandbox = "https://sandbox.cds-hooks.org";
    private const string Issuer = "https://ehr.example.org";

    private static readonly DateTimeOffset AsOf = new(2026, 11, 28, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task LatestRun_NoneStored_Returns404OperationOutcomeSayingHowToStoreOne()
    {
        using var host = new CdsTestHost();

        var response = await host.Client.GetAsync(Latest, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
        var outcome = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        Assert.Equal("OperationOutcome", outcome["resourceType"]!.GetValue<string>());
        var issue = Assert.Single(outcome["issue"]!.AsArray())!;
        Assert.Equal("not-found", issue["code"]!.GetValue<string>());
        var diagnostics = issue["diagnostics"]!.GetValue<string>();
        Assert.Contains("No worklist run has been stored", diagnostics, StringComparison.Ordinal);
        Assert.Contains("worklist scan --ndjson DIR --out FILE --store CONNECTION", diagnostics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Page_NoneStored_Returns404PageWithTheSameMessage()
    {
        using var host = new CdsTestHost();

        var response = await host.Client.GetAsync(Page, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("No worklist run has been stored", html, StringComparison.Ordinal);
        Assert.Contains("worklist scan --ndjson DIR --out FILE --store CONNECTION", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LatestRun_AfterSavingRuns_ReturnsTheRunFinishedLastWithCountsAndLines()
    {
        using var host = new CdsTestHost();
        var store = host.Service<IWorklistStore>();
        var older = new WorklistRun("run-older", AsOf.AddHours(1), AsOf.AddHours(2), AsOf, "ndjson:/exports/older", 1, 1);
        await store.SaveWorklistAsync(older, [Line("p-old", "aortic", "candidate")], TestContext.Current.CancellationToken);
        var latest = new WorklistRun("run-latest", AsOf.AddHours(3), AsOf.AddHours(4), AsOf, "ndjson:/exports/latest", 3, 4);
        var lines = new[]
        {
            Line("p-1", "aortic", "candidate", bridge: "yes"),
            Line("p-2", "aortic", "not-candidate", bridge: "no"),
            Line("p-3", "aortic", "candidate", bridge: "deferred"),
            Line("p-3", "mitral", "insufficient-data", codes: []),
        };
        await store.SaveWorklistAsync(latest, lines, TestContext.Current.CancellationToken);

        var response = await host.Client.GetAsync(Latest, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        var run = body["run"]!;
        Assert.Equal("run-latest", run["id"]!.GetValue<string>());
        Assert.Equal(latest.StartedAt, run["startedAt"]!.GetValue<DateTimeOffset>());
        Assert.Equal(latest.FinishedAt, run["finishedAt"]!.GetValue<DateTimeOffset>());
        Assert.Equal(AsOf, run["asOf"]!.GetValue<DateTimeOffset>());
        Assert.Equal("ndjson:/exports/latest", run["source"]!.GetValue<string>());
        Assert.Equal((3, 4), (run["patients"]!.GetValue<int>(), run["lines"]!.GetValue<int>()));

        // Counts in the rules' order: valves, then decisions (candidate before not-candidate).
        Assert.Equal(
            [("aortic", "candidate", 2), ("aortic", "not-candidate", 1), ("mitral", "insufficient-data", 1)],
            body["counts"]!.AsArray().Select(c => (c!["valve"]!.GetValue<string>(), c["decision"]!.GetValue<string>(), c["count"]!.GetValue<int>())));

        var returned = body["lines"]!.AsArray();
        Assert.Equal(lines.Select(l => (l.PatientId, l.Valve)), returned.Select(l => (l!["patientId"]!.GetValue<string>(), l["valve"]!.GetValue<string>())));
        var first = returned[0]!.AsObject();
        Assert.Equal(["patientId", "valve", "decision", "bridgeToTavr", "codes", "summary", "evidence", "nextSteps"], first.Select(p => p.Key));
        Assert.Equal("yes", first["bridgeToTavr"]!.GetValue<string>());
        Assert.Equal(["warn-anticoagulant"], first["codes"]!.AsArray().Select(c => c!.GetValue<string>()));
        var evidence = Assert.Single(first["evidence"]!.AsArray())!;
        Assert.Equal(("Aortic Vmax", 4.5m, "m/s", "2026-11-02"),
            (evidence["name"]!.GetValue<string>(), evidence["value"]!.GetValue<decimal>(), evidence["unit"]!.GetValue<string>(), evidence["date"]!.GetValue<string>()));
        // A mitral line has no bridge to TAVR (left out) and keeps its empty codes (one shape for every line).
        var mitral = returned[3]!.AsObject();
        Assert.False(mitral.ContainsKey("bridgeToTavr"));
        Assert.Empty(mitral["codes"]!.AsArray());
    }

    [Theory]
    [InlineData(Latest)]
    [InlineData(Page)]
    public async Task WorklistRoutes_AuthenticationRequired_Return401WithoutAJwt_AndAnswerWithOne(string path)
    {
        using var key = EhrKey.Es384();
        using var host = SecuredHost(key, environment: "Development");

        var refused = await host.Client.GetAsync(path, TestContext.Current.CancellationToken);
        var analytics = await host.Client.GetAsync("/analytics/cards", TestContext.Current.CancellationToken);
        var accepted = await GetWithTokenAsync(host, key, path);

        Assert.Equal(HttpStatusCode.Unauthorized, analytics.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("Bearer", refused.Headers.WwwAuthenticate.ToString());
        Assert.Equal("OperationOutcome", JsonNode.Parse(await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!["resourceType"]!.GetValue<string>());
        // With a token the route answers: nothing is stored yet, which it says.
        Assert.Equal(HttpStatusCode.NotFound, accepted.StatusCode);
        Assert.Contains("No worklist run has been stored", await accepted.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Latest)]
    [InlineData(Page)]
    public async Task Preflight_FromTheSandbox_IsAnsweredLikeAnalytics(string path)
    {
        using var host = new CdsTestHost();
        using var analyticsPreflight = Preflight("/analytics/cards");
        using var worklistPreflight = Preflight(path);
        using var get = new HttpRequestMessage(HttpMethod.Get, path);
        get.Headers.Add("Origin", Sandbox);

        var analytics = await host.Client.SendAsync(analyticsPreflight, TestContext.Current.CancellationToken);
        var worklist = await host.Client.SendAsync(worklistPreflight, TestContext.Current.CancellationToken);
        var answer = await host.Client.SendAsync(get, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NoContent, worklist.StatusCode);
        Assert.Equal(Sandbox, worklist.Headers.GetValues("Access-Control-Allow-Origin").Single());
        foreach (var header in new[] { "Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Max-Age" })
        {
            Assert.Equal(analytics.Headers.GetValues(header), worklist.Headers.GetValues(header));
        }

        // The answer itself (here the 404 for no run) carries the header a browser needs to read it.
        Assert.Equal(HttpStatusCode.NotFound, answer.StatusCode);
        Assert.Equal(Sandbox, answer.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task Page_HostilePatientIdAndSummary_AreShownAsText()
    {
        const string HostileId = "<script>window.__xss = 1</script>";
        const string HostileSummary = "<img src=x onerror=\"window.__xss = 1\"> Severe AS & \"quoted\"";
        using var host = new CdsTestHost();
        var line = Line(HostileId, "aortic", "candidate") with
        {
            Summary = HostileSummary,
            Evidence = [new WorklistEvidence("<b>Vmax</b>", 4.5m, "m/s", "2026-11-02", "Observation/x")],
            NextSteps = ["</td><td>injected"],
        };
        await host.Service<IWorklistStore>().SaveWorklistAsync(
            new WorklistRun("<i>run</i>", AsOf, AsOf.AddMinutes(1), AsOf, "ndjson:<dir>", 1, 1), [line], TestContext.Current.CancellationToken);

        var response = await host.Client.GetAsync(Page, TestContext.Current.CancellationToken);
        var html = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("<script>window", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<i>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("</td><td>injected", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;window.__xss = 1&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("&lt;img src=x onerror=&quot;window.__xss = 1&quot;&gt; Severe AS &amp; &quot;quoted&quot;", html, StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;Vmax&lt;/b&gt;: 4.5 m/s (2026-11-02)", html, StringComparison.Ordinal);
        // One table row, and the only script is the page's own (allowed by its hash; nothing inline else may run).
        Assert.Single(html.Split("data-testid=\"worklist-row\"").Skip(1));
        Assert.Single(html.Split("<script").Skip(1));
        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Matches("script-src 'sha256-[A-Za-z0-9+/=]+'", csp);
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        // In Development the id links to the sandbox page, escaped for the URL as well.
        Assert.Contains($"href=\"/?patient={Uri.EscapeDataString(HostileId)}\"", html, StringComparison.Ordinal);

        // The JSON keeps the text but never the raw markup characters.
        var json = await host.Client.GetStringAsync(Latest, TestContext.Current.CancellationToken);
        Assert.DoesNotContain("<", json, StringComparison.Ordinal);
        Assert.Equal(HostileId, JsonNode.Parse(json)!["lines"]![0]!["patientId"]!.GetValue<string>());
    }

    [Fact]
    public async Task Page_OutsideDevelopment_HasNoSandboxLinks()
    {
        using var key = EhrKey.Es384();
        using var host = SecuredHost(key, environment: "Production");
        await host.Service<IWorklistStore>().SaveWorklistAsync(
            new WorklistRun("run", AsOf, AsOf.AddMinutes(1), AsOf, "ndjson:/exports", 1, 1), [Line("p-1", "aortic", "candidate")], TestContext.Current.CancellationToken);

        var response = await GetWithTokenAsync(host, key, Page);
        var html = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("data-patient-id=\"p-1\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("sandbox-link", html, StringComparison.Ordinal);
        Assert.DoesNotContain("?patient=", html, StringComparison.Ordinal);
    }

    private static WorklistLine Line(string patientId, string valve, string decision, string? bridge = null, string[]? codes = null) =>
        new(patientId, valve, decision, bridge, codes ?? ["warn-anticoagulant"], $"{valve} {decision} for {patientId}",
            [new WorklistEvidence("Aortic Vmax", 4.5m, "m/s", "2026-11-02", "Observation/echo-1")], ["Refer to the Heart Team"]);

    /// <summary>A host that requires an EHR JWT from <see cref="Issuer"/>, whose key is <paramref name="key"/>.</summary>
    private static CdsTestHost SecuredHost(EhrKey key, string environment)
    {
        var jwks = Path.Combine(Path.GetTempPath(), "valvuloplasty-tests", $"{Guid.NewGuid():N}.jwks.json");
        Directory.CreateDirectory(Path.GetDirectoryName(jwks)!);
        File.WriteAllText(jwks, EhrKey.Jwks(key));
        return new CdsTestHost(new Dictionary<string, string?>
        {
            ["Security:RequireAuthentication"] = "true",
            ["Security:Issuers:0:Issuer"] = Issuer,
            ["Security:Issuers:0:JwksFile"] = jwks,
        }, environment: environment);
    }

    private static async Task<HttpResponseMessage> GetWithTokenAsync(CdsTestHost host, EhrKey key, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        var audience = $"{host.Client.BaseAddress!.ToString().TrimEnd('/')}{path}";
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key.Token(Issuer, audience));
        return await host.Client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private static HttpRequestMessage Preflight(string path)
    {
        var message = new HttpRequestMessage(HttpMethod.Options, path);
        message.Headers.Add("Origin", Sandbox);
        message.Headers.Add("Access-Control-Request-Method", "GET");
        message.Headers.Add("Access-Control-Request-Headers", "authorization");
        return message;
    }
}
