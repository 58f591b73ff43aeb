using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.Tokens;
using Microsoft.Net.Http.Headers;
using Valvuloplasty.Fhir.CdsHooks.Hosting;

namespace Valvuloplasty.Fhir.CdsHooks.Sandbox;

/// <summary>
/// A development SMART App Launch server for the sandbox's FHIR endpoint, so the SMART app can be launched, authorized
/// and read data exactly as it would in an EHR: SMART configuration, launch contexts (what an EHR makes when a card's
/// <c>smart</c> link is clicked), the authorization-code flow with PKCE S256 (auto-approved, with a patient picker for a
/// standalone launch), and tokens that limit <c>/sandbox/fhir</c> to one patient. Mapped only with the sandbox.
/// </summary>
public static class SmartSimulatorEndpoints
{
    /// <summary>Largest <c>/sandbox/smart/launch</c> JSON body and <c>/sandbox/smart/token</c> form.</summary>
    public const int MaxRequestBytes = 4096;

    /// <summary>The user every id_token names (the sandbox has no login).</summary>
    public const string FhirUser = "Practitioner/example";

    private static readonly FormOptions TokenForm = new() { ValueCountLimit = 16, KeyLengthLimit = 64, ValueLengthLimit = 2048, BufferBody = false };

    private const string PageSecurityPolicy = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors *";

    internal static void Map(RouteGroupBuilder sandbox, RouteGroupBuilder fhir)
    {
        fhir.MapGet("/.well-known/smart-configuration", Configuration);
        var smart = sandbox.MapGroup("/smart");
        smart.MapPost("/launch", Launch);
        smart.MapGet("/authorize", Authorize);
        smart.MapPost("/token", Token).DisableAntiforgery();
        smart.MapGet("/jwks", Jwks);
    }

    /// <summary>The sandbox FHIR endpoint's base URL, as the app sees it (<c>iss</c> and <c>aud</c>).</summary>
    public static string FhirBase(HttpRequest request) => $"{Origin(request)}{request.PathBase}/sandbox/fhir";

    private static string Origin(HttpRequest request) => $"{request.Scheme}://{request.Host}";

    private static IResult Configuration(HttpRequest request, SandboxIssuer issuer)
    {
        var smart = $"{Origin(request)}{request.PathBase}/sandbox/smart";
        var configuration = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["issuer"] = FhirBase(request),
            ["authorization_endpoint"] = $"{smart}/authorize",
            ["token_endpoint"] = $"{smart}/token",
            ["token_endpoint_auth_methods_supported"] = new[] { "none" },
            ["grant_types_supported"] = new[] { "authorization_code" },
            ["response_types_supported"] = new[] { "code" },
            ["code_challenge_methods_supported"] = new[] { "S256" },
            ["scopes_supported"] = new[]
            {
                "openid", "fhirUser", "launch", "launch/patient",
                "patient/*.rs", "patient/*.read", "patient/Patient.r", "patient/Condition.rs", "patient/Observation.rs", "patient/Procedure.rs",
                "patient/ServiceRequest.rs", "patient/MedicationRequest.rs", "patient/RiskAssessment.rs", "patient/Medication.rs",
            },
            ["capabilities"] = new[]
            {
                "launch-ehr", "launch-standalone", "client-public", "context-ehr-patient", "context-standalone-patient",
                "context-passthrough-banner", "permission-patient", "permission-v2", "permission-v1", "sso-openid-connect",
            },
        };
        if (issuer.Active)
        {
            configuration["jwks_uri"] = $"{smart}/jwks";
            configuration["id_token_signing_alg_values_supported"] = new[] { "ES384" };
        }

