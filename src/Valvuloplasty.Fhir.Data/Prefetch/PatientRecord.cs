using Valvuloplasty.Fhir.Data.Fhir;

namespace Valvuloplasty.Fhir.Data.Prefetch;

/// <summary>The state of one prefetch key as the EHR sent it (CDS Hooks 2.0 §Prefetch).</summary>
public enum PrefetchState
{
    /// <summary>The key is not in the request: fetch it from the FHIR server.</summary>
    Absent,
    /// <summary>The key is present with JSON null: the EHR has no data; do not fetch.</summary>
    Null,
    /// <summary>A resource or a Bundle: use it.</summary>
    Resources,
    /// <summary>An OperationOutcome (or a Bundle of them): the EHR failed; fetch, as if absent.</summary>
    OperationOutcome,
    /// <summary>Present but not a FHIR resource or Bundle of the expected kind: fetch, as if absent.</summary>
    Unreadable,
}

/// <summary>One prefetch key after parsing. <paramref name="Problems"/> never holds resource content.</summary>
public sealed record PrefetchEntry(string Key, PrefetchState State, IReadOnlyList<FhirEntry> Entries, IReadOnlyList<string> Problems)
{
    /// <summary>True when the key must still be fetched from the FHIR server (absent, OperationOutcome, unreadable).</summary>
    public bool NeedsFetch => State is PrefetchState.Absent or PrefetchState.OperationOutcome or PrefetchState.Unreadable;

    public static PrefetchEntry Absent(string key) => new(key, PrefetchState.Absent, [], []);
}

/// <summary>Where the data of one key finally came from, and what went wrong, for the card and the log.</summary>
public enum DataSource
{
    Prefetch,
    FhirServer,
    /// <summary>The EHR said there is none (prefetch null).</summary>
    NoneRecorded,
    /// <summary>Could not be obtained.</summary>
    Unavailable,
}

/// <summary>
/// The resources of one key after prefetch and fallback. <see cref="Supporting"/> holds what came with them
/// to be used elsewhere: Medications (a MedicationRequest's medicationReference resolves to them) and the
/// context Patient, whether included (<c>_include</c>) or sent among the matches.
/// </summary>
public sealed record KeyData(string Key, DataSource Source, IReadOnlyList<RecordItem> Items, IReadOnlyList<string> Problems)
{
    public IReadOnlyList<FhirEntry> Supporting { get; init; } = [];
}

/// <summary>
/// The patient's data for one hook call, by prefetch key. <see cref="Supporting"/> are the resources every
/// key (and any prefetch key the services do not define) brought along for reference resolution: Medications
/// with their fullUrl.
/// </summary>
public sealed record PatientRecord(string PatientId, IReadOnlyDictionary<string, KeyData> Keys)
{
    public IReadOnlyList<FhirEntry> Supporting { get; init; } = [];

    public IEnumerable<T> All<T>(string key) where T : RecordItem =>
        Keys.TryGetValue(key, out var data) ? data.Items.OfType<T>() : [];
}
