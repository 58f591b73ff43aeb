using System.ComponentModel.DataAnnotations;

namespace Valvuloplasty.Fhir.Data.FhirServer;

/// <summary>
/// Configuration section <c>Fhir</c>: which FHIR servers the service may read, and how hard it tries.
/// Bound and validated at start-up.
/// </summary>
public sealed class FhirServerOptions : IValidatableObject
{
    public const string SectionName = "Fhir";

    /// <summary>
    /// FHIR servers the service may call: each an absolute URL, origin plus path prefix
    /// (<c>https://ehr.example.org/fhir</c> allows that base and anything below it).
    /// Environment variables: <c>Fhir__AllowedServers__0=https://…</c>.
    /// </summary>
    public List<string> AllowedServers { get; set; } = [];

    /// <summary>Allow any loopback server (localhost, 127.0.0.1, ::1). Default: on in Development only.</summary>
    public bool? AllowLoopback { get; set; }

    /// <summary>Refuse http:// FHIR servers (loopback aside when allowed). Default: on outside Development.</summary>
    public bool? RequireHttps { get; set; }

    /// <summary>Most Bundle pages followed per query.</summary>
    [Range(1, 1000)]
    public int PageCap { get; set; } = 10;

    /// <summary>Time budget for the whole fallback of one hook call (all queries, pages and retries).</summary>
    public TimeSpan TotalBudget { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Timeout of one HTTP attempt.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Retries after the first attempt, on 408, 429, 5xx and network errors (never on 401/403).</summary>
    [Range(0, 5)]
    public int MaxRetries { get; set; } = 2;

    /// <summary>Base delay of the jittered exponential backoff (a Retry-After header wins).</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Circuit breaker, one per FHIR server authority, counting hook calls: the failure ratio that opens it.</summary>
    [Range(0.01, 1.0)]
    public double BreakerFailureRatio { get; set; } = 0.5;

    /// <summary>Hook calls (each one fallback, however many queries and retries) in the sampling window before the breaker may open.</summary>
    [Range(2, 10_000)]
    public int BreakerMinimumThroughput { get; set; } = 5;

    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan BreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Largest response body read from the FHIR server (bytes).</summary>
    [Range(1024, 512L * 1024 * 1024)]
    public long MaxResponseBytes { get; set; } = 16L * 1024 * 1024;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < AllowedServers.Count; i++)
        {
            var entry = AllowedServers[i];
            if (!Uri.TryCreate(entry, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Query.Length > 0 || uri.Fragment.Length > 0)
            {
                yield return new ValidationResult($"Fhir:AllowedServers:{i} must be an absolute http(s) URL without query or fragment.", [nameof(AllowedServers)]);
            }
        }

        if (TotalBudget <= TimeSpan.Zero || TotalBudget > TimeSpan.FromMinutes(1))
        {
            yield return new ValidationResult("Fhir:TotalBudget must be between 0 and 1 minute.", [nameof(TotalBudget)]);
        }

        if (AttemptTimeout < TimeSpan.FromMilliseconds(10) || AttemptTimeout > TotalBudget)
        {
            yield return new ValidationResult("Fhir:AttemptTimeout must be at least 10 ms and not above Fhir:TotalBudget.", [nameof(AttemptTimeout)]);
        }

        if (BreakerSamplingDuration < 2 * AttemptTimeout)
        {
            yield return new ValidationResult("Fhir:BreakerSamplingDuration must be at least twice Fhir:AttemptTimeout.", [nameof(BreakerSamplingDuration)]);
        }

        if (BreakerBreakDuration < TimeSpan.FromMilliseconds(500) || RetryBaseDelay < TimeSpan.Zero)
        {
            yield return new ValidationResult("Fhir:BreakerBreakDuration must be at least 0.5 s and Fhir:RetryBaseDelay not negative.", [nameof(BreakerBreakDuration)]);
        }
    }
}

/// <summary>
/// Checks what needs the environment: with https required (<c>Fhir:RequireHttps</c>, on by default outside
/// Development), an <c>http://</c> entry in <c>Fhir:AllowedServers</c> could never be called (every fallback to it
/// would answer 412), so start-up refuses it and says which entry and which setting.
/// </summary>
public sealed class FhirServerOptionsEnvironmentValidation(Microsoft.Extensions.Hosting.IHostEnvironment environment)
    : Microsoft.Extensions.Options.IValidateOptions<FhirServerOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, FhirServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var development = Microsoft.Extensions.Hosting.HostEnvironmentEnvExtensions.IsDevelopment(environment);
        var requireHttps = options.RequireHttps ?? !development;
        var allowLoopback = options.AllowLoopback ?? development;
        if (!requireHttps)
        {
            return Microsoft.Extensions.Options.ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        for (var i = 0; i < options.AllowedServers.Count; i++)
        {
            if (Uri.TryCreate(options.AllowedServers[i], UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp && !(allowLoopback && uri.IsLoopback))
            {
                failures.Add($"Fhir:AllowedServers:{i} ({uri.GetLeftPart(UriPartial.Authority)}) is http, but https is required "
                    + $"(Fhir:RequireHttps is {(options.RequireHttps is null ? "on by default outside Development" : "on")}): use its https URL, or set Fhir:RequireHttps=false.");
            }
        }

        return failures.Count == 0 ? Microsoft.Extensions.Options.ValidateOptionsResult.Success : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(failures);
    }
}
