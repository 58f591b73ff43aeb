using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Valvuloplasty.Fhir.IntegrationTests.Infrastructure;

/// <summary>Request files and HTTP helpers shared by the integration tests.</summary>
public static class Requests
{
    public const string PatientView = "/cds-services/valvuloplasty-patient-view";
    public const string OrderSelect = "/cds-services/valvuloplasty-order-select";
    public const string OrderSign = "/cds-services/valvuloplasty-order-sign";

    /// <summary>The repository root (where Valvuloplasty.Fhir.sln is).</summary>
    public static string RepoRoot { get; } = FindRoot();

    /// <summary>A hook request shipped in profiles/examples/hook-requests/, as a mutable JSON tree.</summary>
    public static JsonObject Example(string name) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(RepoRoot, "profiles", "examples", "hook-requests", name)))!.AsObject();

    /// <summary>A request or feedback body from the integration tests' own fixtures (tests/…/Fixtures), as a mutable JSON tree.</summary>
    public static JsonObject Fixture(string name) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(RepoRoot, "tests", "Valvuloplasty.Fhir.IntegrationTests", "Fixtures", name)))!.AsObject();

    public static StringContent Json(string body, string contentType = "application/json") =>
        new(body, Encoding.UTF8, new MediaTypeHeaderValue(contentType) { CharSet = null });

    public static StringContent Json(JsonNode body) => Json(body.ToJsonString());

    public static async Task<(HttpResponseMessage Response, JsonDocument? Body)> PostAsync(HttpClient client, string path, HttpContent content)
    {
        var response = await client.PostAsync(path, content, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        JsonDocument? body = null;
        if (text.Length > 0)
        {
            body = JsonDocument.Parse(text);
        }

        return (response, body);
    }

    public static Task<(HttpResponseMessage Response, JsonDocument? Body)> PostAsync(HttpClient client, string path, JsonNode body) =>
        PostAsync(client, path, Json(body));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Valvuloplasty.Fhir.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Valvuloplasty.Fhir.sln not found above the test folder.");
    }
}
