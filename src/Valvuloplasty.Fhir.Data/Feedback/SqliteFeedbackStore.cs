using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Valvuloplasty.Fhir.Data.Feedback;

/// <summary>
/// The embedded default: one SQLite file in WAL mode with <c>synchronous=FULL</c>, so an acknowledged
/// batch survives a crash. Writes are serialised in-process (SQLite has one writer) and wait up to
/// <see cref="FeedbackStoreOptions.BusyTimeoutSeconds"/> for a lock held by another process.
/// </summary>
public sealed class SqliteFeedbackStore : IFeedbackStore, Worklist.IWorklistStore, IDisposable
{
    private readonly string _connectionString;
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    public SqliteFeedbackStore(IOptions<FeedbackStoreOptions> options, string contentRoot)
    {
        ArgumentNullException.ThrowIfNull(options);
        var path = Path.GetFullPath(options.Value.SqlitePath, contentRoot);
        DatabasePath = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = options.Value.BusyTimeoutSeconds,
        }.ToString();
    }

    /// <summary>The absolute path of the database file.</summary>
    public string DatabasePath { get; }

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(DatabasePath);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode = WAL;\n" + FeedbackSql.Schema("feedback", "card_ledger", "INTEGER PRIMARY KEY AUTOINCREMENT");
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<int> SaveAsync(IReadOnlyList<FeedbackItem> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count == 0)
        {
            return 0;
        }

        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            return await FeedbackSql.SaveFeedbackAsync(connection, "feedback", items, cancellationToken);
        }
        catch (SqliteException ex)
        {
            throw new FeedbackStoreUnavailableException($"SQLite feedback store write failed (error {ex.SqliteErrorCode}).", ex);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task<IReadOnlyList<FeedbackItem>> ReadAsync(FeedbackQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await OpenAsync(cancellationToken);
        return await FeedbackSql.ReadAsync(connection, "feedback", query, cancellationToken);
    }

    public async Task SaveCardsAsync(IReadOnlyList<CardRecord> cards, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cards);
        if (cards.Count == 0)
        {
            return;
        }

        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await FeedbackSql.SaveCardsAsync(connection, "card_ledger", cards, cancellationToken);
        }
        catch (SqliteException ex)
        {
            throw new FeedbackStoreUnavailableException($"SQLite card ledger write failed (error {ex.SqliteErrorCode}).", ex);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task<CardAnalytics> AnalyticsAsync(DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await FeedbackSql.AnalyticsAsync(connection, "feedback", "card_ledger", since, until, cancellationToken);
    }

    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM feedback WHERE 0";
            await command.ExecuteScalarAsync(cancellationToken);
            return true;
        }
        catch (SqliteException)
        {
            return false;
        }
    }

    public async Task SaveWorklistAsync(Worklist.WorklistRun run, IReadOnlyList<Worklist.WorklistLine> lines, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(lines);
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await FeedbackSql.SaveWorklistAsync(connection, "feedback", run, lines, postgres: false, cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task<Worklist.StoredWorklist?> LatestWorklistAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await FeedbackSql.LatestWorklistAsync(connection, "feedback", cancellationToken);
    }

    public void Dispose() => _writeLock.Dispose();

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;";
            await pragma.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
