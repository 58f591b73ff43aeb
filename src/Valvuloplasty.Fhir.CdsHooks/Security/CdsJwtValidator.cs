using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Valvuloplasty.Fhir.CdsHooks.Security;

/// <summary>The outcome of validating an EHR's JWT: the caller's identity, or why it was refused (for the log only).</summary>
public sealed record JwtValidation(ClaimsPrincipal? Principal, string? Failure)
{
    public static JwtValidation Refused(string reason) => new(null, reason);
}

/// <summary>
/// Validates the bearer JWT an EHR sends with every call (CDS Hooks 2.0 §Trusting CDS Clients): signed with an
/// algorithm configured for the issuer (ES384/RS384 by default; never none or HMAC), a <c>kid</c>, an <c>iss</c> in
/// the trust list, a signature from that issuer's keys, <c>aud</c> equal to the URL called, <c>exp</c> required,
/// <c>iat</c> not in the future, <c>nbf</c> honoured, clock skew allowed, a <c>jti</c> never seen before, and the
/// <c>tenant</c> among the issuer's tenants when they are configured.
/// </summary>
public sealed class CdsJwtValidator
{
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly Dictionary<string, TrustedIssuer> _issuers;
    private readonly IssuerKeys _keys;
    private readonly IJtiReplayCache _replay;
    private readonly SecurityOptions _options;

    public CdsJwtValidator(IOptions<SecurityOptions> options, IssuerKeys keys, IJtiReplayCache replay, Sandbox.SandboxIssuer sandbox)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _keys = keys;
        _replay = replay;
        var issuers = _options.Issuers.ToDictionary(i => i.Issuer, i => new TrustedIssuer(i), StringComparer.Ordinal);
        if (_options.TrustSandbox)
        {
            issuers[SecurityOptions.SandboxIssuer] = new TrustedIssuer(
                new IssuerOptions { Issuer = SecurityOptions.SandboxIssuer, Algorithms = ["ES384"], AllowedJku = [SecurityOptions.SandboxJku] },
                SandboxKeys());
        }

        if (sandbox.Trusted is { } sandboxIssuer)
        {
            issuers[SandboxIssuerName(sandboxIssuer)] = sandboxIssuer;
        }

        _issuers = issuers;
    }

    private static string SandboxIssuerName(TrustedIssuer issuer) => issuer.Options.Issuer;

    /// <summary>The issuers trusted, with where their keys come from (for the start-up report).</summary>
    public IReadOnlyCollection<TrustedIssuer> Issuers => _issuers.Values;

    public async Task<JwtValidation> ValidateAsync(string? token, string audience, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(token))
        {
            return JwtValidation.Refused("no bearer token");
        }

        JsonWebToken jwt;
        try
        {
            jwt = _handler.ReadJsonWebToken(token);
        }
        catch (Exception ex) when (ex is ArgumentException or SecurityTokenException)
        {
            return JwtValidation.Refused("malformed token");
        }

        if (jwt.IsEncrypted)
        {
            return JwtValidation.Refused("encrypted tokens are not accepted");
        }

        var issuer = jwt.Issuer;
        if (string.IsNullOrEmpty(issuer) || !_issuers.TryGetValue(issuer, out var trusted))
        {
            return JwtValidation.Refused("issuer not trusted");
        }

        var algorithms = trusted.Options.EffectiveAlgorithms;
        if (string.IsNullOrEmpty(jwt.Alg) || !IssuerOptions.SupportedAlgorithms.Contains(jwt.Alg) || !algorithms.Contains(jwt.Alg))
        {
            return JwtValidation.Refused($"algorithm '{Printable(jwt.Alg)}' not accepted for this issuer");
        }

        if (string.IsNullOrEmpty(jwt.Kid))
        {
            return JwtValidation.Refused("kid missing");
        }

        jwt.TryGetHeaderValue<string>("jku", out var jku);
        if (jku is not null && !trusted.Options.AllowedJku.Contains(jku, StringComparer.Ordinal))
        {
            return JwtValidation.Refused("jku not allow-listed for this issuer (Security:Issuers:N:AllowedJku)");
        }

        if (string.IsNullOrEmpty(jwt.Id))
        {
            return JwtValidation.Refused("jti missing");
        }

        var keys = await _keys.FindAsync(trusted, jwt.Kid, jku, cancellationToken);
        if (keys.Count == 0)
        {
            return JwtValidation.Refused("no key with this kid for the issuer");
        }

        var skew = TimeSpan.FromSeconds(_options.ClockSkewSeconds);
        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = issuer,
            ValidAudience = audience.TrimEnd('/'),
            AudienceValidator = (audiences, _, _) => audiences.Any(a => string.Equals(a.TrimEnd('/'), audience.TrimEnd('/'), StringComparison.Ordinal)),
            IssuerSigningKeys = keys,
            ValidAlgorithms = algorithms,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = skew,
            TryAllIssuerSigningKeys = false,
        });
        if (!result.IsValid)
        {
            return JwtValidation.Refused(result.Exception switch
            {
                SecurityTokenExpiredException => "token expired",
                SecurityTokenNotYetValidException => "token not yet valid (nbf)",
                SecurityTokenNoExpirationException => "exp missing",
                SecurityTokenInvalidAudienceException => "aud is not the URL called",
                SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "signature invalid",
                _ => $"token invalid ({result.Exception?.GetType().Name})",
            });
        }

        var now = DateTimeOffset.UtcNow;
        if (jwt.IssuedAt == DateTime.MinValue || jwt.IssuedAt > now.UtcDateTime + skew)
        {
            return JwtValidation.Refused("iat missing or in the future");
        }

        jwt.TryGetPayloadValue<string>("tenant", out var tenant);
        if (trusted.Options.Tenants.Count > 0 && (tenant is null || !trusted.Options.Tenants.Contains(tenant, StringComparer.Ordinal)))
        {
            return JwtValidation.Refused("tenant not allowed for this issuer");
        }

        if (!await _replay.TryRecordAsync(issuer, jwt.Id, new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero) + skew, now, cancellationToken))
        {
            return JwtValidation.Refused("jti replayed");
        }

        var identity = new ClaimsIdentity(CdsJwtAuthentication.SchemeName);
        identity.AddClaim(new Claim("iss", issuer));
        if (tenant is not null)
        {
            identity.AddClaim(new Claim("tenant", tenant));
        }

        return new JwtValidation(new ClaimsPrincipal(identity), null);
    }

    private static JsonWebKeySet SandboxKeys()
    {
        using var stream = typeof(CdsJwtValidator).Assembly.GetManifestResourceStream("cds-hooks-sandbox-jwks.json")
            ?? throw new InvalidOperationException("The CDS Hooks sandbox JWKS is not embedded.");
        using var reader = new StreamReader(stream);
        return new JsonWebKeySet(reader.ReadToEnd());
    }

    private static string Printable(string? value) =>
        value is null ? "(none)" : new string([.. value.Take(16).Where(c => !char.IsControl(c))]);
}
