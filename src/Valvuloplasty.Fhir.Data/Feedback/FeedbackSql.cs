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

    public static (string Sql, List<(string Name, object? Value)> Parameters) Select(string table, FeedbackQuery query, Func<int, string> parameterName)
    {
        var where = new List<string>();
        var parameters = new List<(string, object?)>();
        void Add(string column, object value)
        {
            var name = parameterName(parameters.Count);
            where.Add($"{column} {(column == "received_at" ? ">=" : "=")} {name}");
            parameters.Add((name, value));
        }

        if (query.ServiceId is not null)
        {
            Add("service_id", query.ServiceId);
        }

        if (query.CardUuid is not null)
        {
            Add("card_uuid", query.CardUuid);
        }

        if (query.Since is { } since)
        {
            Add("received_at", Timestamp(since));
        }

        var sql = $"SELECT {Columns} FROM {table}{(where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "")} ORDER BY id LIMIT {Math.Clamp(query.Limit, 1, 100_000)}";
        return (sql, parameters);
    }

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

    public static object?[] Values(FeedbackItem item) =>
    [
        item.ServiceId, item.CardUuid, Outcome(item.Outcome), Timestamp(item.OutcomeTimestamp), Suggestions(item.AcceptedSuggestions),
        item.OverrideReasonSystem, item.OverrideReasonCode, item.OverrideReasonDisplay, item.UserComment, Timestamp(item.ReceivedAt),
    ];

    private static string? NullableString(DbDataReader row, int ordinal) => row.IsDBNull(ordinal) ? null : row.GetString(ordinal);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(IReadOnlyList<string>))]
internal sealed partial class FeedbackJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
