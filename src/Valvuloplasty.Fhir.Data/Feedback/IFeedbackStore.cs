namespace Valvuloplasty.Fhir.Data.Feedback;

/// <summary>
/// Durable feedback and card-ledger storage: SQLite on one node (default), PostgreSQL when replicas share it.
/// </summary>
public interface IFeedbackStore
{
    /// <summary>Creates the schema if needed; called once at start-up.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Stores a batch in one transaction. Items already stored (same idempotency key) are skipped.
    /// Returns how many were newly stored. Throws <see cref="FeedbackStoreUnavailableException"/> when
    /// the batch could not be written: then none of it was.
    /// </summary>
    Task<int> SaveAsync(IReadOnlyList<FeedbackItem> items, CancellationToken cancellationToken);

    Task<IReadOnlyList<FeedbackItem>> ReadAsync(FeedbackQuery query, CancellationToken cancellationToken);

    /// <summary>Records issued cards (the card ledger); a card already recorded is skipped.</summary>
    Task SaveCardsAsync(IReadOnlyList<CardRecord> cards, CancellationToken cancellationToken);

    /// <summary>Per service and topic, over cards issued in [since, until): issued, accepted, overridden, top override reasons.</summary>
    Task<CardAnalytics> AnalyticsAsync(DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken);

    /// <summary>True when the store answers a trivial query (readiness).</summary>
    Task<bool> PingAsync(CancellationToken cancellationToken);
}
