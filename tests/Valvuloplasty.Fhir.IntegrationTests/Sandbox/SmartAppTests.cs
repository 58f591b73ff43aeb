using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Valvuloplasty.Fhir.IntegrationTests.Infrastructure;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Valvuloplasty.Fhir.IntegrationTests.Sandbox;

/// <summary>
/// The SMART app's server side over HTTP: its static files at /smart/ and POST /smart-api/assessment, called with a
/// token the development SMART simulator issued (or a stub FHIR server's answer), compared with patient-view.
/// </summary>
public sealed class SmartAppTests : IClassFixture<SharedCdsHost>
{
    private readonly SharedCdsHost _host;

    public SmartAppTests(SharedCdsHost host) => _host = host;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static async Task<(HttpResponseMessage Response, JsonDocument? Body)> AssessAsync(HttpClient client, string? token, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/smart-api/assessment")
        {
            Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        var response = await client.SendAsync(request, Cancel);
        var text = await response.Content.ReadAsStringAsync(Cancel);
        return (response, text.Length == 0 ? null : JsonDocument.Parse(text));
    }

    [Theory]
    [InlineData("aortic-candidate")]
    [InlineData("mitral-candidate")]
    [InlineData("pulmonary-candidate")]
    public async Task Assessment_WithTheSimulatorsToken_SaysWhatPatientViewSays(string patient)
    {
        var client = SmartFlow.Browser(_host.Server);
        var token = await SmartFlow.AccessTokenAsync(client, patient);

        var (response, body) = await AssessAsync(client, token, new { iss = SmartFlow.FhirBase(client), patient });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        using var answer = body!;
        Assert.Equal(patient, answer.RootElement.GetProperty("patient").GetString());
        Assert.Equal(CdsTestHost.Today.Date, answer.RootElement.GetProperty("asOf").GetDateTimeOffset().UtcDateTime.Date);

        // patient-view for the same patient, its record fetched from the same FHIR endpoint.
        var hook = new JsonObject
        {
            ["hook"] = "patient-view",
            ["hookInstance"] = Guid.NewGuid().ToString(),
            ["fhirServer"] = SmartFlow.FhirBase(client),
            ["context"] = new JsonObject { ["userId"] = "Practitioner/example", ["patientId"] = patient },
        };
        var (hookResponse, hookBody) = await Requests.PostAsync(client, Requests.PatientView, hook);
        Assert.Equal(HttpStatusCode.OK, hookResponse.StatusCode);
        var cards = CardContract.AssertValid(hookBody);

        var assessments = answer.RootElement.GetProperty("assessments").EnumerateArray().ToList();
        Assert.NotEmpty(assessments);
        Assert.Equal(cards.Select(c => CardContract.Contract(c).Valve).Distinct().Order(), assessments.Select(a => a.GetProperty("valve").GetString()!).Order());
        foreach (var assessment in assessments)
        {
            var valve = assessment.GetProperty("valve").GetString();
            var ofValve = cards.Where(c => CardContract.Contract(c).Valve == valve).ToList();
            var card = ofValve.Single(c => CardContract.Contract(c).Topic == "assessment");
            var contract = CardContract.Contract(card);
            Assert.Equal(patient, assessment.GetProperty("patientId").GetString());
            Assert.Equal(contract.Decision, assessment.GetProperty("decision").GetString());
            Assert.Equal(contract.Bridge, assessment.TryGetProperty("bridgeToTavr", out var bridge) ? bridge.GetString() : null);
            Assert.Equal(card.GetProperty("summary").GetString(), assessment.GetProperty("summary").GetString());
            Assert.Equal(ofValve.SelectMany(c => CardContract.Contract(c).Codes).ToHashSet(), assessment.GetProperty("codes").EnumerateArray().Select(c => c.GetString()!).ToHashSet());
            Assert.All(assessment.GetProperty("evidence").EnumerateArray(), e =>
            {
                Assert.False(string.IsNullOrEmpty(e.GetProperty("name").GetString()));
                Assert.False(string.IsNullOrEmpty(e.GetProperty("date").GetString()));
                Assert.False(string.IsNullOrEmpty(e.GetProperty("reference").GetString()));
            });
            Assert.Equal(JsonValueKind.Array, assessment.GetProperty("nextSteps").ValueKind);
        }
    }

    [Fact]
    public async Task Assessment_TokenForAnotherPatient_Is401()
    {
        var client = SmartFlow.Browser(_host.Server);
        var token = await SmartFlow.AccessTokenAsync(client, "aortic-candidate");

        var (response, body) = await AssessAsync(client, token, new { iss = SmartFlow.FhirBase(client), patient = "mitral-candidate" });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal("OperationOutcome", body!.RootElement.GetProperty("resourceType").GetString());
        Assert.DoesNotContain(token, body.RootElement.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Assessment_UnknownToken_Is401_MissingToken_Is401()
    {
        var client = SmartFlow.Browser(_host.Server);

        var (unknown, _) = await AssessAsync(client, "a-token-nobody-issued", new { iss = SmartFlow.FhirBase(client), patient = "aortic-candidate" });
        var (missing, _) = await AssessAsync(client, null, new { iss = SmartFlow.FhirBase(client), patient = "aortic-candidate" });

        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("Bearer", missing.Headers.WwwAuthenticate.ToString());
    }

    [Theory]
    [InlineData("{\"patient\":\"aortic-candidate\"}", "iss")]
    [InlineData("{\"iss\":\"not a url\",\"patient\":\"aortic-candidate\"}", "iss")]
    [InlineData("{\"iss\":\"ftp://fhir.example.org/fhir\",\"patient\":\"aortic-candidate\"}", "iss")]
    [InlineData("{\"iss\":\"http://127.0.0.1/fhir\"}", "patient")]
    [InlineData("{\"iss\":\"http://127.0.0.1/fhir\",\"patient\":\"../Patient/x\"}", "patient")]
    [InlineData("{\"iss\":\"http://127.0.0.1/fhir\",\"patient\":7}", "patient")]
    [InlineData("[]", "iss")]
    [InlineData("{", "iss")]
    public async Task Assessment_BadInput_Is400NamingTheMember(string json, string member)
    {
        var client = SmartFlow.Browser(_host.Server);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/smart-api/assessment") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "some-token");

        var response = await client.SendAsync(request, Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var outcome = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel));
        Assert.Equal(member, outcome.RootElement.GetProperty("issue")[0].GetProperty("expression")[0].GetString());
    }

    [Fact]
    public async Task Assessment_StringsThatAreNotUtf8_Are400_Not500()
    {
        var client = SmartFlow.Browser(_host.Server);
        byte[] json = [.. "{\"iss\":\"http://127.0.0.1/fhir\",\"patient\":\""u8, 0xC3, 0x28, .. "\"}"u8];
        using var request = new HttpRequestMessage(HttpMethod.Post, "/smart-api/assessment") { Content = new ByteArrayContent(json) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "some-token");

        var response = await client.SendAsync(request, Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not valid UTF-8", await response.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Assessment_LargeBody_Is413()
    {
        var client = SmartFlow.Browser(_host.Server);

        var (response, _) = await AssessAsync(client, "some-token", new { iss = "http://127.0.0.1/fhir", patient = "x", padding = new string('x', 5000) });

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Assessment_IssOffTheAllowList_Is403_AndNoRequestIsMade()
    {
        using var fhir = new FhirServerStub();
        using var host = new CdsTestHost(new Dictionary<string, string?> { ["Fhir:AllowLoopback"] = "false" });

        var (response, body) = await AssessAsync(host.Client, "some-token", new { iss = fhir.BaseUrl, patient = "aortic-candidate" });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("iss", body!.RootElement.GetProperty("issue")[0].GetProperty("expression")[0].GetString());
        Assert.Contains("Fhir:AllowedServers", body.RootElement.GetProperty("issue")[0].GetProperty("diagnostics").GetString(), StringComparison.Ordinal);
        Assert.Empty(fhir.Server.LogEntries);
    }

    [Theory]
    [InlineData(401, HttpStatusCode.Unauthorized)]
    [InlineData(403, HttpStatusCode.Unauthorized)]
    [InlineData(500, HttpStatusCode.BadGateway)]
    public async Task Assessment_FhirServerFailure_IsMapped(int fhirStatus, HttpStatusCode expected)
    {
        using var fhir = new FhirServerStub();
        fhir.Server.Given(Request.Create().UsingGet()).RespondWith(Response.Create().WithStatusCode(fhirStatus));
        var client = _host.Server.Client;

        var (response, body) = await AssessAsync(client, FhirServerStub.Token, new { iss = fhir.BaseUrl, patient = "aortic-candidate" });

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("OperationOutcome", body!.RootElement.GetProperty("resourceType").GetString());
        Assert.All(fhir.Server.LogEntries, e => Assert.Equal($"Bearer {FhirServerStub.Token}", e.RequestMessage.Headers!["Authorization"].Single()));
        if (expected == HttpStatusCode.Unauthorized)
        {
            Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Assessment_FhirServerUnreachable_Is502()
    {
        var client = _host.Server.Client;

        var (response, _) = await AssessAsync(client, "some-token", new { iss = $"http://127.0.0.1:{FhirServerStub.UnusedLoopbackPort()}/fhir", patient = "aortic-candidate" });

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
    }

    [Fact]
    public async Task Assessment_FromABrowser_GetsCorsHeaders_OnErrorsToo()
    {
        var client = _host.Server.Client;
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/smart-api/assessment");
        preflight.Headers.Add("Origin", "http://localhost:3000");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        var answer = await client.SendAsync(preflight, Cancel);
        Assert.Equal("http://localhost:3000", answer.Headers.GetValues("Access-Control-Allow-Origin").Single());

        using var request = new HttpRequestMessage(HttpMethod.Post, "/smart-api/assessment") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        request.Headers.Add("Origin", "http://localhost:3000");
        var refused = await client.SendAsync(request, Cancel);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("http://localhost:3000", refused.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task Assessment_IsRateLimitedPerClient()
    {
        using var host = new CdsTestHost(new Dictionary<string, string?> { ["Smart:AssessmentRateLimitPerMinute"] = "2" });

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            statuses.Add((await AssessAsync(host.Client, null, new { })).Response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task Assessment_NeverLogsTheTokenOrThePatient()
    {
        using var host = new CdsTestHost { CaptureLogs = true };
        var client = SmartFlow.Browser(host);
        var token = await SmartFlow.AccessTokenAsync(client, "aortic-candidate");

        var (response, _) = await AssessAsync(client, token, new { iss = SmartFlow.FhirBase(client), patient = "aortic-candidate" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var logs = host.Logs.GetSnapshot();
        Assert.Contains(logs, r => r.Message.Contains("SMART app assessment answered 200", StringComparison.Ordinal));
        Assert.All(logs, r =>
        {
            Assert.DoesNotContain(token, r.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("aortic-candidate", r.Message, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task AppFiles_AreServedAtSmart_WithAStrictContentSecurityPolicy()
    {
        var folder = Path.Combine(Path.GetTempPath(), "valvuloplasty-tests", $"smart-app-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "index.html"), "<!doctype html><title>app</title>", Cancel);
        await File.WriteAllTextAsync(Path.Combine(folder, "launch.html"), "<!doctype html><title>launch</title>", Cancel);
        using var host = new CdsTestHost(new Dictionary<string, string?>
        {
            ["Smart:AppPath"] = folder,
            ["Security:Issuers:0:Issuer"] = "https://ehr.example.org",
            ["Security:Issuers:0:JwksUri"] = "https://ehr.example.org/jwks.json",
            ["Security:RequireAuthentication"] = "true",
        }, environment: "Production");

        foreach (var path in (string[])["/smart/launch.html?iss=https%3A%2F%2Fehr.example.org%2Ffhir&launch=abc", "/smart/index.html", "/smart/"])
        {
            var response = await host.Client.GetAsync(path, Cancel);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var policy = response.Headers.GetValues("Content-Security-Policy").Single();
            Assert.Contains("script-src 'self';", policy, StringComparison.Ordinal);
            Assert.Contains("frame-ancestors *", policy, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        }

        Assert.Equal(HttpStatusCode.NotFound, (await host.Client.GetAsync("/smart/missing.js", Cancel)).StatusCode);
    }
}
