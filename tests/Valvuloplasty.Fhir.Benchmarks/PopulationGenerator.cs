using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Valvuloplasty.Fhir.Data.Terminology;
using Valvuloplasty.Fhir.Rules.Terminology;

namespace Valvuloplasty.Fhir.Benchmarks;

/// <summary>
/// A deterministic population as FHIR Bulk Data writes it: one NDJSON file per resource type. Patient <c>n</c> is a copy
/// of synthetic patient <c>n mod 34</c> (every decision and data shape the synthetic patients cover) under its own
/// ids, with its references rewritten, plus filler a real record carries and the rules do not read (vitals, labs,
/// unrelated problems and drugs, each checked to be in no ValueSet) up to about <see cref="Settings.ResourcesPerPatient"/>
/// resources. <c>expected.ndjson</c> lists each patient's expected valve and decision (that of its template).
/// </summary>
public static class PopulationGenerator
{
    public sealed record Settings(int Patients, string OutDirectory, int ResourcesPerPatient = 100, bool Gzip = false);

    /// <summary>One expected outcome per generated patient (from the template's expected.json).</summary>
    public sealed record Expected(string PatientId, string Valve, string Decision, string? BridgeToTavr);

    private static readonly (string System, string Code, string Unit, int Low, int High)[] Filler =
    [
        ("http://loinc.org", "8480-6", "mm[Hg]", 110, 160), ("http://loinc.org", "8462-4", "mm[Hg]", 60, 95),
        ("http://loinc.org", "8867-4", "/min", 55, 95), ("http://loinc.org", "29463-7", "kg", 60, 85),
        ("http://loinc.org", "2160-0", "mg/dL", 1, 3), ("http://loinc.org", "718-7", "g/dL", 10, 15),
        ("http://loinc.org", "2823-3", "mmol/L", 3, 6), ("http://loinc.org", "4548-4", "%", 5, 9),
    ];

    private static readonly (string Code, string Display)[] FillerProblems =
    [
        ("K21.9", "Gastro-esophageal reflux disease without esophagitis"), ("M17.11", "Unilateral primary osteoarthritis, right knee"),
        ("H25.9", "Unspecified age-related cataract"), ("E03.9", "Hypothyroidism, unspecified"),
    ];

    /// <summary>Writes the population and returns how many resources were written.</summary>
    public static long Write(Settings settings, string repoRoot)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var templates = Templates(repoRoot);
        var index = ProfileTerminologyLoader.Load(Path.Combine(repoRoot, "profiles"), TerminologyBindings.Required);
        CheckFillerIsIrrelevant(index);
        Directory.CreateDirectory(settings.OutDirectory);
        var writers = new Dictionary<string, StreamWriter>(StringComparer.Ordinal);
        StreamWriter For(string type)
        {
            if (!writers.TryGetValue(type, out var writer))
            {
                var path = Path.Combine(settings.OutDirectory, $"{type}.ndjson{(settings.Gzip ? ".gz" : "")}");
                Stream stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
                if (settings.Gzip)
                {
                    stream = new GZipStream(stream, CompressionLevel.Fastest);
                }

                writers[type] = writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16);
            }

