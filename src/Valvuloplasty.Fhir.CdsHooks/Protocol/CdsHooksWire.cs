using System.Text.Json.Serialization;
using Valvuloplasty.Fhir.Cards;

namespace Valvuloplasty.Fhir.CdsHooks.Protocol;

// CDS Hooks 2.0 wire types, owned here (not the SDK's experimental ones). Serialised strictly by
// CdsJson: no nulls, no empty strings or collections, lowercase enum values.

/// <summary><c>GET /cds-services</c>.</summary>
public sealed record DiscoveryResponse(IReadOnlyList<CdsServiceDescriptor> Services);

/// <summary>One service in discovery.</summary>
public sealed record CdsServiceDescriptor(
    string Hook,
    string Title,
    string Description,
    string Id,
    IReadOnlyDictionary<string, string> Prefetch,
    string? UsageRequirements = null);

/// <summary>The response to a hook call. <c>cards</c> is always present, even when empty.</summary>
public sealed record CdsResponse([property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] IReadOnlyList<Card> Cards);

/// <summary><c>POST /cds-services/{id}/feedback</c> answer.</summary>
public sealed record FeedbackResponse(int Received, int Stored, int Duplicates);

/// <summary><c>GET /analytics/cards</c> answer. <c>ledgerWritten</c> and <c>ledgerDropped</c> count this replica's ledger since start.</summary>
public sealed record AnalyticsResponse(
    DateTimeOffset Since,
    DateTimeOffset Until,
    long LedgerWritten,
    long LedgerDropped,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] IReadOnlyList<TopicAnalyticsResponse> Topics);

public sealed record TopicAnalyticsResponse(
    string ServiceId,
    string Topic,
    int Issued,
    int Accepted,
    int Overridden,
    double? AcceptanceRate,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] IReadOnlyList<OverrideReasonResponse> TopOverrideReasons);

public sealed record OverrideReasonResponse(string? Code, string? Display, int Count);
