using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text.Json;

namespace Valvuloplasty.Fhir.Data.Feedback;

/// <summary>The parts of the SQL and row mapping that SQLite and PostgreSQL share.</summary>
internal static class FeedbackSql
{
    public const string Columns =
        "service_id, card_uuid, outcome, outcome_timestamp, accepted_suggestions, override_reason_system, override_reason_code, override_reason_display, user_comment, received_at";

    /// <summary>The idempotency key's timestamp: UTC, to the second, one spelling.</summary>
    public static string Timestamp(DateTimeOffset value) =>
        value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string Outcome(FeedbackOutcome outcome) => outcome == FeedbackOutcome.Accepted ? "accepted" : "overridden";

    public static string? Suggestions(IReadOnlyList<string> ids) => ids.Count == 0 ? null : JsonSerializer.Serialize(ids, FeedbackJsonContext.Default.IReadOnlyListString);

    /// <summary>Inserts feedback in one transaction; items already stored (same idempotency key) are skipped.</summary>
    public static async Task<int> SaveFeedbackAsync(DbConnection connection, string table, IReadOnlyList<FeedbackItem> items, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText =
            $"INSERT INTO {table} ({Columns}) VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8, @p9) ON CONFLICT (card_uuid, outcome, outcome_timestamp) DO NOTHING";
        var parameters = TextParameters(command, 10);
        var stored = 0;
        foreach (var item in items)
        {
            var values = Values(item);
            for (var i = 0; i < values.Length; i++)
            {
                parameters[i].Value = values[i] ?? DBNull.Value;
            }

            stored += await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return stored;
    }

    /// <summary>Reads feedback back, oldest first, filtered by service, card and time received.</summary>
    public static async Task<IReadOnlyList<FeedbackItem>> ReadAsync(DbConnection connection, string table, FeedbackQuery query, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        var where = new List<string>();
        void Where(string column, string comparison, string value)
        {
            var parameter = TextParameters(command, 1, $"@q{where.Count}")[0];
            parameter.Value = value;
            where.Add($"{column} {comparison} {parameter.ParameterName}");
        }

        if (query.ServiceId is not null)
        {
            Where("service_id", "=", query.ServiceId);
        }

        if (query.CardUuid is not null)
        {
            Where("card_uuid", "=", query.CardUuid);
        }

        if (query.Since is { } since)
        {
            Where("received_at", ">=", Timestamp(since));
        }

        command.CommandText = $"SELECT {Columns} FROM {table}{(where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "")} ORDER BY id LIMIT {Math.Clamp(query.Limit, 1, 100_000)}";
        var items = new List<FeedbackItem>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(Read(reader));
        }

        return items;
    }

