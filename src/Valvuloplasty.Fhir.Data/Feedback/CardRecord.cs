namespace Valvuloplasty.Fhir.Data.Feedback;

/// <summary>One card the service returned, as the ledger keeps it: no patient data, only what the card was.</summary>
public sealed record CardRecord(
    Guid CardUuid,
    string ServiceId,
    string Topic,
    string Valve,
    string Decision,
    IReadOnlyList<string> Codes,
    DateTimeOffset IssuedAt);

/// <summary>Cards issued and what clinicians did with them, per service and card topic, over a period.</summary>
public sealed record CardAnalytics(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<TopicAnalytics> Topics);

/// <summary>One service and topic: issued, accepted, overridden, and the most frequent override reasons.</summary>
public sealed record TopicAnalytics(
    string ServiceId,
    string Topic,
    int Issued,
    int Accepted,
    int Overridden,
    IReadOnlyList<OverrideReasonCount> TopOverrideReasons)
{
    /// <summary>Accepted cards over cards with any feedback; null when none has feedback yet.</summary>
    public double? AcceptanceRate => Accepted + Overridden == 0 ? null : Math.Round((double)Accepted / (Accepted + Overridden), 3);
}

public sealed record OverrideReasonCount(string? System, string? Code, string? Display, int Count);
