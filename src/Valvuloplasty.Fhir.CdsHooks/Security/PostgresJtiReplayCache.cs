using Microsoft.Extensions.Options;
using Npgsql;
using Valvuloplasty.Fhir.Data.Feedback;

namespace Valvuloplasty.Fhir.CdsHooks.Security;

/// <summary>
/// The replay cache every replica shares, in the feedback store's PostgreSQL schema (table <c>jti_replay</c>, created
/// with the store's schema at start-up). One statement decides first use: the insert wins, or it finds a live row and
/// does nothing, so a token accepted by one replica is refused by every other. A row whose token has expired may be
/// taken over by a new token with the same id (as the in-memory cache allows); expired rows are deleted at most once a
/// minute, by whichever request comes first after that.
/// </summary>
public sealed class PostgresJtiReplayCache : IJtiReplayCache, IAsyncDisposable, IDisposable
{
    private static readonly TimeSpan PurgeInterval = TimeSpan.FromMinutes(1);
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _table;
    private long _nextPurgeTicks;

    public PostgresJtiReplayCache(IOptions<FeedbackStoreOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _dataSource = NpgsqlDataSource.Create(options.Value.PostgresConnectionString!);
        _table = PostgresFeedbackStore.ReplayTable(options.Value.PostgresSchema);
    }

    public async ValueTask<bool> TryRecordAsync(string issuer, string jti, DateTimeOffset expiresAt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await PurgeIfDueAsync(now, cancellationToken);
        await using var command = _dataSource.CreateCommand(
            $"INSERT INTO {_table} (issuer, jti, expires_at) VALUES ($1, $2, $3) " +
            $"ON CONFLICT (issuer, jti) DO UPDATE SET expires_at = excluded.expires_at WHERE {_table}.expires_at <= $4");
        command.Parameters.Add(new NpgsqlParameter { Value = issuer });
        command.Parameters.Add(new NpgsqlParameter { Value = jti });
        command.Parameters.Add(new NpgsqlParameter { Value = expiresAt.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter { Value = now.ToUniversalTime() });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Deletes the ids whose tokens expired before <paramref name="now"/>; returns how many.</summary>
    public async Task<int> PurgeExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand($"DELETE FROM {_table} WHERE expires_at <= $1");
        command.Parameters.Add(new NpgsqlParameter { Value = now.ToUniversalTime() });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task PurgeIfDueAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var due = Interlocked.Read(ref _nextPurgeTicks);
        if (now.UtcTicks < due || Interlocked.CompareExchange(ref _nextPurgeTicks, (now + PurgeInterval).UtcTicks, due) != due)
        {
            return;
        }

        await PurgeExpiredAsync(now, cancellationToken);
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    public void Dispose() => _dataSource.Dispose();
}
