using System.Text.Json;
using Hl7.Fhir.Model;
using Valvuloplasty.Fhir.Data.Fhir;

namespace Valvuloplasty.Fhir.Data.Prefetch;

/// <summary>What a JSON value held, read as FHIR.</summary>
public enum FhirPayloadKind
{
    /// <summary>JSON <c>null</c>.</summary>
    Null,
    /// <summary>A single resource other than a Bundle or OperationOutcome.</summary>
    Resource,
    /// <summary>A Bundle (searchset, collection, transaction…); its entries' resources are read one by one.</summary>
    Bundle,
    /// <summary>An OperationOutcome, or a Bundle holding only OperationOutcomes: the sender failed.</summary>
    OperationOutcome,
    /// <summary>Not a FHIR resource at all (an array, a string, an object without resourceType…).</summary>
    NotAResource,
}

/// <summary>How a Bundle entry came to be in a search result (<c>Bundle.entry.search.mode</c>).</summary>
public enum SearchEntryMode
{
    /// <summary>No <c>search.mode</c> (a collection or transaction Bundle, or a server that omits it).</summary>
    Unspecified,
    /// <summary>The entry matched the search.</summary>
    Match,
    /// <summary>The entry was added by <c>_include</c>/<c>_revinclude</c>: it supports the matches (a Patient, a Medication).</summary>
    Include,
    /// <summary>An OperationOutcome about the search itself (warnings, information).</summary>
    Outcome,
}

/// <summary>One resource read from a JSON value, with where it sat: its Bundle entry index, fullUrl and search mode.</summary>
public sealed record FhirEntry(RecordItem Item, int Index, string? FullUrl, SearchEntryMode Mode);

/// <summary>
/// The resources read from one JSON value. <paramref name="Problems"/> says what was skipped and why,
/// without any resource content (safe to log and to show). OperationOutcomes are not among the entries:
/// the first one is kept in <paramref name="Outcome"/>.
/// </summary>
public sealed record FhirPayload(
    FhirPayloadKind Kind,
    string? ResourceType,
    IReadOnlyList<FhirEntry> Entries,
    IReadOnlyList<string> Problems,
    string? NextLink = null,
    OperationOutcomeItem? Outcome = null)
{
    public static readonly FhirPayload JsonNull = new(FhirPayloadKind.Null, null, [], []);

    private IReadOnlyList<RecordItem>? _items;

    /// <summary>Every resource read, in entry order (matches, includes and entries without a search mode).</summary>
    public IReadOnlyList<RecordItem> Items => _items ??= [.. Entries.Select(e => e.Item)];
}

/// <summary>
/// Reads FHIR R4 JSON leniently, straight from a <see cref="Utf8JsonReader"/>: a Bundle is walked entry by entry and
/// each entry's resource is read into the <see cref="RecordItem"/> the rules need (<see cref="Utf8ResourceReader"/>:
/// no object model is built), so one unreadable entry is skipped and reported instead of failing the rest. JSON syntax
/// errors and depth overruns are not FHIR problems: they propagate as <see cref="JsonException"/> for the caller to
/// turn into 400. Stateless and thread-safe.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "An injected service: callers depend on the instance, not on how it reads.")]
public sealed class FhirJsonReader
{
    /// <summary>The one instance (the reader holds no state).</summary>
    public static FhirJsonReader Shared { get; } = new();

