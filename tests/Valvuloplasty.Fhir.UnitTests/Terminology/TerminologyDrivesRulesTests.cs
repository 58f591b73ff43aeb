using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using Valvuloplasty.Fhir.Data.Fhir;
using Valvuloplasty.Fhir.Data.Mapping;
using Valvuloplasty.Fhir.Data.Prefetch;
using Valvuloplasty.Fhir.Data.Terminology;
using Valvuloplasty.Fhir.Rules.Engine;
using Valvuloplasty.Fhir.Rules.Facts;
using Valvuloplasty.Fhir.UnitTests.Support;

namespace Valvuloplasty.Fhir.UnitTests.Terminology;

/// <summary>
/// There is no second copy of the codes: what profiles/ says is what the rules see. Editing a ValueSet
/// file (no C# change) changes the outcome.
/// </summary>
public sealed class TerminologyDrivesRulesTests
{
    private const string LocalAorticCode = "local-as-0001";
    private const string LocalSystem = "http://hospital.example.org/problem-list";

    [Fact]
    public void AddingACodeToTheAorticStenosisValueSet_MakesAConditionWithThatCodeQualify()
    {
        var before = Evaluate(Profiles.Index);

        var directory = Profiles.Copy();
        var file = Path.Combine(directory, "ValueSet-aortic-stenosis.json");
        var valueSet = JsonNode.Parse(File.ReadAllText(file))!;
        valueSet["compose"]!["include"]!.AsArray().Add(new JsonObject
        {
            ["system"] = LocalSystem,
            ["concept"] = new JsonArray(new JsonObject { ["code"] = LocalAorticCode, ["display"] = "Aortic stenosis (local problem list)" }),
        });
        File.WriteAllText(file, valueSet.ToJsonString());
        var after = Evaluate(ProfileTerminologyLoader.Load(directory, TerminologyBindings.Required));

        Assert.Empty(before.Assessments);
        var assessment = Assert.Single(after.Assessments);
        Assert.Equal((Valve.Aortic, Decision.Candidate), (assessment.Valve, assessment.Decision));
    }

    [Fact]
    public void RemovingACodeFromAnEchoValueSet_MakesThatMeasurementInvisible()
    {
        var directory = Profiles.Copy();
        var file = Path.Combine(directory, "ValueSet-aortic-vmax.json");
        File.WriteAllText(file, File.ReadAllText(file).Replace("79964-3", "00000-0", StringComparison.Ordinal));

        var after = Evaluate(ProfileTerminologyLoader.Load(directory, TerminologyBindings.Required), aorticCode: ("http://snomed.info/sct", "60573004"));

        // Only the Vmax carried severity; without it the mean gradient of 30 mmHg makes the stenosis moderate.
        Assert.Equal(Decision.NotCandidate, Assert.Single(after.Assessments).Decision);
    }

    private static Evaluation Evaluate(Valvuloplasty.Fhir.Rules.Terminology.ValueSetIndex index, (string System, string Code)? aorticCode = null)
    {
        var (system, code) = aorticCode ?? (LocalSystem, LocalAorticCode);
        var condition = new Condition
        {
            Id = "c1",
            Code = new CodeableConcept(system, code),
            Subject = new ResourceReference("Patient/p1"),
            ClinicalStatus = new CodeableConcept("http://terminology.hl7.org/CodeSystem/condition-clinical", "active"),
        };
        var observations = new List<Resource>
        {
            Quantity("vmax", "79964-3", 4.4m, "m/s"),
            Quantity("mg", "79962-7", 30m, "mm[Hg]"),
            new Observation
            {
                Id = "nyha", Status = ObservationStatus.Final, Subject = new ResourceReference("Patient/p1"),
                Code = new CodeableConcept("http://loinc.org", "88020-3"), Effective = new FhirDateTime("2026-11-20"),
                Value = new CodeableConcept("http://loinc.org", "LA28407-7"),
            },
            new Observation
            {
                Id = "sts", Status = ObservationStatus.Final, Subject = new ResourceReference("Patient/p1"),
                Code = new CodeableConcept("http://example.org/fhir/valvuloplasty-cds/CodeSystem/observation-codes", "sts-prom"),
                Effective = new FhirDateTime("2026-11-20"),
                Value = new Hl7.Fhir.Model.Quantity(11m, "%", "http://unitsofmeasure.org"),
            },
        };
        var record = new PatientRecord("p1", new Dictionary<string, KeyData>
        {
            [PrefetchKeys.Patient] = new(PrefetchKeys.Patient, DataSource.Prefetch, [FirelyResourceAdapter.From(new Patient { Id = "p1", BirthDate = "1940-01-01" })], []),
            [PrefetchKeys.Conditions] = new(PrefetchKeys.Conditions, DataSource.Prefetch, [FirelyResourceAdapter.From(condition)], []),
            [PrefetchKeys.Observations] = new(PrefetchKeys.Observations, DataSource.Prefetch, [.. observations.Select(FirelyResourceAdapter.From)], []),
        });

        var facts = new PatientFactsMapper(index).Map(record, FactsBuilder.AsOf);
        return RuleCatalog.Evaluate(facts, [], HookKind.PatientView, FactsBuilder.AsOf, new RuleOptions());
    }

    private static Observation Quantity(string id, string loinc, decimal value, string unit) => new()
    {
        Id = id,
        Status = ObservationStatus.Final,
        Subject = new ResourceReference("Patient/p1"),
        Code = new CodeableConcept("http://loinc.org", loinc),
        Effective = new FhirDateTime("2026-11-01"),
        Value = new Hl7.Fhir.Model.Quantity(value, unit, "http://unitsofmeasure.org"),
    };
}
