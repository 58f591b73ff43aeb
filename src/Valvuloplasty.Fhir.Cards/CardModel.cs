using System.Text.Json;
using System.Text.Json.Serialization;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace Valvuloplasty.Fhir.Cards;

// The CDS Hooks 2.0 card, as the service sends it (serialised by the host's strict writer).

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

/// <summary>Firely's JSON options for resources inside cards (a suggested ServiceRequest).</summary>
public static class FhirJson
{
    public static readonly JsonSerializerOptions Options = new JsonSerializerOptions().ForFhir(ModelInfo.ModelInspector);
}

/// <summary>Writes (and reads) a <see cref="FhirResourceJson"/> with Firely's converters.</summary>
public sealed class FhirResourceJsonConverter : JsonConverter<FhirResourceJson>
{
    public override FhirResourceJson? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        JsonSerializer.Deserialize<Resource>(ref reader, FhirJson.Options) is { } resource ? new FhirResourceJson(resource) : null;

    public override void Write(Utf8JsonWriter writer, FhirResourceJson value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        JsonSerializer.Serialize(writer, value.Resource, FhirJson.Options);
    }
}
