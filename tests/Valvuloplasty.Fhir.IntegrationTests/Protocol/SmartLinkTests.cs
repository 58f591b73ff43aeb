using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Valvuloplasty.Fhir.CdsHooks.Security;
using Valvuloplasty.Fhir.CdsHooks.Smart;
using Valvuloplasty.Fhir.IntegrationTests.Infrastructure;

namespace Valvuloplasty.Fhir.IntegrationTests.Protocol;

/// <summary>
/// The assessment card's link to the SMART app (CDS Hooks <c>smart</c> link): with <c>Smart:LaunchUrl</c>, its URL and
/// the valve as appContext on every assessment card and nowhere else; this host's /smart/launch.html in Development
/// when unset; none outside Development without the option; a bad option stops start-up.
/// </summary>
public sealed class SmartLinkTests
{
    private const string LaunchUrl = "https://apps.example.org/valvuloplasty/smart/launch.html";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static async Task<IReadOnlyList<JsonElement>> PatientViewCardsAsync(CdsTestHost host, string patient)
    {
        var file = SyntheticPatients.Expected.Single(p => p.PatientId == patient).File;
        var (_, body) = await Requests.PostAsync(host.Client, Requests.PatientView, SyntheticPatients.PatientView(file));
        return CardContract.AssertValid(body);
    }

    private static JsonElement[] SmartLinks(JsonElement card) =>
        card.TryGetProperty("links", out var links) ? [.. links.EnumerateArray().Where(l => l.GetProperty("type").GetString() == "smart")] : [];

    [Theory]
    [InlineData("aortic-candidate", "aortic")]
    [InlineData("mitral-candidate", "mitral")]
    [InlineData("pulmonary-candidate", "pulmonary")]
    [InlineData("aortic-insufficient-data", "aortic")]
    public async Task WithTheOption_EveryAssessmentCardLinksToTheApp_WithItsValve(string patient, string valve)
    {
        using var host = new CdsTestHost(new Dictionary<string, string?> { ["Smart:LaunchUrl"] = LaunchUrl });

        var cards = await PatientViewCardsAsync(host, patient);

        var assessment = cards.Single(c => CardContract.Contract(c).Topic == "assessment");
        var link = Assert.Single(SmartLinks(assessment));
        Assert.Equal("Echo trend and patient handout", link.GetProperty("label").GetString());
        Assert.Equal(LaunchUrl, link.GetProperty("url").GetString());
        Assert.Equal(JsonValueKind.String, link.GetProperty("appContext").ValueKind);
        Assert.Equal($"{{\"valve\":\"{valve}\"}}", link.GetProperty("appContext").GetString());
        Assert.All(cards.Where(c => CardContract.Contract(c).Topic != "assessment"), c => Assert.Empty(SmartLinks(c)));
    }

    [Fact]
    public async Task InDevelopment_WithoutTheOption_TheLinkIsThisHostsLaunchPage()
    {
        using var host = new CdsTestHost();

        var cards = await PatientViewCardsAsync(host, "aortic-candidate");

        var link = Assert.Single(SmartLinks(cards.Single(c => CardContract.Contract(c).Topic == "assessment")));
        Assert.Equal($"{host.Client.BaseAddress!.GetLeftPart(UriPartial.Authority)}/smart/launch.html", link.GetProperty("url").GetString());
    }

    [Theory]
    [InlineData("Production", null, null)]
    [InlineData("Production", LaunchUrl, LaunchUrl)]
    [InlineData("Development", null, "http://ehr-facing.example.org:8080/smart/launch.html")]
    public void LaunchUrl_PerEnvironment(string environment, string? configured, string? expected)
    {
        var links = new SmartLaunchLinks(
            Options.Create(new SmartOptions { LaunchUrl = configured }),
            Options.Create(new SecurityOptions()),
            new Environment(environment));
        var context = new DefaultHttpContext();
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("ehr-facing.example.org", 8080);

        Assert.Equal(expected, links.For(context.Request)?.AbsoluteUri);
    }

    [Theory]
    [InlineData("Development", "not a url")]
    [InlineData("Development", "/smart/launch.html")]
    [InlineData("Development", "ftp://apps.example.org/launch.html")]
    [InlineData("Production", "http://apps.example.org/smart/launch.html")]
    public void ABadLaunchUrl_StopsStartUp(string environment, string launchUrl)
    {
        using var host = new CdsTestHost(new Dictionary<string, string?>
        {
            ["Smart:LaunchUrl"] = launchUrl,
            ["Security:Issuers:0:Issuer"] = "https://ehr.example.org",
            ["Security:Issuers:0:JwksUri"] = "https://ehr.example.org/jwks.json",
            ["Security:RequireAuthentication"] = "true",
        }, environment: environment);

        var error = Assert.ThrowsAny<Exception>(() => host.Client);
        Assert.Contains("Smart:LaunchUrl", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnHttpLaunchUrl_IsAcceptedInDevelopment()
    {
        using var host = new CdsTestHost(new Dictionary<string, string?> { ["Smart:LaunchUrl"] = "http://localhost:5080/smart/launch.html" });

        var cards = await PatientViewCardsAsync(host, "mitral-candidate");

        Assert.Equal("http://localhost:5080/smart/launch.html", SmartLinks(cards.Single(c => CardContract.Contract(c).Topic == "assessment"))[0].GetProperty("url").GetString());
        Assert.True((await host.Client.GetAsync("/health/live", Cancel)).IsSuccessStatusCode);
    }

    private sealed class Environment(string name) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = name;
        public string ApplicationName { get; set; } = "Valvuloplasty.Fhir.CdsHooks";
        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;
        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = new Microsoft.Extensions.FileProviders.NullFileProvider();
    }
}
