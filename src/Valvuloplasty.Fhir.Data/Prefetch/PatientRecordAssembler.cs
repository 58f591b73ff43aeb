using Hl7.Fhir.Model;
using Valvuloplasty.Fhir.Data.Mapping;

namespace Valvuloplasty.Fhir.Data.Prefetch;

/// <summary>A required key that could not be obtained, with the reason (no resource content).</summary>
public sealed record MissingKey(string Key, string Reason);

/// <summary>The record, or the required keys that could not be obtained (the host answers 412).</summary>
public sealed record RecordResult(PatientRecord? Record, IReadOnlyList<MissingKey> Missing)
{
    public bool Complete => Record is not null && Missing.Count == 0;
}

/// <summary>
/// Turns the parsed prefetch into a <see cref="PatientRecord"/>: per key, keeps only resources of the
/// template's type that belong to the context patient (others are dropped and reported), and decides
/// which keys still need the FHIR server.
/// </summary>
public sealed class PatientRecordAssembler(PrefetchTemplates templates)
{
    private readonly PrefetchTemplates _templates = templates ?? throw new ArgumentNullException(nameof(templates));

    public PrefetchTemplates Templates => _templates;

    /// <summary>Reads what the prefetch provides; keys it does not provide are left out of the result.</summary>
    public IReadOnlyDictionary<string, KeyData> FromPrefetch(string patientId, IReadOnlyDictionary<string, PrefetchEntry> prefetch)
    {
        ArgumentNullException.ThrowIfNull(prefetch);
        var keys = new Dictionary<string, KeyData>(StringComparer.Ordinal);
        foreach (var template in _templates.All)
        {
            var entry = prefetch.GetValueOrDefault(template.Key) ?? PrefetchEntry.Absent(template.Key);
            switch (entry.State)
            {
                case PrefetchState.Null:
                    keys[template.Key] = new KeyData(template.Key, DataSource.NoneRecorded, [], []);
                    break;
                case PrefetchState.Resources:
                    var data = Filter(template, patientId, entry.Resources, DataSource.Prefetch, entry.Problems);
                    if (Usable(template, entry.Resources, data))
                    {
                        keys[template.Key] = data;
                    }

                    break;
            }
        }

        return keys;
    }

    /// <summary>
    /// A key's prefetch counts only when it holds what its template asks for: the patient key needs this
    /// patient's Patient, and a key whose resources were all of another type (a Patient where Conditions
    /// belong) is unusable rather than "no data". An empty Bundle is usable: the EHR found nothing.
    /// </summary>
    private static bool Usable(PrefetchTemplate template, IReadOnlyList<Resource> sent, KeyData kept) =>
        kept.Resources.Count > 0
        || (template.Key != PrefetchKeys.Patient && sent.All(r => r.TypeName == template.ResourceType));

    /// <summary>
    /// Completes the record: every template key not in <paramref name="keys"/> is unavailable; a
    /// required one is reported as missing.
    /// </summary>
    public RecordResult Complete(string patientId, IReadOnlyDictionary<string, KeyData> keys, IReadOnlyDictionary<string, string> failures)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(failures);
        var all = new Dictionary<string, KeyData>(keys, StringComparer.Ordinal);
        var missing = new List<MissingKey>();
        foreach (var template in _templates.All.Where(t => !keys.ContainsKey(t.Key)))
        {
            var reason = failures.GetValueOrDefault(template.Key) ?? "not in prefetch and not fetched";
            all[template.Key] = new KeyData(template.Key, DataSource.Unavailable, [], [reason]);
            if (template.Required)
            {
                missing.Add(new MissingKey(template.Key, reason));
            }
        }

        return new RecordResult(missing.Count == 0 ? new PatientRecord(patientId, all) : null, missing);
    }

    /// <summary>Keeps the resources of the template's type that belong to <paramref name="patientId"/>.</summary>
    public static KeyData Filter(PrefetchTemplate template, string patientId, IReadOnlyList<Resource> resources, DataSource source, IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(resources);
        var kept = new List<Resource>(resources.Count);
        int wrongType = 0, otherPatient = 0;
        foreach (var resource in resources)
        {
            if (resource.TypeName != template.ResourceType)
            {
                wrongType++;
            }
            else if (PatientOf(resource) is { } owner && owner != patientId)
            {
                otherPatient++;
            }
            else
            {
                kept.Add(resource);
            }
        }

        var allProblems = problems.ToList();
        if (wrongType > 0)
        {
            allProblems.Add($"{wrongType} resource(s) that are not {template.ResourceType} dropped");
        }

        if (otherPatient > 0)
        {
            allProblems.Add($"{otherPatient} resource(s) for another patient dropped");
        }

        return new KeyData(template.Key, source, kept, allProblems);
    }

    /// <summary>The patient a resource belongs to, when its reference says so (urn:uuid references cannot be checked).</summary>
    public static string? PatientOf(Resource resource) => resource switch
    {
        Patient p => p.Id,
        Condition c => FhirValues.PatientIdOf(c.Subject),
        Observation o => FhirValues.PatientIdOf(o.Subject),
        Procedure p => FhirValues.PatientIdOf(p.Subject),
        ServiceRequest s => FhirValues.PatientIdOf(s.Subject),
        MedicationRequest m => FhirValues.PatientIdOf(m.Subject),
        RiskAssessment r => FhirValues.PatientIdOf(r.Subject),
        _ => null,
    };
}
