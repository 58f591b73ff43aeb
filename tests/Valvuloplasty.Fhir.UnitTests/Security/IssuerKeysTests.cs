using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.Tokens;
using Valvuloplasty.Fhir.CdsHooks.Security;

namespace Valvuloplasty.Fhir.UnitTests.Security;

/// <summary>Key discovery from JWKS URLs: allow-listed jku only, cached, refreshed on an unknown kid at most once per interval.</summary>
public sealed class IssuerKeysTests : IDisposable
{
    private const string Jku = "https://keys.ehr.example.org/jwks.json";

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private readonly JwksHandler _handler = new();

    private IssuerKeys Keys() => new(new Factory(_handler), _time, Options.Create(new SecurityOptions { JwksRefreshIntervalSeconds = 30 }));

    private static TrustedIssuer Issuer(params string[] allowedJku) =>
        new(new IssuerOptions { Issuer = "https://ehr.example.org", AllowedJku = [.. allowedJku] });

    [Fact]
    public async Task AllowListedJku_IsFetched_AndCached()
    {
        _handler.Kids = ["k1"];
        var keys = Keys();

        var first = await keys.FindAsync(Issuer(Jku), "k1", Jku, TestContext.Current.CancellationToken);
        var second = await keys.FindAsync(Issuer(Jku), "k1", Jku, TestContext.Current.CancellationToken);

        Assert.Single(first);
        Assert.Single(second);
        Assert.Equal(1, _handler.Calls);
    }

    [Fact]
    public async Task JkuNotAllowListed_IsNeverFetched()
    {
        _handler.Kids = ["k1"];

        var found = await Keys().FindAsync(Issuer(), "k1", Jku, TestContext.Current.CancellationToken);

        Assert.Empty(found);
        Assert.Equal(0, _handler.Calls);
    }

    [Fact]
    public async Task UnknownKid_RefreshesAtMostOncePerInterval_ThenFindsTheRotatedKey()
    {
        _handler.Kids = ["k1"];
        var keys = Keys();
        await keys.FindAsync(Issuer(Jku), "k1", Jku, TestContext.Current.CancellationToken);
        _handler.Kids = ["k1", "k2"];

        var tooSoon = await keys.FindAsync(Issuer(Jku), "k2", Jku, TestContext.Current.CancellationToken);
        _time.Advance(TimeSpan.FromSeconds(31));
        var later = await keys.FindAsync(Issuer(Jku), "k2", Jku, TestContext.Current.CancellationToken);
        var again = await keys.FindAsync(Issuer(Jku), "unknown", Jku, TestContext.Current.CancellationToken);

        Assert.Empty(tooSoon);
        Assert.Single(later);
        Assert.Empty(again);
        Assert.Equal(2, _handler.Calls);
    }

    [Fact]
    public async Task UnreachableJwks_IsRememberedAsEmpty_NotHammered()
    {
        _handler.Fail = true;
        var keys = Keys();

        await keys.FindAsync(Issuer(Jku), "k1", Jku, TestContext.Current.CancellationToken);
        await keys.FindAsync(Issuer(Jku), "k1", Jku, TestContext.Current.CancellationToken);

        Assert.Equal(1, _handler.Calls);
    }

    public void Dispose() => _handler.Dispose();

    private sealed class JwksHandler : HttpMessageHandler
    {
        public IReadOnlyList<string> Kids { get; set; } = [];
        public bool Fail { get; set; }
        public int Calls { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Calls++;
            if (Fail)
            {
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable));
            }

            var keys = Kids.Select(kid =>
            {
                using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP384);
                var p = ec.ExportParameters(false);
                return new Dictionary<string, string>
                {
                    ["kty"] = "EC", ["crv"] = "P-384", ["kid"] = kid, ["alg"] = "ES384", ["use"] = "sig",
                    ["x"] = Base64UrlEncoder.Encode(p.Q.X!), ["y"] = Base64UrlEncoder.Encode(p.Q.Y!),
                };
            });
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(JsonSerializer.Serialize(new { keys })) });
        }
    }

    private sealed class Factory(HttpMessageHandler handler) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(handler, disposeHandler: false);
    }
}
