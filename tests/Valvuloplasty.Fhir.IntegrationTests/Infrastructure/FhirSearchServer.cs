using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Valvuloplasty.Fhir.IntegrationTests.Infrastructure;

/// <summary>
/// A FHIR R4 server that implements search (tests/fhir-search-server: Medplum's in-memory repository behind Node's
/// HTTP listener), for fallback tests where a stub answering every query with the whole record would hide a
/// search-filter bug. Needs Node.js and <c>npm ci --prefix tests/fhir-search-server</c>; without them
/// <see cref="SkipReason"/> says so and the tests skip. One server per test class; each test loads its own patients.
/// </summary>
public sealed class FhirSearchServer : IAsyncLifetime
{
    private static readonly string Folder = Path.Combine(Requests.RepoRoot, "tests", "fhir-search-server");
    private Process? _node;
    private readonly HttpClient _http = new();

    public string? SkipReason { get; private set; }

    /// <summary>The FHIR base URL, e.g. <c>http://127.0.0.1:41234/fhir</c>.</summary>
    public string BaseUrl { get; private set; } = string.Empty;

    public async ValueTask InitializeAsync()
    {
        if (!Directory.Exists(Path.Combine(Folder, "node_modules", "@medplum", "fhir-router")))
        {
            SkipReason = "The FHIR search server is not installed: run 'npm ci --prefix tests/fhir-search-server' (Node.js 20.19+; .ci/run does).";
            return;
        }

        var start = new ProcessStartInfo("node", ["server.mjs", "--port", "0"])
        {
            WorkingDirectory = Folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        try
        {
            _node = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            SkipReason = "Node.js is not installed: the FHIR search server (tests/fhir-search-server) needs it.";
            return;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var line = await _node.StandardOutput.ReadLineAsync(timeout.Token);
        if (line is null || !line.StartsWith("listening ", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The FHIR search server did not start: {line} {await _node.StandardError.ReadToEndAsync(timeout.Token)}");
        }

        BaseUrl = $"http://127.0.0.1:{line["listening ".Length..]}/fhir";
    }

    /// <summary>Loads every resource of a synthetic patient's Bundle (PUT, keeping ids).</summary>
    public async Task LoadPatientAsync(string bundleFile)
    {
        var bundle = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(SyntheticPatients.Folder, bundleFile)))!;
        var transaction = new JsonObject
        {
            ["resourceType"] = "Bundle",
            ["type"] = "transaction",
            ["entry"] = new JsonArray([.. bundle["entry"]!.AsArray().Select(e =>
            {
                var resource = e!["resource"]!;
                return (JsonNode)new JsonObject
                {
                    ["resource"] = resource.DeepClone(),
                    ["request"] = new JsonObject { ["method"] = "PUT", ["url"] = $"{resource["resourceType"]}/{resource["id"]}" },
                };
            })]),
        };
        using var response = await _http.PostAsync(BaseUrl, Requests.Json(transaction.ToJsonString(), "application/fhir+json"));
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The path and query of every request the server received since the last <see cref="ClearRequestsAsync"/>.</summary>
    public async Task<IReadOnlyList<string>> RequestsAsync() =>
        [.. (await _http.GetFromJsonAsync<JsonArray>($"{BaseUrl[..^"/fhir".Length]}/_requests"))!.Select(r => r!["url"]!.GetValue<string>())];

    public async Task ClearRequestsAsync()
    {
        using var response = await _http.DeleteAsync($"{BaseUrl[..^"/fhir".Length]}/_requests");
    }

    public ValueTask DisposeAsync()
    {
        if (_node is { HasExited: false })
        {
            _node.Kill(entireProcessTree: true);
        }

        _node?.Dispose();
        _http.Dispose();
        return ValueTask.CompletedTask;
    }
}
