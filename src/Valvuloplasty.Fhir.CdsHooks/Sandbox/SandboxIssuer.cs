using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Valvuloplasty.Fhir.CdsHooks.Security;

namespace Valvuloplasty.Fhir.CdsHooks.Sandbox;

/// <summary>
/// The sandbox page's EHR identity: an ES384 key made at start-up (never stored) that signs development JWTs
/// server-side, so the page calls /cds-services exactly as an EHR would. Trusted only in Development with the
/// sandbox on; anywhere else it signs nothing and is trusted by nobody.
/// </summary>
public sealed class SandboxIssuer : IDisposable
{
    public const string Issuer = "urn:valvuloplasty-fhir:sandbox";

    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
    private readonly ECDsaSecurityKey _signingKey;
    private readonly bool _active;

    public SandboxIssuer(IOptions<SandboxOptions> options, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        _active = environment.IsDevelopment() && (options.Value.Enabled ?? true);
        _signingKey = new ECDsaSecurityKey(_key) { KeyId = $"sandbox-{Guid.NewGuid():N}" };
        if (_active)
        {
            var publicKey = new ECDsaSecurityKey(ECDsa.Create(_key.ExportParameters(false))) { KeyId = _signingKey.KeyId };
            var jwk = JsonWebKeyConverter.ConvertFromECDsaSecurityKey(publicKey);
            jwk.Alg = SecurityAlgorithms.EcdsaSha384;
            jwk.Use = "sig";
            var keys = new JsonWebKeySet();
            keys.Keys.Add(jwk);
            Trusted = new TrustedIssuer(new IssuerOptions { Issuer = Issuer, Algorithms = ["ES384"] }, keys);
            PublicKey = jwk;
        }
    }

    /// <summary>The public key (JWK) that verifies what this issuer signs, or null when it is not active.</summary>
    public JsonWebKey? PublicKey { get; }

    /// <summary>The issuer to trust, or null when the sandbox issuer is not active.</summary>
    public TrustedIssuer? Trusted { get; }

    public bool Active => _active;

    /// <summary>A five-minute JWT for <paramref name="audience"/>, as an EHR would send it.</summary>
    public string CreateToken(string audience)
    {
        if (!_active)
        {
            throw new InvalidOperationException("The sandbox issuer signs tokens only in Development.");
        }

        var now = DateTimeOffset.UtcNow;
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object>
            {
                ["iss"] = Issuer,
                ["aud"] = audience,
                ["jti"] = Guid.NewGuid().ToString(),
                ["iat"] = now.ToUnixTimeSeconds(),
                ["exp"] = now.AddMinutes(5).ToUnixTimeSeconds(),
            },
            SigningCredentials = new SigningCredentials(_signingKey, SecurityAlgorithms.EcdsaSha384),
            AdditionalHeaderClaims = new Dictionary<string, object> { ["typ"] = "JWT" },
        });
    }

    /// <summary>
    /// An OpenID Connect id_token for the SMART simulator: <paramref name="issuer"/> (the FHIR base), the app as the
    /// audience, the user as <c>sub</c> and <c>fhirUser</c>, valid as long as the access token.
    /// </summary>
    public string CreateIdToken(string issuer, string audience, string subject, string fhirUser, DateTimeOffset now, TimeSpan lifetime)
    {
        if (!_active)
        {
            throw new InvalidOperationException("The sandbox issuer signs tokens only in Development.");
        }

        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object>
            {
                ["iss"] = issuer,
                ["sub"] = subject,
                ["aud"] = audience,
                ["fhirUser"] = fhirUser,
                ["iat"] = now.ToUnixTimeSeconds(),
                ["exp"] = now.Add(lifetime).ToUnixTimeSeconds(),
            },
            SigningCredentials = new SigningCredentials(_signingKey, SecurityAlgorithms.EcdsaSha384),
            AdditionalHeaderClaims = new Dictionary<string, object> { ["typ"] = "JWT" },
        });
    }

    public void Dispose() => _key.Dispose();
}
