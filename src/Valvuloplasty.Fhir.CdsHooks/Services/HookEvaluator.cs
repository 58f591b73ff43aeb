using Microsoft.Extensions.Options;
using Valvuloplasty.Fhir.CdsHooks.Cards;
using Valvuloplasty.Fhir.CdsHooks.Protocol;
using Valvuloplasty.Fhir.Data.Mapping;
using Valvuloplasty.Fhir.Data.Prefetch;
using Valvuloplasty.Fhir.Rules.Rules;

namespace Valvuloplasty.Fhir.CdsHooks.Services;

/// <summary>The answer to a hook call: cards, or the required keys that could not be obtained (412).</summary>
public sealed record HookOutcome(IReadOnlyList<Card> Cards, IReadOnlyList<MissingKey> Missing, IReadOnlyDictionary<string, KeyData> Keys);

/// <summary>
/// One hook call, stage by stage: prefetch → patient record → facts → rules → cards.
/// Each stage is its own class; this one only wires them and reads the clock.
/// </summary>
public sealed class HookEvaluator(
    PatientRecordAssembler assembler,
    PatientFactsMapper mapper,
    CardRenderer renderer,
    TimeProvider time,
    IOptions<RuleOptions> ruleOptions)
{
    public Task<HookOutcome> EvaluateAsync(CdsService service, HookRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();

        var patientId = request.Context.PatientId;
        var prefetched = assembler.FromPrefetch(patientId, request.Prefetch);
        var failures = assembler.Templates.All
            .Where(t => !prefetched.ContainsKey(t.Key))
            .ToDictionary(t => t.Key, t => Reason(request.Prefetch.GetValueOrDefault(t.Key)), StringComparer.Ordinal);

        var result = assembler.Complete(patientId, prefetched, failures);
        if (result.Record is null)
        {
            return Task.FromResult(new HookOutcome([], result.Missing, prefetched));
        }

        var facts = mapper.Map(result.Record);
        var draftOrders = mapper.MapOrders(request.Context.DraftOrders);
        var evaluation = RuleCatalog.Evaluate(facts, draftOrders, service.Kind, time.GetUtcNow(), ruleOptions.Value);
        var cards = renderer.Render(evaluation, facts.PatientReference);
        return Task.FromResult(new HookOutcome(cards, [], result.Record.Keys));
    }

    private static string Reason(PrefetchEntry? entry) => entry?.State switch
    {
        PrefetchState.OperationOutcome => "the EHR sent an OperationOutcome for this prefetch key",
        PrefetchState.Unreadable => "the prefetch value is not a FHIR resource or Bundle of the expected type",
        PrefetchState.Resources => "the prefetch holds no resource of the expected type for this patient (wrong resource type or another patient)",
        _ => "not in prefetch",
    } + "; the FHIR server fallback is not available";
}
