using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Valvuloplasty.Fhir.IntegrationTests.Infrastructure;

namespace Valvuloplasty.Fhir.IntegrationTests.Sandbox;

/// <summary>The example FHIR endpoint over the synthetic patients, and the service's fallback reading from it.</summary>
public sealed class SandboxFhirEndpointTests : IClassFixture<SharedCdsHost>
{
    private readonly SharedCdsHost _host;

    public SandboxFhirEndpointTests(SharedCdsHost host) => _host = host;


    private HttpClient Client => _host.Server.Client;

    private string FhirBase => $"{Client.BaseAddress!.ToString().TrimEnd('/')}/sandbox/fhir";

    private async Task<JsonDocument> GetFhirAsync(string path, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var response = await Client.GetAsync(path, TestContext.Current.CancellationToken);
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Metadata_IsACapabilityStatement()
    {
        using var metadata = await GetFhirAsync("/sandbox/fhir/metadata");

        Assert.Equal("CapabilityStatement", metadata.RootElement.GetProperty("resourceType").GetString());
        Assert.Equal("4.0.1", metadata.RootElement.GetProperty("fhirVersion").GetString());
    }

    [Fact]
    public async Task PatientRead_KnownAndUnknown()
    {
        using var patient = await GetFhirAsync("/sandbox/fhir/Patient/aortic-candidate");
        using var missing = await GetFhirAsync("/sandbox/fhir/Patient/nobody", HttpStatusCode.NotFound);

        Assert.Equal("aortic-candidate", patient.RootElement.GetProperty("id").GetString());
        Assert.Equal("OperationOutcome", missing.RootElement.GetProperty("resourceType").GetString());
    }

    [Fact]
    public async Task Search_ByPatientAndCode_ReturnsOnlyMatches()
    {
        using var bundle = await GetFhirAsync("/sandbox/fhir/Observation?patient=Patient/aortic-candidate&code=http://loinc.org|79964-3,http://loinc.org|79962-7");

        var entries = bundle.RootElement.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("resource")).ToList();
        Assert.Equal(2, entries.Count);
        Assert.All(entries, e => Assert.Equal("Patient/aortic-candidate", e.GetProperty("subject").GetProperty("reference").GetString()));
    }

