using System.Globalization;
using Hl7.Fhir.Model;
using Valvuloplasty.Fhir.CdsHooks.Hosting;
using Valvuloplasty.Fhir.CdsHooks.Protocol;
using Valvuloplasty.Fhir.CdsHooks.Security;
using Valvuloplasty.Fhir.Data.Feedback;

namespace Valvuloplasty.Fhir.CdsHooks.Endpoints;

/// <summary>
/// <c>GET /analytics/cards?since=&amp;until=</c>: per service and card topic, cards issued, accepted and overridden,
/// the acceptance rate and the top override reasons, from the card ledger joined with feedback. Protected like
/// the hooks (an EHR JWT when authentication is on).
/// </summary>
public static class AnalyticsEndpoints
{
    public static IEndpointRouteBuilder MapAnalytics(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGroup("/analytics").RequireCdsClient(endpoints.ServiceProvider).MapGet("/cards", Cards);
        return endpoints;
    }

    private static async Task<IResult> Cards(string? since, string? until, IFeedbackStore store, CardLedger ledger, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (!TryParse(until, now.AddSeconds(1), out var to) || !TryParse(since, to.AddDays(-30), out var from) || from >= to)
        {
            return OperationOutcomes.Result(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid,
                "since and until must be ISO 8601 instants with since before until.");
        }

        var analytics = await store.AnalyticsAsync(from, to, cancellationToken);
        var response = new AnalyticsResponse(
            analytics.From,
            analytics.To,
            ledger.Written,
            ledger.Dropped,
            [.. analytics.Topics.Select(t => new TopicAnalyticsResponse(t.ServiceId, t.Topic, t.Issued, t.Accepted, t.Overridden, t.AcceptanceRate,
                [.. t.TopOverrideReasons.Select(r => new OverrideReasonResponse(r.Code, r.Display, r.Count))]))]);
        return JsonResults.Ok(CdsJson.Serialize(response));
    }

    private static bool TryParse(string? value, DateTimeOffset fallback, out DateTimeOffset result)
    {
        if (string.IsNullOrEmpty(value))
        {
            result = fallback;
            return true;
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out result);
    }
}
