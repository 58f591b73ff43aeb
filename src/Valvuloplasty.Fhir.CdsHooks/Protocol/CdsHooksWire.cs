using System.Text.Json.Serialization;
using Hl7.Fhir.Model;

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

public enum CardIndicator
{
    [JsonStringEnumMemberName("info")]
    Info,
    [JsonStringEnumMemberName("warning")]
    Warning,
    [JsonStringEnumMemberName("critical")]
    Critical,
}

public enum SelectionBehavior
{
    [JsonStringEnumMemberName("at-most-one")]
    AtMostOne,
    [JsonStringEnumMemberName("any")]
    Any,
}

public enum ActionType
{
    [JsonStringEnumMemberName("create")]
    Create,
    [JsonStringEnumMemberName("update")]
    Update,
    [JsonStringEnumMemberName("delete")]
    Delete,
}

public enum LinkType
{
    [JsonStringEnumMemberName("absolute")]
    Absolute,
    [JsonStringEnumMemberName("smart")]
    Smart,
}

/// <summary>A CDS Hooks card. Property order follows the specification.</summary>
public sealed record Card
{
    public required Guid Uuid { get; init; }
    public required string Summary { get; init; }
    public string? Detail { get; init; }
    public required CardIndicator Indicator { get; init; }
    public required CardSource Source { get; init; }
    public IReadOnlyList<Suggestion>? Suggestions { get; init; }
    public SelectionBehavior? SelectionBehavior { get; init; }
    public IReadOnlyList<WireCoding>? OverrideReasons { get; init; }
    public IReadOnlyList<CardLink>? Links { get; init; }
    public CardExtension? Extension { get; init; }
}

public sealed record CardSource(string Label, string? Url = null, string? Icon = null, WireCoding? Topic = null);

public sealed record WireCoding(string System, string Code, string? Display = null);

public sealed record Suggestion
{
    public required string Label { get; init; }
    public required Guid Uuid { get; init; }
    public bool? IsRecommended { get; init; }
    public IReadOnlyList<SuggestionAction>? Actions { get; init; }
}

/// <summary>A suggestion's action: a full R4 resource to create or update, or a resource id to delete.</summary>
public sealed record SuggestionAction
{
    public required ActionType Type { get; init; }
    public required string Description { get; init; }
    public FhirResourceJson? Resource { get; init; }
    public string? ResourceId { get; init; }
}

public sealed record CardLink(string Label, string Url, LinkType Type, string? AppContext = null);

/// <summary>Card.extension: our machine-readable contract under its namespaced key (docs/clinical-rules.md §8).</summary>
public sealed record CardExtension([property: JsonPropertyName(CardExtension.Key)] ValvuloplastyContract Valvuloplasty)
{
    public const string Key = "org.example.valvuloplasty-cds";
}

/// <summary>
/// The contract: valve, decision, bridgeToTavr (aortic only) and every item code the card conveys.
/// <c>codes</c> is always written, even when empty: it says what the clinician was told.
/// </summary>
public sealed record ValvuloplastyContract(
    string Valve,
    string Decision,
    string? BridgeToTavr,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] IReadOnlyList<string> Codes);

/// <summary>A FHIR resource inside a protocol message, written with the Firely serializer.</summary>
[JsonConverter(typeof(FhirResourceJsonConverter))]
public sealed record FhirResourceJson(Resource Resource);

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
