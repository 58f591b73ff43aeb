using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Microsoft.Extensions.Options;
using Valvuloplasty.Fhir.Data.Fhir;
using Valvuloplasty.Fhir.Data.Prefetch;

namespace Valvuloplasty.Fhir.CdsHooks.Sandbox;

/// <summary>
/// The synthetic patients of profiles/examples/patients/, read once at start-up and served read-only by the
/// example FHIR endpoint. A fixture server for testing integrations, not a clinical data store.
/// </summary>
public sealed class SandboxFhirStore
{
    private readonly Dictionary<string, List<Resource>> _byType = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Patient> _patients = new(StringComparer.Ordinal);

    public SandboxFhirStore(IOptions<SandboxOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var folder = options.Value.ResolvedPatientsPath;
        if (!Directory.Exists(folder))
        {
            throw new InvalidOperationException($"Sandbox:PatientsPath '{folder}' does not exist.");
        }

        // The endpoint serves these as FHIR resources, so they are read with Firely (leniently, as a client's server would).
        var parser = new FhirJsonDeserializer(new DeserializerSettings().UsingMode(DeserializationMode.Ostrich));
        foreach (var file in Directory.EnumerateFiles(folder, "Bundle-*.json").Order(StringComparer.Ordinal))
        {
            var bundle = (Bundle)parser.DeserializeResource(File.ReadAllText(file));
            foreach (var resource in bundle.Entry.Select(e => e.Resource).OfType<Resource>())
            {
                if (!_byType.TryGetValue(resource.TypeName, out var list))
                {
                    _byType[resource.TypeName] = list = [];
                }

                list.Add(resource);
                if (resource is Patient patient && patient.Id is { } id)
                {
                    _patients[id] = patient;
                }
            }
        }
    }

    /// <summary>The patient-compartment types the endpoint searches by patient, code and status.</summary>
    public static readonly IReadOnlyList<string> ClinicalTypes =
        ["Condition", "Observation", "Procedure", "ServiceRequest", "MedicationRequest", "RiskAssessment"];

    /// <summary>Every type the endpoint searches: Patient (by id, name, gender) and the clinical types.</summary>
    public static readonly IReadOnlyList<string> SearchableTypes = ["Patient", .. ClinicalTypes];

    public IReadOnlyCollection<Patient> Patients => _patients.Values;

    public Patient? Patient(string id) => _patients.GetValueOrDefault(id);

    public Resource? Read(string type, string id) => OfType(type).FirstOrDefault(r => r.Id == id);

    public IReadOnlyList<Resource> OfType(string type) => _byType.TryGetValue(type, out var list) ? list : [];

    /// <summary>Every resource of one patient (for the page's summaries).</summary>
    public IEnumerable<Resource> OfPatient(string id) =>
        _byType.Values.SelectMany(list => list).Where(r => PatientOf(r) == id);

    /// <summary>The patient a stored resource belongs to (its subject), as the hook's record assembly decides it.</summary>
    public static string? PatientOf(Resource resource) => PatientRecordAssembler.PatientOf(FirelyResourceAdapter.From(resource));
}
