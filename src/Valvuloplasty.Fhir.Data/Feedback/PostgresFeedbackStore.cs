using Microsoft.Extensions.Options;
using Npgsql;

namespace Valvuloplasty.Fhir.Data.Feedback;

/// <summary>
/// Feedback in PostgreSQL, for several replicas sharing one store. Same table shape and idempotency
/// key as the SQLite store; timestamps are stored as ISO-8601 text so both stores compare them alike.
/// </summary>
public sealed class PostgresFeedbackStore : IFeedbackStore, Worklist.IWorklistStore, IAsyncDisposable, IDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _schema;
    private readonly string _table;
    private readonly string _ledger;

    public PostgresFeedbackStore(IOptions<FeedbackStoreOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _dataSource = NpgsqlDataSource.Create(options.Value.PostgresConnectionString!);
        _schema = options.Value.PostgresSchema;
        _table = $"\"{_schema}\".feedback";
        _ledger = $"\"{_schema}\".card_ledger";
    }

    /// <summary>The shared JWT replay cache's table in <paramref name="schema"/> (created with the store's tables).</summary>
    public static string ReplayTable(string schema) => $"\"{schema}\".jti_replay";

    /// <summary>
    /// Creates the schema, the store's tables and the replay table if missing. Replicas starting together take a
    /// transaction-scoped advisory lock on the schema's name first, so one creates and the others find everything
    /// there (concurrent <c>CREATE … IF NOT EXISTS</c> can otherwise fail on the catalog's unique index).
    /// </summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1, hashtext($2))", connection, transaction))
        {
            lockCommand.Parameters.Add(new NpgsqlParameter { Value = MigrationLockKey });
            lockCommand.Parameters.Add(new NpgsqlParameter { Value = _schema });
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var command = new NpgsqlCommand($"CREATE SCHEMA IF NOT EXISTS \"{_schema}\";\n"
            + FeedbackSql.Schema(_table, _ledger, "BIGSERIAL PRIMARY KEY") + "\n"
            + $"CREATE TABLE IF NOT EXISTS {ReplayTable(_schema)} (issuer TEXT NOT NULL, jti TEXT NOT NULL, expires_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (issuer, jti));\n"
            + $"CREATE INDEX IF NOT EXISTS jti_replay_expires ON {ReplayTable(_schema)} (expires_at);", connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>The first key of the migration's advisory lock (the second is the schema's hash): "valv" in ASCII.</summary>
    private const int MigrationLockKey = 0x76616C76;

    public async Task<int> SaveAsync(IReadOnlyList<FeedbackItem> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count == 0)
        {
            return 0;
        }

        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            return await FeedbackSql.SaveFeedbackAsync(connection, _table, items, cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            throw new FeedbackStoreUnavailableException("PostgreSQL feedback store write failed.", ex);
        }
    }

    public async Task<IReadOnlyList<FeedbackItem>> ReadAsync(FeedbackQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await FeedbackSql.ReadAsync(connection, _table, query, cancellationToken);
    }

    public async Task SaveCardsAsync(IReadOnlyList<CardRecord> cards, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cards);
        if (cards.Count == 0)
        {
            return;
        }

        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            await FeedbackSql.SaveCardsAsync(connection, _ledger, cards, cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            throw new FeedbackStoreUnavailableException("PostgreSQL card ledger write failed.", ex);
        }
    }

    public async Task<CardAnalytics> AnalyticsAsync(DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await FeedbackSql.AnalyticsAsync(connection, _table, _ledger, since, until, cancellationToken);
    }

    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var command = _dataSource.CreateCommand($"SELECT count(*) FROM {_table} WHERE false");
            await command.ExecuteScalarAsync(cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            return false;
        }
    }

    public async Task SaveWorklistAsync(Worklist.WorklistRun run, IReadOnlyList<Worklist.WorklistLine> lines, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(lines);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await FeedbackSql.SaveWorklistAsync(connection, _table, run, lines, postgres: true, cancellationToken);
    }

    public async Task<Worklist.StoredWorklist?> LatestWorklistAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await FeedbackSql.LatestWorklistAsync(connection, _table, cancellationToken);
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    public void Dispose() => _dataSource.Dispose();
}