        return Results.Json(configuration);
    }

    /// <summary>The key that verifies the simulator's id_tokens.</summary>
    private static IResult Jwks(SandboxIssuer issuer) =>
        issuer.PublicKey is { } key
            ? Results.Json(new { keys = new[] { new { kty = key.Kty, crv = key.Crv, x = key.X, y = key.Y, kid = key.Kid, alg = key.Alg, use = key.Use } } })
            : OperationOutcomes.Result(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotSupported, "The sandbox signs id_tokens only in the Development environment.");

    /// <summary>
    /// <c>POST /sandbox/smart/launch</c> with <c>{"patient": "&lt;id&gt;", "appContext": "&lt;string&gt;"}</c>: what an EHR
    /// does before it opens a SMART app: a launch context (five minutes) and the app's launch URL carrying it.
    /// </summary>
    private static async Task<IResult> Launch(HttpRequest request, SandboxFhirStore store, SmartSimulator simulator, CancellationToken cancellationToken)
    {
        using var body = await RequestBody.ReadAsync(request, MaxRequestBytes, cancellationToken);
        if (body.Refusal(MaxRequestBytes) is { } refused)
        {
            return refused;
        }

        string? patient;
        string? appContext = null;
        try
        {
            using var json = JsonDocument.Parse(body.Span.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
            if (json.RootElement.ValueKind != JsonValueKind.Object)
            {
                return Invalid("The body must be a JSON object: {\"patient\": \"<id>\", \"appContext\": \"<string>\"}.", "patient");
            }

            patient = json.RootElement.TryGetProperty("patient", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
            if (json.RootElement.TryGetProperty("appContext", out var context) && context.ValueKind != JsonValueKind.Null)
            {
                if (context.ValueKind != JsonValueKind.String || context.GetString()!.Length > 2048)
                {
                    return Invalid("appContext must be a string of at most 2048 characters (CDS Hooks passes it to the app as is).", "appContext");
                }

                appContext = context.GetString();
            }
        }
        catch (JsonException)
        {
            return Invalid("The body is not valid JSON.", null);
        }

        if (string.IsNullOrEmpty(patient) || patient.Length > 64)
        {
            return Invalid("patient must be the id of a sandbox patient (GET /sandbox/patients lists them).", "patient");
        }

        if (store.Patient(patient) is null)
        {
            return OperationOutcomes.Result(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotFound,
                "patient is not a sandbox patient (GET /sandbox/patients lists them).", "patient");
        }

        var launch = simulator.CreateLaunch(new SmartLaunch(patient, appContext));
        var iss = FhirBase(request);
        var url = $"{Origin(request)}{request.PathBase}/smart/launch.html?iss={Uri.EscapeDataString(iss)}&launch={launch}";
        request.HttpContext.Response.Headers.CacheControl = "no-store";
        return Results.Json(new LaunchResponse(launch, iss, url));
    }

    /// <summary>
    /// <c>GET /sandbox/smart/authorize</c>: checks the request as an authorization server must (RFC 6749, SMART App Launch),
    /// then approves it at once with a single-use code bound to the client, redirect URI, PKCE challenge, patient,
    /// appContext and granted scopes. A standalone launch without a patient gets a patient picker first.
    /// </summary>
    private static IResult Authorize(HttpRequest request, SmartSimulator simulator, SandboxFhirStore store)
    {
        var query = request.Query;
        string? One(string name) => query.TryGetValue(name, out var value) && value.Count == 1 && !string.IsNullOrEmpty(value[0]) ? value[0] : null;

        var clientId = One("client_id");
        if (clientId is null || clientId.Length > 256)
        {
            return ErrorPage("client_id is missing: the app must identify itself.");
        }

        var redirect = One("redirect_uri");
        if (redirect is null || !OwnAppUrl(redirect, request))
        {
            return ErrorPage($"redirect_uri must be a URL of this server under {request.PathBase}/smart/ (where the app is served).");
        }

        var state = One("state");
        IResult Refuse(string error, string description)
        {
            var parameters = new Dictionary<string, string?>(StringComparer.Ordinal) { ["error"] = error, ["error_description"] = description };
            if (state is not null)
            {
                parameters["state"] = state;
            }

            return Results.Redirect(QueryHelpers.AddQueryString(redirect, parameters));
        }

        if (query.Any(p => p.Value.Count > 1))
        {
            return Refuse("invalid_request", "A parameter is repeated.");
        }

        if (One("response_type") != "code")
        {
            return Refuse("unsupported_response_type", "Only response_type=code is supported.");
        }

        if (state is null)
        {
            return Refuse("invalid_request", "state is required.");
        }

        var challenge = One("code_challenge");
        if (One("code_challenge_method") != "S256" || challenge is null || !IsPkceValue(challenge))
        {
            return Refuse("invalid_request", "PKCE is required: code_challenge (base64url SHA-256 of the verifier) with code_challenge_method=S256.");
        }

        var fhirBase = FhirBase(request);
        if (One("aud") is not { } aud || !string.Equals(aud.TrimEnd('/'), fhirBase, StringComparison.Ordinal))
        {
            return Refuse("invalid_request", $"aud must be this FHIR server's base URL, {fhirBase}.");
        }

        var scopes = SmartScopes.Grant(One("scope") ?? string.Empty);
        if (scopes.Count == 0)
        {
            return Refuse("invalid_scope", "scope names no scope this server grants (launch, launch/patient, openid, fhirUser, patient/<Type>.rs).");
        }

        string patient;
        string? appContext = null;
        if (One("launch") is { } launch)
        {
            if (simulator.Launch(launch) is not { } context)
            {
                return Refuse("invalid_request", "launch is unknown or expired: a launch context lasts five minutes; launch the app again.");
            }

            (patient, appContext) = (context.Patient, context.AppContext);
        }
        else if (scopes.Contains("launch/patient"))
        {
            if (One("patient") is not { } chosen || store.Patient(chosen) is null)
            {
                return PatientPicker(request, store);
            }

            patient = chosen;
        }
        else
        {
            return Refuse("invalid_scope", "Without a launch, the scope must include launch/patient: this server's tokens are always for one patient.");
        }

        var code = simulator.CreateCode(new SmartCode(clientId, redirect, challenge, patient, appContext, scopes));
        return Results.Redirect(QueryHelpers.AddQueryString(redirect, new Dictionary<string, string?>(StringComparer.Ordinal) { ["code"] = code, ["state"] = state }));
    }

    /// <summary>
    /// <c>POST /sandbox/smart/token</c>: exchanges a code for an access token (one hour, this patient only). Every
    /// mismatch with what the code is bound to (client, redirect URI, PKCE verifier), an expired or a used code is
    /// <c>invalid_grant</c>; the code is spent by the first attempt, whatever its outcome.
    /// </summary>
    private static async Task<IResult> Token(HttpRequest request, SmartSimulator simulator, SandboxIssuer issuer, TimeProvider time, CancellationToken cancellationToken)
    {
        request.HttpContext.Response.Headers.CacheControl = "no-store";
        request.HttpContext.Response.Headers.Pragma = "no-cache";
        if (!request.HasFormContentType || !MediaTypeHeaderValue.TryParse(request.ContentType, out var media)
            || !string.Equals(media.MediaType.Value, "application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            return OAuthError("invalid_request", "The token request is a form: Content-Type: application/x-www-form-urlencoded.");
        }

        if (request.ContentLength > MaxRequestBytes)
        {
            return OAuthError("invalid_request", $"The token request is larger than {MaxRequestBytes} bytes.");
        }

        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = MaxRequestBytes;
        }

        IFormCollection form;
        try
        {
            request.HttpContext.Features.Set<IFormFeature>(new FormFeature(request, TokenForm));
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or BadHttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            return OAuthError("invalid_request", "The token request form is malformed or over its limits.");
        }

        string? One(string name) => form.TryGetValue(name, out var value) && value.Count == 1 && !string.IsNullOrEmpty(value[0]) ? value[0] : null;
        if (One("grant_type") != "authorization_code")
        {
            return OAuthError("unsupported_grant_type", "Only grant_type=authorization_code is supported.");
        }

        if (One("code") is not { } code)
        {
            return OAuthError("invalid_request", "code is required.");
        }

        if (simulator.TakeCode(code) is not { } bound)
        {
            return OAuthError("invalid_grant", "The code is unknown, expired or already used.");
        }

        if (One("client_id") != bound.ClientId)
        {
            return OAuthError("invalid_grant", "client_id is not the client the code was issued to.");
        }

        if (One("redirect_uri") != bound.RedirectUri)
        {
            return OAuthError("invalid_grant", "redirect_uri is not the one of the authorization request.");
        }

        if (One("code_verifier") is not { } verifier || !IsPkceValue(verifier) || !FixedTimeEquals(S256(verifier), bound.CodeChallenge))
        {
            return OAuthError("invalid_grant", "code_verifier does not match the code_challenge (PKCE S256).");
        }

        var now = time.GetUtcNow();
        var accessToken = simulator.CreateToken(new SmartGrant(bound.ClientId, bound.Patient, bound.Scopes));
        var fhirBase = FhirBase(request);
        var idToken = bound.Scopes.Contains("openid") && issuer.Active
            ? issuer.CreateIdToken(fhirBase, bound.ClientId, "example", $"{fhirBase}/{FhirUser}", now, SmartSimulator.TokenLifetime)
            : null;
        return Results.Json(new TokenResponse(accessToken, "Bearer", (int)SmartSimulator.TokenLifetime.TotalSeconds, string.Join(' ', bound.Scopes),
            bound.Patient, true, bound.AppContext, idToken));
    }

    /// <summary>
    /// Checks a <c>/sandbox/fhir</c> request's bearer token. No Authorization header: the endpoint stays open (null, null),
    /// as the public CDS Hooks sandbox calls it. A header: the token must be one this simulator issued and still live,
    /// else a 401 with <c>WWW-Authenticate: Bearer error="invalid_token"</c>.
    /// </summary>
    internal static (SmartGrant? Grant, IResult? Refusal) Check(HttpRequest request, SmartSimulator simulator)
    {
        if (request.Headers.Authorization.Count == 0)
        {
            return (null, null);
        }

        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header["Bearer ".Length..].Trim() is { Length: > 0 and <= 512 } token
            && simulator.Grant(token) is { } grant)
        {
            return (grant, null);
        }

        request.HttpContext.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\", error_description=\"The access token is unknown or expired\"";
        return (null, OperationOutcomes.Result(StatusCodes.Status401Unauthorized, OperationOutcome.IssueType.Login,
            "The access token is unknown or expired: get one from this sandbox's SMART simulator (see /sandbox/fhir/.well-known/smart-configuration)."));
    }

    /// <summary>403: the token may not read this (another patient's data, or a type its scopes leave out).</summary>
    internal static IResult Forbidden(string message) =>
        OperationOutcomes.Result(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden, message);

    /// <summary>True for a URL of this server (same origin) under <c>/smart/</c>, without fragment or credentials.</summary>
    private static bool OwnAppUrl(string url, HttpRequest request) =>
        url.Length <= 2048
        && Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && Uri.TryCreate(Origin(request), UriKind.Absolute, out var own)
        && uri.Scheme == own.Scheme
        && string.Equals(uri.IdnHost, own.IdnHost, StringComparison.OrdinalIgnoreCase)
        && uri.Port == own.Port
        && uri.Fragment.Length == 0
        && uri.UserInfo.Length == 0
        && uri.AbsolutePath.StartsWith($"{request.PathBase}/smart/", StringComparison.Ordinal);

    /// <summary>A PKCE verifier or S256 challenge: 43 to 128 unreserved characters (RFC 7636).</summary>
    private static bool IsPkceValue(string value) =>
        value.Length is >= 43 and <= 128 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~');

    private static string S256(string verifier) => Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

    private static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));

    private static IResult OAuthError(string error, string description) =>
        Results.Json(new Dictionary<string, string>(StringComparer.Ordinal) { ["error"] = error, ["error_description"] = description }, statusCode: StatusCodes.Status400BadRequest);

    private static IResult Invalid(string message, string? location) =>
        OperationOutcomes.Result(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, message, location);

    /// <summary>RFC 6749 §4.1.2.1: with no trustworthy redirect URI the error is shown to the user, not sent anywhere.</summary>
    private static HtmlPage ErrorPage(string message) =>
        Page(StatusCodes.Status400BadRequest, "Authorization refused",
            $"<p>{HtmlEncoder.Default.Encode(message)}</p><p>See the README, The SMART app.</p>");

    /// <summary>A standalone launch's patient choice: each link continues the same authorization request with that patient.</summary>
    private static HtmlPage PatientPicker(HttpRequest request, SandboxFhirStore store)
    {
        var items = new StringBuilder();
        foreach (var patient in store.Patients.OrderBy(p => p.Id, StringComparer.Ordinal))
        {
            var query = new QueryBuilder(request.Query.Where(p => p.Key != "patient").SelectMany(p => p.Value.Select(v => KeyValuePair.Create(p.Key, v ?? string.Empty))))
            {
                { "patient", patient.Id! },
            };
            var name = patient.Name.FirstOrDefault() is { } n ? $"{string.Join(' ', n.Given)} {n.Family}".Trim() : patient.Id!;
            items.Append("<li><a href=\"").Append(HtmlEncoder.Default.Encode($"{request.PathBase}/sandbox/smart/authorize{query}")).Append("\">")
                .Append(HtmlEncoder.Default.Encode(name)).Append("</a> (").Append(HtmlEncoder.Default.Encode(patient.Id!)).Append(")</li>\n");
        }

        return Page(StatusCodes.Status200OK, "Choose a patient",
            $"<p>The app asks for a patient (standalone launch). Synthetic patients of the sandbox:</p>\n<ul>\n{items}</ul>");
    }

    private static HtmlPage Page(int status, string title, string body) => new(status,
        $"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title} · sandbox SMART simulator</title></head>\n<body><h1>{title}</h1>\n{body}\n</body></html>\n");

    /// <summary>An HTML page with a policy that allows no script, style or form.</summary>
    private sealed class HtmlPage(int status, string html) : IResult
    {
        public System.Threading.Tasks.Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            httpContext.Response.ContentType = "text/html; charset=utf-8";
            httpContext.Response.Headers.ContentSecurityPolicy = PageSecurityPolicy;
            httpContext.Response.Headers.XContentTypeOptions = "nosniff";
            httpContext.Response.Headers.CacheControl = "no-store";
            return httpContext.Response.WriteAsync(html, httpContext.RequestAborted);
        }
    }

    public sealed record LaunchResponse(string Launch, string Iss, string Url);

    /// <summary>The token response (SMART App Launch), member names as the specification spells them.</summary>
    public sealed record TokenResponse(
        [property: JsonPropertyName("access_token")] string AccessToken,
        [property: JsonPropertyName("token_type")] string TokenType,
        [property: JsonPropertyName("expires_in")] int ExpiresIn,
        [property: JsonPropertyName("scope")] string Scope,
        [property: JsonPropertyName("patient")] string Patient,
        [property: JsonPropertyName("need_patient_banner")] bool NeedPatientBanner,
        [property: JsonPropertyName("appContext"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? AppContext,
        [property: JsonPropertyName("id_token"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? IdToken);
}
