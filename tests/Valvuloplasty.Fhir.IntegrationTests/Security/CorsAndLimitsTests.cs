using System.Net;
using Valvuloplasty.Fhir.IntegrationTests.Infrastructure;
using Valvuloplasty.Fhir.IntegrationTests.Protocol;

namespace Valvuloplasty.Fhir.IntegrationTests.Security;

/// <summary>CORS for browser clients (the public sandbox), the per-issuer rate limit, and refused configurations.</summary>
public sealed class CorsAndLimitsTests
{
    private const string Sandbox = "https://sandbox.cds-hooks.org";

    [Fact]
    public async Task Preflight_FromTheSandboxInDevelopment_GetsTheCorsHeaders()
    {
        using var host = new CdsTestHost();
        using var preflight = Preflight(Requests.PatientView, Sandbox);

        var response = await host.Client.SendAsync(preflight, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(Sandbox, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("POST", string.Join(",", response.Headers.GetValues("Access-Control-Allow-Methods")), StringComparison.Ordinal);
        var headers = string.Join(",", response.Headers.GetValues("Access-Control-Allow-Headers"));
        Assert.Contains("authorization", headers, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("content-type", headers, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Preflight_FromAnUnlistedOrigin_GetsNoCorsHeaders()
    {
        using var host = new CdsTestHost(new Dictionary<string, string?> { ["Cors:AllowedOrigins:0"] = "https://ehr-ui.example.org" });
        using var preflight = Preflight(Requests.PatientView, Sandbox);

        var response = await host.Client.SendAsync(preflight, TestContext.Current.CancellationToken);

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task ConfiguredOrigin_IsAllowed()
    {
        using var host = new CdsTestHost(new Dictionary<string, string?> { ["Cors:AllowedOrigins:0"] = "https://ehr-ui.example.org" });
        using var preflight = Preflight("/cds-services", "https://ehr-ui.example.org", "GET");

        var response = await host.Client.SendAsync(preflight, TestContext.Current.CancellationToken);

        Assert.Equal("https://ehr-ui.example.org", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task ErrorResponses_CarryTheCorsHeaders_401And400()
    {
        using var keys = EhrKey.Es384();
        var jwks = Path.Combine(Path.GetTempPath(), $"{Guid.NewGuid():N}.jwks.json");
        await File.WriteAllTextAsync(jwks, EhrKey.Jwks(keys), TestContext.Current.CancellationToken);
        using var secured = new CdsTestHost(new Dictionary<string, string?>
        {
            ["Security:RequireAuthentication"] = "true",
            ["Security:Issuers:0:Issuer"] = "https://ehr.example.org",
            ["Security:Issuers:0:JwksFile"] = jwks,
        });
        using var open = new CdsTestHost();

        using var unauthorized = new HttpRequestMessage(HttpMethod.Post, Requests.PatientView) { Content = Requests.Json("{}") };
        unauthorized.Headers.Add("Origin", Sandbox);
        using var malformed = new HttpRequestMessage(HttpMethod.Post, Requests.PatientView) { Content = Requests.Json("{") };
        malformed.Headers.Add("Origin", Sandbox);

        var refused = await secured.Client.SendAsync(unauthorized, TestContext.Current.CancellationToken);
        var bad = await open.Client.SendAsync(malformed, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(Sandbox, refused.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(Sandbox, bad.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task RateLimit_PerIssuer_Returns429WithAnOperationOutcome()
    {
        using var host = new CdsTestHost(new Dictionary<string, string?> { ["Security:RateLimitPerMinute"] = "2" });
        var request = Requests.Example("patient-view-aortic-bav-candidate.json");

        var first = await Requests.PostAsync(host.Client, Requests.PatientView, request);
        var second = await Requests.PostAsync(host.Client, Requests.PatientView, request);
        var third = await Requests.PostAsync(host.Client, Requests.PatientView, request);

        Assert.Equal(HttpStatusCode.OK, first.Response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.Response.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.Response.StatusCode);
        HookCallTests.AssertOutcome(third.Body);
    }

    [Fact]
    public async Task RateLimit_IsOffByDefault()
    {
        using var host = new CdsTestHost();
        var request = Requests.Example("patient-view-aortic-bav-candidate.json");

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Requests.PostAsync(host.Client, Requests.PatientView, request)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.Response.StatusCode));
    }

    [Theory]
    [InlineData("Security:RequireAuthentication", "false", "RequireAuthentication can be false only in the Development environment")]
    [InlineData("Security:TrustSandbox", "true", "refused outside the Development environment")]
    public void Startup_OutsideDevelopment_RefusesUnsafeSettings(string key, string value, string message)
    {
        using var host = new CdsTestHost(new Dictionary<string, string?>
        {
            [key] = value,
            ["Security:Issuers:0:Issuer"] = "https://ehr.example.org",
            ["Security:Issuers:0:JwksUri"] = "https://ehr.example.org/jwks.json",
        }, environment: "Production");

        var error = Assert.ThrowsAny<Exception>(() => host.Client);

        Assert.Contains(message, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Startup_AuthenticationOnWithoutIssuers_IsRefused()
    {
        using var host = new CdsTestHost(new Dictionary<string, string?> { ["Security:RequireAuthentication"] = "true" }, environment: "Production");

        var error = Assert.ThrowsAny<Exception>(() => host.Client);

        Assert.Contains("no issuer is trusted", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Startup_HmacAlgorithmConfigured_IsRefused()
    {
        using var host = new CdsTestHost(new Dictionary<string, string?>
        {
            ["Security:RequireAuthentication"] = "true",
            ["Security:Issuers:0:Issuer"] = "https://ehr.example.org",
            ["Security:Issuers:0:JwksUri"] = "https://ehr.example.org/jwks.json",
            ["Security:Issuers:0:Algorithms:0"] = "HS256",
        });

        var error = Assert.ThrowsAny<Exception>(() => host.Client);

        Assert.Contains("'HS256' is not accepted", error.ToString(), StringComparison.Ordinal);
    }

    private static HttpRequestMessage Preflight(string path, string origin, string method = "POST")
    {
        var message = new HttpRequestMessage(HttpMethod.Options, path);
        message.Headers.Add("Origin", origin);
        message.Headers.Add("Access-Control-Request-Method", method);
        message.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        return message;
    }
}
