using System.Text.Json;

namespace Valvuloplasty.Fhir.Data.Prefetch;

/// <summary>Small readers for the JSON shapes the streaming FHIR reader meets more than once.</summary>
internal static class JsonMembers
{
    /// <summary>
    /// Reads the object at the reader (on its StartObject) to its EndObject and returns the string values of
    /// two named members (e.g. a Coding's system and code, a Bundle link's relation and url); other members
    /// and non-string values are skipped.
    /// </summary>
    public static (string? First, string? Second) TwoStrings(ref Utf8JsonReader reader, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        string? a = null, b = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var isFirst = reader.ValueTextEquals(first);
            var isSecond = !isFirst && reader.ValueTextEquals(second);
            reader.Read();
            if (reader.TokenType == JsonTokenType.String && isFirst)
            {
                a = reader.GetString();
            }
            else if (reader.TokenType == JsonTokenType.String && isSecond)
            {
                b = reader.GetString();
            }
            else
            {
                reader.Skip();
            }
        }

        return (a, b);
    }
}
