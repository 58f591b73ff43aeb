namespace Valvuloplasty.Fhir.Data.Feedback;

/// <summary>The clinician's response to a card (CDS Hooks 2.0 feedback).</summary>
public enum FeedbackOutcome
{
    Accepted,
    Overridden,
}

/// <summary>
/// One feedback item as stored. Idempotency key: <see cref="CardUuid"/> + <see cref="Outcome"/> +
/// <see cref="OutcomeTimestamp"/> (to the second, UTC), so a resent batch stores nothing twice.
/// </summary>
public sealed record FeedbackItem(
    string ServiceId,
    string CardUuid,
    FeedbackOutcome Outcome,
    DateTimeOffset OutcomeTimestamp,
    IReadOnlyList<string> AcceptedSuggestions,
    string? OverrideReasonSystem,
    string? OverrideReasonCode,
    string? OverrideReasonDisplay,
    string? UserComment,
    DateTimeOffset ReceivedAt);

/// <summary>What to read back from the store.</summary>
public sealed record FeedbackQuery(string? ServiceId = null, string? CardUuid = null, DateTimeOffset? Since = null, int Limit = 1000);

/// <summary>The store could not take the write; nothing was acknowledged, the caller answers 503.</summary>
public sealed class FeedbackStoreUnavailableException : Exception
{
    public FeedbackStoreUnavailableException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public FeedbackStoreUnavailableException(string message) : base(message)
    {
    }

    public FeedbackStoreUnavailableException()
    {
    }
}
