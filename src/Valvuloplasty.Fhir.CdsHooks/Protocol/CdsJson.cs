using System.Collections;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Hl7.Fhir.Model;

namespace Valvuloplasty.Fhir.CdsHooks.Protocol;

/// <summary>
/// The one place protocol JSON is written. Source-generated metadata, camelCase, lowercase enums, and a
/// modifier that drops nulls, empty strings and empty collections everywhere except where a property opts
/// out with <c>[JsonIgnore(Condition = JsonIgnoreCondition.Never)]</c> (<c>cards</c>, <c>codes</c>): "serialise strictly".
/// </summary>
public static class CdsJson
{
    /// <summary>Firely's serializer for resources inside protocol messages (and OperationOutcomes).</summary>
    public static readonly JsonSerializerOptions Fhir = Cards.FhirJson.Options;

    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        // Responses are JSON for EHRs, not HTML: keep '&', '<' and non-ASCII readable (card markdown escapes HTML itself).
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        TypeInfoResolver = CdsJsonContext.Default.WithAddedModifier(OmitEmpty),
        Converters = { new JsonStringEnumConverter() },
    };

    public static byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T)));

    public static byte[] SerializeResource(Resource resource) => JsonSerializer.SerializeToUtf8Bytes(resource, Fhir);

    private static void OmitEmpty(JsonTypeInfo typeInfo)
    {
        if (typeInfo.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }

        foreach (var property in typeInfo.Properties)
        {
            // A member marked [JsonIgnore(Condition = Never)] is always written, even empty (cards: [], codes: []).
            var alwaysWritten = property.AttributeProvider?.GetCustomAttributes(typeof(JsonIgnoreAttribute), inherit: false)
                .OfType<JsonIgnoreAttribute>().Any(a => a.Condition == JsonIgnoreCondition.Never) == true;
            if (alwaysWritten)
            {
                continue;
            }

            if (property.PropertyType == typeof(string))
            {
                property.ShouldSerialize = static (_, value) => value is string s && s.Length > 0;
            }
            else if (typeof(IEnumerable).IsAssignableFrom(property.PropertyType))
            {
                property.ShouldSerialize = static (_, value) => value is ICollection { Count: > 0 }
                    || (value is IEnumerable e and not ICollection && e.GetEnumerator().MoveNext());
            }
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true)]
[JsonSerializable(typeof(DiscoveryResponse))]
[JsonSerializable(typeof(CdsResponse))]
[JsonSerializable(typeof(FeedbackResponse))]
[JsonSerializable(typeof(AnalyticsResponse))]
internal sealed partial class CdsJsonContext : JsonSerializerContext;
