using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace Valvuloplasty.Fhir.CdsHooks.Sandbox;

/// <summary>An EHR launch context: the patient the app opens on and the card's appContext (valid five minutes).</summary>
public sealed record SmartLaunch(string Patient, string? AppContext);

/// <summary>An authorization code and everything it is bound to (single use, valid one minute).</summary>
public sealed record SmartCode(string ClientId, string RedirectUri, string CodeChallenge, string Patient, string? AppContext, IReadOnlyList<string> Scopes);

/// <summary>What an access token may do: read the data of one patient, within its granted scopes (valid one hour).</summary>
public sealed record SmartGrant(string ClientId, string Patient, IReadOnlyList<string> Scopes)
{
    /// <summary>True when a scope grants <paramref name="permission"/> ('r' read, 's' search) on <paramref name="type"/>.</summary>
    public bool Allows(string type, char permission) => Scopes.Any(scope => SmartScopes.Allows(scope, type, permission));
}

/// <summary>
/// The development SMART simulator's state: launch contexts, authorization codes and access tokens, each in a bounded
/// in-memory store with an expiry read from the host's <see cref="TimeProvider"/>. Ids are random (256 bits), and
/// tokens are kept only as their SHA-256 hash, so the store never holds a usable token.
/// </summary>
public sealed class SmartSimulator(TimeProvider time)
{
    public static readonly TimeSpan LaunchLifetime = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan CodeLifetime = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(1);

    /// <summary>Most live entries per store; beyond it the entry closest to expiry makes room.</summary>
    public const int Capacity = 1000;

    private readonly ExpiringStore<SmartLaunch> _launches = new(time, LaunchLifetime);
    private readonly ExpiringStore<SmartCode> _codes = new(time, CodeLifetime);
    private readonly ExpiringStore<SmartGrant> _tokens = new(time, TokenLifetime);

    public string CreateLaunch(SmartLaunch launch) => _launches.Add(NewId(), launch);

    /// <summary>The live launch context, or null (unknown or expired). A launch may be used more than once while live (a reload).</summary>
    public SmartLaunch? Launch(string id) => _launches.Get(id);

    public string CreateCode(SmartCode code) => _codes.Add(NewId(), code);

    /// <summary>Takes the code out of the store: whatever the exchange's outcome, a code is never accepted twice.</summary>
    public SmartCode? TakeCode(string code) => _codes.Take(code);

    public string CreateToken(SmartGrant grant)
    {
        var token = NewId();
        _tokens.Add(Hash(token), grant);
        return token;
    }

    /// <summary>The grant of a live token this simulator issued, or null.</summary>
    public SmartGrant? Grant(string token) => _tokens.Get(Hash(token));

    private static string NewId() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));

    private static string Hash(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>A dictionary under a lock, bounded, whose entries expire: expired ones are purged on every write.</summary>
    private sealed class ExpiringStore<T>(TimeProvider time, TimeSpan lifetime) where T : class
    {
        private readonly Dictionary<string, (T Value, DateTimeOffset ExpiresAt)> _entries = new(StringComparer.Ordinal);
        private readonly Lock _lock = new();

        public string Add(string key, T value)
        {
            var now = time.GetUtcNow();
            lock (_lock)
            {
                foreach (var expired in _entries.Where(e => e.Value.ExpiresAt <= now).Select(e => e.Key).ToList())
                {
                    _entries.Remove(expired);
                }

                if (_entries.Count >= Capacity)
                {
                    _entries.Remove(_entries.MinBy(e => e.Value.ExpiresAt).Key);
                }

                _entries[key] = (value, now + lifetime);
            }

            return key;
        }

        public T? Get(string key)
        {
            lock (_lock)
            {
                return _entries.TryGetValue(key, out var entry) && entry.ExpiresAt > time.GetUtcNow() ? entry.Value : null;
            }
        }

        public T? Take(string key)
        {
            lock (_lock)
            {
                return _entries.Remove(key, out var entry) && entry.ExpiresAt > time.GetUtcNow() ? entry.Value : null;
            }
        }
    }
}

/// <summary>SMART App Launch scopes as the simulator grants and checks them (v1 <c>.read</c> and v2 <c>.rs</c> forms).</summary>
public static class SmartScopes
{
    /// <summary>The scopes the simulator grants: the requested ones it understands; anything else is left out of the grant.</summary>
    public static IReadOnlyList<string> Grant(string requested) =>
        [.. requested.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(Supported).Distinct(StringComparer.Ordinal)];

    public static bool Supported(string scope) =>
        scope is "launch" or "launch/patient" or "openid" or "fhirUser" || Parse(scope) is not null;

    public static bool Allows(string scope, string type, char permission) =>
        Parse(scope) is { } parsed && (parsed.Type == "*" || parsed.Type == type) && parsed.Permissions.Contains(permission, StringComparison.Ordinal);

    /// <summary><c>patient/Type.read</c> (v1: read and search) or <c>patient/Type.rs</c> (v2: letters of cruds, in order).</summary>
    private static (string Type, string Permissions)? Parse(string scope)
    {
        if (!scope.StartsWith("patient/", StringComparison.Ordinal) || scope.Length > 100)
        {
            return null;
        }

        var dot = scope.LastIndexOf('.');
        if (dot <= "patient/".Length)
        {
            return null;
        }

        var type = scope["patient/".Length..dot];
        var permissions = scope[(dot + 1)..];
        if (!(type == "*" || (char.IsAsciiLetterUpper(type[0]) && type.All(char.IsAsciiLetter))))
        {
            return null;
        }

        if (permissions is "read" or "*")
        {
            return (type, "rs");
        }

        var order = "cruds";
        var at = 0;
        foreach (var letter in permissions)
        {
            var found = order.IndexOf(letter, at);
            if (found < 0)
            {
                return null;
            }

            at = found + 1;
        }

        return permissions.Length > 0 ? (type, permissions) : null;
    }
}
