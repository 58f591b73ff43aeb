using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Valvuloplasty.Fhir.IntegrationTests.Infrastructure;

/// <summary>An EHR's signing key (ES384 or RS384) and the JWTs it signs, for the security tests.</summary>
public sealed class EhrKey : IDisposable
{
    private readonly AsymmetricAlgorithm _algorithm;

    private EhrKey(AsymmetricAlgorithm algorithm, SecurityKey key, string alg)
    {
        _algorithm = algorithm;
        Key = key;
        Algorithm = alg;
    }

    public SecurityKey Key { get; }

    public string Algorithm { get; }

    public string Kid => Key.KeyId;

    public static EhrKey Es384(string? kid = null)
    {
        var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        return new EhrKey(ecdsa, new ECDsaSecurityKey(ecdsa) { KeyId = kid ?? Guid.NewGuid().ToString("N") }, SecurityAlgorithms.EcdsaSha384);
    }

    public static EhrKey Rs384(string? kid = null)
    {
        var rsa = RSA.Create(2048);
        return new EhrKey(rsa, new RsaSecurityKey(rsa) { KeyId = kid ?? Guid.NewGuid().ToString("N") }, SecurityAlgorithms.RsaSha384);
    }

    /// <summary>A JWKS with the public halves of <paramref name="keys"/>.</summary>
    public static string Jwks(params EhrKey[] keys) =>
        JsonSerializer.Serialize(new { keys = keys.Select(k => k.PublicJwk()).ToArray() });

    private Dictionary<string, string> PublicJwk() => Key switch
    {
        ECDsaSecurityKey ec when ec.ECDsa.ExportParameters(false) is var p => new()
        {
            ["kty"] = "EC", ["crv"] = "P-384", ["x"] = Base64UrlEncoder.Encode(p.Q.X!), ["y"] = Base64UrlEncoder.Encode(p.Q.Y!),
            ["kid"] = Kid, ["alg"] = Algorithm, ["use"] = "sig",
        },
        RsaSecurityKey rsa when rsa.Rsa.ExportParameters(false) is var p => new()
        {
            ["kty"] = "RSA", ["n"] = Base64UrlEncoder.Encode(p.Modulus!), ["e"] = Base64UrlEncoder.Encode(p.Exponent!),
            ["kid"] = Kid, ["alg"] = Algorithm, ["use"] = "sig",
        },
        _ => throw new NotSupportedException(),
    };

    /// <summary>Signs a CDS Hooks JWT. Pass null to leave a claim out.</summary>
    public string Token(
        string issuer, object? audience, string? jti = "default", DateTimeOffset? expires = null, DateTimeOffset? notBefore = null,
        DateTimeOffset? issuedAt = null, string? jku = null, string? tenant = null, bool withExpiry = true)
    {
        var now = DateTimeOffset.UtcNow;
        var claims = new Dictionary<string, object> { ["iss"] = issuer };
        if (audience is not null)
        {
            claims["aud"] = audience;
        }

        if (jti is not null)
        {
            claims["jti"] = jti == "default" ? Guid.NewGuid().ToString() : jti;
        }

        claims["iat"] = (issuedAt ?? now).ToUnixTimeSeconds();
        if (withExpiry)
        {
            claims["exp"] = (expires ?? now.AddMinutes(5)).ToUnixTimeSeconds();
        }

        if (notBefore is { } nbf)
        {
            claims["nbf"] = nbf.ToUnixTimeSeconds();
        }

        if (tenant is not null)
        {
            claims["tenant"] = tenant;
        }

        var header = new Dictionary<string, object> { ["typ"] = "JWT" };
        if (jku is not null)
        {
            header["jku"] = jku;
        }

        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            SigningCredentials = new SigningCredentials(Key, Algorithm),
            AdditionalHeaderClaims = header,
        });
    }

    /// <summary>A token with alg none and no signature.</summary>
    public static string WithoutSignature(string issuer, string audience, string kid)
    {
        static string Part(object value) => Base64UrlEncoder.Encode(JsonSerializer.Serialize(value));
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return $"{Part(new { alg = "none", typ = "JWT", kid })}.{Part(new { iss = issuer, aud = audience, jti = Guid.NewGuid().ToString(), iat = now, exp = now + 300 })}.";
    }

    /// <summary>An HS256 token whose HMAC secret is the issuer's public JWKS (the classic key-confusion attack).</summary>
    public static string HmacWithPublicKey(string issuer, string audience, string kid, string publicJwks)
    {
        var now = DateTimeOffset.UtcNow;
        var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(publicJwks)) { KeyId = kid };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object>
            {
                ["iss"] = issuer, ["aud"] = audience, ["jti"] = Guid.NewGuid().ToString(),
                ["iat"] = now.ToUnixTimeSeconds(), ["exp"] = now.AddMinutes(5).ToUnixTimeSeconds(),
            },
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });
    }

    public void Dispose() => _algorithm.Dispose();
}
