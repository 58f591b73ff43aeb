using System.Collections.Frozen;

namespace Valvuloplasty.Fhir.Rules.Terminology;

/// <summary>A code in a code system, as a ValueSet lists it.</summary>
public readonly record struct CodeRef(string System, string Code, string? Display = null);

/// <summary>
/// One ValueSet as the index needs it: its explicit concepts, and the parent codes whose whole
/// family it includes (<c>compose.include.filter</c> with <c>concept is-a</c>).
/// <paramref name="Names"/> are the words a free-text label may use for its concepts (ingredient and brand
/// names): the displays that name a substance rather than a product, and every designation.
/// </summary>
public sealed record ValueSetDefinition(string Id, string Url, IReadOnlyList<CodeRef> Concepts, IReadOnlyList<CodeRef> Families, IReadOnlyList<string>? Names = null);

/// <summary>
/// The codes the service recognises, grouped by ValueSet id. Built once at start-up from
/// <c>profiles/</c> (see the Data project's loader) and read-only afterwards: lookups are hash lookups.
/// This is the only place clinical codes come from; no C# file lists them.
/// </summary>
/// <remarks>
/// Families (is-a) are supported for ICD-10-CM, whose hierarchy is its code prefix: <c>I48.91</c>
/// is-a <c>I48.9</c> is-a <c>I48</c>. ICD-10-CM codes are matched with or without their dot.
/// </remarks>
public sealed class ValueSetIndex
{
    /// <summary>The ICD-10-CM system URI; the only system whose is-a families the index can evaluate.</summary>
    public const string Icd10Cm = "http://hl7.org/fhir/sid/icd-10-cm";

    private readonly FrozenDictionary<string, ValueSetDefinition> _definitions;
    private readonly FrozenDictionary<CodeKey, string[]> _valueSetsByCode;
    private readonly FrozenDictionary<CodeKey, string[]> _valueSetsByFamily;

    public ValueSetIndex(IEnumerable<ValueSetDefinition> valueSets)
    {
        ArgumentNullException.ThrowIfNull(valueSets);
        var list = valueSets.ToList();
        _definitions = list.ToFrozenDictionary(v => v.Id, StringComparer.Ordinal);
        _valueSetsByCode = Invert(list, v => v.Concepts);
        _valueSetsByFamily = Invert(list, v => v.Families);
    }

    /// <summary>How many ValueSets are loaded.</summary>
    public int ValueSetCount => _definitions.Count;

    /// <summary>How many distinct explicit (system, code) pairs the index knows.</summary>
    public int CodeCount => _valueSetsByCode.Count;

    public bool HasValueSet(string valueSetId) => _definitions.ContainsKey(valueSetId);

    /// <summary>True when the ValueSet <paramref name="valueSetId"/> includes <paramref name="system"/>|<paramref name="code"/>.</summary>
    public bool Contains(string valueSetId, string? system, string? code)
    {
        foreach (var id in ValueSetsOf(system, code))
        {
            if (string.Equals(id, valueSetId, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The ids of every ValueSet that includes the code (empty when none).</summary>
    public IReadOnlyList<string> ValueSetsOf(string? system, string? code)
    {
        if (string.IsNullOrEmpty(system) || string.IsNullOrEmpty(code))
        {
            return [];
        }

        var key = Key(system, code);
        var exact = _valueSetsByCode.GetValueOrDefault(key);
        if (_valueSetsByFamily.Count == 0 || !string.Equals(system, Icd10Cm, StringComparison.Ordinal))
        {
            return exact ?? [];
        }

        // ICD-10-CM: the code and each ancestor may carry a family.
        List<string>? found = exact is null ? null : [.. exact];
        for (var ancestor = key.Code; ancestor.Length >= 3; ancestor = Parent(ancestor))
        {
            if (_valueSetsByFamily.TryGetValue(new CodeKey(system, ancestor), out var ids))
            {
                found ??= [];
                foreach (var id in ids)
                {
                    if (!found.Contains(id))
                    {
                        found.Add(id);
                    }
                }
            }
        }

        return found ?? (IReadOnlyList<string>)[];
    }

    /// <summary>
    /// True when <paramref name="text"/> names a concept of the ValueSet: one of its <see cref="ValueSetDefinition.Names"/>
    /// appears in it as a whole word or phrase, ignoring case (<c>Eliquis 5 mg tab</c> names apixaban).
    /// </summary>
    public bool NameAppearsIn(string valueSetId, string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        foreach (var name in Definition(valueSetId).Names ?? [])
        {
            var at = 0;
            while ((at = text.IndexOf(name, at, StringComparison.OrdinalIgnoreCase)) >= 0)
            {
                var end = at + name.Length;
                if ((at == 0 || !char.IsLetterOrDigit(text[at - 1])) && (end == text.Length || !char.IsLetterOrDigit(text[end])))
                {
                    return true;
                }

                at = end;
            }
        }

        return false;
    }

    /// <summary>The explicit codes of one ValueSet, in file order; throws when the ValueSet is not loaded.</summary>
    public IReadOnlyList<CodeRef> Codes(string valueSetId) => Definition(valueSetId).Concepts;

    /// <summary>The loaded definition of one ValueSet; throws when it is not loaded.</summary>
    public ValueSetDefinition Definition(string valueSetId) =>
        _definitions.TryGetValue(valueSetId, out var definition)
            ? definition
            : throw new KeyNotFoundException($"ValueSet '{valueSetId}' is not loaded from profiles/.");

    /// <summary>ICD-10-CM codes are compared upper-case with their dot (<c>i480</c> → <c>I48.0</c>).</summary>
    public static string Canonical(string system, string code)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(code);
        if (!string.Equals(system, Icd10Cm, StringComparison.Ordinal))
        {
            return code;
        }

        var trimmed = code.Trim().ToUpperInvariant();
        return trimmed.Length > 3 && !trimmed.Contains('.', StringComparison.Ordinal) ? $"{trimmed[..3]}.{trimmed[3..]}" : trimmed;
    }

    private static string Parent(string icdCode)
    {
        var shorter = icdCode[..^1];
        return shorter.EndsWith('.') ? shorter[..^1] : shorter;
    }

    private static CodeKey Key(string system, string code) => new(system, Canonical(system, code));

    private static FrozenDictionary<CodeKey, string[]> Invert(List<ValueSetDefinition> valueSets, Func<ValueSetDefinition, IReadOnlyList<CodeRef>> select) =>
        valueSets
            .SelectMany(v => select(v).Select(c => (Key: Key(c.System, c.Code), v.Id)))
            .GroupBy(x => x.Key)
            .ToFrozenDictionary(g => g.Key, g => g.Select(x => x.Id).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray());

    private readonly record struct CodeKey(string System, string Code);
}
