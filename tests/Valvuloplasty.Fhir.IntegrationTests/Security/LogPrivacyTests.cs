using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Valvuloplasty.Fhir.IntegrationTests.Infrastructure;

namespace Valvuloplasty.Fhir.IntegrationTests.Security;

/// <summary>
/// Every log record of a full hook run (JWT, FHIR fallback with a token, cards, feedback, and refusals),
/// at every level and category, holds no patient identifier, name or birth date, no access token and no JWT.
/// </summary>
public sealed class LogPrivacyTests
{
    private const string PatientId = "pt-7731-zq";
    private const string Family = "Quixotic";
    private const string Given = "Zebulon";
    private const string BirthDate = "1939-04-12";

    [Fact]
    public async Task FullHookRun_LogsNoPatientDataTokenOrJwt()
    {
        using var key = EhrKey.Es384();
        var jwks = Path.Combine(Path.GetTempPath(), $"{Guid.NewGuid():N}.jwks.json");
        await File.WriteAllTextAsync(jwks, EhrKey.Jwks(key), TestContext.Current.CancellationToken);
        using var fhir = new FhirServerStub();
        using var host = new CdsTestHost(new Dictionary<string, string?>
        {
            ["Security:RequireAuthentication"] = "true",
            ["Security:Issuers:0:Issuer"] = "https://ehr.example.org",
            ["Security:Issuers:0:JwksFile"] = jwks,
            ["Fhir:AllowLoopback"] = "true",
            ["Fhir:RequireHttps"] = "false",
        }) { CaptureLogs = true };

        var example = PatientWithDistinctiveData();
        fhir.ServeRecordOf(example, 0, "medications");
        fhir.Serve("MedicationRequest", "{\"resourceType\":\"Bundle\",\"entry\":[{", PatientId); // malformed: an error path
        var request = fhir.WithFhirServer(example, true, "patient", "observations", "medications");
        var baseUrl = host.Client.BaseAddress!.ToString().TrimEnd('/');
        var jwts = new List<string>();

        async Task<HttpResponseMessage> Send(HttpMethod method, string path, JsonNode? body, bool reuseLast = false)
        {
            var jwt = reuseLast ? jwts[^1] : key.Token("https://ehr.example.org", baseUrl + path);
            jwts.Add(jwt);
            using var message = new HttpRequestMessage(method, path) { Content = body is null ? null : Requests.Json(body) };
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", jwt);
            return await host.Client.SendAsync(message, TestContext.Current.CancellationToken);
        }

        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, "/cds-services", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Post, Requests.PatientView, request)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(HttpMethod.Post, Requests.PatientView, request, reuseLast: true)).StatusCode);
        var withoutPatient = fhir.WithFhirServer(example, true);
        fhir.Serve("Patient", "{}", PatientId, status: 404);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await Send(HttpMethod.Post, Requests.PatientView, withoutPatient)).StatusCode);
        var feedback = JsonNode.Parse("""{"feedback":[{"card":"c1","outcome":"overridden","overrideReason":{"userComment":"note"},"outcomeTimestamp":"2026-11-28T10:00:00Z"}]}""")!;
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Post, "/cds-services/valvuloplasty-patient-view/feedback", feedback)).StatusCode);

        var records = host.Logs.GetSnapshot();
        Assert.NotEmpty(records);
        var forbidden = new List<string> { PatientId, Family, Given, BirthDate, FhirServerStub.Token };
        foreach (var jwt in jwts.Distinct())
        {
            forbidden.AddRange(jwt.Split('.').Where(part => part.Length > 8));
        }

        foreach (var record in records)
        {
            var text = string.Join(" | ",
                record.Message,
                record.Exception?.ToString() ?? string.Empty,
                string.Join(",", record.StructuredState?.Select(kv => $"{kv.Key}={kv.Value}") ?? []),
                string.Join(",", record.Scopes.Select(s => s?.ToString())));
            foreach (var secret in forbidden)
            {
                Assert.False(text.Contains(secret, StringComparison.Ordinal), $"[{record.Category}] leaks '{secret[..Math.Min(12, secret.Length)]}…': {text[..Math.Min(400, text.Length)]}");
            }
        }
    }

    private static JsonObject PatientWithDistinctiveData()
    {
        var json = Requests.Example("patient-view-aortic-bav-candidate.json").ToJsonString().Replace("bav-candidate-1", PatientId, StringComparison.Ordinal);
        var request = JsonNode.Parse(json)!.AsObject();
        request["prefetch"]!["patient"]!["name"] = new JsonArray(new JsonObject { ["family"] = Family, ["given"] = new JsonArray(Given) });
        request["prefetch"]!["patient"]!["birthDate"] = BirthDate;
        return request;
    }
}
