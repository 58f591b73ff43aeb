using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Playwright;
using Valvuloplasty.Fhir.IntegrationTests.Infrastructure;

namespace Valvuloplasty.Fhir.IntegrationTests.Browser;

/// <summary>
/// The public CDS Hooks sandbox's flow from another origin, in a real headless Chromium: a static page served on a
/// second loopback port calls the service the way the sandbox does, with <c>fetch</c>: the example FHIR endpoint's
/// metadata, a Patient search, a search by POST with an Authorization header (so the browser sends a preflight), a
/// development token, discovery, then the hook with the FHIR server and no prefetch. Every call crosses origins, so
/// each answer must carry the CORS headers, and the cards must come back.
/// </summary>
public sealed class CrossOriginSandboxTests : IAsyncLifetime
{
    private CdsTestHost? _service;
    private WebApplication? _otherOrigin;
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private string? _skip;

    public async ValueTask InitializeAsync()
    {
        _skip = Chromium.SkipReason;
        if (_skip is not null)
        {
            return;
        }

        _service = new CdsTestHost(new Dictionary<string, string?>
        {
            ["Security:RequireAuthentication"] = "true",
            ["Security:TrustSandbox"] = "true",
            ["Fhir:AllowLoopback"] = "true",
            ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information",
        }) { CaptureLogs = true };
        _ = _service.Client;

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        _otherOrigin = builder.Build();
        _otherOrigin.MapGet("/", () => Results.Content(Page, "text/html; charset=utf-8"));
        _otherOrigin.MapGet("/favicon.ico", () => Results.NoContent());
        await _otherOrigin.StartAsync();

        _playwright = await Playwright.CreateAsync();
        _browser = await Chromium.LaunchAsync(_playwright);
    }

    [Fact]
    public async Task SandboxFlowFromAnotherOrigin_LoadsPatientsSearchesAndGetsCards()
    {
        Assert.SkipWhen(_skip is not null, _skip ?? string.Empty);
        var service = _service!.Client.BaseAddress!.GetLeftPart(UriPartial.Authority);
        var page = await (await _browser!.NewContextAsync()).NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add(message.Text);
            }
        };
        page.PageError += (_, error) => errors.Add(error);
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                errors.Add($"HTTP {response.Status}: {response.Request.Method} {response.Url}");
            }
        };

        await page.GotoAsync(_otherOrigin!.Urls.First());
        Assert.NotEqual(new Uri(service).Port, new Uri(page.Url).Port); // truly another origin
        // A FHIR server for CDS clients holds tokens of its own: the search carries one the sandbox's SMART simulator issued.
        var fhirToken = await SmartFlow.AccessTokenAsync(SmartFlow.Browser(_service), "aortic-candidate");
        var result = await page.EvaluateAsync<JsonElement>("([service, fhirToken]) => runSandboxFlow(service, fhirToken)", new[] { service, fhirToken });

        Assert.True(errors.Count == 0, string.Join("\n", errors)); // a CORS refusal is a console error in Chromium
        Assert.Equal("CapabilityStatement", result.GetProperty("metadata").GetString());
        Assert.True(result.GetProperty("patients").GetInt32() >= 30, "the patient picker lists the synthetic patients");
        Assert.Equal("aortic-candidate", result.GetProperty("picked").GetString());
        Assert.True(result.GetProperty("conditions").GetInt32() >= 1, "the search by POST found the patient's conditions");
        Assert.Equal(3, result.GetProperty("services").GetInt32());
        Assert.Equal(200, result.GetProperty("hookStatus").GetInt32());
        Assert.True(result.GetProperty("cards").GetInt32() >= 1, "the hook answered with cards");
        Assert.Contains("BAV", result.GetProperty("firstSummary").GetString()!, StringComparison.Ordinal);

        // The browser asked before the calls that carry an Authorization header: preflights reached the service.
        var requests = _service.Logs.GetSnapshot().Select(r => r.Message).ToList();
        Assert.Contains(requests, m => m.Contains("OPTIONS", StringComparison.Ordinal) && m.Contains("/sandbox/fhir/Condition/_search", StringComparison.Ordinal));
        Assert.Contains(requests, m => m.Contains("OPTIONS", StringComparison.Ordinal) && m.Contains("/cds-services/valvuloplasty-patient-view", StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (_otherOrigin is not null)
        {
            await _otherOrigin.DisposeAsync();
        }

        if (_service is not null)
        {
            await _service.DisposeAsync();
        }
    }

    /// <summary>The other origin's page: calls in the order and with the headers the public CDS Hooks sandbox uses.</summary>
    private const string Page = """
        <!doctype html>
        <html><head><meta charset="utf-8"><title>Another origin</title></head><body>
        <script>
        async function json(response) {
          if (!response.ok) { throw new Error(response.url + ' answered ' + response.status); }
          return response.json();
        }
        async function runSandboxFlow(service, fhirToken) {
          const fhir = service + '/sandbox/fhir';
          const fhirHeaders = { Accept: 'application/fhir+json' };
          const metadata = await json(await fetch(fhir + '/metadata', { headers: fhirHeaders }));
          const patients = await json(await fetch(fhir + '/Patient?_count=100', { headers: fhirHeaders }));
          const picked = patients.entry.map(e => e.resource).find(p => p.id === 'aortic-candidate');
          const conditions = await json(await fetch(fhir + '/Condition/_search', {
            method: 'POST',
            headers: { ...fhirHeaders, 'Content-Type': 'application/x-www-form-urlencoded', Authorization: 'Bearer ' + fhirToken },
            body: new URLSearchParams({ patient: picked.id }).toString(),
          }));
          const hookUrl = service + '/cds-services/valvuloplasty-patient-view';
          const token = await json(await fetch(service + '/sandbox/token', {
            method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ audience: hookUrl }),
          }));
          const discovery = await json(await fetch(service + '/cds-services', {
            headers: { Authorization: 'Bearer ' + (await json(await fetch(service + '/sandbox/token', {
              method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ audience: service + '/cds-services' }),
            }))).token },
          }));
          const hook = await fetch(hookUrl, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + token.token },
            body: JSON.stringify({
              hook: 'patient-view', hookInstance: crypto.randomUUID(), fhirServer: fhir,
              context: { userId: 'Practitioner/example', patientId: picked.id },
            }),
          });
          const cards = (await hook.json()).cards || [];
          return {
            metadata: metadata.resourceType, patients: patients.total, picked: picked.id,
            conditions: (conditions.entry || []).length, services: discovery.services.length,
            hookStatus: hook.status, cards: cards.length, firstSummary: cards.length ? cards[0].summary : '',
          };
        }
        </script></body></html>
        """;
}
