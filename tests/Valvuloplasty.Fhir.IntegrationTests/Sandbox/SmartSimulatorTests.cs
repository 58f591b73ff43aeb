using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Valvuloplasty.Fhir.IntegrationTests.Infrastructure;

namespace Valvuloplasty.Fhir.IntegrationTests.Sandbox;

/// <summary>
/// The development SMART simulator over HTTP: configuration, launch context, the authorization code flow with PKCE,
/// every refusal of the token exchange, and tokens that limit the sandbox FHIR endpoint to their patient.
/// </summary>
public sealed class SmartSimulatorTests : IClassFixture<SharedCdsHost>
{
    private readonly SharedCdsHost _host;

    public SmartSimulatorTests(SharedCdsHost host) => _host = host;

    private HttpClient Browser => SmartFlow.Browser(_host.Server);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Configuration_AdvertisesAuthorizeTokenAndPkce()
    {
        var client = Browser;
        using var config = JsonDocument.Parse(await client.GetStringAsync("/sandbox/fhir/.well-known/smart-configuration", Cancel));
        var root = config.RootElement;

        var baseUrl = SmartFlow.BaseUrl(client);
        Assert.Equal($"{baseUrl}/sandbox/smart/authorize", root.GetProperty("authorization_endpoint").GetString());
        Assert.Equal($"{baseUrl}/sandbox/smart/token", root.GetProperty("token_endpoint").GetString());
        Assert.Equal(["S256"], root.GetProperty("code_challenge_methods_supported").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["authorization_code"], root.GetProperty("grant_types_supported").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["code"], root.GetProperty("response_types_supported").EnumerateArray().Select(e => e.GetString()));
        var capabilities = root.GetProperty("capabilities").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.All(["launch-ehr", "launch-standalone", "client-public", "context-ehr-patient", "context-standalone-patient", "permission-patient", "permission-v2", "sso-openid-connect"],
            c => Assert.Contains(c, capabilities));
        Assert.Contains("patient/Observation.rs", root.GetProperty("scopes_supported").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Metadata_CarriesTheOAuthUrisExtension()
    {
        var client = Browser;
        var metadata = await client.GetStringAsync("/sandbox/fhir/metadata", Cancel);

        Assert.Contains("http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris", metadata, StringComparison.Ordinal);
        Assert.Contains($"{SmartFlow.BaseUrl(client)}/sandbox/smart/token", metadata, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EhrLaunch_CodeAndPkceExchange_GivesTheLaunchPatientAndAppContext()
    {
        var client = Browser;
        var response = await client.PostAsJsonAsync("/sandbox/smart/launch", new { patient = "aortic-candidate", appContext = "{\"valve\":\"aortic\"}" }, Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var launch = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel));
        var launchId = launch.RootElement.GetProperty("launch").GetString()!;
        Assert.Equal(SmartFlow.FhirBase(client), launch.RootElement.GetProperty("iss").GetString());
        Assert.Equal($"{SmartFlow.BaseUrl(client)}/smart/launch.html?iss={Uri.EscapeDataString(SmartFlow.FhirBase(client))}&launch={launchId}",
            launch.RootElement.GetProperty("url").GetString());

        var (verifier, challenge) = SmartFlow.Pkce();
        var authorize = await SmartFlow.AuthorizeAsync(client, SmartFlow.AuthorizeParameters(client, launchId, challenge));
        Assert.StartsWith(SmartFlow.RedirectUri(client) + "?", authorize.Headers.Location!.ToString(), StringComparison.Ordinal);
        var query = SmartFlow.RedirectQuery(authorize);
        Assert.Equal("state-123", query["state"]);

        var (status, token) = await SmartFlow.TokenAsync(client, SmartFlow.TokenForm(client, query["code"], verifier));
        using (token)
        {
            Assert.Equal(HttpStatusCode.OK, status);
            var root = token.RootElement;
            Assert.Equal("Bearer", root.GetProperty("token_type").GetString());
            Assert.Equal(3600, root.GetProperty("expires_in").GetInt32());
            Assert.Equal("aortic-candidate", root.GetProperty("patient").GetString());
            Assert.Equal("{\"valve\":\"aortic\"}", root.GetProperty("appContext").GetString());
            Assert.True(root.GetProperty("need_patient_banner").GetBoolean());
            Assert.Equal(SmartFlow.Scope, root.GetProperty("scope").GetString());
            Assert.False(string.IsNullOrEmpty(root.GetProperty("access_token").GetString()));

            var idToken = root.GetProperty("id_token").GetString()!.Split('.');
            using var claims = JsonDocument.Parse(Convert.FromBase64String(Pad(idToken[1])));
            Assert.Equal(SmartFlow.ClientId, claims.RootElement.GetProperty("aud").GetString());
            Assert.Equal(SmartFlow.FhirBase(client), claims.RootElement.GetProperty("iss").GetString());
            Assert.EndsWith("/Practitioner/example", claims.RootElement.GetProperty("fhirUser").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Token_WithoutOpenId_HasNoIdToken_AndNoAppContextWhenNoneWasGiven()
    {
        var client = Browser;
        using var token = await SmartFlow.TokenResponseAsync(client, "mitral-candidate", scope: "launch patient/*.rs");

        Assert.Equal("mitral-candidate", token.RootElement.GetProperty("patient").GetString());
        Assert.False(token.RootElement.TryGetProperty("id_token", out _));
        Assert.False(token.RootElement.TryGetProperty("appContext", out _));
    }

    [Fact]
    public async Task Token_WrongPkceVerifier_IsInvalidGrant()
    {
        var client = Browser;
        var (code, _) = await SmartFlow.CodeAsync(client, "aortic-candidate");

        await AssertInvalidGrantAsync(client, SmartFlow.TokenForm(client, code, SmartFlow.Pkce().Verifier));
    }

    [Fact]
    public async Task Token_MissingVerifier_IsInvalidGrant()
    {
        var client = Browser;
        var (code, verifier) = await SmartFlow.CodeAsync(client, "aortic-candidate");
        var form = SmartFlow.TokenForm(client, code, verifier);
        form.Remove("code_verifier");

        await AssertInvalidGrantAsync(client, form);
    }

    [Fact]
    public async Task Token_ReusedCode_IsInvalidGrant()
    {
        var client = Browser;
        var (code, verifier) = await SmartFlow.CodeAsync(client, "aortic-candidate");
        var (first, body) = await SmartFlow.TokenAsync(client, SmartFlow.TokenForm(client, code, verifier));
        body.Dispose();
        Assert.Equal(HttpStatusCode.OK, first);

        await AssertInvalidGrantAsync(client, SmartFlow.TokenForm(client, code, verifier));
    }

    [Fact]
    public async Task Token_MismatchedRedirectUri_IsInvalidGrant_AndSpendsTheCode()
    {
        var client = Browser;
        var (code, verifier) = await SmartFlow.CodeAsync(client, "aortic-candidate");
        var form = SmartFlow.TokenForm(client, code, verifier);
        form["redirect_uri"] = $"{SmartFlow.BaseUrl(client)}/smart/other.html";

        await AssertInvalidGrantAsync(client, form);
        await AssertInvalidGrantAsync(client, SmartFlow.TokenForm(client, code, verifier));
    }

    [Fact]
    public async Task Token_MismatchedClientId_IsInvalidGrant()
    {
        var client = Browser;
        var (code, verifier) = await SmartFlow.CodeAsync(client, "aortic-candidate");
        var form = SmartFlow.TokenForm(client, code, verifier);
        form["client_id"] = "another-app";

        await AssertInvalidGrantAsync(client, form);
    }

    [Fact]
    public async Task Token_ExpiredCode_IsInvalidGrant()
    {
        using var host = new CdsTestHost();
        var client = SmartFlow.Browser(host);
        var (code, verifier) = await SmartFlow.CodeAsync(client, "aortic-candidate");

        host.Time.Advance(TimeSpan.FromSeconds(61));

        await AssertInvalidGrantAsync(client, SmartFlow.TokenForm(client, code, verifier));
    }

    [Fact]
    public async Task Token_ExpiredAccessToken_Is401OnFhir()
    {
        using var host = new CdsTestHost();
        var client = SmartFlow.Browser(host);
        var token = await SmartFlow.AccessTokenAsync(client, "aortic-candidate");

        host.Time.Advance(TimeSpan.FromMinutes(61));

        using var request = Get("/sandbox/fhir/Patient/aortic-candidate", token);
        var response = await client.SendAsync(request, Cancel);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Token_FormFromABrowser_GetsCorsHeaders()
    {
        var client = Browser;
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/sandbox/smart/token");
        preflight.Headers.Add("Origin", "http://localhost:3000");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "content-type");
        var answer = await client.SendAsync(preflight, Cancel);
        Assert.Equal("http://localhost:3000", answer.Headers.GetValues("Access-Control-Allow-Origin").Single());

        using var refused = new HttpRequestMessage(HttpMethod.Post, "/sandbox/smart/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "authorization_code", ["code"] = "nope" }),
        };
        refused.Headers.Add("Origin", "http://localhost:3000");
        var response = await client.SendAsync(refused, Cancel);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("http://localhost:3000", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task Fhir_TokenForAnotherPatient_IsForbidden_ItsOwnPatientIsRead()
    {
        var client = Browser;
        var token = await SmartFlow.AccessTokenAsync(client, "aortic-candidate");

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, "/sandbox/fhir/Patient/aortic-candidate", token));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, "/sandbox/fhir/Observation?patient=aortic-candidate", token));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(client, "/sandbox/fhir/Patient/mitral-candidate", token));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(client, "/sandbox/fhir/Observation?patient=Patient/mitral-candidate", token));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(client, "/sandbox/fhir/Condition?subject=mitral-candidate", token));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(client, "/sandbox/fhir/Patient?_id=mitral-candidate", token));

        using var other = JsonDocument.Parse(await client.GetStringAsync("/sandbox/fhir/Condition?patient=mitral-candidate", Cancel));
        var conditionId = other.RootElement.GetProperty("entry")[0].GetProperty("resource").GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(client, $"/sandbox/fhir/Condition/{conditionId}", token));
    }

    [Fact]
    public async Task Fhir_SearchWithoutPatient_IsNarrowedToTheTokensPatient()
    {
        var client = Browser;
        var token = await SmartFlow.AccessTokenAsync(client, "aortic-candidate");

        using var request = Get("/sandbox/fhir/Condition", token);
        var response = await client.SendAsync(request, Cancel);
        using var bundle = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel));
        var subjects = bundle.RootElement.GetProperty("entry").EnumerateArray()
            .Select(e => e.GetProperty("resource").GetProperty("subject").GetProperty("reference").GetString()).ToList();
        Assert.NotEmpty(subjects);
        Assert.All(subjects, s => Assert.Equal("Patient/aortic-candidate", s));
    }

    [Fact]
    public async Task Fhir_ScopesLimitTheTypes()
    {
        var client = Browser;
        var token = await SmartFlow.AccessTokenAsync(client, "aortic-candidate", "launch patient/Patient.r");

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, "/sandbox/fhir/Patient/aortic-candidate", token));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(client, "/sandbox/fhir/Observation?patient=aortic-candidate", token));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(client, "/sandbox/fhir/Patient?_id=aortic-candidate", token));
    }

    [Fact]
    public async Task Fhir_UnknownToken_Is401WithInvalidToken()
    {
        var client = Browser;
        using var request = Get("/sandbox/fhir/Patient/aortic-candidate", "not-a-token-this-server-issued");
        var response = await client.SendAsync(request, Cancel);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Fhir_WithoutAuthorization_StaysOpen()
    {
        var client = Browser;

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, "/sandbox/fhir/Patient/mitral-candidate", null));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, "/sandbox/fhir/Observation?patient=mitral-candidate", null));
    }

    [Fact]
    public async Task Launch_StringsThatAreNotUtf8_Are400_Not500()
    {
        var client = Browser;
        byte[] json = [.. "{\"patient\":\""u8, 0xC3, 0x28, .. "\"}"u8];
        using var content = new ByteArrayContent(json);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        var response = await client.PostAsync("/sandbox/smart/launch", content, Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not valid UTF-8", await response.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Launch_UnknownPatient_Is404_MissingPatient_Is400()
    {
        var client = Browser;
        var unknown = await client.PostAsJsonAsync("/sandbox/smart/launch", new { patient = "nobody" }, Cancel);
        var missing = await client.PostAsJsonAsync("/sandbox/smart/launch", new { appContext = "x" }, Cancel);
        var badContext = await client.PostAsync("/sandbox/smart/launch",
            new StringContent("{\"patient\":\"aortic-candidate\",\"appContext\":{\"valve\":\"aortic\"}}", Encoding.UTF8, "application/json"), Cancel);

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badContext.StatusCode);
        Assert.Contains("OperationOutcome", await missing.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.Contains("appContext", await badContext.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authorize_RedirectUriOffTheApp_IsA400Page_NotARedirect()
    {
        var client = Browser;
        var parameters = SmartFlow.AuthorizeParameters(client, await SmartFlow.LaunchAsync(client, "aortic-candidate"), SmartFlow.Pkce().Challenge);
        parameters["redirect_uri"] = "https://attacker.example/smart/index.html";

        var response = await SmartFlow.AuthorizeAsync(client, parameters);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("aud", "https://elsewhere.example/fhir", "invalid_request")]
    [InlineData("code_challenge_method", "plain", "invalid_request")]
    [InlineData("code_challenge", null, "invalid_request")]
    [InlineData("launch", "unknown-launch", "invalid_request")]
    [InlineData("response_type", "token", "unsupported_response_type")]
    [InlineData("scope", "user/*.rs", "invalid_scope")]
    public async Task Authorize_BadRequest_RedirectsWithTheError(string parameter, string? value, string error)
    {
        var client = Browser;
        var parameters = SmartFlow.AuthorizeParameters(client, await SmartFlow.LaunchAsync(client, "aortic-candidate"), SmartFlow.Pkce().Challenge);
        parameters[parameter] = value;

        var query = SmartFlow.RedirectQuery(await SmartFlow.AuthorizeAsync(client, parameters));

        Assert.Equal(error, query["error"]);
        Assert.Equal("state-123", query["state"]);
        Assert.False(query.ContainsKey("code"));
    }

    [Fact]
    public async Task StandaloneLaunch_ShowsAPatientPicker_WhoseLinksContinueTheAuthorization()
    {
        var client = Browser;
        var (verifier, challenge) = SmartFlow.Pkce();
        var parameters = SmartFlow.AuthorizeParameters(client, null, challenge, "launch/patient openid fhirUser patient/*.rs");

        var page = await SmartFlow.AuthorizeAsync(client, parameters);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("default-src 'none'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        var html = await page.Content.ReadAsStringAsync(Cancel);
        var link = System.Text.RegularExpressions.Regex.Matches(html, "href=\"([^\"]+)\"")
            .Select(m => System.Net.WebUtility.HtmlDecode(m.Groups[1].Value))
            .Single(href => href.EndsWith("&patient=pulmonary-candidate", StringComparison.Ordinal));

        var query = SmartFlow.RedirectQuery(await client.GetAsync(link, Cancel));
        var (status, token) = await SmartFlow.TokenAsync(client, SmartFlow.TokenForm(client, query["code"], verifier));
        using (token)
        {
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("pulmonary-candidate", token.RootElement.GetProperty("patient").GetString());
        }
    }

    private static async Task AssertInvalidGrantAsync(HttpClient client, IDictionary<string, string> form)
    {
        var (status, body) = await SmartFlow.TokenAsync(client, form);
        using (body)
        {
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal("invalid_grant", body.RootElement.GetProperty("error").GetString());
            Assert.False(body.RootElement.TryGetProperty("access_token", out _));
        }
    }

    private static HttpRequestMessage Get(string path, string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client, string path, string? token)
    {
        using var request = Get(path, token);
        return (await client.SendAsync(request, Cancel)).StatusCode;
    }

    private static string Pad(string base64Url)
    {
        var s = base64Url.Replace('-', '+').Replace('_', '/');
        return s + new string('=', (4 - (s.Length % 4)) % 4);
    }
}
