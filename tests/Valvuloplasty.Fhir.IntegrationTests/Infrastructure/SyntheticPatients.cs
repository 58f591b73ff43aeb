using System.Text.Json;
using System.Text.Json.Nodes;

namespace Valvuloplasty.Fhir.IntegrationTests.Infrastructure;

/// <summary>
/// An entry of profiles/examples/patients/expected.json: what the rules must decide for one synthetic patient.
/// <paramref name="Decision"/> "none" means no card at all; <paramref name="ResponseCodes"/> are codes some other card
/// of the response (safety, education) must carry.
/// </summary>
public sealed record ExpectedOutcome(string File, string PatientId, string Valve, string Decision, string? BridgeToTavr, string[] Codes, string Why, string[]? ResponseCodes = null)
{
    public const string NoCard = "none";

    public override string ToString() => File;
}

/// <summary>The synthetic patients of profiles/examples/patients/, turned into hook requests.</summary>
public static class SyntheticPatients
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public static string Folder => Path.Combine(Requests.RepoRoot, "profiles", "examples", "patients");

    public static IReadOnlyList<ExpectedOutcome> Expected { get; } =
        JsonSerializer.Deserialize<List<ExpectedOutcome>>(File.ReadAllText(Path.Combine(Folder, "expected.json")), Web)!;

    /// <summary>
    /// A patient-view request whose prefetch holds the Bundle's resources under this service's keys, as an EHR
    /// honouring the discovery templates would send them (searchset Bundles; empty ones where the patient has none).
    /// Medications ride along in the medications Bundle as <c>_include</c> entries, as a server sends them for
    /// <c>_include=MedicationRequest:medication</c>.
    /// </summary>
    public static JsonObject PatientView(string file, Action<JsonObject>? editResource = null)
    {
        var bundle = JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, file)))!;
        var resources = bundle["entry"]!.AsArray().Select(e => e!["resource"]!.DeepClone().AsObject()).ToList();
        foreach (var resource in resources)
        {
            editResource?.Invoke(resource);
        }

        var patient = resources.Single(r => r["resourceType"]!.GetValue<string>() == "Patient");
        var prefetch = new JsonObject { ["patient"] = patient.DeepClone() };
        foreach (var (key, type) in FhirServerStub.KeyTypes.Where(k => k.Key != "patient"))
        {
            var entries = resources.Where(r => r["resourceType"]!.GetValue<string>() == type)
                .Select(r => (JsonNode)new JsonObject { ["resource"] = r.DeepClone(), ["search"] = new JsonObject { ["mode"] = "match" } });
            if (key == "medications")
            {
                entries = entries.Concat(resources.Where(r => r["resourceType"]!.GetValue<string>() == "Medication")
                    .Select(r => (JsonNode)new JsonObject { ["resource"] = r.DeepClone(), ["search"] = new JsonObject { ["mode"] = "include" } }));
            }

            prefetch[key] = new JsonObject { ["resourceType"] = "Bundle", ["type"] = "searchset", ["entry"] = new JsonArray([.. entries]) };
        }

        return new JsonObject
        {
            ["hook"] = "patient-view",
            ["hookInstance"] = Guid.NewGuid().ToString(),
            ["context"] = new JsonObject { ["userId"] = "Practitioner/example", ["patientId"] = patient["id"]!.GetValue<string>() },
            ["prefetch"] = prefetch,
        };
    }

    /// <summary>
    /// Every synthetic patient as FHIR Bulk Data export writes a population: one NDJSON file per resource type, one
    /// resource per line (contained Medications stay contained; Medications of their own get their own file).
    /// </summary>
    public static void WriteBulkExport(string folder)
    {
        Directory.CreateDirectory(folder);
        var resources = Expected
            .SelectMany(e => JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, e.File)))!["entry"]!.AsArray())
            .Select(entry => entry!["resource"]!);
        foreach (var type in resources.GroupBy(r => r["resourceType"]!.GetValue<string>()))
        {
            File.WriteAllLines(Path.Combine(folder, $"{type.Key}.ndjson"), type.Select(r => r.ToJsonString()));
        }
    }
}
