using System.Globalization;
using System.Text.Json.Nodes;
using Valvuloplasty.Fhir.Data.Prefetch;

namespace Valvuloplasty.Fhir.Benchmarks;

/// <summary>
/// Hook requests of realistic size, generated deterministically from the synthetic patient <c>aortic-candidate</c>.
/// The observations prefetch is filtered by code, so an EHR sends only observations the rules read: the
/// <b>typical</b> and <b>large</b> requests (about 100 and 1,000 resources) hold only echo measurements among their
/// Observations (every study: Vmax, mean gradient, AVA, AVAi, LVEF, PASP; a NYHA assessment per visit), with an
/// unfiltered problem list and medication list. These are the figures the README's targets are measured on. The
/// <b>typical-padded</b> and <b>large-padded</b> requests add vitals and labs an unfiltered query would also return:
/// the reader skips them, so they flatter the throughput and are kept only as a second row. The clinical picture stays
/// that of a BAV candidate, so every stage does real work.
/// </summary>
public static class RequestFixtures
{
    public const string PatientId = "aortic-candidate";

    public static string RepoRoot { get; } = FindRoot();

    /// <summary>The sizes: all-relevant first (the ones the targets use), then the padded ones.</summary>
    public static readonly IReadOnlyList<string> Sizes = ["typical", "large", "typical-padded", "large-padded"];

