using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Valvuloplasty.Fhir.CdsHooks.Security;

/// <summary>
/// The ASP.NET Core authentication scheme for EHR JWTs. A refused token answers 401 with
/// <c>WWW-Authenticate: Bearer</c> and an OperationOutcome naming the failed check; never the token.
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

    /// <summary>
    /// 401 with <c>WWW-Authenticate: Bearer</c> (RFC 6750: <c>error="invalid_token"</c> and the reason when a token was
    /// presented) and an OperationOutcome saying why, so an integrator sees a refusal instead of an empty answer. The
    /// reason names the check that failed (issuer, jku, kid, signature, aud, exp, jti), never the token or its claims.
    /// </summary>
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var reason = _failure ?? "not authenticated";
        Log.AuthenticationRefused(Logger, Request.Path.Value ?? string.Empty, reason);
        var presented = Request.Headers.Authorization.Count > 0;
        Response.Headers.WWWAuthenticate = presented
            ? $"Bearer error=\"invalid_token\", error_description=\"{HeaderSafe(reason)}\""
            : "Bearer";
        await Hosting.ProtocolErrors.WriteAsync(Context, StatusCodes.Status401Unauthorized, Hl7.Fhir.Model.OperationOutcome.IssueType.Login,
            presented
                ? $"The bearer JWT was refused: {reason}. See the README, Connecting an EHR."
                : "A bearer JWT from a trusted EHR issuer is required (Authorization: Bearer <JWT>). See the README, Connecting an EHR.");
    }

    /// <summary>RFC 6750 error_description characters only: printable ASCII without '"' and '\\'.</summary>
    private static string HeaderSafe(string value) =>
        new([.. value.Where(c => c is >= ' ' and <= '~' and not '"' and not '\\').Take(200)]);

    /// <summary>The exact URL called: <c>Security:PublicBaseUrl</c> (behind a proxy) or the request's own, plus the path.</summary>
    private string ExpectedAudience()
    {
        var baseUrl = security.Value.PublicBaseUrl?.TrimEnd('/') ?? $"{Request.Scheme}://{Request.Host}{Request.PathBase}";
        return baseUrl + Request.Path;
    }
}