    [Fact]
    public async Task Search_ByStatus_Filters()
    {
        using var active = await GetFhirAsync("/sandbox/fhir/MedicationRequest?patient=aortic-post-procedure&status=active");
        using var stopped = await GetFhirAsync("/sandbox/fhir/MedicationRequest?patient=aortic-post-procedure&status=stopped");

        Assert.Equal(1, active.RootElement.GetProperty("total").GetInt32());
        Assert.Equal(0, stopped.RootElement.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Search_Pages_FollowNextLinksToTheEnd()
    {
        var ids = new List<string>();
        string? next = "/sandbox/fhir/Observation?patient=aortic-candidate&_count=2";
        var pages = 0;
        while (next is not null)
        {
            using var page = await GetFhirAsync(next);
            pages++;
            ids.AddRange(page.RootElement.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("resource").GetProperty("id").GetString()!));
            next = page.RootElement.GetProperty("link").EnumerateArray()
                .Where(l => l.GetProperty("relation").GetString() == "next").Select(l => l.GetProperty("url").GetString()).FirstOrDefault();
        }

        using var all = await GetFhirAsync("/sandbox/fhir/Observation?patient=aortic-candidate");
        Assert.Equal(all.RootElement.GetProperty("total").GetInt32(), ids.Distinct().Count());
        Assert.Equal((int)Math.Ceiling(ids.Count / 2.0), pages);
    }

    [Fact]
    public async Task PostSearch_WithAFormBody_IsTheSameAsGet()
    {
        var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["patient"] = "mitral-candidate", ["code"] = "http://loinc.org|80068-0" });
        var response = await Client.PostAsync("/sandbox/fhir/Observation/_search", form, TestContext.Current.CancellationToken);
        using var posted = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        using var got = await GetFhirAsync("/sandbox/fhir/Observation?patient=mitral-candidate&code=http://loinc.org|80068-0");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, posted.RootElement.GetProperty("total").GetInt32());
        Assert.Equal(got.RootElement.GetProperty("entry").GetRawText(), posted.RootElement.GetProperty("entry").GetRawText());
    }

    [Fact]
    public async Task Search_UnsupportedType_IsRefused()
    {
        using var outcome = await GetFhirAsync("/sandbox/fhir/Encounter?patient=aortic-candidate", HttpStatusCode.NotFound);

        Assert.Equal("OperationOutcome", outcome.RootElement.GetProperty("resourceType").GetString());
    }

    [Theory]
    [InlineData("aortic-candidate")]
    [InlineData("mitral-candidate")]
    [InlineData("pulmonary-candidate-with-caution")]
    public async Task Fallback_FromTheSandboxEndpoint_GivesTheSameCardsAsPrefetch(string patientId)
    {
        var withPrefetch = SyntheticPatients.PatientView($"Bundle-{patientId}.json");
        var withoutPrefetch = withPrefetch.DeepClone().AsObject();
        withoutPrefetch.Remove("prefetch");
        withoutPrefetch["fhirServer"] = FhirBase;

        var (_, fromPrefetch) = await Requests.PostAsync(Client, Requests.PatientView, withPrefetch);
        var (response, fromServer) = await Requests.PostAsync(Client, Requests.PatientView, withoutPrefetch);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(
            CardContract.AssertValid(fromPrefetch).Select(c => (CardContract.Contract(c).Topic, CardContract.Contract(c).Decision, c.GetProperty("summary").GetString())),
            CardContract.AssertValid(fromServer).Select(c => (CardContract.Contract(c).Topic, CardContract.Contract(c).Decision, c.GetProperty("summary").GetString())));
    }

    [Fact]
    public async Task Patients_ListsEverySyntheticPatientWithFindings()
    {
        var patients = await Client.GetFromJsonAsync<JsonArray>("/sandbox/patients", TestContext.Current.CancellationToken);

        Assert.True(patients!.Count >= SyntheticPatients.Expected.Count);
        var candidate = patients.Single(p => p!["id"]!.GetValue<string>() == "aortic-candidate")!;
        Assert.Equal(84, candidate["age"]!.GetValue<int>());
        Assert.Contains(candidate["findings"]!.AsArray(), f => f!.GetValue<string>().StartsWith("Aortic Vmax 4.5 m/s", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Token_IsAcceptedByTheHooks_WhenAuthenticationIsOn()
    {
        using var secured = new CdsTestHost(new Dictionary<string, string?>
        {
            ["Security:RequireAuthentication"] = "true",
            ["Security:Issuers:0:Issuer"] = "https://ehr.example.org",
            ["Security:Issuers:0:JwksUri"] = "https://ehr.example.org/jwks.json",
        });
        var audience = $"{secured.Client.BaseAddress!.ToString().TrimEnd('/')}/cds-services";
        var token = await secured.Client.PostAsJsonAsync("/sandbox/token", new { audience }, TestContext.Current.CancellationToken);
        var jwt = (await token.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!["token"]!.GetValue<string>();
        using var discovery = new HttpRequestMessage(HttpMethod.Get, "/cds-services");
        discovery.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", jwt);

        var response = await secured.Client.SendAsync(discovery, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Token_ForAnotherServer_IsRefused()
    {
        var response = await Client.PostAsJsonAsync("/sandbox/token", new { audience = "https://ehr.example.org/cds-services" }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task SandboxOff_HasNoPageNoFhirEndpointAndNoTokens()
    {
        using var production = new CdsTestHost(new Dictionary<string, string?> { ["Sandbox:Enabled"] = "false" });

        Assert.Equal(HttpStatusCode.NotFound, (await production.Client.GetAsync("/sandbox/fhir/metadata", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await production.Client.GetAsync("/sandbox/patients", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await production.Client.PostAsJsonAsync("/sandbox/token", new { audience = "x" }, TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task OutsideDevelopment_TheSandboxIsOffByDefault()
    {
        using var production = new CdsTestHost(new Dictionary<string, string?>
        {
            ["Security:Issuers:0:Issuer"] = "https://ehr.example.org",
            ["Security:Issuers:0:JwksUri"] = "https://ehr.example.org/jwks.json",
            ["Security:RequireAuthentication"] = "true",
        }, environment: "Production");

        Assert.Equal(HttpStatusCode.NotFound, (await production.Client.GetAsync("/sandbox/fhir/metadata", TestContext.Current.CancellationToken)).StatusCode);
    }
}
