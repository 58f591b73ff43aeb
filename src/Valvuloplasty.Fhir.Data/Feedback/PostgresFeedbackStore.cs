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

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand($"CREATE SCHEMA IF NOT EXISTS \"{_schema}\";\n"
            + FeedbackSql.Schema(_table, _ledger, "BIGSERIAL PRIMARY KEY"));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

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