    /// <summary>The request bytes for a size (see <see cref="Sizes"/>) and hook (patient-view | order-sign).</summary>
    public static byte[] Create(string size, string hook)
    {
        var (conditions, echoStudies, vitals, labs, medications) = size switch
        {
            "typical" => (12, 12, 0, 0, 14),
            "large" => (60, 130, 0, 0, 60),
            "typical-padded" => (12, 6, 24, 16, 14),
            "large-padded" => (60, 24, 420, 300, 60),
            _ => throw new ArgumentOutOfRangeException(nameof(size), size, string.Join(" | ", Sizes)),
        };
        var relevantOnly = vitals == 0 && labs == 0;
        var random = new Random(20261128);
        var bundle = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoRoot, "profiles", "examples", "patients", $"Bundle-{PatientId}.json")))!;
        var resources = bundle["entry"]!.AsArray().Select(e => e!["resource"]!.DeepClone().AsObject()).ToList();

        for (var i = 0; i < conditions; i++)
        {
            resources.Add(Condition($"c{i}", OtherProblems[i % OtherProblems.Length], new DateOnly(2015, 1, 1).AddDays(random.Next(0, 3600))));
        }

        for (var s = 0; s < echoStudies; s++)
        {
            var date = new DateOnly(2026, 10, 20).AddMonths(-3 * (s + 1));
            resources.Add(Observation($"e{s}-vmax", "http://loinc.org", "79964-3", 3.2m + (0.05m * (echoStudies - s)), "m/s", date));
            resources.Add(Observation($"e{s}-mg", "http://loinc.org", "79962-7", 28m + (echoStudies - s), "mm[Hg]", date));
            resources.Add(Observation($"e{s}-ava", "http://loinc.org", "79958-5", 1.2m - (0.01m * (echoStudies - s)), "cm2", date));
            resources.Add(Observation($"e{s}-lvef", "http://loinc.org", "18043-0", 58m, "%", date));
            resources.Add(Observation($"e{s}-pasp", "http://loinc.org", "8440-0", 32m + random.Next(0, 8), "mm[Hg]", date));
            if (relevantOnly)
            {
                resources.Add(Observation($"e{s}-avai", "http://loinc.org", "79959-3", 0.62m - (0.005m * (echoStudies - s)), "cm2/m2", date));
                resources.Add(Nyha($"n{s}", s < 2 ? "LA28406-9" : "LA28405-1", date));
            }
        }

        for (var i = 0; i < vitals; i++)
        {
            var (system, code, unit, low, high) = Vitals[i % Vitals.Length];
            resources.Add(Observation($"v{i}", system, code, low + (decimal)random.Next(0, (int)(high - low)), unit, new DateOnly(2026, 11, 20).AddDays(-4 * i)));
        }

        for (var i = 0; i < labs; i++)
        {
            var (system, code, unit, low, high) = Labs[i % Labs.Length];
            resources.Add(Observation($"l{i}", system, code, low + (decimal)random.Next(0, (int)(high - low)), unit, new DateOnly(2026, 11, 15).AddDays(-6 * i)));
        }

        for (var i = 0; i < medications; i++)
        {
            resources.Add(Medication($"m{i}", OtherMedications[i % OtherMedications.Length]));
        }

        var prefetch = new JsonObject { ["patient"] = resources.Single(r => Type(r) == "Patient").DeepClone() };
        foreach (var (key, type) in PrefetchKeys.ResourceTypes.Where(k => k.Key != PrefetchKeys.Patient))
        {
            prefetch[key] = new JsonObject
            {
                ["resourceType"] = "Bundle",
                ["type"] = "searchset",
                ["entry"] = new JsonArray([.. resources.Where(r => Type(r) == type).Select(r => (JsonNode)new JsonObject { ["resource"] = r.DeepClone() })]),
            };
        }

        var context = new JsonObject { ["userId"] = "Practitioner/benchmark", ["patientId"] = PatientId };
        if (hook == "order-sign")
        {
            context["draftOrders"] = new JsonObject
            {
                ["resourceType"] = "Bundle",
                ["type"] = "collection",
                ["entry"] = new JsonArray(new JsonObject
                {
                    ["resource"] = new JsonObject
                    {
                        ["resourceType"] = "ServiceRequest", ["id"] = "bav-draft", ["status"] = "draft", ["intent"] = "order",
                        ["code"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://www.ama-assn.org/go/cpt", ["code"] = "92986" }) },
                        ["subject"] = new JsonObject { ["reference"] = $"Patient/{PatientId}" },
                    },
                }),
            };
        }

        var request = new JsonObject
        {
            ["hook"] = hook,
            ["hookInstance"] = "1c3f0d2e-5b6a-4c7d-8e9f-0a1b2c3d4e5f",
            ["context"] = context,
            ["prefetch"] = prefetch,
        };
        return System.Text.Encoding.UTF8.GetBytes(request.ToJsonString());
    }

    /// <summary>How many resources a request carries (for the report).</summary>
    public static int ResourceCount(byte[] request) =>
        JsonNode.Parse(request)!["prefetch"]!.AsObject().Sum(kv => kv.Value?["entry"]?.AsArray().Count ?? 1);

    private static readonly string[] OtherProblems = ["I10", "E11.9", "E78.5", "M17.11", "K21.9", "N40.0", "H25.9", "G47.33", "E03.9", "M81.0"];

    private static readonly (string System, string Code, string Unit, decimal Low, decimal High)[] Vitals =
    [
        ("http://loinc.org", "8480-6", "mm[Hg]", 110, 160), ("http://loinc.org", "8462-4", "mm[Hg]", 60, 95),
        ("http://loinc.org", "8867-4", "/min", 55, 95), ("http://loinc.org", "29463-7", "kg", 60, 85), ("http://loinc.org", "2708-6", "%", 92, 99),
    ];

    private static readonly (string System, string Code, string Unit, decimal Low, decimal High)[] Labs =
    [
        ("http://loinc.org", "2160-0", "mg/dL", 1, 3), ("http://loinc.org", "718-7", "g/dL", 10, 15),
        ("http://loinc.org", "2823-3", "mmol/L", 3, 6), ("http://loinc.org", "33762-6", "pg/mL", 200, 3000), ("http://loinc.org", "4548-4", "%", 5, 9),
    ];

    private static readonly string[] OtherMedications =
        ["metoprolol 25 MG Oral Tablet", "atorvastatin 40 MG Oral Tablet", "furosemide 20 MG Oral Tablet", "lisinopril 10 MG Oral Tablet", "metformin 500 MG Oral Tablet", "omeprazole 20 MG Oral Capsule"];

    private static string Type(JsonObject resource) => resource["resourceType"]!.GetValue<string>();

    private static JsonObject Condition(string id, string icd, DateOnly onset) => new()
    {
        ["resourceType"] = "Condition",
        ["id"] = $"{PatientId}-{id}",
        ["clinicalStatus"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/condition-clinical", ["code"] = "active" }) },
        ["verificationStatus"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/condition-ver-status", ["code"] = "confirmed" }) },
        ["code"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://hl7.org/fhir/sid/icd-10-cm", ["code"] = icd }) },
        ["subject"] = new JsonObject { ["reference"] = $"Patient/{PatientId}" },
        ["onsetDateTime"] = onset.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
    };

    private static JsonObject Observation(string id, string system, string code, decimal value, string unit, DateOnly date) => new()
    {
        ["resourceType"] = "Observation",
        ["id"] = $"{PatientId}-{id}",
        ["status"] = "final",
        ["category"] = new JsonArray(new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/observation-category", ["code"] = "vital-signs" }) }),
        ["code"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = system, ["code"] = code }) },
        ["subject"] = new JsonObject { ["reference"] = $"Patient/{PatientId}" },
        ["effectiveDateTime"] = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ["valueQuantity"] = new JsonObject { ["value"] = value, ["unit"] = unit, ["system"] = "http://unitsofmeasure.org", ["code"] = unit },
    };

    /// <summary>A NYHA assessment (LOINC 88020-3) answered with a LOINC answer code.</summary>
    private static JsonObject Nyha(string id, string answer, DateOnly date) => new()
    {
        ["resourceType"] = "Observation",
        ["id"] = $"{PatientId}-{id}",
        ["status"] = "final",
        ["code"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://loinc.org", ["code"] = "88020-3" }) },
        ["subject"] = new JsonObject { ["reference"] = $"Patient/{PatientId}" },
        ["effectiveDateTime"] = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ["valueCodeableConcept"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://loinc.org", ["code"] = answer }) },
    };

    private static JsonObject Medication(string id, string name) => new()
    {
        ["resourceType"] = "MedicationRequest",
        ["id"] = $"{PatientId}-{id}",
        ["status"] = "active",
        ["intent"] = "order",
        ["medicationCodeableConcept"] = new JsonObject { ["text"] = name },
        ["subject"] = new JsonObject { ["reference"] = $"Patient/{PatientId}" },
    };

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Valvuloplasty.Fhir.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Valvuloplasty.Fhir.sln not found above the benchmark folder.");
    }
}