    /// <summary>Adds <paramref name="count"/> text parameters named <c>@p0…</c> (or <paramref name="name"/> for one).</summary>
    private static DbParameter[] TextParameters(DbCommand command, int count, string? name = null) =>
        [.. Enumerable.Range(0, count).Select(i =>
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name ?? $"@p{i}";
            parameter.DbType = DbType.String;
            command.Parameters.Add(parameter);
            return parameter;
        })];

    public static FeedbackItem Read(DbDataReader row)
    {
        var suggestions = row.IsDBNull(4) ? [] : JsonSerializer.Deserialize(row.GetString(4), FeedbackJsonContext.Default.IReadOnlyListString) ?? [];
        return new FeedbackItem(
            row.GetString(0),
            row.GetString(1),
            row.GetString(2) == "accepted" ? FeedbackOutcome.Accepted : FeedbackOutcome.Overridden,
            DateTimeOffset.Parse(row.GetString(3), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
            suggestions,
            NullableString(row, 5),
            NullableString(row, 6),
            NullableString(row, 7),
            NullableString(row, 8),
            DateTimeOffset.Parse(row.GetString(9), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal));
    }

    /// <summary>
    /// The one DDL of both stores: the feedback table (one row per item; the idempotency key is card, outcome and
    /// the UTC second) and the card ledger, timestamps as fixed-format UTC text. Only the surrogate key's spelling
    /// differs between SQLite and PostgreSQL (<paramref name="identity"/>).
    /// </summary>
    public static string Schema(string feedbackTable, string ledgerTable, string identity) => $"""
        CREATE TABLE IF NOT EXISTS {feedbackTable} (
            id {identity},
            service_id TEXT NOT NULL,
            card_uuid TEXT NOT NULL,
            outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'overridden')),
            outcome_timestamp TEXT NOT NULL,
            accepted_suggestions TEXT NULL,
            override_reason_system TEXT NULL,
            override_reason_code TEXT NULL,
            override_reason_display TEXT NULL,
            user_comment TEXT NULL,
            received_at TEXT NOT NULL,
            UNIQUE (card_uuid, outcome, outcome_timestamp)
        );
        CREATE INDEX IF NOT EXISTS feedback_service_received ON {feedbackTable} (service_id, received_at);
        CREATE INDEX IF NOT EXISTS feedback_card ON {feedbackTable} (card_uuid);
        CREATE TABLE IF NOT EXISTS {ledgerTable} (
            card_uuid TEXT PRIMARY KEY,
            service_id TEXT NOT NULL,
            topic TEXT NOT NULL,
            valve TEXT NOT NULL,
            decision TEXT NOT NULL,
            codes TEXT NOT NULL,
            issued_at TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS card_ledger_issued ON {ledgerTable} (issued_at);
        CREATE TABLE IF NOT EXISTS {WorklistRuns(feedbackTable)} (
            run_id TEXT PRIMARY KEY,
            started_at TEXT NOT NULL,
            finished_at TEXT NOT NULL,
            as_of TEXT NOT NULL,
            source TEXT NOT NULL,
            patients INTEGER NOT NULL,
            lines INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS {WorklistLines(feedbackTable)} (
            run_id TEXT NOT NULL,
            patient_id TEXT NOT NULL,
            valve TEXT NOT NULL,
            line TEXT NOT NULL,
            PRIMARY KEY (run_id, patient_id, valve)
        );
        """;

    /// <summary>The worklist tables sit beside the feedback table (same schema).</summary>
    public static string WorklistRuns(string feedbackTable) => feedbackTable[..^"feedback".Length] + "worklist_runs";

    public static string WorklistLines(string feedbackTable) => feedbackTable[..^"feedback".Length] + "worklist_lines";

    private static readonly System.Text.Json.JsonSerializerOptions LineJson = new(System.Text.Json.JsonSerializerDefaults.Web);

    /// <summary>Adds a run's lines; the run row is created, or its counts added to (partitioned workers share a run id).</summary>
    public static async Task SaveWorklistAsync(DbConnection connection, string feedbackTable, Worklist.WorklistRun run, IReadOnlyList<Worklist.WorklistLine> lines, bool postgres, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var upsert = connection.CreateCommand())
        {
            upsert.Transaction = transaction;
            var runs = WorklistRuns(feedbackTable);
            var integer = postgres ? "::integer" : "";
            upsert.CommandText =
                $"INSERT INTO {runs} (run_id, started_at, finished_at, as_of, source, patients, lines) VALUES (@p0, @p1, @p2, @p3, @p4, @p5{integer}, @p6{integer}) " +
                $"ON CONFLICT (run_id) DO UPDATE SET finished_at = excluded.finished_at";
            var p = TextParameters(upsert, 7);
            p[0].Value = run.Id;
            p[1].Value = Timestamp(run.StartedAt);
            p[2].Value = Timestamp(run.FinishedAt);
            p[3].Value = Timestamp(run.AsOf);
            p[4].Value = run.Source;
            p[5].Value = run.Patients.ToString(CultureInfo.InvariantCulture);
            p[6].Value = run.Lines.ToString(CultureInfo.InvariantCulture);
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            // A worker that runs its partition again replaces its lines instead of adding them twice.
            insert.CommandText = $"INSERT INTO {WorklistLines(feedbackTable)} (run_id, patient_id, valve, line) VALUES (@p0, @p1, @p2, @p3) " +
                "ON CONFLICT (run_id, patient_id, valve) DO UPDATE SET line = excluded.line";
            var p = TextParameters(insert, 4);
            foreach (var line in lines)
            {
                p[0].Value = run.Id;
                p[1].Value = line.PatientId;
                p[2].Value = line.Valve;
                p[3].Value = JsonSerializer.Serialize(line, LineJson);
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        // The run's counts are those of its stored lines, whichever workers wrote them and however often.
        await using (var count = connection.CreateCommand())
        {
            count.Transaction = transaction;
            var lineTable = WorklistLines(feedbackTable);
            count.CommandText =
                $"UPDATE {WorklistRuns(feedbackTable)} SET patients = (SELECT COUNT(DISTINCT patient_id) FROM {lineTable} WHERE run_id = @p0), " +
                $"lines = (SELECT COUNT(*) FROM {lineTable} WHERE run_id = @p0) WHERE run_id = @p0";
            TextParameters(count, 1)[0].Value = run.Id;
            await count.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>The run finished last, with its lines in patient and valve order.</summary>
    public static async Task<Worklist.StoredWorklist?> LatestWorklistAsync(DbConnection connection, string feedbackTable, CancellationToken cancellationToken)
    {
        Worklist.WorklistRun? run = null;
        await using (var select = connection.CreateCommand())
        {
            select.CommandText = $"SELECT run_id, started_at, finished_at, as_of, source, patients, lines FROM {WorklistRuns(feedbackTable)} ORDER BY finished_at DESC, run_id LIMIT 1";
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                static DateTimeOffset At(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
                run = new Worklist.WorklistRun(reader.GetString(0), At(reader.GetString(1)), At(reader.GetString(2)), At(reader.GetString(3)), reader.GetString(4),
                    Convert.ToInt32(reader.GetValue(5), CultureInfo.InvariantCulture), Convert.ToInt32(reader.GetValue(6), CultureInfo.InvariantCulture));
            }
        }

        if (run is null)
        {
            return null;
        }

        var lines = new List<Worklist.WorklistLine>();
        await using (var select = connection.CreateCommand())
        {
            select.CommandText = $"SELECT line FROM {WorklistLines(feedbackTable)} WHERE run_id = @p0 ORDER BY patient_id, valve";
            TextParameters(select, 1)[0].Value = run.Id;
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                lines.Add(JsonSerializer.Deserialize<Worklist.WorklistLine>(reader.GetString(0), LineJson)!);
            }
        }

        return new Worklist.StoredWorklist(run, lines);
    }

    public const string LedgerColumns = "card_uuid, service_id, topic, valve, decision, codes, issued_at";

    public static object[] LedgerValues(CardRecord card) =>
    [
        card.CardUuid.ToString("D"), card.ServiceId, card.Topic, card.Valve, card.Decision, string.Join(',', card.Codes), Timestamp(card.IssuedAt),
    ];

    /// <summary>Inserts ledger rows in one transaction; rows already there are skipped.</summary>
    public static async Task SaveCardsAsync(DbConnection connection, string ledger, IReadOnlyList<CardRecord> cards, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"INSERT INTO {ledger} ({LedgerColumns}) VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6) ON CONFLICT (card_uuid) DO NOTHING";
        var parameters = TextParameters(command, 7);
        foreach (var card in cards)
        {
            var values = LedgerValues(card);
            for (var i = 0; i < values.Length; i++)
            {
                parameters[i].Value = values[i];
            }

            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Cards issued in [from, to) joined with their feedback, per service and topic.</summary>
    public static async Task<CardAnalytics> AnalyticsAsync(DbConnection connection, string feedback, string ledger, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        const string Range = "l.issued_at >= @from AND l.issued_at < @to";
        var issued = await QueryAsync(connection, $"SELECT l.service_id, l.topic, count(*) FROM {ledger} l WHERE {Range} GROUP BY l.service_id, l.topic",
            from, to, r => (Key: (r.GetString(0), r.GetString(1)), Count: Convert.ToInt32(r.GetValue(2))), cancellationToken);
        var outcomes = await QueryAsync(connection,
            $"SELECT l.service_id, l.topic, f.outcome, count(DISTINCT f.card_uuid) FROM {feedback} f JOIN {ledger} l ON l.card_uuid = f.card_uuid WHERE {Range} GROUP BY l.service_id, l.topic, f.outcome",
            from, to, r => (Key: (r.GetString(0), r.GetString(1)), Outcome: r.GetString(2), Count: Convert.ToInt32(r.GetValue(3))), cancellationToken);
        var reasons = await QueryAsync(connection,
            $"SELECT l.service_id, l.topic, f.override_reason_system, f.override_reason_code, max(f.override_reason_display), count(*) FROM {feedback} f JOIN {ledger} l ON l.card_uuid = f.card_uuid " +
            $"WHERE f.outcome = 'overridden' AND {Range} GROUP BY l.service_id, l.topic, f.override_reason_system, f.override_reason_code",
            from, to, r => (Key: (r.GetString(0), r.GetString(1)), Reason: new OverrideReasonCount(
                r.IsDBNull(2) ? null : r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4), Convert.ToInt32(r.GetValue(5)))),
            cancellationToken);

        var topics = issued.Select(i => new TopicAnalytics(
                i.Key.Item1,
                i.Key.Item2,
                i.Count,
                outcomes.Where(o => o.Key == i.Key && o.Outcome == "accepted").Sum(o => o.Count),
                outcomes.Where(o => o.Key == i.Key && o.Outcome == "overridden").Sum(o => o.Count),
                [.. reasons.Where(r => r.Key == i.Key).Select(r => r.Reason).OrderByDescending(r => r.Count).ThenBy(r => r.Code, StringComparer.Ordinal).Take(5)]))
            .OrderBy(t => t.ServiceId, StringComparer.Ordinal).ThenBy(t => t.Topic, StringComparer.Ordinal)
            .ToList();
        return new CardAnalytics(from, to, topics);
    }

    private static async Task<List<T>> QueryAsync<T>(DbConnection connection, string sql, DateTimeOffset from, DateTimeOffset to, Func<DbDataReader, T> read, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        TextParameters(command, 1, "@from")[0].Value = Timestamp(from);
        TextParameters(command, 1, "@to")[0].Value = Timestamp(to);

        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    public static object?[] Values(FeedbackItem item) =>
    [
        item.ServiceId, item.CardUuid, Outcome(item.Outcome), Timestamp(item.OutcomeTimestamp), Suggestions(item.AcceptedSuggestions),
        item.OverrideReasonSystem, item.OverrideReasonCode, item.OverrideReasonDisplay, item.UserComment, Timestamp(item.ReceivedAt),
    ];

    private static string? NullableString(DbDataReader row, int ordinal) => row.IsDBNull(ordinal) ? null : row.GetString(ordinal);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(IReadOnlyList<string>))]
internal sealed partial class FeedbackJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
