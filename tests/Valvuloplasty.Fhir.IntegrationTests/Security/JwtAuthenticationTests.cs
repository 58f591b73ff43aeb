using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Valvuloplasty.Fhir.IntegrationTests.Infrastructure;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Valvuloplasty.Fhir.IntegrationTests.Security;

/// <summary>
/// EHR JWTs signed with real generated ES384 and RS384 keys, against the real host: every way a token can be
/// wrong gets 401 (with WWW-Authenticate: Bearer, no body); valid tokens get through.
/// </summary>
public sealed class JwtAuthenticationTests : IDisposable
{
    private const string EcIssuer = "https://ehr.example.org";
    private const string RsaIssuer = "https://rsa-ehr.example.org";
    private const string TenantIssuer = "https://tenant-ehr.example.org";
    private const string JkuIssuer = "https://jku-ehr.example.org";

    private readonly EhrKey _ec = EhrKey.Es384();
    private readonly EhrKey _rsa = EhrKey.Rs384();
    private readonly EhrKey _stranger = EhrKey.Es384();
    private readonly FhirServerStub _jwksServer = new();
    private readonly string _ecJwksFile;
    private readonly CdsTestHost _host;

    public JwtAuthenticationTests()
    {
        var folder = Path.Combine(Path.GetTempPath(), "valvuloplasty-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        _ecJwksFile = Path.Combine(folder, "ec.jwks.json");
        File.WriteAllText(_ecJwksFile, EhrKey.Jwks(_ec));
        var rsaJwksFile = Path.Combine(folder, "rsa.jwks.json");
        File.WriteAllText(rsaJwksFile, EhrKey.Jwks(_rsa));
        _jwksServer.Server.Given(Request.Create().WithPath("/jwks.json").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithBody(EhrKey.Jwks(_stranger)));

        _host = new CdsTestHost(new Dictionary<string, string?>
        {
            ["Security:RequireAuthentication"] = "true",
            ["Security:Issuers:0:Issuer"] = EcIssuer,
            ["Security:Issuers:0:JwksFile"] = _ecJwksFile,
            ["Security:Issuers:1:Issuer"] = RsaIssuer,
            ["Security:Issuers:1:JwksFile"] = rsaJwksFile,
            ["Security:Issuers:2:Issuer"] = TenantIssuer,
            ["Security:Issuers:2:JwksFile"] = _ecJwksFile,
            ["Security:Issuers:2:Tenants:0"] = "tenant-a",
            // A jku is only ever fetched when allow-listed; https is required in configuration, so this issuer
            // names a loopback https URL that is never reached and the test below checks the refusal.
            ["Security:Issuers:3:Issuer"] = JkuIssuer,
            ["Security:Issuers:3:AllowedJku:0"] = "https://keys.jku-ehr.example.org/jwks.json",
        });
    }

    private string Audience(string path) => $"{_host.Client.BaseAddress!.ToString().TrimEnd('/')}{path}";

    private async Task<HttpResponseMessage> CallAsync(string? token, string path = Requests.PatientView)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, path) { Content = Requests.Json(Requests.Example("patient-view-aortic-bav-candidate.json")) };
        if (token is not null)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await _host.Client.SendAsync(message, TestContext.Current.CancellationToken);
    }

    /// <summary>
    /// 401, <c>WWW-Authenticate: Bearer</c> (with <c>error="invalid_token"</c> when a token was sent) and an
    /// OperationOutcome (code login) that names the failed check and never echoes the token.
    /// </summary>
    private static async Task AssertRefused(HttpResponseMessage response, string? token = null, string? reason = null)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = response.Headers.WwwAuthenticate.Single();
        Assert.Equal("Bearer", challenge.Scheme);
        if (token is not null)
        {
            Assert.Contains("error=\"invalid_token\"", challenge.Parameter, StringComparison.Ordinal);
        }

        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        using var outcome = JsonDocument.Parse(body);
        Assert.Equal("OperationOutcome", outcome.RootElement.GetProperty("resourceType").GetString());
        Assert.Equal("login", outcome.RootElement.GetProperty("issue")[0].GetProperty("code").GetString());
        if (token is { Length: > 12 })
        {
            Assert.DoesNotContain(token, body, StringComparison.Ordinal);
            Assert.DoesNotContain(token[^12..], body, StringComparison.Ordinal);
        }

        if (reason is not null)
        {
            Assert.Contains(reason, body, StringComparison.Ordinal);
            Assert.Contains(reason, challenge.Parameter, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ValidEs384Token_AudAsString_IsAccepted()
    {
        var response = await CallAsync(_ec.Token(EcIssuer, Audience(Requests.PatientView)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ValidRs384Token_AudAsArray_IsAccepted()
    {
        var response = await CallAsync(_rsa.Token(RsaIssuer, new[] { "https://other.example.org/x", Audience(Requests.PatientView) }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task DiscoveryAndFeedback_NeedAToken_Too()
    {
        var discovery = await _host.Client.GetAsync("/cds-services", TestContext.Current.CancellationToken);
        var feedback = await _host.Client.PostAsync("/cds-services/valvuloplasty-patient-view/feedback", Requests.Json("{\"feedback\":[]}"), TestContext.Current.CancellationToken);
        using var authorized = new HttpRequestMessage(HttpMethod.Get, "/cds-services");
        authorized.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _ec.Token(EcIssuer, Audience("/cds-services")));
        var withToken = await _host.Client.SendAsync(authorized, TestContext.Current.CancellationToken);

        await AssertRefused(discovery);
        await AssertRefused(feedback);
        Assert.Equal(HttpStatusCode.OK, withToken.StatusCode);
    }

    [Fact]
    public async Task KeyRotation_NewKidInTheJwksFile_IsAcceptedWithoutRestart()
    {
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(_ec.Token(EcIssuer, Audience(Requests.PatientView)))).StatusCode);
        using var rotated = EhrKey.Es384();
        File.WriteAllText(_ecJwksFile, EhrKey.Jwks(_ec, rotated));
        File.SetLastWriteTimeUtc(_ecJwksFile, DateTime.UtcNow.AddSeconds(1));

        var response = await CallAsync(rotated.Token(EcIssuer, Audience(Requests.PatientView)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ReplayedJti_IsRefused()
    {
        var token = _ec.Token(EcIssuer, Audience(Requests.PatientView));
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(token)).StatusCode);

        await AssertRefused(await CallAsync(token));
    }

    [Fact]
    public async Task AllowedTenant_IsAccepted()
    {
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(_ec.Token(TenantIssuer, Audience(Requests.PatientView), tenant: "tenant-a"))).StatusCode);
    }

    public static TheoryData<string> RefusedCases() =>
    [
        "no header", "not bearer", "malformed", "alg none", "HS256 with the public key", "unknown iss", "unknown kid",
        "wrong signature", "expired", "nbf in the future", "iat in the future", "no exp", "aud of another service",
        "aud of another host", "no aud", "missing jti", "jku not allow-listed", "tenant not allowed", "no tenant",
        "RS384 key used by an ES384-only issuer",
    ];

    [Theory]
    [MemberData(nameof(RefusedCases))]
    public async Task BadToken_Returns401(string name)
    {
        var aud = Audience(Requests.PatientView);
        var now = DateTimeOffset.UtcNow;
        using var stranger = EhrKey.Es384(_ec.Kid);
        var token = name switch
        {
            "no header" => null,
            "not bearer" => "Basic dXNlcjpwYXNz",
            "malformed" => "not.a.jwt",
            "alg none" => EhrKey.WithoutSignature(EcIssuer, aud, _ec.Kid),
            "HS256 with the public key" => EhrKey.HmacWithPublicKey(EcIssuer, aud, _ec.Kid, EhrKey.Jwks(_ec)),
            "unknown iss" => _ec.Token("https://unknown.example.org", aud),
            "unknown kid" => _stranger.Token(EcIssuer, aud),
            "wrong signature" => stranger.Token(EcIssuer, aud),
            "expired" => _ec.Token(EcIssuer, aud, expires: now.AddMinutes(-5), issuedAt: now.AddMinutes(-10)),
            "nbf in the future" => _ec.Token(EcIssuer, aud, notBefore: now.AddMinutes(5)),
            "iat in the future" => _ec.Token(EcIssuer, aud, issuedAt: now.AddMinutes(10)),
            "no exp" => _ec.Token(EcIssuer, aud, withExpiry: false),
            "aud of another service" => _ec.Token(EcIssuer, Audience(Requests.OrderSign)),
            "aud of another host" => _ec.Token(EcIssuer, $"https://elsewhere.example.org{Requests.PatientView}"),
            "no aud" => _ec.Token(EcIssuer, null),
            "missing jti" => _ec.Token(EcIssuer, aud, jti: null),
            "jku not allow-listed" => _ec.Token(EcIssuer, aud, jku: $"{_jwksServer.Server.Urls[0]}/jwks.json"),
            "tenant not allowed" => _ec.Token(TenantIssuer, aud, tenant: "tenant-b"),
            "no tenant" => _ec.Token(TenantIssuer, aud),
            "RS384 key used by an ES384-only issuer" => _rsa.Token(EcIssuer, aud),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
        if (name == "not bearer")
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, Requests.PatientView) { Content = Requests.Json("{}") };
            message.Headers.TryAddWithoutValidation("Authorization", token);
            await AssertRefused(await _host.Client.SendAsync(message, TestContext.Current.CancellationToken), token);
            return;
        }

        await AssertRefused(await CallAsync(token), token, name == "jku not allow-listed" ? "jku not allow-listed for this issuer" : null);
        Assert.Empty(_jwksServer.RequestedPaths);
    }

    [Fact]
    public async Task RefusedCalls_NeverReachTheRulesOrTheFeedbackStore()
    {
        var response = await _host.Client.PostAsync("/cds-services/valvuloplasty-patient-view/feedback",
            Requests.Json("{\"feedback\":[{\"card\":\"c\",\"outcome\":\"accepted\",\"outcomeTimestamp\":\"2026-11-28T10:00:00Z\"}]}"), TestContext.Current.CancellationToken);

        await AssertRefused(response);
        Assert.Empty(await _host.Service<Valvuloplasty.Fhir.Data.Feedback.IFeedbackStore>().ReadAsync(new(), TestContext.Current.CancellationToken));
    }

    public void Dispose()
    {
        _host.Dispose();
        _jwksServer.Dispose();
        _ec.Dispose();
        _rsa.Dispose();
        _stranger.Dispose();
    }
}
