using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Valvuloplasty.Fhir.IntegrationTests.Infrastructure;

namespace Valvuloplasty.Fhir.IntegrationTests.Browser;

/// <summary>
/// One real host (Development, sandbox on, authentication on so every call must carry the page's development
/// JWT) and one headless system Chromium for the whole class; each test gets its own browser context. Without
/// Chromium every test skips, saying why: the browser is never downloaded.
/// </summary>
public sealed class SandboxBrowserFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private CdsTestHost? _host;

    /// <summary>Why the browser tests cannot run here, or null when they can.</summary>
    public string? SkipReason { get; private set; }

    public CdsTestHost Host => _host ?? throw new InvalidOperationException(SkipReason);

    /// <summary>The page's origin, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string Origin => Host.Client.BaseAddress!.GetLeftPart(UriPartial.Authority);

    public async ValueTask InitializeAsync()
    {
        SkipReason = Chromium.SkipReason;
        if (SkipReason is not null)
        {
            return;
        }

        _host = new CdsTestHost(new Dictionary<string, string?>
        {
            // The page must always send a token, as an EHR does: prove it by requiring one. The sandbox issuer is
            // trusted in Development; TrustSandbox only satisfies the start-up check that some issuer is trusted.
            ["Security:RequireAuthentication"] = "true",
            ["Security:TrustSandbox"] = "true",
        });
        _ = _host.Client; // start Kestrel

        _playwright = await Playwright.CreateAsync();
        _browser = await Chromium.LaunchAsync(_playwright);
    }

    /// <summary>A fresh context and page (skips the test when Chromium is missing). Page errors are collected.</summary>
    public async Task<(IPage Page, List<string> Errors)> NewPageAsync()
    {
        if (SkipReason is not null)
        {
            Assert.Skip(SkipReason);
        }

        return await Chromium.NewPageAsync(_browser!, Origin);
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}

/// <summary>
/// The sandbox page at <c>/</c> in a real headless Chromium against the real host: the patient list, the three
/// hooks with prefetch and with the FHIR fallback, cards rendered as an EHR does, feedback and analytics, and
/// the safety of rendering record text and card markdown.
/// </summary>
public sealed class SandboxPageTests(SandboxBrowserFixture fixture) : IClassFixture<SandboxBrowserFixture>
{
    private const string PatientView = "valvuloplasty-patient-view";
    private const string OrderSign = "valvuloplasty-order-sign";
    private const string HostileText = "<script>window.__xss = true</script><img src=x onerror=\"window.__xss=true\"> Severe aortic stenosis";

    [Fact]
    public async Task SandboxPage_Opened_ListsEverySyntheticPatientWithFindings()
    {
        var (page, errors) = await fixture.NewPageAsync();

        await OpenAsync(page);

        var patients = page.Locator("[data-testid='patient']");
        Assert.Equal(SyntheticPatients.Expected.Count, await patients.CountAsync());
        var candidate = page.Locator("[data-testid='patient'][data-patient-id='aortic-candidate']");
        Assert.Equal("Ada Aortic", await candidate.GetByTestId("patient-name").InnerTextAsync());
        Assert.Contains("84 y", await candidate.GetByTestId("patient-facts").InnerTextAsync(), StringComparison.Ordinal);
        var findings = await candidate.GetByTestId("patient-findings").Locator("li").AllInnerTextsAsync();
        Assert.Contains("Severe calcific aortic stenosis", findings);
        Assert.Contains(findings, f => f.StartsWith("Aortic Vmax 4.5 m/s", StringComparison.Ordinal));
        Assert.Equal($"{SyntheticPatients.Expected.Count} patients", await page.GetByTestId("patient-count").InnerTextAsync());
        Assert.True(await page.GetByTestId("call-service").IsDisabledAsync(), "nothing to call before a patient is chosen");

        await page.GetByTestId("patient-filter").FillAsync("pulmonary");
        Assert.Equal(SyntheticPatients.Expected.Count(e => e.Valve == "pulmonary"), await patients.CountAsync());
        AssertNoErrors(errors);
    }

