using Valvuloplasty.Fhir.Data.Fhir;
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
                    var (data, foreign) = Sort(template, patientId, entry.Entries, DataSource.Prefetch, entry.Problems);
                    if (Usable(template, data, foreign))
                    {
                        keys[template.Key] = data;
                    }

                    break;
            }
        }

        // The context Patient may come along in another key's Bundle (_include=…:patient): use it where the patient key gave none.
        if (!keys.ContainsKey(PrefetchKeys.Patient) && _templates.ByKey.ContainsKey(PrefetchKeys.Patient)
            && keys.Values.SelectMany(k => k.Supporting).Select(e => e.Item).OfType<PatientItem>().FirstOrDefault(p => p.Id == patientId) is { } included)
        {
            keys[PrefetchKeys.Patient] = new KeyData(PrefetchKeys.Patient, DataSource.Prefetch, [included], []);
        }

        return keys;
    }

    /// <summary>
    /// Every Medication the prefetch holds, whatever key it came under: included, in a key the services do not
    /// define (an EHR may send them in a key of their own), or in a key otherwise unusable. They resolve
    /// medication references.
    /// </summary>
    public static IReadOnlyList<FhirEntry> PrefetchMedications(IReadOnlyDictionary<string, PrefetchEntry> prefetch)
    {
        ArgumentNullException.ThrowIfNull(prefetch);
        return [.. prefetch.Values
            .Where(e => e.State == PrefetchState.Resources)
            .SelectMany(e => e.Entries)
            .Where(e => e.Item is MedicationItem)];
    }

    /// <summary>
    /// A key's prefetch counts only when it holds what its template asks for: the patient key needs this
    /// patient's Patient, and a key whose matches were all of another type (a Practitioner where Conditions
    /// belong) is unusable rather than "no data". An empty Bundle, or one holding only included resources, is
    /// usable: the EHR found nothing (so is one whose resources were all for another patient: those are reported).
    /// </summary>
    private static bool Usable(PrefetchTemplate template, KeyData kept, int foreign) =>
        kept.Items.Count > 0 || (template.Key != PrefetchKeys.Patient && foreign == 0);

    /// <summary>
    /// Completes the record: every template key not in <paramref name="keys"/> is unavailable; a
    /// required one is reported as missing. <paramref name="otherSupporting"/> are resources of the prefetch that no
    /// key kept (<see cref="PrefetchMedications"/>).
    /// </summary>
    public RecordResult Complete(
        string patientId, IReadOnlyDictionary<string, KeyData> keys, IReadOnlyDictionary<string, string> failures,
        IReadOnlyList<FhirEntry>? otherSupporting = null)
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

        if (missing.Count > 0)
        {
            return new RecordResult(null, missing);
        }

        var supporting = all.Values.SelectMany(k => k.Supporting).Concat(otherSupporting ?? []).ToList();
        return new RecordResult(new PatientRecord(patientId, all) { Supporting = supporting }, missing);
    }

    /// <summary>
    /// Keeps the resources of the template's type that belong to <paramref name="patientId"/>. Included entries
    /// (<c>search.mode</c> include) are used where they belong, a Medication or the context Patient going to
    /// <see cref="KeyData.Supporting"/>, and never reported; a Medication among the matches resolves references too.
    /// Anything else of another type (a Medication outside the medications key among them), or for another patient,
    /// is dropped and reported.
    /// </summary>
    public static KeyData Filter(PrefetchTemplate template, string patientId, IReadOnlyList<FhirEntry> entries, DataSource source, IReadOnlyList<string> problems) =>
        Sort(template, patientId, entries, source, problems).Data;

    private static (KeyData Data, int Foreign) Sort(
        PrefetchTemplate template, string patientId, IReadOnlyList<FhirEntry> entries, DataSource source, IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(entries);
        var kept = new List<RecordItem>(entries.Count);
        var supporting = new List<FhirEntry>();
        int wrongType = 0, otherPatient = 0;
        foreach (var entry in entries)
        {
            var resource = entry.Item;
            if (resource.Type == template.ResourceType)
            {
                if (PatientOf(resource) is { } owner && owner != patientId)
                {
                    otherPatient++;
                }
                else
                {
                    kept.Add(resource);
                }
            }
            else if (entry.Mode == SearchEntryMode.Include)
            {
                // Included on purpose (_include): used where it belongs, never reported.
                if (resource is MedicationItem || (resource is PatientItem included && included.Id == patientId))
                {
                    supporting.Add(entry);
                }
            }
            else if (resource is MedicationItem)
            {
                // A Medication among a key's matches still resolves references; it belongs in the medications key.
                supporting.Add(entry);
                if (template.Key != PrefetchKeys.Medications)
                {
                    wrongType++;
                }
            }
            else if (resource is PatientItem other && other.Id != patientId)
            {
                otherPatient++;
            }
            else
            {
                if (resource is PatientItem)
                {
                    supporting.Add(entry);
                }

                wrongType++;
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

        return (new KeyData(template.Key, source, kept, allProblems) { Supporting = supporting }, wrongType);
    }

    /// <summary>The patient a resource belongs to, when its reference says so (urn:uuid references cannot be checked).</summary>
    public static string? PatientOf(RecordItem item) => item switch
    {
        PatientItem p => p.Id,
        _ => FhirValues.PatientIdOf(item.Subject),
    };
}
