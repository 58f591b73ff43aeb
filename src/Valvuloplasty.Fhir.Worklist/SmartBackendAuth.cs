using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Valvuloplasty.Fhir.Worklist;

/// <summary>
/// The client's private key, read from a JWK file (one JWK, or a JWKS holding exactly one private key): RSA signs
/// RS384, EC on P-384 signs ES384, as SMART Backend Services asks. The key's <c>kid</c> goes in every assertion's header
/// so the server can pick the registered public key. Nothing of the key is ever written out.
/// </summary>
public sealed class ClientKey : IDisposable
{
    private readonly AsymmetricAlgorithm _algorithm;

    private ClientKey(AsymmetricAlgorithm algorithm, SecurityKey key, string signingAlgorithm)
    {
        _algorithm = algorithm;
        Key = key;
        Algorithm = signingAlgorithm;
    }

    public SecurityKey Key { get; }

    /// <summary><c>RS384</c> or <c>ES384</c>.</summary>
    public string Algorithm { get; }

    public string KeyId => Key.KeyId;

    /// <summary>Reads and checks the key; every problem is a <see cref="UsageException"/> that names the file, never its content.</summary>
    public static ClientKey Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--key {path}: {ex.Message}");
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            var jwk = document.RootElement;
            if (jwk.ValueKind == JsonValueKind.Object && jwk.TryGetProperty("keys", out var keys) && keys.ValueKind == JsonValueKind.Array)
            {
                var privateKeys = keys.EnumerateArray().Where(k => k.ValueKind == JsonValueKind.Object && k.TryGetProperty("d", out _)).ToList();
                if (privateKeys.Count != 1)
                {
                    throw new UsageException($"--key {path}: a key set must hold exactly one private key (it holds {privateKeys.Count}).");
                }

                jwk = privateKeys[0];
            }

            var key = FromJwk(jwk, path);
            try
            {
                // Sign once now: a key the signer cannot use (e.g. an RSA key under 2048 bits) stops here, before any request.
                key.CreateAssertion("check", "https://localhost/token", DateTimeOffset.UtcNow);
            }
            catch (Exception ex) when (ex is CryptographicException or ArgumentException or NotSupportedException or SecurityTokenException)
            {
                key.Dispose();
                throw new UsageException($"--key {path}: the key cannot sign {key.Algorithm} ({ex.GetType().Name}).");
            }

