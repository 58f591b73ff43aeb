using System.Text;
using System.Text.Json;
using Firely.Fhir.Validation;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Specification.Snapshot;
using Hl7.Fhir.Specification.Source;
using Hl7.Fhir.Specification.Terminology;
using Task = System.Threading.Tasks.Task;

// Not Valvuloplasty.Fhir.UnitTests.Profiles: a namespace of that name would hide the Support.Profiles class
// from every other test file (name lookup finds the namespace first), so this suite is "Conformance".
namespace Valvuloplasty.Fhir.UnitTests.Conformance;

/// <summary>
/// profiles/ is conformance content: every ValueSet, CodeSystem, StructureDefinition and the PlanDefinition
/// is valid FHIR R4, every profile gets a snapshot, and every example and synthetic patient validates
/// against the core spec and against our profiles. "Valid" means no OperationOutcome issue of severity
/// error or fatal; warnings are printed when a test fails.
/// </summary>
public sealed class ProfileValidationTests
{
    private const string ProfileBase = "http://example.org/fhir/valvuloplasty-cds/StructureDefinition/";

    private static readonly string[] Decisions = ["candidate", "candidate-with-caution", "not-candidate", "insufficient-data", "post-procedure"];
    private static readonly string[] Valves = ["aortic", "mitral", "pulmonary"];
    private static readonly string[] Bridges = ["yes", "no", "deferred"];

    public static TheoryData<string> ConformanceFiles() =>
        Files(ProfileFiles.Directory, "ValueSet-*.json", "CodeSystem-*.json", "StructureDefinition-*.json", "PlanDefinition-*.json");

    public static TheoryData<string> StructureDefinitionFiles() => Files(ProfileFiles.Directory, "StructureDefinition-*.json");

    public static TheoryData<string> ExampleFiles() => Files(ProfileFiles.Examples, "*.json");

    public static TheoryData<string> PatientBundleFiles() => Files(ProfileFiles.Patients, "Bundle-*.json");

    [Theory]
    [MemberData(nameof(ConformanceFiles))]
    public void ConformanceResource_AgainstCoreSpec_HasNoErrors(string file)
    {
        var resource = ProfileFiles.Read(Path.Combine(ProfileFiles.Directory, file));

        AssertValid(file, ProfileValidator.Validate(resource));
    }

    [Theory]
    [MemberData(nameof(StructureDefinitionFiles))]
    public async Task StructureDefinition_SnapshotGenerator_ProducesSnapshotWithoutErrors(string file)
    {
        var profile = Assert.IsType<StructureDefinition>(ProfileFiles.Read(Path.Combine(ProfileFiles.Directory, file)));
        Assert.Equal(StructureDefinition.TypeDerivationRule.Constraint, profile.Derivation);
        Assert.False(profile.HasSnapshot, $"{file}: profiles are differential-only; the snapshot is generated.");

        var outcome = await ProfileValidator.GenerateSnapshotAsync(profile);

        AssertValid(file, outcome);
        var snapshot = Assert.IsType<StructureDefinition.SnapshotComponent>(profile.Snapshot);
        var differential = Assert.IsType<StructureDefinition.DifferentialComponent>(profile.Differential);
        Assert.True(snapshot.Element.Count > differential.Element.Count, $"{file}: the snapshot is not expanded from the base.");
        foreach (var element in differential.Element)
        {
            Assert.Contains(snapshot.Element, e => e.ElementId == element.ElementId);
        }
    }

    [Theory]
    [MemberData(nameof(ExampleFiles))]
    public void Example_AgainstItsProfile_HasNoErrors(string file)
    {
        var resource = ProfileFiles.Read(Path.Combine(ProfileFiles.Examples, file));
        Assert.Equal($"{resource.TypeName}-{resource.Id}.json", file);

        var profiles = resource.Meta?.Profile.ToList() ?? [];
        if (resource is Patient)
        {
            AssertValid(file, ProfileValidator.Validate(resource));
            return;
        }

        Assert.NotEmpty(profiles);
        foreach (var profile in profiles)
        {
            Assert.StartsWith(ProfileBase, profile, StringComparison.Ordinal);
            AssertValid($"{file} against {profile}", ProfileValidator.Validate(resource, profile));
        }

        Assert.Equal("Patient/example-patient", PatientReference(resource));
    }

