using System.ComponentModel.DataAnnotations;

namespace Valvuloplasty.Fhir.Data.Feedback;

/// <summary>Configuration section <c>Feedback</c>.</summary>
public sealed class FeedbackStoreOptions
{
    public const string SectionName = "Feedback";

    /// <summary>SQLite database file (default store). Relative paths are under the content root.</summary>
    [Required]
    public string SqlitePath { get; set; } = "data/feedback.db";

    /// <summary>When set, feedback goes to PostgreSQL (Npgsql connection string) instead of SQLite.</summary>
    public string? PostgresConnectionString { get; set; }

    /// <summary>PostgreSQL schema holding the feedback table (created if missing).</summary>
    [RegularExpression("^[a-z_][a-z0-9_]{0,62}$", ErrorMessage = "Feedback:PostgresSchema must be a lower-case SQL identifier.")]
    public string PostgresSchema { get; set; } = "public";

    /// <summary>How long a write waits for a locked database before it fails with 503.</summary>
    [Range(1, 120)]
    public int BusyTimeoutSeconds { get; set; } = 5;

    /// <summary>Most items accepted in one feedback request.</summary>
    [Range(1, 10_000)]
    public int MaxItemsPerRequest { get; set; } = 500;

    public bool UsesPostgres => !string.IsNullOrWhiteSpace(PostgresConnectionString);
}
