using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Valvuloplasty.Fhir.Cards;
using Valvuloplasty.Fhir.Data.Worklist;
using Valvuloplasty.Fhir.IntegrationTests.Infrastructure;
using Valvuloplasty.Fhir.Rules.Engine;
using Valvuloplasty.Fhir.Worklist;

namespace Valvuloplasty.Fhir.IntegrationTests.Browser;

/// <summary>
/// A real scan first: the synthetic patients written as a Bulk Data export would write them (one NDJSON file per
/// resource type, one resource per line), scanned by the worklist program into a SQLite store. Then the host
/// (Development, sandbox on) on that store, and one headless system Chromium for the class. Without Chromium every
/// test skips, saying why: the browser is never downloaded.
/// </summary>
public sealed class WorklistBrowserFixture : IAsyncLifetime
{
    /// <summary>The scan's as-of date: the date the synthetic patients and their expected outcomes are written for.</summary>
    public const string AsOf = "2026-11-28";

    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private CdsTestHost? _host;

    /// <summary>Why the browser tests cannot run here, or null when they can.</summary>
    public string? SkipReason { get; private set; }

    /// <summary>The lines the scan wrote to its <c>--out</c> file: what the page must show.</summary>
    public IReadOnlyList<WorklistLine> Lines { get; private set; } = [];

    public CdsTestHost Host => _host ?? throw new InvalidOperationException(SkipReason);

    public async ValueTask InitializeAsync()
    {
        SkipReason = Chromium.SkipReason;
        if (SkipReason is not null)
        {
            return;
        }

        var folder = Path.Combine(Path.GetTempPath(), "valvuloplasty-tests", $"worklist-{Guid.NewGuid():N}");
        var export = Path.Combine(folder, "export");
        var output = Path.Combine(folder, "worklist.ndjson");
        var database = Path.Combine(folder, "feedback.db");
        SyntheticPatients.WriteBulkExport(export);

        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await WorklistCommand.RunAsync(
            ["scan", "--ndjson", export, "--out", output, "--store", database, "--as-of", AsOf, "--quiet"], stdout, stderr, CancellationToken.None);
        if (exit != 0)
        {
            throw new InvalidOperationException($"worklist scan exited with {exit}:\n{stdout}\n{stderr}");
        }

        var web = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Lines = [.. File.ReadLines(output).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<WorklistLine>(l, web)!)];

        _host = new CdsTestHost(databasePath: database);
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

        return await Chromium.NewPageAsync(_browser!, Host.Client.BaseAddress!.GetLeftPart(UriPartial.Authority));
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
/// <c>/worklist</c> in a real headless Chromium over a run the worklist program stored: the chart, the table, sorting,
/// filtering, and (in Development) a patient's link to the sandbox page's cards.
/// </summary>
public sealed class WorklistPageTests(WorklistBrowserFixture fixture) : IClassFixture<WorklistBrowserFixture>
{
    [Fact]
    public async Task WorklistPage_AfterAScan_ShowsTheRunAndABarPerValveAndDecisionWithItsCount()
    {
        var (page, errors) = await fixture.NewPageAsync();

        await OpenAsync(page);

        var lines = fixture.Lines;
        Assert.NotEmpty(lines);
        var run = page.GetByTestId("worklist-run");
        Assert.Equal(WorklistBrowserFixture.AsOf, await run.Locator("[data-field='as-of']").InnerTextAsync());
        Assert.Equal(lines.Select(l => l.PatientId).Distinct().Count().ToString(System.Globalization.CultureInfo.InvariantCulture),
            await run.Locator("[data-field='patients']").InnerTextAsync());
        Assert.Equal(lines.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), await run.Locator("[data-field='lines']").InnerTextAsync());
        Assert.StartsWith("ndjson:", await run.Locator("[data-field='source']").InnerTextAsync(), StringComparison.Ordinal);

