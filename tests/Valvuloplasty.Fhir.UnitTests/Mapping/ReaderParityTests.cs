using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Valvuloplasty.Fhir.Data.Fhir;
using Valvuloplasty.Fhir.Data.Prefetch;
using Valvuloplasty.Fhir.UnitTests.Support;

namespace Valvuloplasty.Fhir.UnitTests.Mapping;

/// <summary>
/// The hot path reads FHIR JSON straight from the bytes (<see cref="Utf8ResourceReader"/>); Firely, reading the same
/// JSON into its object model, is the oracle. For every example, every synthetic patient, every fixture, and a fuzzed
/// corpus of generated variants of their resources (members reordered, optional members dropped, extra members and
/// extensions added, odd-but-valid numbers and dates), both readings must give the same items and, through the
/// mapper, identical facts and identical rejected-value notes.
/// </summary>
public sealed class ReaderParityTests
{
    private static readonly DateTimeOffset AsOf = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    private static readonly FhirJsonDeserializer Firely = new(new DeserializerSettings().UsingMode(DeserializationMode.Ostrich));

    private static readonly JsonSerializerOptions Canonical = new()
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Every JSON document the repository holds as an example of what EHRs send.</summary>
    private static IEnumerable<(string Name, JsonObject Document)> Sources()
    {
        var examples = Path.Combine(Profiles.RepoRoot, "profiles", "examples");
        foreach (var file in Directory.EnumerateFiles(Path.Combine(examples, "resources"), "*.json").Concat(Directory.EnumerateFiles(Path.Combine(examples, "patients"), "Bundle-*.json")).Order(StringComparer.Ordinal))
        {
            yield return (Path.GetFileName(file), JsonNode.Parse(File.ReadAllText(file))!.AsObject());
        }

        foreach (var file in Directory.EnumerateFiles(Path.Combine(examples, "hook-requests"), "*.json").Order(StringComparer.Ordinal))
        {
            var request = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
            foreach (var (key, value) in request["prefetch"]?.AsObject() ?? [])
            {
                if (value is JsonObject document)
                {
                    yield return ($"{Path.GetFileName(file)}#{key}", document);
                }
            }
        }

        foreach (var file in Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures"), "*.json").Order(StringComparer.Ordinal))
        {
            if (JsonNode.Parse(File.ReadAllText(file)) is JsonObject document && document["resourceType"] is not null)
            {
                yield return (Path.GetFileName(file), document);
            }
        }
    }

    public static TheoryData<string> SourceNames() => [.. Sources().Select(s => s.Name)];

    [Theory]
    [MemberData(nameof(SourceNames))]
    public void EveryExampleAndFixture_ReadsTheSameBothWays(string name)
    {
        var document = Sources().Single(s => s.Name == name).Document;

        AssertParity(name, document.ToJsonString());
    }

    [Fact]
    public void FuzzedCorpus_OfAtLeast5000Variants_ReadsTheSameBothWays()
    {
        var resources = Sources()
            .SelectMany(s => s.Document["resourceType"]?.GetValue<string>() == "Bundle"
                ? s.Document["entry"]?.AsArray().Select(e => e?["resource"]).OfType<JsonObject>() ?? []
                : [s.Document])
            .Where(r => r["resourceType"]?.GetValue<string>() is "Patient" or "Condition" or "Observation" or "Procedure" or "ServiceRequest"
                or "MedicationRequest" or "Medication" or "RiskAssessment")
            .ToList();
        Assert.True(resources.Count > 100, $"{resources.Count} base resources");

        var random = new Random(20261130);
        var variants = 0;
        var failures = new List<string>();
        while (variants < 5000)
        {
            var original = resources[variants % resources.Count];
            var variant = Mutate(original.DeepClone().AsObject(), random);
            var document = random.Next(3) == 0 ? variant : Bundle(variant, random);
            var json = document.ToJsonString();
            try
            {
                AssertParity($"variant {variants}", json);
            }
            catch (Xunit.Sdk.XunitException ex) when (failures.Count < 5)
            {
                failures.Add($"{ex.Message}\n{json}");
            }

            variants++;
        }

        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    // ---- The comparison ----

    private static void AssertParity(string name, string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var fast = FhirJsonReader.Shared.Read(bytes).Items;
        var oracle = OracleItems(json);

        Assert.True(oracle.Count == fast.Count, $"{name}: {oracle.Count} item(s) through Firely, {fast.Count} from the bytes");
        for (var i = 0; i < fast.Count; i++)
        {
            var expected = JsonSerializer.Serialize(oracle[i], oracle[i].GetType(), Canonical);
            var actual = JsonSerializer.Serialize(fast[i], fast[i].GetType(), Canonical);
            Assert.True(expected == actual, $"{name}: item {i} differs\nFirely: {expected}\nbytes:  {actual}");
        }

        var expectedFacts = JsonSerializer.Serialize(Facts(oracle), Canonical);
        var actualFacts = JsonSerializer.Serialize(Facts(fast), Canonical);
        Assert.True(expectedFacts == actualFacts, $"{name}: facts differ\nFirely: {expectedFacts}\nbytes:  {actualFacts}");
    }

    private static List<RecordItem> OracleItems(string json)
    {
        var resource = Firely.DeserializeResource(json);
        var resources = resource is Bundle bundle ? bundle.Entry.Select(e => e.Resource).OfType<Resource>() : [resource];

        // As the reader reports them: OperationOutcomes are a failure report or a search note, not record entries.
        return [.. resources.Where(r => r is not OperationOutcome).Select(FirelyResourceAdapter.From)];
    }

    /// <summary>The items as one patient's record (each in its key), mapped.</summary>
    private static Valvuloplasty.Fhir.Rules.Facts.PatientFacts Facts(IReadOnlyList<RecordItem> items)
    {
        var patientId = items.OfType<PatientItem>().FirstOrDefault()?.Id ?? "p1";
        var keys = PrefetchKeys.ResourceTypes.ToDictionary(
            k => k.Key,
            k => new KeyData(k.Key, DataSource.Prefetch, [.. items.Where(i => i.Type == k.Value)], []),
            StringComparer.Ordinal);
        var supporting = items.OfType<MedicationItem>().Select(m => new FhirEntry(m, 0, null, SearchEntryMode.Include)).ToList();
        return Profiles.Mapper.Map(new PatientRecord(patientId, keys) { Supporting = supporting }, AsOf);
    }

    // ---- The fuzzer: valid FHIR in the shapes real servers send ----

    private static JsonObject Bundle(JsonObject resource, Random random)
    {
        var entry = new JsonObject { ["resource"] = resource };
        if (random.Next(2) == 0)
        {
            entry["fullUrl"] = $"https://ehr.example.org/fhir/{resource["resourceType"]}/{resource["id"]}";
            entry["search"] = new JsonObject { ["mode"] = "match" };
        }

        var entries = new JsonArray(entry);
        if (random.Next(3) == 0)
        {
            entries.Add(new JsonObject { ["resource"] = new JsonObject { ["resourceType"] = "Practitioner", ["id"] = "dr-1" }, ["search"] = new JsonObject { ["mode"] = "include" } });
        }

        return new JsonObject { ["resourceType"] = "Bundle", ["type"] = "searchset", ["total"] = 1, ["entry"] = entries };
    }

    private static JsonObject Mutate(JsonObject resource, Random random)
    {
        var steps = random.Next(1, 5);
        for (var i = 0; i < steps; i++)
        {
            switch (random.Next(7))
            {
                case 0:
                    resource = Shuffle(resource, random);
                    break;
                case 1:
                    DropOptional(resource, random);
                    break;
                case 2:
                    AddExtras(resource, random);
                    break;
                case 3:
                    OddNumbers(resource, random);
                    break;
                case 4:
                    OddDates(resource, random);
                    break;
                case 5:
                    MoreCodings(resource, random);
                    break;
                default:
                    PrimitiveExtensions(resource, random);
                    break;
            }
        }

        return resource;
    }

    /// <summary>Members in another order, at every level (JSON objects are unordered).</summary>
    private static JsonObject Shuffle(JsonObject node, Random random)
    {
        var members = node.Select(p => (p.Key, Value: p.Value?.DeepClone())).OrderBy(_ => random.Next()).ToList();
        var shuffled = new JsonObject();
        foreach (var (key, value) in members)
        {
            shuffled[key] = value switch
            {
                JsonObject child => Shuffle(child, random),
                JsonArray array => new JsonArray([.. array.Select(a => a is JsonObject o ? Shuffle(o, random) : a?.DeepClone())]),
                _ => value,
            };
        }

        return shuffled;
    }

    /// <summary>An optional member gone (never resourceType).</summary>
    private static void DropOptional(JsonObject resource, Random random)
    {
        var optional = resource.Select(p => p.Key).Where(k => k is not "resourceType").ToList();
        if (optional.Count > 0)
        {
            resource.Remove(optional[random.Next(optional.Count)]);
        }
    }

    /// <summary>What servers add: meta, narrative, identifiers, extensions, unknown-to-the-rules members.</summary>
    private static void AddExtras(JsonObject resource, Random random)
    {
        resource["meta"] = new JsonObject
        {
            ["versionId"] = random.Next(1, 9).ToString(CultureInfo.InvariantCulture),
            ["lastUpdated"] = "2026-11-27T08:01:02.345+00:00",
            ["profile"] = new JsonArray("http://hl7.org/fhir/us/core/StructureDefinition/us-core-observation-lab"),
            ["tag"] = new JsonArray(new JsonObject { ["system"] = "http://example.org/tags", ["code"] = "synthetic" }),
        };
        resource["text"] = new JsonObject { ["status"] = "generated", ["div"] = "<div xmlns=\"http://www.w3.org/1999/xhtml\">Ünïcödé &amp; \"quotes\"</div>" };
        resource["identifier"] = new JsonArray(new JsonObject { ["system"] = "urn:oid:1.2.3", ["value"] = $"id-{random.Next()}" });
        resource["extension"] = new JsonArray(new JsonObject
        {
            ["url"] = "http://example.org/fhir/StructureDefinition/source",
            ["valueCodeableConcept"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://loinc.org", ["code"] = "79964-3" }) },
        });
        if (resource["code"] is JsonObject code)
        {
            code["extension"] = new JsonArray(new JsonObject { ["url"] = "http://example.org/x", ["valueString"] = "x" });
        }
    }

    /// <summary>The same numbers written otherwise: trailing zeros, exponents, integers as decimals.</summary>
    private static void OddNumbers(JsonNode? node, Random random)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var key in obj.Select(p => p.Key).ToList())
                {
                    if (key is "value" or "probabilityDecimal" && obj[key] is JsonValue v && v.TryGetValue<decimal>(out var number))
                    {
                        obj[key] = JsonNode.Parse(random.Next(4) switch
                        {
                            0 => number.ToString("0.000", CultureInfo.InvariantCulture),
                            1 => number.ToString("0.###E+0", CultureInfo.InvariantCulture),
                            2 => number.ToString(CultureInfo.InvariantCulture) is var plain && plain.Contains('.', StringComparison.Ordinal) ? plain + "0" : plain + ".0",
                            _ => number.ToString("R", CultureInfo.InvariantCulture),
                        });
                    }
                    else
                    {
                        OddNumbers(obj[key], random);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    OddNumbers(item, random);
                }

                break;
        }
    }

    /// <summary>Dates at other precisions and with time zones: what different servers write for the same day.</summary>
    private static void OddDates(JsonObject resource, Random random)
    {
        foreach (var key in resource.Select(p => p.Key).Where(k => k is "effectiveDateTime" or "onsetDateTime" or "performedDateTime" or "recordedDate" or "occurrenceDateTime" or "issued" or "birthDate").ToList())
        {
            if (resource[key]?.GetValue<string>() is not { Length: >= 10 } text)
            {
                continue;
            }

            var day = text[..10];
            resource[key] = key == "birthDate"
                ? random.Next(3) switch { 0 => day[..4], 1 => day[..7], _ => day }
                : key == "issued"
                    ? random.Next(2) == 0 ? $"{day}T09:15:00Z" : $"{day}T09:15:00.123+02:00"
                    : random.Next(6) switch
                    {
                        0 => day[..4],
                        1 => day[..7],
                        2 => $"{day}T09:15:00Z",
                        3 => $"{day}T23:59:59-05:00",
                        4 => $"{day}T09:15:00.123456+02:00",
                        _ => day,
                    };
        }

        if (resource["effectiveDateTime"] is { } effective && random.Next(4) == 0)
        {
            resource.Remove("effectiveDateTime");
            resource.Remove("_effectiveDateTime"); // one type per choice element
            resource["effectivePeriod"] = new JsonObject { ["start"] = effective.GetValue<string>(), ["end"] = random.Next(2) == 0 ? effective.GetValue<string>() : null };
            if (resource["effectivePeriod"]!["end"] is null)
            {
                resource["effectivePeriod"]!.AsObject().Remove("end");
            }
        }
    }

    /// <summary>A second coding, and a display in another script: translations sent along.</summary>
    private static void MoreCodings(JsonObject resource, Random random)
    {
        foreach (var key in (string[])["code", "severity", "valueCodeableConcept", "medicationCodeableConcept"])
        {
            if (resource[key]?["coding"] is JsonArray coding)
            {
                var extra = new JsonObject { ["system"] = "http://snomed.info/sct", ["code"] = random.Next(2) == 0 ? "60573004" : "1234567", ["display"] = "Στένωση (ελληνικά)" };
                if (random.Next(2) == 0)
                {
                    coding.Insert(0, extra);
                }
                else
                {
                    coding.Add(extra);
                }
            }
        }
    }

    /// <summary>Extensions on primitives (<c>_status</c>, <c>_effectiveDateTime</c>): valid FHIR the rules ignore.</summary>
    private static void PrimitiveExtensions(JsonObject resource, Random random)
    {
        foreach (var key in resource.Select(p => p.Key).Where(k => resource[k] is JsonValue && k is not "resourceType" && !k.StartsWith('_')).ToList())
        {
            if (random.Next(2) == 0)
            {
                resource["_" + key] = new JsonObject { ["extension"] = new JsonArray(new JsonObject { ["url"] = "http://example.org/fhir/StructureDefinition/precision", ["valueCode"] = "exact" }) };
            }
        }
    }
}
