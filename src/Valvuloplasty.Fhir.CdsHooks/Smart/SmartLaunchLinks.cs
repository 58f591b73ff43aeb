using Microsoft.Extensions.Options;
using Valvuloplasty.Fhir.CdsHooks.Security;

namespace Valvuloplasty.Fhir.CdsHooks.Smart;

/// <summary>
/// The SMART app's launch URL for the cards' <c>smart</c> links: <c>Smart:LaunchUrl</c> when set (validated at
/// start-up). Unset: none (a card never carries a link that leads nowhere), except in Development, where it is this
/// host's own <c>/smart/launch.html</c>, from <c>Security:PublicBaseUrl</c> or else the scheme and host the EHR called.
/// </summary>
public sealed class SmartLaunchLinks(IOptions<SmartOptions> smart, IOptions<SecurityOptions> security, IHostEnvironment environment)
{
    private readonly Uri? _configured = smart.Value.LaunchUrl is { Length: > 0 } url ? new Uri(url, UriKind.Absolute) : null;
    private readonly bool _development = environment.IsDevelopment();

    public Uri? For(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_configured is not null || !_development)
        {
            return _configured;
        }

        var baseUrl = security.Value.PublicBaseUrl?.TrimEnd('/') ?? $"{request.Scheme}://{request.Host}{request.PathBase}";
        return Uri.TryCreate($"{baseUrl}/smart/launch.html", UriKind.Absolute, out var launch) ? launch : null;
    }

    /// <summary>Null when <paramref name="launchUrl"/> is acceptable, else why (for the start-up error).</summary>
    public static string? Invalid(string? launchUrl, bool development) =>
        launchUrl is not { Length: > 0 } ? null
        : !Uri.TryCreate(launchUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0
            ? "Smart:LaunchUrl must be an absolute http(s) URL without fragment or credentials (the SMART app's launch.html)."
        : uri.Scheme != Uri.UriSchemeHttps && !development
            ? "Smart:LaunchUrl must use https outside the Development environment."
        : null;
}