        var chart = page.GetByTestId("worklist-chart");
        Assert.Equal("img", await chart.GetAttributeAsync("role"));
        Assert.Equal("Worklist lines per valve and decision", await chart.Locator("> title").TextContentAsync());
        var label = await chart.GetAttributeAsync("aria-label") ?? "";
        var expected = lines.GroupBy(l => (l.Valve, l.Decision)).ToDictionary(g => g.Key, g => g.Count());
        var bars = new Dictionary<(string, string), int>();
        foreach (var bar in await chart.GetByTestId("chart-bar").AllAsync())
        {
            var key = (await bar.GetAttributeAsync("data-valve") ?? "", await bar.GetAttributeAsync("data-decision") ?? "");
            var count = int.Parse(await bar.GetByTestId("chart-count").TextContentAsync() ?? "", System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal((await bar.GetAttributeAsync("data-count"))!, count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(await bar.Locator("rect").CountAsync() == 1, $"one bar for {key}");
            Assert.Contains($"{key.Item2} {count}", label, StringComparison.Ordinal);
            bars.Add(key, count);
        }

        Assert.Equal(expected.OrderBy(e => e.Key), bars.OrderBy(b => b.Key));
        // Grouped by valve: each valve's bars sit in its own group, headed by the valve's name.
        foreach (var valve in expected.Keys.Select(k => k.Valve).Distinct())
        {
            var group = chart.Locator($"[data-testid='chart-valve'][data-valve='{valve}']");
            Assert.Equal(valve, await group.Locator("text.chart-valve").TextContentAsync());
            Assert.Equal(expected.Count(e => e.Key.Valve == valve), await group.GetByTestId("chart-bar").CountAsync());
        }

        AssertNoErrors(errors);
    }

    [Fact]
    public async Task WorklistPage_AfterAScan_HasOneRowPerLineWithItsContent()
    {
        var (page, errors) = await fixture.NewPageAsync();

        await OpenAsync(page);

        var rows = page.GetByTestId("worklist-row");
        Assert.Equal(fixture.Lines.Select(l => (l.PatientId, l.Valve, l.Decision)).Order(), (await RowKeysAsync(rows)).Order());

        // The scan agrees with what the hook decides for each synthetic patient (expected.json); no card, no line.
        foreach (var outcome in SyntheticPatients.Expected)
        {
            var row = page.Locator($"[data-testid='worklist-row'][data-patient-id='{outcome.PatientId}'][data-valve='{outcome.Valve}']");
            Assert.Equal(outcome.Decision == ExpectedOutcome.NoCard ? 0 : 1, await row.CountAsync());
            if (outcome.Decision != ExpectedOutcome.NoCard)
            {
                Assert.Equal(outcome.Decision, await row.GetAttributeAsync("data-decision"));
            }
        }

        foreach (var line in fixture.Lines)
        {
            var row = page.Locator($"[data-testid='worklist-row'][data-patient-id='{line.PatientId}'][data-valve='{line.Valve}']");
            Assert.Equal(line.Summary, await Cell(row, "summary").InnerTextAsync());
            Assert.Equal(line.BridgeToTavr ?? "", await Cell(row, "bridge").InnerTextAsync());
            Assert.Equal(line.Codes, await Cell(row, "codes").Locator("code").AllInnerTextsAsync());
            Assert.Equal(line.NextSteps, await Cell(row, "next-steps").Locator("li").AllInnerTextsAsync());
            var evidence = await Cell(row, "evidence").Locator("li").AllInnerTextsAsync();
            Assert.Equal(line.Evidence.Count, evidence.Count);
            foreach (var (item, text) in line.Evidence.Zip(evidence))
            {
                Assert.StartsWith(item.Name, text, StringComparison.Ordinal);
                Assert.EndsWith($"({item.Date})", text, StringComparison.Ordinal);
                if (item.Value is { } value)
                {
                    Assert.Contains(value.ToString(System.Globalization.CultureInfo.InvariantCulture), text, StringComparison.Ordinal);
                }
            }
        }

        AssertNoErrors(errors);
    }

    [Fact]
    public async Task WorklistPage_ClickingAHeader_SortsByThatColumn_AndAgainReversesIt()
    {
        var (page, errors) = await fixture.NewPageAsync();
        await OpenAsync(page);
        var rows = page.GetByTestId("worklist-row");
        var decisions = Enum.GetValues<Decision>().Select(CardText.Wire).ToList();

        await page.GetByTestId("sort-decision").ClickAsync();
        var ascending = (await RowKeysAsync(rows)).Select(r => decisions.IndexOf(r.Decision)).ToList();
        Assert.Equal("ascending", await page.Locator("th[data-field='decision']").GetAttributeAsync("aria-sort"));
        Assert.Equal(ascending.Order(), ascending);
        Assert.True(ascending.Distinct().Count() > 1, "the scan yields several decisions, so the order is tested");

        await page.GetByTestId("sort-decision").ClickAsync();
        var descending = (await RowKeysAsync(rows)).Select(r => decisions.IndexOf(r.Decision)).ToList();
        Assert.Equal("descending", await page.Locator("th[data-field='decision']").GetAttributeAsync("aria-sort"));
        Assert.Equal(descending.OrderDescending(), descending);

        // Another column: sorted by it alone (patient ids are lowercase words and hyphens, ordered alike everywhere).
        await page.GetByTestId("sort-patient").ClickAsync();
        var patients = (await RowKeysAsync(rows)).Select(r => r.PatientId).ToList();
        Assert.Null(await page.Locator("th[data-field='decision']").GetAttributeAsync("aria-sort"));
        Assert.Equal("ascending", await page.Locator("th[data-field='patient']").GetAttributeAsync("aria-sort"));
        Assert.Equal(fixture.Lines.Select(l => l.PatientId).Order(StringComparer.Ordinal), patients);
        AssertNoErrors(errors);
    }

    [Fact]
    public async Task WorklistPage_TypingInTheFilterOrChoosingAValveAndDecision_HidesRowsThatDoNotMatch()
    {
        var (page, errors) = await fixture.NewPageAsync();
        await OpenAsync(page);
        var visible = page.Locator("[data-testid='worklist-row']:visible");
        var lines = fixture.Lines;
        var target = lines.First(l => !lines.Any(o => o != l && o.PatientId.Contains(l.PatientId, StringComparison.Ordinal)));

        await page.GetByTestId("worklist-filter").FillAsync(target.PatientId.ToUpperInvariant());

        Assert.Equal([(target.PatientId, target.Valve, target.Decision)], await RowKeysAsync(visible));
        Assert.Equal($"1 of {lines.Count} lines shown", await page.GetByTestId("worklist-shown").InnerTextAsync());

        await page.GetByTestId("worklist-filter").FillAsync("");
        var (valve, decision) = lines.GroupBy(l => (l.Valve, l.Decision)).OrderByDescending(g => g.Count()).First().Key;
        await page.GetByTestId("worklist-group").SelectOptionAsync($"{valve}|{decision}");
        Assert.Equal(lines.Where(l => l.Valve == valve && l.Decision == decision).Select(l => (l.PatientId, l.Valve, l.Decision)).Order(),
            (await RowKeysAsync(visible)).Order());

        await page.GetByTestId("worklist-group").SelectOptionAsync($"{valve}|");
        Assert.Equal(lines.Count(l => l.Valve == valve), await visible.CountAsync());

        await page.GetByTestId("worklist-filter").FillAsync("no line says this");
        Assert.Equal(0, await visible.CountAsync());
        Assert.True(await page.GetByTestId("worklist-none").IsVisibleAsync());

        await page.GetByTestId("worklist-filter").FillAsync("");
        await page.GetByTestId("worklist-group").SelectOptionAsync("");
        Assert.Equal(lines.Count, await visible.CountAsync());
        AssertNoErrors(errors);
    }

    [Fact]
    public async Task WorklistPage_InDevelopment_APatientsLinkOpensTheSandboxPageWithThatPatientsCards()
    {
        var (page, errors) = await fixture.NewPageAsync();
        await OpenAsync(page);
        var line = fixture.Lines.First(l => l.Decision == "candidate");
        var row = page.Locator($"[data-testid='worklist-row'][data-patient-id='{line.PatientId}'][data-valve='{line.Valve}']");

        await row.GetByTestId("sandbox-link").ClickAsync();

        await page.WaitForURLAsync($"**/?patient={line.PatientId}");
        var cards = page.Locator("[data-testid='cards'][data-call='1']");
        await cards.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        Assert.Equal("ready", await cards.GetAttributeAsync("data-state"));
        Assert.Equal("patient-view", await cards.GetAttributeAsync("data-hook"));
        Assert.True(await page.Locator($"[data-testid='patient'][data-patient-id='{line.PatientId}'] input[type='radio']").IsCheckedAsync());
        var request = JsonNode.Parse(await page.GetByTestId("request-json").InnerTextAsync())!;
        Assert.Equal(line.PatientId, request["context"]!["patientId"]!.GetValue<string>());
        // The hook's assessment card says what the worklist line says.
        var assessment = page.Locator($"[data-testid='card'][data-topic='assessment'][data-valve='{line.Valve}']");
        Assert.Equal(line.Decision, await assessment.GetAttributeAsync("data-decision"));
        Assert.Equal(line.Summary, await assessment.GetByTestId("card-summary").InnerTextAsync());
        AssertNoErrors(errors);
    }

    private static async Task OpenAsync(IPage page)
    {
        var response = await page.GotoAsync("/worklist");
        Assert.NotNull(response);
        Assert.True(response.Ok, $"GET /worklist answered {response.Status}");
        await page.Locator("body[data-ready='true']").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
    }

    private static ILocator Cell(ILocator row, string field) => row.Locator($"td[data-field='{field}']");

    private static async Task<List<(string PatientId, string Valve, string Decision)>> RowKeysAsync(ILocator rows)
    {
        var keys = new List<(string, string, string)>();
        foreach (var row in await rows.AllAsync())
        {
            keys.Add((await row.GetAttributeAsync("data-patient-id") ?? "", await row.GetAttributeAsync("data-valve") ?? "", await row.GetAttributeAsync("data-decision") ?? ""));
        }

        return keys;
    }

    private static void AssertNoErrors(List<string> errors) =>
        Assert.True(errors.Count == 0, string.Join("\n", errors));
}
