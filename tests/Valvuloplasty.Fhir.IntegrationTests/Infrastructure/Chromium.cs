using Microsoft.Playwright;

namespace Valvuloplasty.Fhir.IntegrationTests.Infrastructure;

/// <summary>
/// The system Chromium (Debian's package) for the browser tests: launched headless by Playwright, never downloaded.
/// Without it the browser tests skip, saying why.
/// </summary>
public static class Chromium
{
    /// <summary>Overrides the Chromium executable (default <see cref="DefaultPath"/>).</summary>
    public const string Variable = "VALVULOPLASTY_CHROMIUM";

    public const string DefaultPath = "/usr/bin/chromium";

    public static string Path => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } path ? path : DefaultPath;

    /// <summary>Why the browser tests cannot run here, or null when they can.</summary>
    public static string? SkipReason => File.Exists(Path)
        ? null
        : $"Chromium not found at {Path}: install the Debian package 'chromium' (or set {Variable} to a Chromium executable). Browsers are never downloaded.";

    public static Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        ArgumentNullException.ThrowIfNull(playwright);
        return playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Path,
            Headless = true,
            Timeout = 60_000,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
            ],
        });
    }

    /// <summary>
    /// A fresh context and page on <paramref name="origin"/>; page errors, console errors and HTTP responses of 400 or
    /// more are collected, for a test to assert there were none.
    /// </summary>
    public static async Task<(IPage Page, List<string> Errors)> NewPageAsync(IBrowser browser, string origin)
    {
        ArgumentNullException.ThrowIfNull(browser);
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = origin, Locale = "en-GB" });
        context.SetDefaultTimeout(20_000);
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add($"page error: {error}");
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add($"console error: {message.Text} ({message.Location})");
            }
        };
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                errors.Add($"HTTP {response.Status}: {response.Request.Method} {response.Url}");
            }
        };
        return (page, errors);
    }
}
