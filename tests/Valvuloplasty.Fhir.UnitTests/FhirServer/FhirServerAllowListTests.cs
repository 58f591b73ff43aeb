using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Valvuloplasty.Fhir.Data.FhirServer;

namespace Valvuloplasty.Fhir.UnitTests.FhirServer;

public sealed class FhirServerAllowListTests
{
    private static FhirServerAllowList AllowList(string environment, bool? allowLoopback = null, bool? requireHttps = null, params string[] allowed) =>
        new(Options.Create(new FhirServerOptions { AllowedServers = [.. allowed], AllowLoopback = allowLoopback, RequireHttps = requireHttps }), new Environment(environment));

    [Theory]
    [InlineData("https://ehr.example.org/fhir", true)]
    [InlineData("https://ehr.example.org/fhir/", true)]
    [InlineData("https://ehr.example.org/fhir/r4", true)]
    [InlineData("https://ehr.example.org/fhirx", false)]
    [InlineData("https://ehr.example.org/other", false)]
    [InlineData("https://ehr.example.org:8443/fhir", false)]
    [InlineData("https://evil.example.org/fhir", false)]
    [InlineData("http://ehr.example.org/fhir", false)]
    [InlineData("https://ehr.example.org/fhir?x=1", false)]
    [InlineData("https://user:pw@ehr.example.org/fhir", false)]
    public void Production_OnlyListedServersUnderTheirPath(string fhirServer, bool allowed)
    {
        var list = AllowList(Environments.Production, allowed: "https://ehr.example.org/fhir");

        Assert.Equal(allowed, list.Refusal(new Uri(fhirServer)) is null);
    }

    [Theory]
    [InlineData("http://localhost:8080/fhir")]
    [InlineData("http://127.0.0.1:5080/sandbox/fhir")]
    public void Development_AllowsLoopbackByDefault(string fhirServer)
    {
        Assert.Null(AllowList(Environments.Development).Refusal(new Uri(fhirServer)));
        Assert.NotNull(AllowList(Environments.Production).Refusal(new Uri(fhirServer)));
    }

    [Fact]
    public void Development_DoesNotAllowRemoteServersByDefault()
    {
        Assert.NotNull(AllowList(Environments.Development).Refusal(new Uri("https://ehr.example.org/fhir")));
    }

    [Fact]
    public void Production_RequiresHttpsByDefault_EvenWhenListed()
    {
        var refusal = AllowList(Environments.Production, allowed: "http://ehr.example.org/fhir").Refusal(new Uri("http://ehr.example.org/fhir"));

        Assert.Contains("https", refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Production", null, true)]      // https required by default outside Development
    [InlineData("Production", true, true)]
    [InlineData("Development", true, true)]
    [InlineData("Development", null, false)]    // Development: http allowed unless required
    [InlineData("Production", false, false)]    // explicitly off
    public void Options_HttpEntryWhileHttpsIsRequired_IsRefusedAtStartUp(string environment, bool? requireHttps, bool refused)
    {
        var options = new FhirServerOptions { AllowedServers = ["https://ok.example.org/fhir", "http://ehr.example.org/fhir"], RequireHttps = requireHttps };

        var result = new FhirServerOptionsEnvironmentValidation(new Environment(environment)).Validate(null, options);

        Assert.Equal(refused, result.Failed);
        if (refused)
        {
            var message = Assert.Single(result.Failures!);
            Assert.Contains("Fhir:AllowedServers:1", message, StringComparison.Ordinal);
            Assert.Contains("Fhir:RequireHttps", message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Options_LoopbackHttpEntry_IsAllowedWhenLoopbackIs()
    {
        var options = new FhirServerOptions { AllowedServers = ["http://127.0.0.1:8080/fhir"], RequireHttps = true, AllowLoopback = true };

        Assert.True(new FhirServerOptionsEnvironmentValidation(new Environment("Production")).Validate(null, options).Succeeded);
    }

    private sealed class Environment(string name) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = name;
        public string ApplicationName { get; set; } = "tests";
        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}
