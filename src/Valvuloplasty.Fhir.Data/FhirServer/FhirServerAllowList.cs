using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Valvuloplasty.Fhir.Data.FhirServer;

/// <summary>
/// Decides whether a request's <c>fhirServer</c> may be called, before any outbound request: it must be
/// under one of <c>Fhir:AllowedServers</c> (same origin, path prefix on a segment boundary), or a loopback
/// server when loopback is allowed (the Development default); https is required unless turned off
/// (outside Development it is on). The same rule keeps paging links and the access token on that server.
/// </summary>
public sealed class FhirServerAllowList
{
    private readonly List<Uri> _allowed;
    private readonly bool _allowLoopback;
    private readonly bool _requireHttps;

    public FhirServerAllowList(IOptions<FhirServerOptions> options, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        var development = environment.IsDevelopment();
        _allowLoopback = options.Value.AllowLoopback ?? development;
        _requireHttps = options.Value.RequireHttps ?? !development;
        _allowed = [.. options.Value.AllowedServers.Select(s => new Uri(s, UriKind.Absolute))];
    }

    /// <summary>Null when allowed, else the reason (safe to show: it names no patient data).</summary>
    public string? Refusal(Uri fhirServer)
    {
        ArgumentNullException.ThrowIfNull(fhirServer);
        if (fhirServer.Query.Length > 0 || fhirServer.Fragment.Length > 0 || !string.IsNullOrEmpty(fhirServer.UserInfo))
        {
            return "fhirServer must be a plain base URL (no query, fragment or credentials)";
        }

        if (_allowLoopback && fhirServer.IsLoopback)
        {
            return null;
        }

        if (_requireHttps && fhirServer.Scheme != Uri.UriSchemeHttps)
        {
            return "fhirServer must use https";
        }

        return _allowed.Any(entry => IsUnder(fhirServer, entry))
            ? null
            : $"fhirServer {fhirServer.GetLeftPart(UriPartial.Authority)} is not in Fhir:AllowedServers";
    }

    /// <summary>True when <paramref name="url"/> has the origin of <paramref name="baseUrl"/> and lies under its path.</summary>
    public static bool IsUnder(Uri url, Uri baseUrl)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(baseUrl);
        if (!string.Equals(url.Scheme, baseUrl.Scheme, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(url.IdnHost, baseUrl.IdnHost, StringComparison.OrdinalIgnoreCase)
            || url.Port != baseUrl.Port)
        {
            return false;
        }

        var prefix = baseUrl.AbsolutePath.TrimEnd('/');
        var path = url.AbsolutePath;
        return prefix.Length == 0
            || path.Equals(prefix, StringComparison.Ordinal)
            || path.StartsWith(prefix + "/", StringComparison.Ordinal);
    }
}
