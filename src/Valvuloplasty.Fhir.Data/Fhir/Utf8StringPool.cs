using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;

namespace Valvuloplasty.Fhir.Data.Fhir;

/// <summary>
/// The short strings records repeat endlessly (code systems, codes, statuses, units, subject references, the date of
/// an echo study shared by its measurements), kept once for the process: reading one from UTF-8 allocates nothing
/// after its first appearance. Bounded: once full, new strings are simply allocated.
/// </summary>
internal static class Utf8StringPool
{
    /// <summary>Longest string pooled, in UTF-8 bytes.</summary>
    private const int MaxLength = 64;

    /// <summary>Most strings kept.</summary>
    private const int Capacity = 50_000;

    private static int _count;

    private static readonly ConcurrentDictionary<string, string> Pool = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> Lookup = Pool.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The string value at the reader (a JSON string token), from the pool when it is short and unescaped.</summary>
    public static string Get(ref Utf8JsonReader reader)
    {
        if (reader.ValueIsEscaped || reader.HasValueSequence || reader.ValueSpan.Length > MaxLength)
        {
            return reader.GetString()!;
        }

        var bytes = reader.ValueSpan;
        Span<char> chars = stackalloc char[MaxLength];
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            return reader.GetString()!;
        }

        var length = Encoding.UTF8.GetChars(bytes, chars);
        var text = chars[..length];
        if (Lookup.TryGetValue(text, out var pooled))
        {
            return pooled;
        }

        var value = new string(text);
        if (Volatile.Read(ref _count) >= Capacity)
        {
            return value;
        }

        // Counted here, not with Pool.Count: that takes every lock of the dictionary, and once the pool is full (a
        // population scan fills it with unique ids) it would be paid on every new string.
        if (Pool.TryAdd(value, value))
        {
            Interlocked.Increment(ref _count);
            return value;
        }

        return Pool.TryGetValue(value, out var existing) ? existing : value;
    }
}