    [Theory]
    [MemberData(nameof(PatientBundleFiles))]
    public void PatientBundle_EveryResource_ValidatesAgainstCoreAndProfiles(string file)
    {
        var bundle = Assert.IsType<Bundle>(ProfileFiles.Read(Path.Combine(ProfileFiles.Patients, file)));
        Assert.Equal(Bundle.BundleType.Collection, bundle.Type);
        var patient = Assert.Single(bundle.Entry.Select(e => e.Resource).OfType<Patient>());
        Assert.Equal($"Bundle-{bundle.Id}.json", file);

        var problems = new List<string>();
        Collect(problems, file, ProfileValidator.Validate(bundle));
        foreach (var entry in bundle.Entry)
        {
            var resource = Assert.IsType<Resource>(entry.Resource, exactMatch: false);
            var label = $"{file} {resource.TypeName}/{resource.Id}";
            Assert.False(string.IsNullOrEmpty(resource.Id), $"{file}: an entry has no id.");
            Assert.True(
                entry.FullUrl == $"http://example.org/fhir/{resource.TypeName}/{resource.Id}" || entry.FullUrl?.StartsWith("urn:uuid:", StringComparison.Ordinal) == true,
                $"{label}: fullUrl '{entry.FullUrl}' is neither http://example.org/fhir/<Type>/<id> nor urn:uuid.");
            if (resource is not (Patient or Medication))
            {
                Assert.Equal($"Patient/{patient.Id}", PatientReference(resource));
            }

            Collect(problems, label, ProfileValidator.Validate(resource));
            foreach (var profile in ProfilesFor(resource))
            {
                Collect(problems, $"{label} against {profile}", ProfileValidator.Validate(resource, ProfileBase + profile));
            }
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void ExpectedManifest_ListsEveryBundle_WithKnownDecisionsAndCardCodes()
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(ProfileFiles.Patients, "expected.json")));
        var itemCodes = CardItemCodes();
        var entries = manifest.RootElement.EnumerateArray().ToList();
        var listed = entries.Select(e => e.GetProperty("file").GetString()!).ToList();

        Assert.Equal(
            PatientBundleFiles().Select(row => row.Data).Order(StringComparer.Ordinal),
            listed.Order(StringComparer.Ordinal));
        Assert.Equal(listed.Count, listed.Distinct(StringComparer.Ordinal).Count());

