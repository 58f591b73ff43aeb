using System.Text.Json;
using Valvuloplasty.Fhir.Rules.Terminology;

namespace Valvuloplasty.Fhir.Data.Prefetch;

/// <summary>
/// Decides from a quick scan of a resource's JSON whether the rules can use it, before paying for a full
/// FHIR deserialisation. Observations and Conditions are kept only when their code (or, for an Observation,
/// a component's code) is in some ValueSet of profiles/; every other resource type is always kept.
/// Vitals, labs and unrelated problems of a long record are skipped this way.
/// </summary>
public sealed class ResourceRelevance(ValueSetIndex terminology)
{
    /// <summary>
    /// Scans the object at the reader (a resource) and leaves the reader on its last token. True when the
    /// resource may matter to the rules.
    /// </summary>
    public bool Keep(ref Utf8JsonReader reader)
    {
        var depth = reader.CurrentDepth;
        var filtered = false;
        var relevant = false;
        var resourceType = false;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.ValueTextEquals("resourceType"u8))
            {
                reader.Read();
                filtered = reader.TokenType == JsonTokenType.String && (reader.ValueTextEquals("Observation"u8) || reader.ValueTextEquals("Condition"u8));
                resourceType = true;
            }
            else if (reader.ValueTextEquals("code"u8))
            {
                reader.Read();
                relevant |= Codes(ref reader);
            }
            else if (reader.ValueTextEquals("component"u8))
            {
                reader.Read();
                relevant |= Components(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        // Without a resourceType the deserialiser reports the problem; keep it so it does.
        return !resourceType || !filtered || relevant;
    }

    private bool Components(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return false;
        }

        var relevant = false;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var isCode = reader.ValueTextEquals("code"u8);
                reader.Read();
                if (isCode)
                {
                    relevant |= Codes(ref reader);
                }
                else
                {
                    reader.Skip();
                }
            }
        }

        return relevant;
    }

    /// <summary>True when a coding of the CodeableConcept at the reader is in some ValueSet.</summary>
    private bool Codes(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return false;
        }

        var relevant = false;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var isCoding = reader.ValueTextEquals("coding"u8);
            reader.Read();
            if (!isCoding || reader.TokenType != JsonTokenType.StartArray)
            {
                reader.Skip();
                continue;
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                var (system, code) = JsonMembers.TwoStrings(ref reader, "system"u8, "code"u8);
                relevant |= terminology.ValueSetsOf(system, code?.Trim()).Count > 0;
            }
        }

        return relevant;
    }
}
