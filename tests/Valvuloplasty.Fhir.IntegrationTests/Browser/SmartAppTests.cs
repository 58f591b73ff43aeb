using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Valvuloplasty.Fhir.Cards;
using Valvuloplasty.Fhir.IntegrationTests.Infrastructure;
using Valvuloplasty.Fhir.Rules.Content;
using Valvuloplasty.Fhir.Rules.Facts;

namespace Valvuloplasty.Fhir.IntegrationTests.Browser;

/// <summary>
/// The SMART app in a real headless Chromium against the real Development host: launched from the sandbox page
/// (a card's smart link, or the Launch app button) through the simulator's authorization code + PKCE flow, its
/// assessment, trend charts and table views, the printable handout in English and Spanish, and a tampered
/// redirect. Screenshots and PDFs go to TestResults/smart-app/ under the test output for a person to look at.
/// </summary>
public sealed partial class SmartAppTests(SandboxBrowserFixture fixture) : IClassFixture<SandboxBrowserFixture>
{
    private static readonly string Output = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "TestResults", "smart-app")).FullName;

    [Fact]
    public async Task CardSmartLink_LaunchesTheAppWithPkce_ShowingTheCardsAssessmentAndTheVmaxTrend()
    {
        var (page, errors) = await fixture.NewPageAsync();
        var requests = Record(page.Context);
        await page.GotoAsync("/?patient=aortic-candidate");
        await page.Locator("#cards[data-state='ready']").WaitForAsync();
        var card = page.Locator("[data-testid='card'][data-topic='assessment'][data-valve='aortic']");
        var decision = await card.GetAttributeAsync("data-decision");
        var summary = await card.GetByTestId("card-summary").InnerTextAsync();
        var link = card.Locator("[data-testid='card-link'][data-link-type='smart']");
        Assert.Equal("Echo trend and patient handout", await link.InnerTextAsync());

        var app = await page.RunAndWaitForPopupAsync(() => link.ClickAsync());
        var appErrors = Collect(app);
        await WaitForAppAsync(app);

        // The authorization code flow with PKCE: a S256 challenge at authorize, the verifier at the token endpoint.
        var authorize = Assert.Single(requests, r => r.Url.Contains("/sandbox/smart/authorize", StringComparison.Ordinal));
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(new Uri(authorize.Url).Query);
        Assert.Equal("S256", query["code_challenge_method"].ToString());
        Assert.Equal(43, query["code_challenge"].ToString().Length);
        Assert.Equal("valvuloplasty-smart-app", query["client_id"].ToString());
        Assert.False(string.IsNullOrEmpty(query["launch"].ToString()), "an EHR launch passes the launch id on");
        var token = Assert.Single(requests, r => r.Url.EndsWith("/sandbox/smart/token", StringComparison.Ordinal));
        Assert.Equal("POST", token.Method);
        var form = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(token.PostData);
        Assert.Equal("authorization_code", form["grant_type"].ToString());
        Assert.False(string.IsNullOrEmpty(form["code"].ToString()));
        Assert.InRange(form["code_verifier"].ToString().Length, 43, 128);
        Assert.EndsWith("/smart/index.html", new Uri(app.Url).AbsolutePath, StringComparison.Ordinal);
        Assert.Equal("present", await app.Locator("body").GetAttributeAsync("data-token"));

        // The valve of the card's appContext comes first; the assessment is the card's.
        Assert.Equal("Ada Aortic", await app.GetByTestId("patient-name").InnerTextAsync());
        Assert.Equal("aortic", await app.GetByTestId("valve-panel").GetAttributeAsync("data-valve"));
        Assert.Equal("true", await app.Locator("#tab-aortic").GetAttributeAsync("aria-selected"));
        var assessment = app.GetByTestId("assessment");
        Assert.Equal(decision, await assessment.GetAttributeAsync("data-decision"));
        Assert.Equal(summary, await app.GetByTestId("assessment-summary").InnerTextAsync());

        // The Vmax chart: the synthetic patient's echo series, the 4.0 m/s line, and the same numbers in the table.
        var expected = VmaxSeries("Bundle-aortic-candidate.json");
        Assert.NotEmpty(expected);
        var chart = app.Locator("[data-testid='chart'][data-measure='aortic-vmax']");
        Assert.Equal(expected, await PointsAsync(chart));
        var severe = chart.Locator("[data-testid='threshold'][data-value='4']");
        Assert.Equal("Severe: Vmax ≥ 4.0 m/s", await severe.Locator("text").TextContentAsync());
        Assert.Contains("Severe: Vmax ≥ 4.0 m/s", await chart.Locator("svg desc").TextContentAsync(), StringComparison.Ordinal);
        Assert.False(await chart.GetByTestId("chart-table").IsVisibleAsync(), "the table is behind its button");
        await chart.GetByTestId("table-toggle").ClickAsync();
        Assert.Equal("true", await chart.GetByTestId("table-toggle").GetAttributeAsync("aria-expanded"));
        Assert.Equal(expected, await TableAsync(chart));
        Assert.Equal(["final"], (await chart.Locator("td[data-field='status']").AllInnerTextsAsync()).Distinct());

        await app.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Output, "app-aortic-candidate.png"), FullPage = true });
        AssertNoErrors(errors, appErrors);
    }

    [Fact]
    public async Task LaunchAppButton_ChartsConvertedValuesAsConverted_PreliminaryHollow_AndLeavesOutEnteredInError()
    {
        var (page, errors) = await fixture.NewPageAsync();
        // The record gains an older echo in cm/s, a newer preliminary one and a value entered in error.
        await page.Context.RouteAsync(new Regex("/sandbox/fhir/Observation\\?"), async route =>
        {
            var response = await route.FetchAsync();
            var bundle = JsonNode.Parse(await response.TextAsync())!;
            if (route.Request.Url.Contains("_offset", StringComparison.Ordinal) || bundle["entry"] is not JsonArray entries)
            {
                await route.FulfillAsync(new RouteFulfillOptions { Response = response });
                return;
            }

            entries.Add(Entry(Vmax("extra-old", "final", "2025-10-01", 380, "cm/s")));
            entries.Add(Entry(Vmax("extra-preliminary", "preliminary", "2026-11-20", 4.9m, "m/s")));
            entries.Add(Entry(Vmax("extra-error", "entered-in-error", "2026-06-01", 2.1m, "m/s")));
            await route.FulfillAsync(new RouteFulfillOptions { Response = response, Body = bundle.ToJsonString() });
        });
        await page.GotoAsync("/");
        await page.Locator("body[data-ready='true']").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        await page.Locator("[data-testid='patient'][data-patient-id='aortic-candidate'] input[type='radio']").CheckAsync();

        var app = await page.RunAndWaitForPopupAsync(() => page.GetByTestId("launch-app").ClickAsync());
        var appErrors = Collect(app);
        await WaitForAppAsync(app);

        var chart = app.Locator("[data-testid='chart'][data-measure='aortic-vmax']");
        var recorded = VmaxSeries("Bundle-aortic-candidate.json");
        Assert.Equal([("2025-10-01", "3.8"), .. recorded, ("2026-11-20", "4.9")], await PointsAsync(chart));
        Assert.Equal("preliminary", await chart.Locator("[data-testid='chart-point'][data-date='2026-11-20']").GetAttributeAsync("data-status"));
        Assert.Contains("point--preliminary", await chart.Locator("[data-testid='chart-point'][data-date='2026-11-20']").GetAttributeAsync("class") ?? "", StringComparison.Ordinal);
        Assert.Equal("Not charted: 1 entered in error.", await chart.GetByTestId("chart-excluded").InnerTextAsync());
        Assert.Contains("converted to m/s", await chart.GetByTestId("chart-converted").InnerTextAsync(), StringComparison.Ordinal);
        await chart.GetByTestId("table-toggle").ClickAsync();
        var first = chart.GetByTestId("chart-row").First;
        Assert.Equal("converted from 380 cm/s", await first.Locator("td[data-field='conversion']").InnerTextAsync());
        Assert.Equal("preliminary (not used for decisions)", await chart.GetByTestId("chart-row").Last.Locator("td[data-field='status']").InnerTextAsync());
        Assert.Equal(1, await chart.Locator("polyline.trend").CountAsync());

        await app.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Output, "app-aortic-series-with-exclusions.png"), FullPage = true });
        AssertNoErrors(errors, appErrors);
    }

    [Fact]
    public async Task StandaloneLaunch_PatientChosenAtTheServer_OpensOnTheAssessedValve_WithTheMvaTrend()
    {
        var (page, errors) = await fixture.NewPageAsync();
        var requests = Record(page.Context);

        await page.GotoAsync($"/smart/standalone.html?iss={Uri.EscapeDataString($"{fixture.Origin}/sandbox/fhir")}");
        // The simulator's patient picker: the app asked for launch/patient without a launch id.
        await page.Locator("li", new PageLocatorOptions { HasText = "(mitral-candidate)" }).Locator("a").ClickAsync();
        await WaitForAppAsync(page);

        var authorize = requests.First(r => r.Url.Contains("/sandbox/smart/authorize", StringComparison.Ordinal));
        var scope = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(new Uri(authorize.Url).Query)["scope"].ToString();
        Assert.Contains("launch/patient", scope.Split(' '));
        Assert.DoesNotContain("launch", scope.Split(' '));
        Assert.Equal("mitral", await page.GetByTestId("valve-panel").GetAttributeAsync("data-valve"));
        Assert.Equal("mitral", await page.GetByTestId("assessment").GetAttributeAsync("data-valve"));
        var chart = page.Locator("[data-testid='chart'][data-measure='mitral-valve-area']");
        Assert.Equal("Severe: MVA ≤ 1.5 cm²", await chart.Locator("[data-testid='threshold'][data-value='1.5'] text").TextContentAsync());
        var expected = JsonNode.Parse(File.ReadAllText(Path.Combine(SyntheticPatients.Folder, "Bundle-mitral-candidate.json")))!["entry"]!.AsArray()
            .Select(e => e!["resource"]!)
            .Where(r => r["resourceType"]!.GetValue<string>() == "Observation" && r["code"]!["coding"]![0]!["code"]!.GetValue<string>() == "80068-0")
            .Select(r => (r["effectiveDateTime"]!.GetValue<string>()[..10], r["valueQuantity"]!["value"]!.GetValue<decimal>().ToString("F1", CultureInfo.InvariantCulture)))
            .ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, await PointsAsync(chart));
        Assert.Equal(0, await page.Locator("[data-testid='chart'][data-measure='mitral-mean-gradient'] [data-testid='threshold']").CountAsync());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Output, "app-mitral-candidate-standalone.png"), FullPage = true });
        AssertNoErrors([.. errors.Where(e => !e.Contains("favicon.ico", StringComparison.Ordinal))], []);
    }

    [Theory]
    [InlineData("aortic", "en")]
    [InlineData("aortic", "es")]
    [InlineData("mitral", "es")]
    [InlineData("pulmonary", "en")]
    public async Task Handout_PrintsOnOneOrTwoPages_WithTheSixRisksAndTheLiftingRestriction(string valve, string lang)
    {
        var (page, errors) = await fixture.NewPageAsync();
        await page.GotoAsync($"/smart/handout.html?valve={valve}&lang={lang}");
        await page.Locator("body[data-state='ready']").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

        Assert.Equal(lang, await page.Locator("html").GetAttributeAsync("lang"));
        var risks = await page.GetByTestId("handout-risk").AllInnerTextsAsync();
        Assert.Equal(6, risks.Count);
        var text = await page.GetByTestId("handout").InnerTextAsync();
        var parsed = Enum.Parse<Valve>(valve, ignoreCase: true);
        if (lang == "en")
        {
            // The cards' own wording, item by item.
            string[] codes = [ItemCodes.RiskRegurgitation, ItemCodes.RiskEmbolism, ItemCodes.RiskArrhythmia, ItemCodes.RiskBleeding, ItemCodes.RiskHematoma, ItemCodes.RiskPerforation];
            Assert.Equal(codes.Select(c => EducationText.Item(c, parsed, pediatric: false)!.Text), risks.Select(r => r[..r.LastIndexOf(" More information", StringComparison.Ordinal)]));
            Assert.Contains(EducationText.Item(ItemCodes.CareLiftingRestriction, parsed, pediatric: false)!.Text, text, StringComparison.Ordinal);
            Assert.Contains(EducationText.Item(ItemCodes.CareReturnPrecautions, parsed, pediatric: false)!.Text, text, StringComparison.Ordinal);
            Assert.Contains(EducationText.WhatToExpect(parsed, pediatric: false), text, StringComparison.Ordinal);
            Assert.Contains("No lifting over 10 lb (4.5 kg)", text, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("No levante más de 10 libras (4.5 kg)", text, StringComparison.Ordinal);
            Assert.Contains("24 a 48 horas", text, StringComparison.Ordinal);
            Assert.Contains("no es permanente", text, StringComparison.Ordinal);
        }

        // Every link is one of the link table's.
        var table = JsonNode.Parse(File.ReadAllText(Path.Combine(Requests.RepoRoot, "profiles", "content", "links.json")))!["links"]!.AsArray()
            .Select(l => l!["url"]!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
        foreach (var href in await page.Locator("#handout a").EvaluateAllAsync<string[]>("links => links.map(a => a.href)"))
        {
            Assert.Contains(href, table);
        }

        if (valve == "aortic")
        {
            Assert.Contains(lang == "en" ? "paced fast" : "marcapasos", text, StringComparison.Ordinal);
        }

        var pdf = Path.Combine(Output, $"handout-{valve}-{lang}.pdf");
        await page.PdfAsync(new PagePdfOptions { Path = pdf, Format = "A4", PrintBackground = false });
        var bytes = await File.ReadAllBytesAsync(pdf, TestContext.Current.CancellationToken);
        Assert.StartsWith("%PDF", System.Text.Encoding.ASCII.GetString(bytes, 0, 4), StringComparison.Ordinal);
        var pages = PdfPage().Count(System.Text.Encoding.Latin1.GetString(bytes));
        Assert.InRange(pages, 1, 2);
        await page.EmulateMediaAsync(new PageEmulateMediaOptions { Media = Media.Print });
        Assert.False(await page.GetByTestId("handout-toolbar").IsVisibleAsync(), "no app chrome in print");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Output, $"handout-{valve}-{lang}.png"), FullPage = true });
        AssertNoErrors(errors, []);
    }

    [Fact]
    public async Task WrongStateAtTheRedirect_IsRefused_WithoutATokenRequest()
    {
        var (page, _) = await fixture.NewPageAsync();
        var requests = Record(page.Context);
        // The authorization server's redirect comes back with a state the app never issued.
        string? tampered = null;
        await page.Context.RouteAsync(new Regex("/sandbox/smart/authorize\\?"), async route =>
        {
            var response = await route.FetchAsync(new RouteFetchOptions { MaxRedirects = 0 });
            var location = response.Headers.TryGetValue("location", out var value) ? value : null;
            Assert.NotNull(location);
            tampered = Regex.Replace(location, "([?&]state=)[^&]*", "$1forged-state");
            Assert.NotEqual(location, tampered);
            await route.FulfillAsync(new RouteFulfillOptions { Status = 302, Headers = new Dictionary<string, string> { ["Location"] = tampered } });
        });
        await page.GotoAsync("/");
        await page.Locator("body[data-ready='true']").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        await page.Locator("[data-testid='patient'][data-patient-id='aortic-candidate'] input[type='radio']").CheckAsync();

        var app = await page.RunAndWaitForPopupAsync(() => page.GetByTestId("launch-app").ClickAsync());
        await app.Locator("body[data-state='error']").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached, Timeout = 30_000 });

        Assert.NotNull(tampered);
        Assert.Contains(requests, r => r.Url == tampered && r.IsNavigationRequest);
        Assert.True(await app.GetByTestId("app-error").IsVisibleAsync());
        Assert.Contains("could not be completed", await app.GetByTestId("app-error").InnerTextAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(requests, r => r.Url.Contains("/sandbox/smart/token", StringComparison.Ordinal));
        Assert.DoesNotContain(requests, r => r.Url.Contains("/smart-api/assessment", StringComparison.Ordinal));
        Assert.Equal(0, await app.GetByTestId("assessment").CountAsync());
        await app.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Output, "app-wrong-state.png"), FullPage = true });
    }

    // ----------------------------------------------------------------------------------------------------

    private static List<IRequest> Record(IBrowserContext context)
    {
        var requests = new List<IRequest>();
        context.Request += (_, request) =>
        {
            lock (requests)
            {
                requests.Add(request);
            }
        };
        return requests;
    }

    private static List<string> Collect(IPage page)
    {
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add($"app page error: {error}");
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add($"app console error: {message.Text}");
            }
        };
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                errors.Add($"app HTTP {response.Status}: {response.Request.Method} {response.Url}");
            }
        };
        return errors;
    }

    private static async Task WaitForAppAsync(IPage app)
    {
        await app.WaitForFunctionAsync("() => document.body?.dataset.state === 'ready' || document.body?.dataset.state === 'error'", null, new PageWaitForFunctionOptions { Timeout = 30_000 });
        var error = app.GetByTestId("app-error");
        Assert.False(await error.IsVisibleAsync(), await error.InnerTextAsync());
        Assert.False(await app.GetByTestId("assessment-error").IsVisibleAsync(), await app.GetByTestId("assessment-error").InnerTextAsync());
    }

    /// <summary>The Vmax values of a synthetic patient's usable Observations, by date, as the chart shows them.</summary>
    private static List<(string Date, string Value)> VmaxSeries(string bundle) =>
        [.. JsonNode.Parse(File.ReadAllText(Path.Combine(SyntheticPatients.Folder, bundle)))!["entry"]!.AsArray()
            .Select(e => e!["resource"]!)
            .Where(r => r["resourceType"]!.GetValue<string>() == "Observation"
                && r["status"]!.GetValue<string>() is "final" or "amended" or "corrected"
                && r["code"]!["coding"]!.AsArray().Any(c => c!["code"]!.GetValue<string>() == "79964-3"))
            .Select(r => (r["effectiveDateTime"]!.GetValue<string>()[..10],
                r["valueQuantity"]!["value"]!.GetValue<decimal>().ToString("F1", CultureInfo.InvariantCulture)))
            .OrderBy(p => p.Item1, StringComparer.Ordinal)];

    private static async Task<List<(string, string)>> PointsAsync(ILocator chart)
    {
        var points = await chart.GetByTestId("chart-point").EvaluateAllAsync<string[][]>("ps => ps.map(p => [p.dataset.date, p.dataset.value])");
        return [.. points.Select(p => (p[0], p[1]))];
    }

    private static async Task<List<(string, string)>> TableAsync(ILocator chart)
    {
        var rows = await chart.GetByTestId("chart-row").EvaluateAllAsync<string[][]>(
            "rows => rows.map(r => [r.querySelector('[data-field=date]').textContent, r.querySelector('[data-field=value]').textContent])");
        return [.. rows.Select(r => (r[0], r[1]))];
    }

    private static JsonObject Entry(JsonObject resource) => new() { ["fullUrl"] = $"Observation/{resource["id"]}", ["resource"] = resource };

    private static JsonObject Vmax(string id, string status, string date, decimal value, string unit) => new()
    {
        ["resourceType"] = "Observation",
        ["id"] = id,
        ["status"] = status,
        ["code"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://loinc.org", ["code"] = "79964-3" }) },
        ["subject"] = new JsonObject { ["reference"] = "Patient/aortic-candidate" },
        ["effectiveDateTime"] = date,
        ["valueQuantity"] = new JsonObject { ["value"] = value, ["unit"] = unit, ["system"] = "http://unitsofmeasure.org", ["code"] = unit },
    };

    private static void AssertNoErrors(List<string> page, List<string> app)
    {
        Assert.True(page.Count == 0, string.Join("\n", page));
        Assert.True(app.Count == 0, string.Join("\n", app));
    }

    [GeneratedRegex(@"/Type\s*/Page(?![a-zA-Z])")]
    private static partial Regex PdfPage();
}
