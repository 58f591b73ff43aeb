using Microsoft.Extensions.Options;
using Valvuloplasty.Fhir.CdsHooks.Cards;
using Valvuloplasty.Fhir.CdsHooks.Protocol;
using Valvuloplasty.Fhir.Data.FhirServer;
using Valvuloplasty.Fhir.Data.Mapping;
using Valvuloplasty.Fhir.Data.Prefetch;
using Valvuloplasty.Fhir.Rules.Engine;

namespace Valvuloplasty.Fhir.CdsHooks.Hooks;

/// <summary>The answer to a hook call: cards, or the required keys that could not be obtained (412).</summary>
public sealed record HookOutcome(IReadOnlyList<Card> Cards, IReadOnlyList<MissingKey> Missing, IReadOnlyDictionary<string, KeyData> Keys);

/// <summary>
/// One hook call, stage by stage: prefetch → FHIR fallback for what is missing → patient record → facts →
/// rules → cards. Each stage is its own class; this one only wires them and reads the clock.
/// </summary>
public sealed class HookEvaluator(
    PatientRecordAssembler assembler,
    FhirServerAllowList allowList,
    FhirFallback fallback,
    PatientFactsMapper mapper,
    CardRenderer renderer,
    TimeProvider time,
    IOptions<RuleOptions> ruleOptions)
{
    public async Task<HookOutcome> EvaluateAsync(CdsService service, HookRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(request);

        var patientId = request.Context.PatientId;
        var keys = new Dictionary<string, KeyData>(assembler.FromPrefetch(patientId, request.Prefetch), StringComparer.Ordinal);
        var missing = assembler.Templates.All.Where(t => !keys.ContainsKey(t.Key)).ToList();
        var failures = new Dictionary<string, string>(StringComparer.Ordinal);
        if (missing.Count > 0)
        {
            var refusal = request.FhirServer is null
                ? "the request has no fhirServer to fetch it from"
                : allowList.Refusal(request.FhirServer);
            if (refusal is not null)
            {
                foreach (var template in missing)
                {
                    failures[template.Key] = $"{Why(request.Prefetch.GetValueOrDefault(template.Key))}; {refusal}";
                }
            }
            else
            {
                var fetched = await fallback.FetchAsync(request.FhirServer!, request.FhirAuthorization?.AccessToken, patientId, missing, cancellationToken);
                foreach (var (key, data) in fetched.Fetched)
                {
                    keys[key] = data;
                }

                foreach (var (key, reason) in fetched.Failures)
                {
                    failures[key] = $"{Why(request.Prefetch.GetValueOrDefault(key))}; fetching it failed: {reason}";
                }
            }
        }

        var result = assembler.Complete(patientId, keys, failures, PatientRecordAssembler.PrefetchMedications(request.Prefetch));
        if (result.Record is null)
        {
            return new HookOutcome([], result.Missing, keys);
        }

        var now = time.GetUtcNow();
        var facts = mapper.Map(result.Record, now);
        var draftOrders = mapper.MapOrders(request.Context.DraftOrders);
        var evaluation = RuleCatalog.Evaluate(facts, draftOrders, service.Kind, now, ruleOptions.Value);
        var cards = renderer.Render(evaluation, facts.PatientReference);
        return new HookOutcome(cards, [], result.Record.Keys);
    }

    private static string Why(PrefetchEntry? entry) => entry?.State switch
    {
        PrefetchState.OperationOutcome => "the EHR sent an OperationOutcome for this prefetch key",
        PrefetchState.Unreadable => "the prefetch value is not a FHIR resource or Bundle",
        PrefetchState.Resources => "the prefetch holds no resource of the expected type for this patient (wrong resource type or another patient)",
        _ => "not in prefetch",
    };
}
