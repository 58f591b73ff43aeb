using Valvuloplasty.Fhir.Data.FhirServer;

namespace Valvuloplasty.Fhir.Data.Prefetch;

/// <summary>
/// One prefetch key's value, read from the request's JSON where the host found it (the host hands the reader over,
/// positioned on the value; it never sees what the value held). Reading it here, in the request's one pass, is what
/// keeps a hook call to a single walk over its bytes.
/// </summary>
public sealed class PrefetchValue
{
    private PrefetchValue(PrefetchEntry entry) => Entry = entry;

    internal PrefetchEntry Entry { get; }

    /// <summary>What the value held (for diagnostics and tests).</summary>
    public PrefetchState State => Entry.State;

    /// <summary>Reads the JSON value at the reader (leaving the reader on its last token) as the prefetch key <paramref name="key"/>.</summary>
    public static PrefetchValue Read(string key, ref System.Text.Json.Utf8JsonReader reader)
    {
        var payload = FhirJsonReader.Shared.ReadValue(ref reader);
        return new PrefetchValue(payload.Kind switch
        {
            FhirPayloadKind.Null => new PrefetchEntry(key, PrefetchState.Null, [], []),
            FhirPayloadKind.OperationOutcome => new PrefetchEntry(key, PrefetchState.OperationOutcome, [], ["the EHR sent an OperationOutcome"]),
            FhirPayloadKind.NotAResource => new PrefetchEntry(key, PrefetchState.Unreadable, [], payload.Problems),
            _ => new PrefetchEntry(key, PrefetchState.Resources, payload.Entries, payload.Problems),
        });
    }

    /// <summary>Reads a whole JSON document as the prefetch key <paramref name="key"/> (tests, tools).</summary>
    public static PrefetchValue Read(string key, ReadOnlySpan<byte> json)
    {
        var reader = new System.Text.Json.Utf8JsonReader(json);
        reader.Read();
        return Read(key, ref reader);
    }
}

/// <summary>
/// What a hook hands over to get its patient's record: the context patient, each prefetch key's value as read from the
/// request (a key absent from the request is absent here), and where the rest may be fetched.
/// </summary>
public sealed record RecordRequest(string PatientId, IReadOnlyDictionary<string, PrefetchValue> Prefetch, Uri? FhirServer, string? AccessToken);

/// <summary>
/// The patient's record, or the required keys that could not be obtained (each with why, worded for an
/// OperationOutcome); <see cref="Keys"/> says where each key's data came from (for the log).
/// </summary>
public sealed record RecordOutcome(PatientRecord? Record, IReadOnlyList<MissingKey> Missing, IReadOnlyDictionary<string, KeyData> Keys)
{
    /// <summary>How the FHIR server's failed queries ended (<see cref="FallbackResult.FailureOutcomes"/>); empty when none failed or none ran.</summary>
    public IReadOnlySet<string> FetchFailures { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>True when the fallback could not run because the allow-list refused the FHIR server.</summary>
    public bool ServerRefused { get; init; }
}

/// <summary>
/// Gets one patient's record for one hook call, and owns every step of it: reads each prefetch key into its state
/// (absent, null, resources, an OperationOutcome, unreadable), keeps what belongs to the patient, checks the FHIR server
/// against the allow-list, fetches what is still missing, merges, and says in one place why a key could not be had.
/// </summary>
public sealed class PatientRecordSource(PatientRecordAssembler assembler, FhirServerAllowList allowList, FhirFallback fallback)
{
    public async Task<RecordOutcome> GetAsync(RecordRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var prefetch = request.Prefetch.ToDictionary(p => p.Key, p => p.Value.Entry, StringComparer.Ordinal);
        var keys = new Dictionary<string, KeyData>(assembler.FromPrefetch(request.PatientId, prefetch), StringComparer.Ordinal);
        var missing = assembler.Templates.All.Where(t => !keys.ContainsKey(t.Key)).ToList();
        var failures = new Dictionary<string, string>(StringComparer.Ordinal);
        IReadOnlySet<string> fetchFailures = new HashSet<string>(StringComparer.Ordinal);
        var serverRefused = false;
        if (missing.Count > 0)
        {
            var refusal = request.FhirServer is null ? "the request has no fhirServer to fetch it from" : allowList.Refusal(request.FhirServer);
            if (refusal is not null)
            {
                serverRefused = request.FhirServer is not null;
                foreach (var template in missing)
                {
                    failures[template.Key] = $"{Why(prefetch.GetValueOrDefault(template.Key))}; {refusal}";
                }
            }
            else
            {
                var fetched = await fallback.FetchAsync(request.FhirServer!, request.AccessToken, request.PatientId, missing, cancellationToken);
                fetchFailures = fetched.FailureOutcomes;
                foreach (var (key, data) in fetched.Fetched)
                {
                    keys[key] = data;
                }

                foreach (var (key, reason) in fetched.Failures)
                {
                    failures[key] = $"{Why(prefetch.GetValueOrDefault(key))}; fetching it failed: {reason}";
                }
            }
        }

        var result = assembler.Complete(request.PatientId, keys, failures, PatientRecordAssembler.PrefetchMedications(prefetch));
        return new RecordOutcome(result.Record, result.Missing, result.Record?.Keys ?? keys) { FetchFailures = fetchFailures, ServerRefused = serverRefused };
    }

    private static string Why(PrefetchEntry? entry) => entry?.State switch
    {
        PrefetchState.OperationOutcome => "the EHR sent an OperationOutcome for this prefetch key",
        PrefetchState.Unreadable => "the prefetch value is not a FHIR resource or Bundle",
        PrefetchState.Resources => "the prefetch holds no resource of the expected type for this patient (wrong resource type or another patient)",
        _ => "not in prefetch",
    };
}