    /// <summary>Reads a whole JSON document (e.g. a FHIR server response).</summary>
    public FhirPayload Read(ReadOnlySpan<byte> json, int maxDepth = 64)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = maxDepth, CommentHandling = JsonCommentHandling.Disallow });
        if (!reader.Read())
        {
            throw new JsonException("The body is empty.");
        }

        var payload = ReadValue(ref reader);
        if (reader.Read())
        {
            throw new JsonException("Unexpected data after the JSON value.");
        }

        return payload;
    }

    /// <summary>
    /// Reads the value at the reader's current token and leaves the reader on that value's last token.
    /// </summary>
    public FhirPayload ReadValue(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return FhirPayload.JsonNull;
            case JsonTokenType.StartObject:
                break;
            default:
                var kind = reader.TokenType;
                reader.Skip();
                return new FhirPayload(FhirPayloadKind.NotAResource, null, [], [$"expected a FHIR resource object, found {Describe(kind)}"]);
        }

        var resourceType = Utf8ResourceReader.ResourceType(reader);
        if (resourceType is null)
        {
            reader.Skip();
            return new FhirPayload(FhirPayloadKind.NotAResource, null, [], ["the object has no resourceType"]);
        }

        if (resourceType == "Bundle")
        {
            return ReadBundle(ref reader);
        }

        var problems = new List<string>();
        var resource = ReadResource(ref reader, problems, "the resource", resourceType);
        if (resource is OperationOutcomeItem outcome)
        {
            return new FhirPayload(FhirPayloadKind.OperationOutcome, resourceType, [], problems, Outcome: outcome);
        }

        return resource is null
            ? new FhirPayload(FhirPayloadKind.NotAResource, resourceType, [], problems)
            : new FhirPayload(FhirPayloadKind.Resource, resourceType, [new FhirEntry(resource, 0, null, SearchEntryMode.Unspecified)], problems);
    }

    private static FhirPayload ReadBundle(ref Utf8JsonReader reader)
    {
        var entries = new List<FhirEntry>();
        var problems = new List<string>();
        var outcomes = new List<(OperationOutcomeItem Outcome, SearchEntryMode Mode)>();
        string? next = null;
        var entryIndex = 0;

        var depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            // At a property name of the Bundle.
            if (reader.ValueTextEquals("entry"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    problems.Add("Bundle.entry is not an array");
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    var entry = ReadEntry(ref reader, problems, entryIndex++);
                    if (entry?.Item is OperationOutcomeItem entryOutcome)
                    {
                        outcomes.Add((entryOutcome, entry.Mode));
                    }
                    else if (entry is not null)
                    {
                        entries.Add(entry);
                    }
                }
            }
            else if (reader.ValueTextEquals("link"u8))
            {
                reader.Read();
                next = ReadNextLink(ref reader) ?? next;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        var kind = entries.Count == 0 && outcomes.Count > 0 && !outcomes.All(o => IsInformational(o.Outcome, o.Mode))
            ? FhirPayloadKind.OperationOutcome
            : FhirPayloadKind.Bundle;
        return new FhirPayload(kind, "Bundle", entries, problems, next, outcomes.Count > 0 ? outcomes[0].Outcome : null);
    }

    /// <summary>
    /// A Bundle of nothing but OperationOutcomes is a failure report (CDS Hooks prefetch rule), unless each is a
    /// search <c>outcome</c> entry with no error: then it is an empty search result with a note from the server.
    /// </summary>
    private static bool IsInformational(OperationOutcomeItem outcome, SearchEntryMode mode) =>
        mode == SearchEntryMode.Outcome && outcome.Severities.All(s => s is "information" or "warning");

    private static FhirEntry? ReadEntry(ref Utf8JsonReader reader, List<string> problems, int index)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            problems.Add($"Bundle.entry[{index}] is not an object");
            reader.Skip();
            return null;
        }

        RecordItem? resource = null;
        string? fullUrl = null;
        var mode = SearchEntryMode.Unspecified;
        var depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.ValueTextEquals("resource"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    resource = ReadResource(ref reader, problems, $"Bundle.entry[{index}].resource", Utf8ResourceReader.ResourceType(reader));
                }
                else
                {
                    problems.Add($"Bundle.entry[{index}].resource is not an object");
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("fullUrl"u8))
            {
                reader.Read();
                fullUrl = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("search"u8))
            {
                reader.Read();
                mode = ReadSearchMode(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return resource is null ? null : new FhirEntry(resource, index, fullUrl, mode);
    }

    private static SearchEntryMode ReadSearchMode(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return SearchEntryMode.Unspecified;
        }

        var (mode, _) = JsonMembers.TwoStrings(ref reader, "mode"u8, "score"u8);
        return mode switch
        {
            "match" => SearchEntryMode.Match,
            "include" => SearchEntryMode.Include,
            "outcome" => SearchEntryMode.Outcome,
            _ => SearchEntryMode.Unspecified,
        };
    }

    /// <param name="declaredType">The object's resourceType as written; FHIR type names are case-sensitive.</param>
    private static RecordItem? ReadResource(ref Utf8JsonReader reader, List<string> problems, string where, string? declaredType)
    {
        // FHIR type names are case-sensitive; Firely's own lookup is not, so the name must match the type it finds.
        if (declaredType is null || declaredType is "Resource" or "DomainResource"
            || ModelInfo.GetTypeForFhirType(declaredType) is not { } type || !type.IsSubclassOf(typeof(Resource))
            || !string.Equals(ModelInfo.GetFhirTypeNameForType(type), declaredType, StringComparison.Ordinal))
        {
            reader.Skip();
            problems.Add($"{where} is not a known R4 resource type (resource type names are case-sensitive)");
            return null;
        }

        return Utf8ResourceReader.Read(ref reader, declaredType);
    }

    private static string? ReadNextLink(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return null;
        }

        string? next = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            var (relation, url) = JsonMembers.TwoStrings(ref reader, "relation"u8, "url"u8);
            if (relation == "next" && !string.IsNullOrEmpty(url))
            {
                next = url;
            }
        }

        return next;
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        _ => token.ToString(),
    };
}
