using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace Valvuloplasty.Fhir.IntegrationTests.Infrastructure;

/// <summary>
/// The SMART App Launch flow against the sandbox's simulator, step by step over HTTP, as the browser app runs it:
/// launch context, authorize (PKCE S256), code, token.
/// </summary>
public static class SmartFlow
{
    public const string ClientId = "valvuloplasty-smart-app";

    /// <summary>What the app asks for: the patient-view record's resource types (see README, The SMART app).</summary>
    public const string Scope = "launch openid fhirUser patient/Patient.r patient/Observation.rs patient/Condition.rs patient/Procedure.rs "
        + "patient/MedicationRequest.rs patient/ServiceRequest.rs patient/RiskAssessment.rs patient/Medication.rs";

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<CdsTestHost, HttpClient> Browsers = [];

    /// <summary>A client to the host (one per host) that does not follow redirects: the authorize answer is the redirect.</summary>
    public static HttpClient Browser(CdsTestHost host) =>
        Browsers.GetValue(host, h => new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = h.Client.BaseAddress });

    public static string BaseUrl(HttpClient client) => client.BaseAddress!.ToString().TrimEnd('/');

    public static string FhirBase(HttpClient client) => $"{BaseUrl(client)}/sandbox/fhir";

    public static string RedirectUri(HttpClient client) => $"{BaseUrl(client)}/smart/index.html";

    public static (string Verifier, string Challenge) Pkce()
    {
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        return (verifier, Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>POST /sandbox/smart/launch: the launch id.</summary>
    public static async Task<string> LaunchAsync(HttpClient client, string patient, string? appContext = null)
    {
        var response = await client.PostAsJsonAsync("/sandbox/smart/launch", new { patient, appContext }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return body.RootElement.GetProperty("launch").GetString()!;
    }

    /// <summary>The authorize request's parameters for an EHR launch (<paramref name="launch"/>) or a standalone one (null).</summary>
    public static Dictionary<string, string?> AuthorizeParameters(HttpClient client, string? launch, string challenge, string scope = Scope) => new(StringComparer.Ordinal)
    {
        ["response_type"] = "code",
        ["client_id"] = ClientId,
        ["redirect_uri"] = RedirectUri(client),
        ["scope"] = scope,
        ["state"] = "state-123",
        ["aud"] = FhirBase(client),
        ["code_challenge"] = challenge,
        ["code_challenge_method"] = "S256",
        ["launch"] = launch,
    };

    /// <summary>GET /sandbox/smart/authorize: the response (a redirect, a page).</summary>
    public static Task<HttpResponseMessage> AuthorizeAsync(HttpClient client, IDictionary<string, string?> parameters) =>
        client.GetAsync(QueryHelpers.AddQueryString("/sandbox/smart/authorize", parameters.Where(p => p.Value is not null)), TestContext.Current.CancellationToken);

    /// <summary>The query of the redirect the authorize answer sends the browser to.</summary>
    public static Dictionary<string, string> RedirectQuery(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        return QueryHelpers.ParseQuery(location.Query).ToDictionary(p => p.Key, p => p.Value.ToString(), StringComparer.Ordinal);
    }

    /// <summary>POST /sandbox/smart/token with a form.</summary>
    public static async Task<(HttpStatusCode Status, JsonDocument Body)> TokenAsync(HttpClient client, IDictionary<string, string> form)
    {
        var response = await client.PostAsync("/sandbox/smart/token", new FormUrlEncodedContent(form), TestContext.Current.CancellationToken);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)));
    }

    public static Dictionary<string, string> TokenForm(HttpClient client, string code, string verifier) => new(StringComparer.Ordinal)
    {
        ["grant_type"] = "authorization_code",
        ["code"] = code,
        ["redirect_uri"] = RedirectUri(client),
        ["client_id"] = ClientId,
        ["code_verifier"] = verifier,
    };

    /// <summary>The code of an EHR launch for <paramref name="patient"/>, with its PKCE verifier.</summary>
    public static async Task<(string Code, string Verifier)> CodeAsync(HttpClient client, string patient, string? appContext = null, string scope = Scope)
    {
        var launch = await LaunchAsync(client, patient, appContext);
        var (verifier, challenge) = Pkce();
        var query = RedirectQuery(await AuthorizeAsync(client, AuthorizeParameters(client, launch, challenge, scope)));
        Assert.Equal("state-123", query["state"]);
        return (query["code"], verifier);
    }

    /// <summary>The whole EHR launch for <paramref name="patient"/>: the token response.</summary>
    public static async Task<JsonDocument> TokenResponseAsync(HttpClient client, string patient, string? appContext = null, string scope = Scope)
    {
        var (code, verifier) = await CodeAsync(client, patient, appContext, scope);
        var (status, body) = await TokenAsync(client, TokenForm(client, code, verifier));
        Assert.Equal(HttpStatusCode.OK, status);
        return body;
    }

    /// <summary>An access token for <paramref name="patient"/>.</summary>
    public static async Task<string> AccessTokenAsync(HttpClient client, string patient, string scope = Scope)
    {
        using var body = await TokenResponseAsync(client, patient, scope: scope);
        return body.RootElement.GetProperty("access_token").GetString()!;
    }
}
