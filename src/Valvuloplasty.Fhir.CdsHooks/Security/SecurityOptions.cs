using System.ComponentModel.DataAnnotations;

namespace Valvuloplasty.Fhir.CdsHooks.Security;

/// <summary>
/// Configuration section <c>Security</c>: who may call the service. These names are the public interface
/// (environment variables such as <c>Security__Issuers__0__Issuer</c> work as in any ASP.NET Core app).
/// </summary>
public sealed class SecurityOptions : IValidatableObject
{
    public const string SectionName = "Security";

    /// <summary>The public CDS Hooks sandbox's issuer; its signing key is published, so it is trusted only in Development.</summary>
    public const string SandboxIssuer = "https://sandbox.cds-hooks.org";
    public const string SandboxJku = "https://sandbox.cds-hooks.org/.well-known/jwks.json";

    /// <summary>Every /cds-services call needs a valid EHR JWT. Default true; false is allowed only in Development.</summary>
    public bool RequireAuthentication { get; set; } = true;

    /// <summary>The service's public base URL (behind a proxy); the expected <c>aud</c> is this plus the path called.</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>Trusted EHR issuers.</summary>
    public List<IssuerOptions> Issuers { get; set; } = [];

    /// <summary>Trust the public CDS Hooks sandbox issuer and its published key (Development only).</summary>
    public bool TrustSandbox { get; set; }

    /// <summary>Clock skew allowed on exp, nbf and iat.</summary>
    [Range(0, 600)]
    public int ClockSkewSeconds { get; set; } = 60;

    /// <summary>Least time between two refreshes of one JWKS URL when an unknown kid arrives.</summary>
    [Range(0, 3600)]
    public int JwksRefreshIntervalSeconds { get; set; } = 30;

    /// <summary>Per-issuer rate limit (requests per minute); 0 turns it off (the default).</summary>
    [Range(0, 1_000_000)]
    public int RateLimitPerMinute { get; set; }

    /// <summary>Most jti values remembered per replica against replay.</summary>
    [Range(1000, 10_000_000)]
    public int ReplayCacheCapacity { get; set; } = 200_000;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (PublicBaseUrl is not null && (!Uri.TryCreate(PublicBaseUrl, UriKind.Absolute, out var publicBase) || publicBase.Scheme is not ("http" or "https")))
        {
            yield return new ValidationResult("Security:PublicBaseUrl must be an absolute http(s) URL.", [nameof(PublicBaseUrl)]);
        }

        for (var i = 0; i < Issuers.Count; i++)
        {
            foreach (var error in Issuers[i].Validate($"Security:Issuers:{i}"))
            {
                yield return new ValidationResult(error, [nameof(Issuers)]);
            }
        }
    }
}

/// <summary>One trusted EHR issuer and where its keys come from.</summary>
public sealed class IssuerOptions
{
    public static readonly IReadOnlyList<string> DefaultAlgorithms = ["ES384", "RS384"];
    public static readonly IReadOnlySet<string> SupportedAlgorithms = new HashSet<string>(StringComparer.Ordinal) { "ES256", "ES384", "RS256", "RS384", "PS384" };

    /// <summary>The exact <c>iss</c> claim.</summary>
    public string Issuer { get; set; } = string.Empty;

    /// <summary>A local JWKS file (re-read when it changes, so keys rotate without a restart).</summary>
    public string? JwksFile { get; set; }

    /// <summary>The issuer's JWKS URL (fetched, cached, refreshed on an unknown kid).</summary>
    public string? JwksUri { get; set; }

    /// <summary>JWKS URLs a token may name in its <c>jku</c> header; any other jku is refused.</summary>
    public List<string> AllowedJku { get; set; } = [];

    /// <summary>Accepted signing algorithms; default ES384 and RS384. Never none or HMAC.</summary>
    public List<string> Algorithms { get; set; } = [];

    /// <summary>When set, the token's <c>tenant</c> claim must be one of these.</summary>
    public List<string> Tenants { get; set; } = [];

    public IReadOnlyList<string> EffectiveAlgorithms => Algorithms.Count > 0 ? Algorithms : DefaultAlgorithms;

    internal IEnumerable<string> Validate(string at)
    {
        if (string.IsNullOrWhiteSpace(Issuer))
        {
            yield return $"{at}:Issuer is required.";
        }

        if (string.IsNullOrWhiteSpace(JwksFile) && string.IsNullOrWhiteSpace(JwksUri) && AllowedJku.Count == 0)
        {
            yield return $"{at}: set JwksFile, JwksUri or AllowedJku, so the issuer's keys can be found.";
        }

        if (JwksUri is not null && !IsHttps(JwksUri))
        {
            yield return $"{at}:JwksUri must be an absolute https URL.";
        }

        if (AllowedJku.Any(j => !IsHttps(j)))
        {
            yield return $"{at}:AllowedJku entries must be absolute https URLs.";
        }

        foreach (var algorithm in Algorithms.Where(a => !SupportedAlgorithms.Contains(a)))
        {
            yield return $"{at}:Algorithms: '{algorithm}' is not accepted (ES256, ES384, RS256, RS384 or PS384; never none or HMAC).";
        }
    }

    private static bool IsHttps(string url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps;
}
