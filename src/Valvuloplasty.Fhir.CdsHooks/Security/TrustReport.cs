using Microsoft.Extensions.Options;

namespace Valvuloplasty.Fhir.CdsHooks.Security;

/// <summary>
/// Says at start-up whom the service trusts and where each issuer's keys come from, so a refused EHR is diagnosed from
/// the log's first lines: per issuer, the key sources in force (a JWKS file, a JWKS URL, keys published with the
/// service for the sandbox, the <c>jku</c> URLs accepted), and a warning when an issuer accepts no <c>jku</c>: a token
/// that carries one (the public CDS Hooks sandbox's do, as do many EHRs') is then refused, because CDS Hooks asks
/// services to allow-list <c>jku</c> and this service never fetches one it was not given.
/// </summary>
public sealed class TrustReport(CdsJwtValidator validator, IOptions<SecurityOptions> options, ILogger<TrustReport> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.RequireAuthentication)
        {
            Log.AuthenticationOff(logger);
        }

        foreach (var issuer in validator.Issuers.OrderBy(i => i.Options.Issuer, StringComparer.Ordinal))
        {
            Log.IssuerTrusted(logger, issuer.Options.Issuer, string.Join("; ", Sources(issuer)),
                string.Join(", ", issuer.Options.EffectiveAlgorithms),
                issuer.Options.AllowedJku.Count == 0 ? "none" : string.Join(", ", issuer.Options.AllowedJku));
            // The sandbox page's own issuer signs its tokens in-process, without a jku.
            if (issuer.Options.AllowedJku.Count == 0 && issuer.Options.Issuer != Sandbox.SandboxIssuer.Issuer)
            {
                Log.IssuerRefusesJku(logger, issuer.Options.Issuer);
            }
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Where the issuer's keys come from, in the order they are tried.</summary>
    public static IEnumerable<string> Sources(TrustedIssuer issuer)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        if (issuer.EmbeddedKeys is { } embedded)
        {
            yield return $"{embedded.Keys.Count} key(s) held by the service";
        }

        if (issuer.Options.JwksFile is { } file)
        {
            yield return $"JwksFile {Path.GetFullPath(file)}{(File.Exists(file) ? "" : " (missing)")}";
        }

        if (issuer.Options.JwksUri is { } uri)
        {
            yield return $"JwksUri {uri}";
        }

        foreach (var jku in issuer.Options.AllowedJku)
        {
            yield return $"jku {jku}";
        }
    }
}
