using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Valvuloplasty.Fhir.Rules.Terminology;

namespace Valvuloplasty.Fhir.Data.Terminology;

/// <summary>
/// Loads every <c>ValueSet-*.json</c> and <c>CodeSystem-*.json</c> in the profiles directory into a
/// <see cref="ValueSetIndex"/>. Strict: a missing directory, a malformed or mis-named file, an
/// unsupported compose construct or a missing required ValueSet throws a
/// <see cref="TerminologyLoadException"/> that names the file, so the host stops at start-up.
/// </summary>
public static class ProfileTerminologyLoader
{
    public static ValueSetIndex Load(string directory, IReadOnlyCollection<string>? requiredValueSets = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory))
        {
            throw new TerminologyLoadException($"The profiles directory '{directory}' does not exist. Set Terminology:ProfilesPath to the folder that holds the ValueSet-*.json files.");
        }

        var parser = new FhirJsonDeserializer();
        var codeSystems = new Dictionary<string, (CodeSystem Resource, string File)>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(directory, "CodeSystem-*.json").Order(StringComparer.Ordinal))
        {
            var codeSystem = Parse<CodeSystem>(parser, file);
            if (string.IsNullOrEmpty(codeSystem.Url))
            {
                throw new TerminologyLoadException($"{Path.GetFileName(file)}: CodeSystem has no url.");
            }

            codeSystems[codeSystem.Url] = (codeSystem, file);
        }

        var definitions = new List<ValueSetDefinition>();
        var valueSetsByUrl = new Dictionary<string, ValueSet>(StringComparer.Ordinal);
        var files = Directory.EnumerateFiles(directory, "ValueSet-*.json").Order(StringComparer.Ordinal).ToList();
        var parsed = files.Select(f => (File: f, ValueSet: Parse<ValueSet>(parser, f))).ToList();
        foreach (var (_, valueSet) in parsed)
        {
            if (!string.IsNullOrEmpty(valueSet.Url))
            {
                valueSetsByUrl[valueSet.Url] = valueSet;
            }
        }

        // A missing required file is the most useful message, so it is checked before any expansion.
        var missing = (requiredValueSets ?? []).Where(id => parsed.All(p => p.ValueSet.Id != id)).ToList();
        if (missing.Count > 0)
        {
            throw new TerminologyLoadException(
                $"Required ValueSet file(s) missing from '{directory}': {string.Join(", ", missing.Select(id => $"ValueSet-{id}.json"))}.");
        }

        foreach (var (file, valueSet) in parsed)
        {
            definitions.Add(Expand(file, valueSet, codeSystems, valueSetsByUrl));
        }

        var duplicate = definitions.GroupBy(d => d.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new TerminologyLoadException($"ValueSet id '{duplicate.Key}' is defined more than once in '{directory}'.");
        }

        return new ValueSetIndex(definitions);
    }

    private static T Parse<T>(FhirJsonDeserializer parser, string file) where T : Resource
    {
        var name = Path.GetFileName(file);
        Resource resource;
        try
        {
            resource = parser.DeserializeResource(File.ReadAllText(file));
        }
        catch (Exception ex) when (ex is DeserializationFailedException or System.Text.Json.JsonException or FormatException or InvalidOperationException)
        {
            throw new TerminologyLoadException($"{name}: not a valid FHIR R4 JSON resource: {FirstLine(ex.Message)}", ex);
        }

        if (resource is not T typed)
        {
            throw new TerminologyLoadException($"{name}: expected a {typeof(T).Name}, found {resource.TypeName}.");
        }

        var expectedId = name[(typeof(T).Name.Length + 1)..^".json".Length];
        if (!string.Equals(typed.Id, expectedId, StringComparison.Ordinal))
        {
            throw new TerminologyLoadException($"{name}: id '{typed.Id}' does not match the file name (expected '{expectedId}').");
        }

        return typed;
    }

    private static ValueSetDefinition Expand(
        string file,
        ValueSet valueSet,
        Dictionary<string, (CodeSystem Resource, string File)> codeSystems,
        Dictionary<string, ValueSet> valueSetsByUrl,
        int depth = 0)
    {
        var name = Path.GetFileName(file);
        if (depth > 8)
        {
            throw new TerminologyLoadException($"{name}: ValueSet includes nest too deeply (a cycle?).");
        }

        if (valueSet.Compose is null || valueSet.Compose.Include.Count == 0)
        {
            throw new TerminologyLoadException($"{name}: ValueSet '{valueSet.Id}' has no compose.include.");
        }

        if (valueSet.Compose.Exclude.Count > 0)
        {
            throw new TerminologyLoadException($"{name}: compose.exclude is not supported; list the included concepts instead.");
        }

        var concepts = new List<CodeRef>();
        var families = new List<CodeRef>();
        var names = new List<string>();
        foreach (var include in valueSet.Compose.Include)
        {
            foreach (var canonical in include.ValueSet.OfType<string>())
            {
                if (!valueSetsByUrl.TryGetValue(canonical, out var nested))
                {
                    throw new TerminologyLoadException($"{name}: includes ValueSet '{canonical}', which is not in the profiles directory.");
                }

                var expanded = Expand(file, nested, codeSystems, valueSetsByUrl, depth + 1);
                concepts.AddRange(expanded.Concepts);
                families.AddRange(expanded.Families);
                names.AddRange(expanded.Names ?? []);
            }

            if (include.ValueSet.Any() && string.IsNullOrEmpty(include.System))
            {
                continue;
            }

            if (string.IsNullOrEmpty(include.System))
            {
                throw new TerminologyLoadException($"{name}: a compose.include has neither system nor valueSet.");
            }

            if (include.Concept.Count > 0)
            {
                foreach (var concept in include.Concept)
                {
                    if (string.IsNullOrWhiteSpace(concept.Code))
                    {
                        throw new TerminologyLoadException($"{name}: a concept in system '{include.System}' has no code.");
                    }

                    concepts.Add(new CodeRef(include.System, concept.Code, concept.Display));
                    names.AddRange(NamesOf(concept));
                }
            }
            else if (include.Filter.Count > 0)
            {
                families.AddRange(Families(name, include));
            }
            else if (codeSystems.TryGetValue(include.System, out var local))
            {
                // Whole local CodeSystem.
                concepts.AddRange(local.Resource.Concept.Where(c => !string.IsNullOrEmpty(c.Code)).Select(c => new CodeRef(include.System, c.Code!, c.Display)));
            }
            else
            {
                throw new TerminologyLoadException(
                    $"{name}: includes all of '{include.System}', which is not a CodeSystem in the profiles directory; list the concepts explicitly.");
            }
        }

        return new ValueSetDefinition(valueSet.Id ?? name, valueSet.Url ?? string.Empty, concepts, families,
            [.. names.Distinct(StringComparer.OrdinalIgnoreCase)]);
    }

    /// <summary>
    /// The free-text names of a concept: its display when it names a substance (no digit, so not a product with a
    /// strength such as "apixaban 5 MG Oral Tablet"), and each designation (brand names: Eliquis, Lixiana).
    /// </summary>
    private static IEnumerable<string> NamesOf(ValueSet.ConceptReferenceComponent concept)
    {
        if (!string.IsNullOrWhiteSpace(concept.Display) && !concept.Display.Any(char.IsDigit))
        {
            yield return concept.Display.Trim();
        }

        foreach (var designation in concept.Designation)
        {
            if (!string.IsNullOrWhiteSpace(designation.Value))
            {
                yield return designation.Value.Trim();
            }
        }
    }

    private static IEnumerable<CodeRef> Families(string name, ValueSet.ConceptSetComponent include)
    {
        if (!string.Equals(include.System, ValueSetIndex.Icd10Cm, StringComparison.Ordinal))
        {
            throw new TerminologyLoadException(
                $"{name}: an is-a filter on '{include.System}' needs a terminology server; only ICD-10-CM families are evaluated locally.");
        }

        foreach (var filter in include.Filter)
        {
            if (filter.Property != "concept" || filter.Op != FilterOperator.IsA || string.IsNullOrWhiteSpace(filter.Value))
            {
                throw new TerminologyLoadException($"{name}: only filters 'concept is-a <code>' are supported.");
            }

            yield return new CodeRef(include.System!, filter.Value!);
        }
    }

    private static string FirstLine(string message)
    {
        var end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }
}