    [Fact]
    public async Task PatientView_WithPrefetch_RendersAssessmentAndBridgeToTavrCards()
    {
        var (page, errors) = await fixture.NewPageAsync();
        await OpenAsync(page);

        await CallPatientViewAsync(page, "aortic-candidate", fhirFallback: false);

        await AssertCandidateCardsAsync(page);
        var request = await RequestJsonAsync(page);
        Assert.Equal("patient-view", request["hook"]!.GetValue<string>());
        Assert.True(Guid.TryParse(request["hookInstance"]!.GetValue<string>(), out _));
        Assert.Null(request["fhirServer"]);
        Assert.Equal("Practitioner/sandbox", request["context"]!["userId"]!.GetValue<string>());
        Assert.Equal("aortic-candidate", request["context"]!["patientId"]!.GetValue<string>());
        var prefetch = request["prefetch"]!.AsObject();
        Assert.Equal(["conditions", "medications", "observations", "patient", "procedures", "riskAssessments", "serviceRequests"],
            prefetch.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal("Patient", prefetch["patient"]!["resourceType"]!.GetValue<string>());
        Assert.Equal("searchset", prefetch["observations"]!["type"]!.GetValue<string>());
        Assert.Equal(6, prefetch["observations"]!["entry"]!.AsArray().Count);
        Assert.Equal("HTTP 200", await page.GetByTestId("response-status").InnerTextAsync());
        Assert.Contains("\"cards\"", await page.GetByTestId("response-json").InnerTextAsync(), StringComparison.Ordinal);
        AssertNoErrors(errors);
    }

    [Fact]
    public async Task PatientView_WithFhirFallback_RendersTheSameCards()
    {
        var (page, errors) = await fixture.NewPageAsync();
        await OpenAsync(page);

        await CallPatientViewAsync(page, "aortic-candidate", fhirFallback: true);

        await AssertCandidateCardsAsync(page);
        var request = await RequestJsonAsync(page);
        Assert.Null(request["prefetch"]);
        Assert.Equal($"{fixture.Origin}/sandbox/fhir", request["fhirServer"]!.GetValue<string>());
        AssertNoErrors(errors);
    }

    [Fact]
    public async Task OrderEntry_BavDraftForSevereAr_SelectThenSign_ShowsCriticalCardWithDeleteSuggestion()
    {
        var (page, errors) = await fixture.NewPageAsync();
        await OpenAsync(page);
        await ChoosePatientAsync(page, "aortic-not-candidate-severe-ar");
        await page.GetByTestId("hook-order").CheckAsync();
        await page.GetByTestId("draft-order").SelectOptionAsync("92986");
        Assert.True(await page.GetByTestId("sign-order").IsDisabledAsync(), "an order can be signed only once selected");

        await CallAsync(page, "call-service", "order-select");
        var select = await RequestJsonAsync(page);
        var draft = select["context"]!["draftOrders"]!["entry"]![0]!["resource"]!;
        var draftId = draft["id"]!.GetValue<string>();
        await CallAsync(page, "sign-order", "order-sign");

        var sign = await RequestJsonAsync(page);
        Assert.Equal("order-select", select["hook"]!.GetValue<string>());
        Assert.Equal("Bundle", select["context"]!["draftOrders"]!["resourceType"]!.GetValue<string>());
        Assert.Equal("collection", select["context"]!["draftOrders"]!["type"]!.GetValue<string>());
        Assert.StartsWith("draft-", draftId, StringComparison.Ordinal);
        Assert.Equal("draft", draft["status"]!.GetValue<string>());
        Assert.Equal("order", draft["intent"]!.GetValue<string>());
        Assert.Equal("http://www.ama-assn.org/go/cpt", draft["code"]!["coding"]![0]!["system"]!.GetValue<string>());
        Assert.Equal("92986", draft["code"]!["coding"]![0]!["code"]!.GetValue<string>());
        Assert.Equal("Patient/aortic-not-candidate-severe-ar", draft["subject"]!["reference"]!.GetValue<string>());
        Assert.Equal($"ServiceRequest/{draftId}", Assert.Single(select["context"]!["selections"]!.AsArray())!.GetValue<string>());
        Assert.Equal("order-sign", sign["hook"]!.GetValue<string>());
        Assert.Null(sign["context"]!["selections"]);
        Assert.Equal(draftId, sign["context"]!["draftOrders"]!["entry"]![0]!["resource"]!["id"]!.GetValue<string>());

        var critical = page.Locator("[data-testid='card'][data-indicator='critical']");
        Assert.Equal(1, await critical.CountAsync());
        Assert.Equal(OrderSign, await critical.GetAttributeAsync("data-service-id"));
        Assert.Contains("card--critical", await critical.GetAttributeAsync("class") ?? "", StringComparison.Ordinal);
        Assert.Equal("Critical", await critical.GetByTestId("card-indicator").TextContentAsync());
        var delete = critical.Locator("[data-testid='suggestion-action'][data-action-type='delete']");
        Assert.Equal(1, await delete.CountAsync());
        Assert.Equal($"ServiceRequest/{draftId}", await delete.GetAttributeAsync("data-resource-id"));
        var deleteSuggestion = critical.Locator("[data-testid='suggestion'][data-action-types~='delete']");
        Assert.StartsWith("Remove the drafted BAV order", await deleteSuggestion.InnerTextAsync(), StringComparison.Ordinal);
        Assert.True(await critical.GetByTestId("override-reason").CountAsync() > 0, "a critical card offers override reasons");

        // Accepting the delete suggestion removes the draft: it can no longer be signed.
        await deleteSuggestion.ClickAsync();
        await page.Locator("[data-testid='card'][data-indicator='critical'][data-feedback='accepted']").WaitForAsync();
        Assert.True(await page.GetByTestId("sign-order").IsDisabledAsync(), "a deleted draft cannot be signed");
        Assert.Contains("removed", await page.GetByTestId("draft-status").InnerTextAsync(), StringComparison.Ordinal);
        AssertNoErrors(errors);
    }

    [Fact]
    public async Task AcceptingASuggestion_SendsFeedback_AndAnalyticsCountsItAccepted()
    {
        var (page, errors) = await fixture.NewPageAsync();
        await OpenAsync(page);
        await CallPatientViewAsync(page, "aortic-candidate", fhirFallback: false);
        var before = await AnalyticsAsync(page, PatientView, "bridge-to-tavr", "accepted", _ => true);
        var card = page.Locator("[data-testid='card'][data-topic='bridge-to-tavr']");
        var suggestion = card.GetByTestId("suggestion").First;
        var suggestionUuid = await suggestion.GetAttributeAsync("data-suggestion-uuid");

        await suggestion.ClickAsync();

        await page.Locator("[data-testid='card'][data-topic='bridge-to-tavr'][data-feedback='accepted']").WaitForAsync();
        Assert.Equal("true", await suggestion.GetAttributeAsync("data-accepted"));
        Assert.StartsWith("✓ Accepted", await suggestion.InnerTextAsync(), StringComparison.Ordinal);
        var feedback = (await FeedbackJsonAsync(page))["feedback"]![0]!;
        Assert.Equal(await card.GetAttributeAsync("data-card-uuid"), feedback["card"]!.GetValue<string>());
        Assert.Equal("accepted", feedback["outcome"]!.GetValue<string>());
        Assert.Equal(suggestionUuid, feedback["acceptedSuggestions"]![0]!["id"]!.GetValue<string>());
        Assert.True(DateTimeOffset.TryParse(feedback["outcomeTimestamp"]!.GetValue<string>(), CultureInfo.InvariantCulture, out _));
        var after = await AnalyticsAsync(page, PatientView, "bridge-to-tavr", "accepted", count => count > before);
        Assert.Equal(before + 1, after);
        AssertNoErrors(errors);
    }

    [Fact]
    public async Task DismissingACard_WithAnOverrideReason_ShowsInAnalytics()
    {
        var (page, errors) = await fixture.NewPageAsync();
        await OpenAsync(page);
        await CallPatientViewAsync(page, "aortic-not-candidate-severe-ar", fhirFallback: false);
        var before = await AnalyticsAsync(page, PatientView, "assessment", "overridden", _ => true);
        var card = page.Locator("[data-testid='card'][data-topic='assessment']");
        Assert.Equal("warning", await card.GetAttributeAsync("data-indicator"));

        await card.GetByTestId("dismiss").ClickAsync();
        var form = card.GetByTestId("dismiss-form");
        Assert.True(await form.IsVisibleAsync());
        Assert.True(await card.GetByTestId("dismiss-confirm").IsDisabledAsync(), "a reason must be chosen first");
        Assert.Equal(5, await form.GetByTestId("override-reason").CountAsync());
        await form.GetByLabel("Patient preference after informed discussion").CheckAsync();
        await form.GetByTestId("override-comment").FillAsync("Declines any procedure for now");
        await card.GetByTestId("dismiss-confirm").ClickAsync();

        await page.Locator("[data-testid='card'][data-topic='assessment'][data-feedback='overridden']").WaitForAsync();
        var feedback = (await FeedbackJsonAsync(page))["feedback"]![0]!;
        Assert.Equal("overridden", feedback["outcome"]!.GetValue<string>());
        Assert.Equal("patient-preference", feedback["overrideReason"]!["reason"]!["code"]!.GetValue<string>());
        Assert.Equal("http://example.org/fhir/valvuloplasty-cds/CodeSystem/override-reason", feedback["overrideReason"]!["reason"]!["system"]!.GetValue<string>());
        Assert.Equal("Declines any procedure for now", feedback["overrideReason"]!["userComment"]!.GetValue<string>());
        Assert.Null(feedback["acceptedSuggestions"]);
        var after = await AnalyticsAsync(page, PatientView, "assessment", "overridden", count => count > before);
        Assert.Equal(before + 1, after);
        var reasons = Row(page, PatientView, "assessment").Locator("[data-field='topOverrideReasons'] li[data-code='patient-preference']");
        Assert.StartsWith("Patient preference after informed discussion ×", await reasons.InnerTextAsync(), StringComparison.Ordinal);
        AssertNoErrors(errors);
    }

    [Fact]
    public async Task HostileRecordText_IsShownLiterally_AndNeverRuns()
    {
        var (page, errors) = await fixture.NewPageAsync();
        await OpenAsync(page);

        await CallPatientViewAsync(page, "aortic-hostile-text", fhirFallback: false);

        // The Condition's text reaches the page in the patient list (via /sandbox/patients) and in the prefetch.
        var patient = page.Locator("[data-testid='patient'][data-patient-id='aortic-hostile-text']");
        Assert.Contains(HostileText, await patient.GetByTestId("patient-findings").Locator("li").AllInnerTextsAsync());
        Assert.Contains("window.__xss = true", await page.GetByTestId("request-json").InnerTextAsync(), StringComparison.Ordinal);
        var assessment = page.Locator("[data-testid='card'][data-topic='assessment']");
        Assert.Equal("candidate", await assessment.GetAttributeAsync("data-decision"));
        // Whatever of it a card's detail carries is text, not markup.
        foreach (var detail in await page.GetByTestId("card-detail").AllAsync())
        {
            var text = await detail.InnerTextAsync();
            if (text.Contains("__xss", StringComparison.Ordinal))
            {
                Assert.Contains("<script>", text, StringComparison.Ordinal);
            }
        }

        await AssertNothingRanAsync(page);
        AssertNoErrors(errors);
    }

    [Fact]
    public async Task HostileCardFromTheService_DetailSummaryAndLabels_AreShownLiterally()
    {
        // The service escapes record text in card detail; the page must be safe even with a service that does not.
        var (page, errors) = await fixture.NewPageAsync();
        await page.RouteAsync("**/cds-services/valvuloplasty-patient-view", async route =>
        {
            var response = await route.FetchAsync();
            var body = JsonNode.Parse(await response.TextAsync())!;
            var card = body["cards"]![0]!;
            card["summary"] = HostileText;
            card["detail"] = $"Escaped by the service: {Escaped(HostileText)}\n\nRaw: {HostileText}\n\n- **bold** {HostileText}\n\n| a | b |\n|---|---|\n| {Escaped(HostileText)} | x |";
            card["source"]!["label"] = HostileText;
            card["suggestions"]![0]!["label"] = HostileText;
            card["links"] = new JsonArray(
                new JsonObject { ["label"] = HostileText, ["url"] = "javascript:window.__xss=true", ["type"] = "absolute" },
                new JsonObject { ["label"] = "MedlinePlus", ["url"] = "https://medlineplus.gov/", ["type"] = "absolute" });
            await route.FulfillAsync(new RouteFulfillOptions { Response = response, Body = body.ToJsonString() });
        });
        await OpenAsync(page);

        await CallPatientViewAsync(page, "aortic-candidate", fhirFallback: false);

        var card = page.GetByTestId("card").First;
        Assert.Equal(HostileText, await card.GetByTestId("card-summary").InnerTextAsync());
        Assert.Contains(HostileText, await card.GetByTestId("card-source").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(HostileText, await card.GetByTestId("suggestion").First.InnerTextAsync());
        var detail = await card.GetByTestId("card-detail").InnerTextAsync();
        Assert.Contains($"Escaped by the service: {HostileText}", detail, StringComparison.Ordinal);
        Assert.Contains($"Raw: {HostileText}", detail, StringComparison.Ordinal);
        Assert.Equal(1, await card.GetByTestId("card-detail").Locator("li strong").CountAsync());
        Assert.Equal(HostileText, await card.GetByTestId("card-detail").Locator("td").First.InnerTextAsync());
        var link = Assert.Single(await card.GetByTestId("card-link").AllAsync());
        Assert.Equal("https://medlineplus.gov/", await link.GetAttributeAsync("href"));
        Assert.Equal("_blank", await link.GetAttributeAsync("target"));
        Assert.Contains("noopener", await link.GetAttributeAsync("rel") ?? "", StringComparison.Ordinal);

        await AssertNothingRanAsync(page);
        AssertNoErrors(errors);
    }

    [Fact]
    public async Task MarkdownJs_InTheBrowser_EscapesHtmlAndRendersTheSubset()
    {
        var (page, errors) = await fixture.NewPageAsync();
        await OpenAsync(page);

        var result = await page.EvaluateAsync<JsonElement>("""
            async () => {
              const md = await import('/markdown.js');
              const dom = (text) => {
                const div = document.createElement('div');
                div.append(md.markdownFragment(text));
                return div;
              };
              const list = dom('- one\n- **two**\n- _three_');
              const table = dom('| A | B \\| C |\n|---|---:|\n| 1 | 2 |');
              return {
                escaped: md.renderMarkdown('<script>alert(1)</script><img src=x onerror="alert(1)">'),
                escapedTags: dom('<script>alert(1)</script><img src=x onerror="alert(1)"><b>x</b>').querySelectorAll('script, img, b').length,
                bold: md.renderMarkdown('**bold** and _it_ and *em*'),
                listItems: list.querySelectorAll('ul > li').length,
                listStrong: list.querySelector('li strong')?.textContent ?? null,
                listEm: list.querySelector('li em')?.textContent ?? null,
                paragraphs: dom('first\n\nsecond').querySelectorAll('p').length,
                entities: dom('a &lt;b&gt; &amp; c').textContent,
                entitiesHtml: md.renderMarkdown('a &lt;b&gt; &amp; c & d'),
                backslash: dom('\\*not emphasis\\* \\_ \\\\').textContent,
                tableCells: [...table.querySelectorAll('th, td')].map(c => c.textContent),
                tableRightAligned: table.querySelectorAll('td.align-right').length,
                attribute: md.escapeHtml('" onmouseover="x'),
              };
            }
            """);

        Assert.Equal("<p>&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</p>", result.GetProperty("escaped").GetString());
        Assert.Equal(0, result.GetProperty("escapedTags").GetInt32());
        Assert.Equal("<p><strong>bold</strong> and <em>it</em> and <em>em</em></p>", result.GetProperty("bold").GetString());
        Assert.Equal(3, result.GetProperty("listItems").GetInt32());
        Assert.Equal("two", result.GetProperty("listStrong").GetString());
        Assert.Equal("three", result.GetProperty("listEm").GetString());
        Assert.Equal(2, result.GetProperty("paragraphs").GetInt32());
        Assert.Equal("a <b> & c", result.GetProperty("entities").GetString());
        Assert.Equal("<p>a &lt;b&gt; &amp; c &amp; d</p>", result.GetProperty("entitiesHtml").GetString());
        Assert.Equal("*not emphasis* _ \\", result.GetProperty("backslash").GetString());
        Assert.Equal(["A", "B | C", "1", "2"], result.GetProperty("tableCells").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(1, result.GetProperty("tableRightAligned").GetInt32());
        Assert.Equal("&quot; onmouseover=&quot;x", result.GetProperty("attribute").GetString());
        AssertNoErrors(errors);
    }

    // ----------------------------------------------------------------------------------------------------

    private static async Task OpenAsync(IPage page)
    {
        var response = await page.GotoAsync("/");
        Assert.NotNull(response);
        Assert.True(response.Ok, $"GET / answered {response.Status}");
        await page.Locator("body[data-ready='true']").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        Assert.Equal("ready", await page.GetByTestId("patient-list").GetAttributeAsync("data-state"));
        Assert.False(await page.GetByTestId("load-error").IsVisibleAsync(), await page.GetByTestId("load-error").InnerTextAsync());
    }

    private static Task ChoosePatientAsync(IPage page, string patientId) =>
        page.Locator($"[data-testid='patient'][data-patient-id='{patientId}'] input[type='radio']").CheckAsync();

    private static async Task CallPatientViewAsync(IPage page, string patientId, bool fhirFallback)
    {
        await ChoosePatientAsync(page, patientId);
        await page.GetByTestId("hook-patient-view").CheckAsync();
        await page.GetByTestId(fhirFallback ? "data-fhir" : "data-prefetch").CheckAsync();
        await CallAsync(page, "call-service", "patient-view");
    }

    /// <summary>Clicks a call button and waits until that call's cards are rendered (fails on an error answer).</summary>
    private static async Task CallAsync(IPage page, string button, string hook)
    {
        var calls = await page.GetByTestId("cards").GetAttributeAsync("data-call") is { } n ? int.Parse(n, CultureInfo.InvariantCulture) : 0;
        await page.GetByTestId(button).ClickAsync();
        var done = page.Locator($"[data-testid='cards'][data-call='{calls + 1}']");
        await done.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        Assert.True(await done.GetAttributeAsync("data-state") == "ready",
            $"{hook} failed: {await page.GetByTestId("call-error").InnerTextAsync()}\n{await page.GetByTestId("response-json").InnerTextAsync()}");
        Assert.Equal(hook, await done.GetAttributeAsync("data-hook"));
    }

    private static async Task AssertCandidateCardsAsync(IPage page)
    {
        var assessment = page.Locator("[data-testid='card'][data-topic='assessment']");
        Assert.Equal(1, await assessment.CountAsync());
        Assert.Equal("candidate", await assessment.GetAttributeAsync("data-decision"));
        Assert.Equal("aortic", await assessment.GetAttributeAsync("data-valve"));
        Assert.Equal("yes", await assessment.GetAttributeAsync("data-bridge-to-tavr"));
        Assert.Equal("info", await assessment.GetAttributeAsync("data-indicator"));
        Assert.Contains("Valvuloplasty.Fhir decision support", await assessment.GetByTestId("card-source").InnerTextAsync(), StringComparison.Ordinal);
        // The markdown detail is rendered: bold, lists and the evidence table.
        var detail = assessment.GetByTestId("card-detail");
        Assert.StartsWith("Candidate for balloon aortic valvuloplasty", await detail.Locator("strong").First.InnerTextAsync(), StringComparison.Ordinal);
        Assert.True(await detail.Locator("ul > li").CountAsync() >= 2);
        Assert.Equal("Measurement", await detail.Locator("table th").First.InnerTextAsync());
        var link = assessment.GetByTestId("card-link").First;
        Assert.Equal("_blank", await link.GetAttributeAsync("target"));
        Assert.Contains("noopener", await link.GetAttributeAsync("rel") ?? "", StringComparison.Ordinal);

        var bridge = page.Locator("[data-testid='card'][data-topic='bridge-to-tavr']");
        Assert.Equal(1, await bridge.CountAsync());
        Assert.StartsWith("Bridge to TAVR", await bridge.GetByTestId("card-summary").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("Refer for TAVR evaluation", await bridge.GetByTestId("suggestion").First.InnerTextAsync());
    }

    private static async Task<JsonNode> RequestJsonAsync(IPage page) =>
        JsonNode.Parse(await page.GetByTestId("request-json").InnerTextAsync())!;

    private static async Task<JsonNode> FeedbackJsonAsync(IPage page)
    {
        Assert.Equal("HTTP 200", await page.GetByTestId("feedback-status").InnerTextAsync());
        return JsonNode.Parse(await page.GetByTestId("feedback-request-json").InnerTextAsync())!;
    }

    private static ILocator Row(IPage page, string serviceId, string topic) =>
        page.Locator($"[data-testid='analytics-row'][data-service-id='{serviceId}'][data-topic='{topic}']");

    /// <summary>
    /// Refreshes the analytics table until the count for (service, topic, field) satisfies <paramref name="until"/>
    /// (the service writes its card ledger in the background), and returns it; 0 when there is no row yet.
    /// </summary>
    private static async Task<int> AnalyticsAsync(IPage page, string serviceId, string topic, string field, Func<int, bool> until)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        var table = page.GetByTestId("analytics-table");
        while (true)
        {
            await page.GetByTestId("analytics-refresh").ClickAsync();
            await page.Locator("[data-testid='analytics-table'][data-state='ready']").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
            var cell = Row(page, serviceId, topic).Locator($"[data-field='{field}']");
            var count = await cell.CountAsync() == 0 ? 0 : int.Parse(await cell.InnerTextAsync(), CultureInfo.InvariantCulture);
            var issued = await Row(page, serviceId, topic).CountAsync() > 0;
            if ((issued && until(count)) || DateTime.UtcNow > deadline)
            {
                Assert.True(issued, $"no analytics row for {serviceId}/{topic}: {await table.InnerTextAsync()}");
                return count;
            }

            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
    }

    private static void AssertNoErrors(List<string> errors) =>
        Assert.True(errors.Count == 0, "The page reported errors:\n" + string.Join("\n", errors));

    private static async Task AssertNothingRanAsync(IPage page)
    {
        Assert.True(await page.EvaluateAsync<bool>("() => typeof window.__xss === 'undefined'"), "window.__xss was set: markup ran");
        Assert.Equal(0, await page.GetByTestId("cards").Locator("script, img, iframe, object, embed").CountAsync());
        Assert.Equal(0, await page.GetByTestId("patient-list").Locator("script, img").CountAsync());
        Assert.Equal(0, await page.Locator("[onerror], [onload], a[href^='javascript:']").CountAsync());
    }

    /// <summary>Text as the service escapes it for markdown (Cards/Markdown.Escape).</summary>
    private static string Escaped(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal)
            .Replace("_", "\\_", StringComparison.Ordinal).Replace("*", "\\*", StringComparison.Ordinal).Replace("|", "\\|", StringComparison.Ordinal);
}
