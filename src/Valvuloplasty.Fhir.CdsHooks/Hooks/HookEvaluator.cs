using System.Diagnostics;
using Microsoft.Extensions.Options;
using Valvuloplasty.Fhir.Cards;
using Valvuloplasty.Fhir.CdsHooks.Protocol;
using Valvuloplasty.Fhir.Data.Diagnostics;
using Valvuloplasty.Fhir.Data.Mapping;
using Valvuloplasty.Fhir.Data.Prefetch;
using Valvuloplasty.Fhir.Rules.Engine;
using Valvuloplasty.Fhir.Rules.Facts;

namespace Valvuloplasty.Fhir.CdsHooks.Hooks;

/// <summary>
/// The answer to a hook call: the cards with the facts each was rendered from (what the ledger records), or the
/// required keys that could not be obtained (412); and where each key's data came from (for the log).
/// </summary>
public sealed record HookOutcome(IReadOnlyList<RenderedCard> Cards, IReadOnlyList<MissingKey> Missing, IReadOnlyDictionary<string, KeyData> Keys);

/// <summary>
/// One hook call in four steps: the patient's record (prefetch, FHIR server, allow-list: <see cref="PatientRecordSource"/>)
/// → facts → rules → cards. This class only wires them and reads the clock. Each step is a child span of the hook's
/// (<c>record</c>, <c>facts</c>, <c>rules</c>, <c>cards</c>) whose attributes name keys, sources and counts only.
/// </summary>
public sealed class HookEvaluator(
    PatientRecordSource records,
    PatientFactsMapper mapper,
    CardRenderer renderer,
    TimeProvider time,
    IOptions<RuleOptions> ruleOptions)
{
    public Task<HookOutcome> EvaluateAsync(CdsService service, HookRequest request, CancellationToken cancellationToken) =>
        EvaluateAsync(service, request, null, cancellationToken);

    /// <summary>As above; each assessment card links to the SMART app at <paramref name="smartLaunch"/> when given.</summary>
    public async Task<HookOutcome> EvaluateAsync(CdsService service, HookRequest request, Uri? smartLaunch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(request);

        // 1. The record.
        RecordOutcome record;
        using (var span = Tracing.Source.StartActivity("record"))
        {
            record = await records.GetAsync(
                new RecordRequest(request.Context.PatientId, request.Prefetch, request.FhirServer, request.FhirAuthorization?.AccessToken), cancellationToken);
            if (span is { IsAllDataRequested: true })
            {
                span.SetTag("cds.record.sources", string.Join(",", record.Keys.Values.Select(k => $"{k.Key}={k.Source}")));
                if (record.Missing.Count > 0)
                {
                    span.SetTag("cds.record.missing", string.Join(",", record.Missing.Select(m => m.Key)));
                    span.SetStatus(ActivityStatusCode.Error, "required data unobtainable");
                }
            }
        }

        if (record.Record is null)
        {
            return new HookOutcome([], record.Missing, record.Keys);
        }

        // 2. Facts, as of now.
        var now = time.GetUtcNow();
        PatientFacts facts;
        IReadOnlyList<OrderFact> draftOrders;
        using (Tracing.Source.StartActivity("facts"))
        {
            facts = mapper.Map(record.Record, now);
            draftOrders = mapper.MapOrders(request.Context.DraftOrders);
        }

        // 3. Rules.
        Evaluation evaluation;
        using (Tracing.Source.StartActivity("rules"))
        {
            evaluation = RuleCatalog.Evaluate(facts, draftOrders, service.Kind, now, ruleOptions.Value);
        }

        // 4. Cards.
        using var cards = Tracing.Source.StartActivity("cards");
        var rendered = renderer.RenderWithFacts(evaluation, facts.PatientReference, smartLaunch);
        cards?.SetTag("cds.cards.count", rendered.Count);
        return new HookOutcome(rendered, [], record.Keys);
    }
}