            return key;
        }
        catch (Exception ex) when (ex is JsonException or FormatException or CryptographicException or InvalidOperationException)
        {
            throw new UsageException($"--key {path}: not a usable private JSON Web Key ({ex.GetType().Name}).");
        }
    }

    private static ClientKey FromJwk(JsonElement jwk, string path)
    {
        if (jwk.ValueKind != JsonValueKind.Object)
        {
            throw new UsageException($"--key {path}: not a JSON Web Key.");
        }

        string? Member(string name) => jwk.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        byte[]? Bytes(string name) => Member(name) is { } value ? Base64UrlEncoder.DecodeBytes(value) : null;

        if (Member("d") is null)
        {
            throw new UsageException($"--key {path}: a public key; give the private JWK (the server is registered with its public half).");
        }

        var kid = Member("kid");
        if (string.IsNullOrWhiteSpace(kid))
        {
            throw new UsageException($"--key {path}: the JWK has no kid; the server finds the key to verify with by it.");
        }

        var algorithm = (Member("kty"), Member("crv")) switch
        {
            ("RSA", _) => SecurityAlgorithms.RsaSha384,
            ("EC", "P-384") => SecurityAlgorithms.EcdsaSha384,
            ("EC", var curve) => throw new UsageException($"--key {path}: EC keys must be on P-384 for ES384 (this one is on {curve ?? "no curve"})."),
            (var kty, _) => throw new UsageException($"--key {path}: kty {kty ?? "(none)"}; use an RSA key (RS384) or an EC P-384 key (ES384)."),
        };
        if (Member("alg") is { } alg && alg != algorithm)
        {
            throw new UsageException($"--key {path}: the JWK says alg {alg}, but SMART Backend Services signs this key type with {algorithm}.");
        }

        if (algorithm == SecurityAlgorithms.RsaSha384)
        {
            var rsa = RSA.Create();
            try
            {
                rsa.ImportParameters(new RSAParameters
                {
                    Modulus = Bytes("n"), Exponent = Bytes("e"), D = Bytes("d"),
                    P = Bytes("p"), Q = Bytes("q"), DP = Bytes("dp"), DQ = Bytes("dq"), InverseQ = Bytes("qi"),
                });
            }
            catch
            {
                rsa.Dispose();
                throw;
            }

            return new ClientKey(rsa, new RsaSecurityKey(rsa) { KeyId = kid }, algorithm);
        }

        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportParameters(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP384,
                Q = new ECPoint { X = Bytes("x"), Y = Bytes("y") },
                D = Bytes("d"),
            });
        }
        catch
        {
            ecdsa.Dispose();
            throw;
        }

        return new ClientKey(ecdsa, new ECDsaSecurityKey(ecdsa) { KeyId = kid }, algorithm);
    }

    /// <summary>
    /// A client assertion (SMART Backend Services): iss = sub = the client id, aud = the token endpoint, exp four minutes
    /// ahead (the server accepts at most five), a fresh jti; header alg, kid and typ JWT.
    /// </summary>
    public string CreateAssertion(string clientId, string tokenEndpoint, DateTimeOffset now)
    {
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = clientId,
            Audience = tokenEndpoint,
            IssuedAt = now.UtcDateTime,
            Expires = now.AddMinutes(4).UtcDateTime,
            TokenType = "JWT",
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = clientId,
                [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
            },
            SigningCredentials = new SigningCredentials(Key, Algorithm),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    public void Dispose() => _algorithm.Dispose();
}

