using System.Collections.Concurrent;
using Microsoft.IdentityModel.Tokens;

namespace Valvuloplasty.Fhir.CdsHooks.Security;

/// <summary>
/// Finds the signing keys of a trusted issuer: from its JWKS file (re-read when the file changes), its JWKS
/// URL, or the token's <c>jku</c> when that URL is allow-listed for the issuer. URL key sets are cached and
/// refreshed on an unknown <c>kid</c>, at most once per <see cref="SecurityOptions.JwksRefreshIntervalSeconds"/>.
/// </summary>
public sealed class IssuerKeys(IHttpClientFactory clients, TimeProvider time, Microsoft.Extensions.Options.IOptions<SecurityOptions> options)
{
    public const string ClientName = "jwks";

    private readonly ConcurrentDictionary<string, CachedKeys> _byUrl = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FileKeys> _byFile = new(StringComparer.Ordinal);

    /// <summary>The keys with <paramref name="kid"/>, or none.</summary>
    public async Task<IReadOnlyList<SecurityKey>> FindAsync(TrustedIssuer issuer, string kid, string? jku, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        var found = new List<SecurityKey>();
        if (issuer.EmbeddedKeys is { } embedded)
        {
            found.AddRange(Match(embedded, kid));
        }

        if (issuer.Options.JwksFile is { } file)
        {
            found.AddRange(Match(FromFile(file), kid));
        }

        var urls = new List<string>();
        if (issuer.Options.JwksUri is { } uri)
        {
            urls.Add(uri);
        }

        if (jku is not null && issuer.Options.AllowedJku.Contains(jku, StringComparer.Ordinal))
        {
            urls.Add(jku);
        }

        foreach (var url in urls.Distinct(StringComparer.Ordinal))
        {
            if (found.Count > 0)
            {
                break;
            }

            found.AddRange(Match(await FromUrlAsync(url, kid, cancellationToken), kid));
        }

        return found;
    }

    private static IEnumerable<SecurityKey> Match(JsonWebKeySet keys, string kid) =>
        keys.GetSigningKeys().Where(k => string.Equals(k.KeyId, kid, StringComparison.Ordinal));

    private JsonWebKeySet FromFile(string path)
    {
        var full = Path.GetFullPath(path);
        var written = File.GetLastWriteTimeUtc(full);
        if (_byFile.TryGetValue(full, out var cached) && cached.WrittenAt == written)
        {
            return cached.Keys;
        }

        var keys = new JsonWebKeySet(File.ReadAllText(full));
        _byFile[full] = new FileKeys(keys, written);
        return keys;
    }

    private async Task<JsonWebKeySet> FromUrlAsync(string url, string kid, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_byUrl.TryGetValue(url, out var cached)
            && (cached.Keys.Keys.Any(k => k.Kid == kid) || now - cached.FetchedAt < TimeSpan.FromSeconds(options.Value.JwksRefreshIntervalSeconds)))
        {
            return cached.Keys;
        }

        try
        {
            using var response = await clients.CreateClient(ClientName).GetAsync(new Uri(url), cancellationToken);
            response.EnsureSuccessStatusCode();
            var keys = new JsonWebKeySet(await response.Content.ReadAsStringAsync(cancellationToken));
            _byUrl[url] = new CachedKeys(keys, now);
            return keys;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or ArgumentException)
        {
            // Remember the failure too, so an unknown kid cannot make us hammer the URL.
            var fallback = cached?.Keys ?? new JsonWebKeySet();
            _byUrl[url] = new CachedKeys(fallback, now);
            return fallback;
        }
    }

    private sealed record CachedKeys(JsonWebKeySet Keys, DateTimeOffset FetchedAt);

    private sealed record FileKeys(JsonWebKeySet Keys, DateTime WrittenAt);
}

/// <summary>A configured issuer; the sandbox issuer carries its published key set.</summary>
public sealed record TrustedIssuer(IssuerOptions Options, JsonWebKeySet? EmbeddedKeys = null);