        foreach (var entry in entries)
        {
            var file = entry.GetProperty("file").GetString()!;
            var valve = entry.GetProperty("valve").GetString()!;
            var bundle = Assert.IsType<Bundle>(ProfileFiles.Read(Path.Combine(ProfileFiles.Patients, file)));
            var patient = Assert.Single(bundle.Entry.Select(e => e.Resource).OfType<Patient>());

            Assert.Equal(patient.Id, entry.GetProperty("patientId").GetString());
            Assert.Contains(valve, Valves);
            Assert.Contains(entry.GetProperty("decision").GetString(), Decisions.Append("none"));
            Assert.False(string.IsNullOrWhiteSpace(entry.GetProperty("why").GetString()), $"{file}: no 'why'.");
            if (valve == "aortic")
            {
                Assert.Contains(entry.GetProperty("bridgeToTavr").GetString(), Bridges);
            }
            else
            {
                Assert.False(entry.TryGetProperty("bridgeToTavr", out _), $"{file}: bridgeToTavr is for the aortic valve only.");
            }

            var responseCodes = entry.TryGetProperty("responseCodes", out var more) ? more.EnumerateArray().Select(c => c.GetString()) : [];
            foreach (var code in entry.GetProperty("codes").EnumerateArray().Select(c => c.GetString()).Concat(responseCodes))
            {
                Assert.True(itemCodes.Contains(code!), $"{file}: '{code}' is not in CodeSystem-card-item-codes.json.");
            }

            // One valve with a stenosis diagnosis per patient, so the expected outcome is unambiguous.
            Assert.Equal([valve], StenosedValves(bundle));
        }
    }

    [Fact]
    public void PatientBundles_CoverEveryDecisionForEveryValve_AndBothPediatricPathways()
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(ProfileFiles.Patients, "expected.json")));
        var entries = manifest.RootElement.EnumerateArray()
            .Select(e => (Valve: e.GetProperty("valve").GetString()!, Decision: e.GetProperty("decision").GetString()!,
                Codes: e.GetProperty("codes").EnumerateArray().Select(c => c.GetString()!).ToList()))
            .ToList();

        foreach (var valve in Valves)
        {
            foreach (var decision in Decisions)
            {
                Assert.Contains(entries, e => e.Valve == valve && e.Decision == decision && !e.Codes.Contains("warn-pediatric-pathway"));
            }
        }

        Assert.Contains(entries, e => e is { Valve: "aortic", Decision: "candidate" } && e.Codes.Contains("warn-pediatric-pathway"));
        Assert.Contains(entries, e => e is { Valve: "pulmonary", Decision: "candidate" } && e.Codes.Contains("warn-pediatric-pathway"));
    }

    [Theory]
    [InlineData("valve-stenosis-condition", """{"resourceType":"Condition","id":"x","code":{"coding":[{"system":"http://snomed.info/sct","code":"60234000"}]},"subject":{"reference":"Patient/p"}}""", "60234000")]
    [InlineData("valve-stenosis-condition", """{"resourceType":"Condition","id":"x","subject":{"reference":"Patient/p"}}""", "code")]
    [InlineData("echo-measurement", """{"resourceType":"Observation","id":"x","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"79964-3"}]},"subject":{"reference":"Patient/p"},"effectiveDateTime":"2026-11-02","valueQuantity":{"value":4.6,"unit":"m/s"}}""", "system")]
    [InlineData("echo-measurement", """{"resourceType":"Observation","id":"x","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"79964-3"}]},"subject":{"reference":"Patient/p"},"effectiveDateTime":"2026-11-02","valueQuantity":{"value":4.6,"system":"http://example.org/units","code":"m/s"}}""", "http://unitsofmeasure.org")]
    [InlineData("echo-measurement", """{"resourceType":"Observation","id":"x","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"88020-3"}]},"subject":{"reference":"Patient/p"},"effectiveDateTime":"2026-11-02","valueQuantity":{"value":3,"system":"http://unitsofmeasure.org","code":"1"}}""", "88020-3")]
    [InlineData("echo-measurement", """{"resourceType":"Observation","id":"x","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"79964-3"}]},"subject":{"reference":"Patient/p"},"valueQuantity":{"value":4.6,"system":"http://unitsofmeasure.org","code":"m/s"}}""", "effective")]
    [InlineData("valvuloplasty-local-observation", """{"resourceType":"Observation","id":"x","status":"final","code":{"coding":[{"system":"http://example.org/fhir/valvuloplasty-cds/CodeSystem/observation-codes","code":"wilkins-score"}]},"subject":{"reference":"Patient/p"},"effectiveDateTime":"2026-11-02","valueBoolean":true}""", "boolean")]
    [InlineData("balloon-valvuloplasty-order", """{"resourceType":"ServiceRequest","id":"x","status":"active","intent":"order","code":{"coding":[{"system":"http://www.ama-assn.org/go/cpt","code":"92986"}]},"subject":{"reference":"Patient/p"}}""", "draft")]
    [InlineData("balloon-valvuloplasty-order", """{"resourceType":"ServiceRequest","id":"x","status":"draft","intent":"order","code":{"coding":[{"system":"http://www.ama-assn.org/go/cpt","code":"33361"}]},"subject":{"reference":"Patient/p"}}""", "33361")]
    public void Profile_NonConformingInstance_IsRejected(string profile, string json, string expectedInMessage)
    {
        var resource = new FhirJsonDeserializer().DeserializeResource(json);

        var outcome = ProfileValidator.Validate(resource, ProfileBase + profile);

        var errors = outcome.Issue.Where(IsError).ToList();
        Assert.True(errors.Count > 0, $"{profile} accepted a non-conforming instance:{Environment.NewLine}{Describe(outcome.Issue)}");
        Assert.Contains(errors, e => (e.Details?.Text ?? e.Diagnostics ?? string.Empty).Contains(expectedInMessage, StringComparison.Ordinal));
    }

    private static IEnumerable<string> ProfilesFor(Resource resource)
    {
        var index = ProfileFiles.Index;
        switch (resource)
        {
            case Condition condition when Codings(condition.Code).Any(c => index.Contains("valve-stenosis", c.System, c.Code)):
                yield return "valve-stenosis-condition";
                break;
            case Observation observation when Codings(observation.Code).Any(c => index.Contains("echo-measurements", c.System, c.Code)):
                yield return "echo-measurement";
                break;
            case Observation observation when Codings(observation.Code).Any(c => index.Contains("local-observations", c.System, c.Code)):
                yield return "valvuloplasty-local-observation";
                break;
        }
    }

    private static List<string> StenosedValves(Bundle bundle)
    {
        var index = ProfileFiles.Index;
        var conditions = bundle.Entry.Select(e => e.Resource).OfType<Condition>().ToList();
        return Valves
            .Where(valve => conditions.Any(c => Codings(c.Code).Any(x => index.Contains($"{valve}-stenosis", x.System, x.Code))))
            .ToList();
    }

    private static List<Coding> Codings(CodeableConcept? concept) => concept?.Coding ?? [];

    private static string? PatientReference(Resource resource) => resource switch
    {
        Condition c => c.Subject?.Reference,
        Observation o => o.Subject?.Reference,
        Procedure p => p.Subject?.Reference,
        ServiceRequest s => s.Subject?.Reference,
        MedicationRequest m => m.Subject?.Reference,
        _ => throw new InvalidOperationException($"Unexpected {resource.TypeName} in a patient bundle."),
    };

    private static HashSet<string> CardItemCodes()
    {
        var codeSystem = Assert.IsType<CodeSystem>(ProfileFiles.Read(Path.Combine(ProfileFiles.Directory, "CodeSystem-card-item-codes.json")));
        return codeSystem.Concept.Select(c => c.Code).OfType<string>().ToHashSet(StringComparer.Ordinal);
    }

    private static TheoryData<string> Files(string directory, params string[] patterns)
    {
        var data = new TheoryData<string>();
        foreach (var file in patterns.SelectMany(p => Directory.EnumerateFiles(directory, p)).Select(Path.GetFileName).Order(StringComparer.Ordinal))
        {
            data.Add(file!);
        }

        return data;
    }

    private static bool IsError(OperationOutcome.IssueComponent issue) =>
        issue.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal;

    private static void Collect(List<string> problems, string label, OperationOutcome outcome)
    {
        if (outcome.Issue.Any(IsError))
        {
            problems.Add($"{label}:{Environment.NewLine}{Describe(outcome.Issue)}");
        }
    }

    private static void AssertValid(string label, OperationOutcome? outcome)
    {
        var issues = outcome?.Issue ?? [];
        Assert.False(issues.Any(IsError), $"{label}:{Environment.NewLine}{Describe(issues)}");
    }

    private static string Describe(IEnumerable<OperationOutcome.IssueComponent> issues)
    {
        var text = new StringBuilder();
        foreach (var issue in issues)
        {
            text.Append("  ").Append(issue.Severity).Append(' ').Append(issue.Code).Append(": ")
                .Append(issue.Details?.Text ?? issue.Diagnostics).Append(" @ ").AppendJoin(", ", issue.Expression).AppendLine();
        }

        return text.ToString();
    }
}