/// <summary>
/// SMART Backend Services: finds the token endpoint in the server's <c>.well-known/smart-configuration</c>, asks it for
/// an access token with a signed client assertion (client_credentials), and keeps the token fresh: a new one is asked
/// for before the current one expires (a quarter of its life, at most a minute, ahead), and once more when a request is
/// answered 401. Tokens are never written out.
/// </summary>
public sealed class SmartBackendAuth(HttpClient http, ClientKey key, string clientId, string scope, TimeProvider time, bool requireHttps) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Uri? _tokenEndpoint;
    private string? _tokenEndpointText;
    private (string Value, DateTimeOffset RenewAt)? _current;

    /// <summary>Access tokens obtained so far.</summary>
    public int TokensIssued { get; private set; }

    /// <summary>Reads <c>token_endpoint</c> from <c>{server}/.well-known/smart-configuration</c>.</summary>
    public async Task DiscoverAsync(Uri server, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(server);
        var url = new Uri(server.AbsoluteUri.TrimEnd('/') + "/.well-known/smart-configuration");
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await BulkExportClient.SendOrFailAsync(http, request, HttpCompletionOption.ResponseContentRead, "the SMART configuration", cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new BulkExportException($"the SMART configuration ({url.GetLeftPart(UriPartial.Path)}) answered {BulkExportClient.Status(response)}{BulkExportClient.Outcome(body)}.");
        }

        string? endpoint = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("token_endpoint", out var value) && value.ValueKind == JsonValueKind.String)
            {
                endpoint = value.GetString();
            }
        }
        catch (JsonException)
        {
            // Reported below.
        }

        if (endpoint is null || !Uri.TryCreate(endpoint, UriKind.Absolute, out var tokenEndpoint) || tokenEndpoint.Scheme is not ("http" or "https"))
        {
            throw new BulkExportException($"the SMART configuration at {url.GetLeftPart(UriPartial.Path)} names no token_endpoint (an absolute http(s) URL).");
        }

        if (requireHttps && tokenEndpoint.Scheme != Uri.UriSchemeHttps)
        {
            throw new BulkExportException($"the token endpoint {tokenEndpoint.GetLeftPart(UriPartial.Path)} is not https: the client assertion is not sent there.");
        }

        _tokenEndpoint = tokenEndpoint;
        _tokenEndpointText = endpoint;
    }

    /// <summary>The current access token, renewed first when it is about to expire.</summary>
    public async ValueTask<string> TokenAsync(CancellationToken cancellationToken)
    {
        if (_current is { } current && time.GetUtcNow() < current.RenewAt)
        {
            return current.Value;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_current is { } again && time.GetUtcNow() < again.RenewAt)
            {
                return again.Value;
            }

            return await RequestTokenAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A new token after <paramref name="rejected"/> was answered 401 (unless another request renewed it meanwhile).</summary>
    public async ValueTask<string> RenewAsync(string rejected, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return _current is { } current && current.Value != rejected && time.GetUtcNow() < current.RenewAt
                ? current.Value
                : await RequestTokenAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The token if one is held, without asking for a new one (for a last best-effort request).</summary>
    public string? CurrentToken => _current?.Value;

    private async Task<string> RequestTokenAsync(CancellationToken cancellationToken)
    {
        var endpoint = _tokenEndpoint ?? throw new InvalidOperationException("DiscoverAsync first.");
        var now = time.GetUtcNow();
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials",
                ["scope"] = scope,
                ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                ["client_assertion"] = key.CreateAssertion(clientId, _tokenEndpointText!, now),
            }),
        };
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await BulkExportClient.SendOrFailAsync(http, request, HttpCompletionOption.ResponseContentRead, "the token endpoint", cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        string? token = null, tokenType = null, error = null;
        double? expiresIn = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                token = String(root, "access_token");
                tokenType = String(root, "token_type");
                error = string.Join(": ", new[] { String(root, "error"), String(root, "error_description") }.Where(s => !string.IsNullOrEmpty(s)));
                expiresIn = root.TryGetProperty("expires_in", out var e) && e.ValueKind == JsonValueKind.Number ? e.GetDouble()
                    : root.TryGetProperty("expires_in", out e) && e.ValueKind == JsonValueKind.String && double.TryParse(e.GetString(), CultureInfo.InvariantCulture, out var s) ? s
                    : null;
            }
        }
        catch (JsonException)
        {
            // Reported below, without the body: it could hold a token.
        }

        if (response.StatusCode != HttpStatusCode.OK || string.IsNullOrEmpty(token))
        {
            throw new BulkExportException($"the token endpoint {endpoint.GetLeftPart(UriPartial.Path)} gave no access token: {BulkExportClient.Status(response)}"
                + (string.IsNullOrEmpty(error) ? "." : $" ({Printable(error)})."));
        }

        if (tokenType is not null && !tokenType.Equals("bearer", StringComparison.OrdinalIgnoreCase))
        {
            throw new BulkExportException($"the token endpoint gave a token of type {Printable(tokenType)}; only bearer tokens are used.");
        }

        // Renew a quarter of the token's life early, at most a minute (default life: 5 minutes).
        var life = TimeSpan.FromSeconds(expiresIn is > 0 ? Math.Min(expiresIn.Value, TimeSpan.FromDays(1).TotalSeconds) : 300);
        var margin = TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(1).Ticks, life.Ticks / 4));
        _current = (token, now + life - margin);
        TokensIssued++;
        return token;
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>Server text for the terminal: control characters dropped, at most 300 characters.</summary>
    internal static string Printable(string text)
    {
        var clean = new string([.. text.Where(c => !char.IsControl(c))]);
        return clean.Length > 300 ? clean[..300] + "…" : clean;
    }

    public void Dispose() => _gate.Dispose();

    /// <summary>The Authorization header value for a token.</summary>
    internal static AuthenticationHeaderValue Bearer(string token) => new("Bearer", token);
}
