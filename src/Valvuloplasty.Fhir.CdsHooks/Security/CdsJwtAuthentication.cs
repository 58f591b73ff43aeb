using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Valvuloplasty.Fhir.CdsHooks.Security;

/// <summary>
/// The ASP.NET Core authentication scheme for EHR JWTs. A refused token answers 401 with
/// <c>WWW-Authenticate: Bearer</c> and an empty body; the reason goes to the log, never the token.
/// </summary>
public sealed class CdsJwtAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    CdsJwtValidator validator,
    IOptions<SecurityOptions> security)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "CdsHooksJwt";

    private string? _failure;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header))
        {
            _failure = "no Authorization header";
            return AuthenticateResult.NoResult();
        }

        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            _failure = "Authorization is not a Bearer token";
            return AuthenticateResult.Fail(_failure);
        }

        var result = await validator.ValidateAsync(header["Bearer ".Length..].Trim(), ExpectedAudience(), Context.RequestAborted);
        if (result.Principal is null)
        {
            _failure = result.Failure;
            return AuthenticateResult.Fail(_failure ?? "invalid token");
        }

        return AuthenticateResult.Success(new AuthenticationTicket(result.Principal, SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Log.AuthenticationRefused(Logger, Request.Path.Value ?? string.Empty, _failure ?? "not authenticated");
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }

    /// <summary>The exact URL called: <c>Security:PublicBaseUrl</c> (behind a proxy) or the request's own, plus the path.</summary>
    private string ExpectedAudience()
    {
        var baseUrl = security.Value.PublicBaseUrl?.TrimEnd('/') ?? $"{Request.Scheme}://{Request.Host}{Request.PathBase}";
        return baseUrl + Request.Path;
    }
}