            return writer;
        }

        long written = 0;
        using var expected = new StreamWriter(Path.Combine(settings.OutDirectory, "expected.ndjson"), false, new UTF8Encoding(false));
        var random = new Random(20261130);
        for (var n = 0; n < settings.Patients; n++)
        {
            var template = templates[n % templates.Count];
            var suffix = n.ToString("D7", CultureInfo.InvariantCulture);
            var patientId = $"{template.PatientId}-{suffix}";
            var resources = template.Resources.Select(r => Rewrite(r, template.PatientId, patientId, template.Ids, suffix)).ToList();
            var count = resources.Count;
            for (var f = 0; count < settings.ResourcesPerPatient; f++, count++)
            {
                resources.Add(f % 10 == 9 ? FillerCondition(patientId, f) : FillerObservation(patientId, f, random));
            }

            foreach (var resource in resources)
            {
                For(resource["resourceType"]!.GetValue<string>()).Write(resource.ToJsonString() + "\n");
                written++;
            }

            foreach (var outcome in template.Expected)
            {
                expected.Write(new JsonObject
                {
                    ["patientId"] = patientId, ["valve"] = outcome.Valve, ["decision"] = outcome.Decision, ["bridgeToTavr"] = outcome.BridgeToTavr,
                }.ToJsonString() + "\n");
            }
        }

        foreach (var writer in writers.Values)
        {
            writer.Dispose();
        }

        return written;
    }

    /// <summary>Reads <c>expected.ndjson</c> back.</summary>
    public static IReadOnlyList<Expected> ReadExpected(string directory) =>
        [.. File.ReadLines(Path.Combine(directory, "expected.ndjson")).Select(line => JsonNode.Parse(line)!)
            .Select(e => new Expected(e["patientId"]!.GetValue<string>(), e["valve"]!.GetValue<string>(), e["decision"]!.GetValue<string>(), e["bridgeToTavr"]?.GetValue<string>()))];

    private sealed record Template(string PatientId, List<JsonObject> Resources, HashSet<string> Ids, List<Expected> Expected);

    private static List<Template> Templates(string repoRoot)
    {
        var folder = Path.Combine(repoRoot, "profiles", "examples", "patients");
        var expected = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "expected.json")))!.AsArray();
        var templates = new List<Template>();
        foreach (var item in expected)
        {
            var bundle = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, item!["file"]!.GetValue<string>())))!;
            var resources = bundle["entry"]!.AsArray().Select(e => e!["resource"]!.AsObject()).ToList();
            var patientId = item["patientId"]!.GetValue<string>();
            var outcomes = item["decision"]?.GetValue<string>() is "none" or null
                ? new List<Expected>()
                : [new Expected(patientId, item["valve"]!.GetValue<string>(), item["decision"]!.GetValue<string>(), item["bridgeToTavr"]?.GetValue<string>())];
            templates.Add(new Template(patientId, resources, [.. resources.Select(r => $"{r["resourceType"]}/{r["id"]}")], outcomes));
        }

        return templates;
    }

    /// <summary>A copy of a template resource under the new patient: its own id, every reference to the template's resources moved.</summary>
    private static JsonObject Rewrite(JsonObject resource, string oldPatient, string newPatient, HashSet<string> ids, string suffix)
    {
        var text = resource.ToJsonString();
        foreach (var id in ids.OrderByDescending(i => i.Length))
        {
            text = text.Replace($"\"{id}\"", $"\"{id}-{suffix}\"", StringComparison.Ordinal)
                .Replace($"\"{id}/", $"\"{id}-{suffix}/", StringComparison.Ordinal);
        }

        var copy = JsonNode.Parse(text)!.AsObject();
        copy["id"] = resource["resourceType"]!.GetValue<string>() == "Patient" ? newPatient : $"{resource["id"]}-{suffix}";
        return copy;
    }

    private static JsonObject FillerObservation(string patientId, int n, Random random)
    {
        var (system, code, unit, low, high) = Filler[n % Filler.Length];
        return new JsonObject
        {
            ["resourceType"] = "Observation",
            ["id"] = $"{patientId}-f{n}",
            ["status"] = "final",
            ["category"] = new JsonArray(new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/observation-category", ["code"] = "vital-signs" }) }),
            ["code"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = system, ["code"] = code }) },
            ["subject"] = new JsonObject { ["reference"] = $"Patient/{patientId}" },
            ["effectiveDateTime"] = new DateOnly(2026, 11, 20).AddDays(-7 * n).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["valueQuantity"] = new JsonObject { ["value"] = random.Next(low, high), ["unit"] = unit, ["system"] = "http://unitsofmeasure.org", ["code"] = unit },
        };
    }

    private static JsonObject FillerCondition(string patientId, int n)
    {
        var (code, display) = FillerProblems[n / 10 % FillerProblems.Length];
        return new JsonObject
        {
            ["resourceType"] = "Condition",
            ["id"] = $"{patientId}-p{n}",
            ["clinicalStatus"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/condition-clinical", ["code"] = "active" }) },
            ["code"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://hl7.org/fhir/sid/icd-10-cm", ["code"] = code, ["display"] = display }) },
            ["subject"] = new JsonObject { ["reference"] = $"Patient/{patientId}" },
            ["onsetDateTime"] = "2018-03-01",
        };
    }

    /// <summary>Filler must not change any decision: none of its codes may be in a ValueSet.</summary>
    private static void CheckFillerIsIrrelevant(ValueSetIndex index)
    {
        foreach (var (system, code, _, _, _) in Filler)
        {
            if (index.ValueSetsOf(system, code).Count > 0)
            {
                throw new InvalidOperationException($"Filler code {system}|{code} is in a ValueSet.");
            }
        }

        foreach (var (code, _) in FillerProblems)
        {
            if (index.ValueSetsOf("http://hl7.org/fhir/sid/icd-10-cm", code).Count > 0)
            {
                throw new InvalidOperationException($"Filler problem {code} is in a ValueSet.");
            }
        }
    }
}