/// <summary>
/// One validator for the whole test run: the core spec (specification.zip) is read once. The Firely
/// validator and its resolvers are not thread-safe, so every call goes through one gate.
/// </summary>
internal static class ProfileValidator
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static readonly Lazy<Services> Shared = new(Create);

    /// <summary>Validates against the core spec and any meta.profile, or against <paramref name="profile"/>.</summary>
    public static OperationOutcome Validate(Resource resource, string? profile = null)
    {
        Gate.Wait();
        try
        {
            return Shared.Value.Validator.Validate(resource, profile);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Generates the snapshot of a differential-only profile in place; returns the generator's outcome.</summary>
    public static async Task<OperationOutcome?> GenerateSnapshotAsync(StructureDefinition profile)
    {
        await Gate.WaitAsync();
        try
        {
            var generator = new SnapshotGenerator(Shared.Value.Definitions, SnapshotGeneratorSettings.CreateDefault());
            await generator.UpdateAsync(profile);
            return generator.Outcome;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static Services Create()
    {
        // profiles/ (top level only: examples/ holds instances, not conformance resources) and the core spec.
        var profiles = new DirectorySource(ProfileFiles.Directory, new DirectorySourceSettings { IncludeSubDirectories = false, Masks = ["*.json"] });
        var core = ZipSource.CreateValidationSource();
        var definitions = new CachedResolver(new MultiResolver(profiles, core));

        // Differential-only profiles get their snapshot when first resolved.
        var resolver = new CachedResolver(new SnapshotSource(definitions));

        // The local terminology service expands ValueSets from the same resolver. For LOINC, SNOMED CT, ICD-10-CM,
        // CPT and RxNorm there is no CodeSystem resource, and it checks membership against the ValueSet's explicit
        // concepts. CreateDefaultForCore puts it together with the services for implicit core ValueSets
        // (languages, MIME types, UCUM units).
        var terminology = LocalTerminologyService.CreateDefaultForCore(resolver);
        return new Services(new Validator(resolver, terminology), definitions);
    }

    private sealed record Services(Validator Validator, IAsyncResourceResolver Definitions);
}

/// <summary>Where profiles/ and its examples live in the repository.</summary>
internal static class ProfileFiles
{
    public static string Directory => Support.Profiles.Directory;

    public static string Examples => Path.Combine(Directory, "examples", "resources");

    public static string Patients => Path.Combine(Directory, "examples", "patients");

    public static Valvuloplasty.Fhir.Rules.Terminology.ValueSetIndex Index => Support.Profiles.Index;

    /// <summary>Strict parsing: a file that is not valid FHIR R4 JSON fails here.</summary>
    public static Resource Read(string path) => new FhirJsonDeserializer().DeserializeResource(File.ReadAllText(path));
}
