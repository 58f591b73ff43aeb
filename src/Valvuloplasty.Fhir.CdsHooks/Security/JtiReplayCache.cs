using System.Collections.Concurrent;

namespace Valvuloplasty.Fhir.CdsHooks.Security;

/// <summary>
/// Remembers JWT ids until their token expires, so a token cannot be replayed: per replica in memory (SQLite, one node),
/// or shared by every replica in PostgreSQL (<see cref="PostgresJtiReplayCache"/>).
/// </summary>
public interface IJtiReplayCache
{
    /// <summary>Records the id; false when it was already seen and has not expired. Deciding first use is atomic.</summary>
    ValueTask<bool> TryRecordAsync(string issuer, string jti, DateTimeOffset expiresAt, DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>The per-replica replay cache: bounded, expired ids purged as it fills.</summary>
public sealed class InMemoryJtiReplayCache(int capacity) : IJtiReplayCache
{
    private readonly ConcurrentDictionary<(string Issuer, string Jti), DateTimeOffset> _seen = new();

    public ValueTask<bool> TryRecordAsync(string issuer, string jti, DateTimeOffset expiresAt, DateTimeOffset now, CancellationToken cancellationToken) =>
        ValueTask.FromResult(TryRecord(issuer, jti, expiresAt, now));

    private bool TryRecord(string issuer, string jti, DateTimeOffset expiresAt, DateTimeOffset now)
    {
        if (_seen.Count >= capacity)
        {
            foreach (var (key, expiry) in _seen)
            {
                if (expiry <= now)
                {
                    _seen.TryRemove(key, out _);
                }
            }
        }

        if (_seen.TryGetValue((issuer, jti), out var existing) && existing > now)
        {
            return false;
        }

        // When the cache is still full of live ids, refusing is safer than forgetting one.
        if (_seen.Count >= capacity)
        {
            return false;
        }

        _seen[(issuer, jti)] = expiresAt;
        return true;
    }
}
