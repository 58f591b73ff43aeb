using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Valvuloplasty.Fhir.IntegrationTests.Infrastructure;

namespace Valvuloplasty.Fhir.IntegrationTests.Sandbox;

/// <summary>
/// The request shapes the public CDS Hooks sandbox sends (https://sandbox.cds-hooks.org): its JWT header and
/// claims (ES384, kid, jku), prefetch keys left out for the service to fetch from the FHIR server,
/// draftOrders without Bundle.type, MedicationRequests with category as an object, and feedback whose
/// override reason has no display. Signed here with a generated key standing in for the sandbox's.
/// </summary>
public sealed class PublicSandboxCompatibilityTests : IDisposable
{
    private const string Issuer = "https://sandbox-shaped.example.org";
    private const string Jku = "https://sandbox-shaped.example.org/.well-known/jwks.json";

    private readonly EhrKey _key = EhrKey.Es384("44823f3d-0b01-4a6c-a80e-b9d3e8a7226f");
    private readonly CdsTestHost _host;

    public PublicSandboxCompatibilityTests()
    {
        var jwks = Path.Combine(Path.GetTempPath(), $"{Guid.NewGuid():N}.jwks.json");
        File.WriteAllText(jwks, EhrKey.Jwks(_key));
        _host = new CdsTestHost(new Dictionary<string, string?>
        {
            ["Security:RequireAuthentication"] = "true",
            ["Security:Issuers:0:Issuer"] = Issuer,
            ["Security:Issuers:0:JwksFile"] = jwks,
            ["Security:Issuers:0:AllowedJku:0"] = Jku,
            ["Security:Issuers:0:Algorithms:0"] = "ES384",
        });
    }

    private string Url(string path) => $"{_host.Client.BaseAddress!.ToString().TrimEnd('/')}{path}";

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, JsonNode? body)
    {
        using var message = new HttpRequestMessage(method, path) { Content = body is null ? null : Requests.Json(body) };
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _key.Token(Issuer, Url(path), jku: Jku));
        message.Headers.Add("Origin", "https://sandbox.cds-hooks.org");
        return await _host.Client.SendAsync(message, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task SandboxShapedCalls_Discovery_OrderSelectWithFallback_AndFeedback_AllWork()
    {
        var discovery = await SendAsync(HttpMethod.Get, "/cds-services", null);
        Assert.Equal(HttpStatusCode.OK, discovery.StatusCode);
        Assert.Equal("https://sandbox.cds-hooks.org", discovery.Headers.GetValues("Access-Control-Allow-Origin").Single());

        // The sandbox sends only the prefetch it could render and leaves the rest to the service's FHIR server calls.
        var request = new JsonObject
        {
            ["hookInstance"] = Guid.NewGuid().ToString(),
            ["fhirServer"] = Url("/sandbox/fhir"),
            ["hook"] = "order-select",
            ["context"] = new JsonObject
            {
                ["userId"] = "Practitioner/COREPRACTITIONER1",
                ["patientId"] = "aortic-candidate",
                ["selections"] = new JsonArray("ServiceRequest/request-123"),
                ["draftOrders"] = new JsonObject
                {
                    ["resourceType"] = "Bundle",
                    ["entry"] = new JsonArray(
                        new JsonObject
                        {
                            ["resource"] = new JsonObject
                            {
                                ["resourceType"] = "ServiceRequest", ["id"] = "request-123", ["status"] = "draft", ["intent"] = "order",
                                ["code"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://www.ama-assn.org/go/cpt", ["code"] = "92986" }) },
                                ["subject"] = new JsonObject { ["reference"] = "Patient/aortic-candidate" },
                            },
                        },
                        new JsonObject
                        {
                            ["resource"] = new JsonObject
                            {
                                ["resourceType"] = "MedicationRequest", ["id"] = "request-456", ["status"] = "draft",
                                ["category"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["code"] = "outpatient" }) },
                                ["medicationCodeableConcept"] = new JsonObject { ["text"] = "Acetaminophen 325 MG" },
                                ["subject"] = new JsonObject { ["reference"] = "Patient/aortic-candidate" },
                            },
                        }),
                },
            },
            ["prefetch"] = new JsonObject
            {
                ["patient"] = JsonNode.Parse(await _host.Client.GetStringAsync("/sandbox/fhir/Patient/aortic-candidate", TestContext.Current.CancellationToken)),
            },
        };

        var hook = await SendAsync(HttpMethod.Post, Requests.OrderSelect, request);
        var body = await hook.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(hook.StatusCode == HttpStatusCode.OK, body);
        var cards = CardContract.AssertValid(System.Text.Json.JsonDocument.Parse(body));
        Assert.Equal(("aortic", "candidate"), (CardContract.Contract(cards[0]).Valve, CardContract.Contract(cards[0]).Decision));

        // Feedback as the sandbox sends it: the override reason Coding without display.
        var feedback = new JsonObject
        {
            ["feedback"] = new JsonArray(new JsonObject
            {
                ["card"] = cards[0].GetProperty("uuid").GetString(),
                ["outcome"] = "overridden",
                ["overrideReason"] = new JsonObject { ["reason"] = new JsonObject { ["code"] = "heart-team-decision", ["system"] = "http://example.org/fhir/valvuloplasty-cds/CodeSystem/override-reason" } },
                ["outcomeTimestamp"] = DateTimeOffset.UtcNow.ToString("O"),
            }),
        };
        var stored = await SendAsync(HttpMethod.Post, "/cds-services/valvuloplasty-order-select/feedback", feedback);
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
    }

    public void Dispose()
    {
        _host.Dispose();
        _key.Dispose();
    }
}
