using System.Globalization;
using Hl7.Fhir.Model;
using Valvuloplasty.Fhir.CdsHooks.Hosting;
using Valvuloplasty.Fhir.CdsHooks.Protocol;
using Valvuloplasty.Fhir.CdsHooks.Security;
using Valvuloplasty.Fhir.Data.Feedback;
using Valvuloplasty.Fhir.Data.Terminology;
using Valvuloplasty.Fhir.Rules.Terminology;

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

    /// <summary>Shown for an override the clinician gave no reason for.</summary>
    public const string NoReasonGiven = "no reason given";

    /// <summary>Default window when <c>since</c> is not given.</summary>
    private static readonly TimeSpan DefaultWindow = TimeSpan.FromDays(30);

    private static async Task<IResult> Cards(string? since, string? until, IFeedbackStore store, CardLedger ledger, ValueSetIndex terminology, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (!TryParse(until, out var parsedUntil))
        {
            return BadRange("until", "until must be an ISO 8601 instant, e.g. 2026-11-30T00:00:00Z.");
        }

        if (!TryParse(since, out var parsedSince))
        {
            return BadRange("since", "since must be an ISO 8601 instant, e.g. 2026-11-01T00:00:00Z.");
        }

        var to = parsedUntil ?? now.AddSeconds(1);
        if (parsedSince is null && to - DateTimeOffset.MinValue < DefaultWindow)
        {
            return BadRange("until", "until is too early for the default 30-day window; give since as well.");
        }

        var from = parsedSince ?? to - DefaultWindow;
        if (from >= to)
        {
            return BadRange("since", "since must be before until.");
        }

        var analytics = await store.AnalyticsAsync(from, to, cancellationToken);
        var reasons = terminology.Codes(TerminologyBindings.OverrideReasons);
        var response = new AnalyticsResponse(
            analytics.From,
            analytics.To,
            ledger.Written,
            ledger.Dropped,
            [.. analytics.Topics.Select(t => new TopicAnalyticsResponse(t.ServiceId, t.Topic, t.Issued, t.Accepted, t.Overridden, t.AcceptanceRate,
                [.. t.TopOverrideReasons.Select(r => new OverrideReasonResponse(r.Code, Display(r, reasons), r.Count))]))]);
        return JsonResults.Ok(CdsJson.Serialize(response));
    }

    /// <summary>The display the service defines for its own reason codes; else what the EHR sent; "no reason given" when none.</summary>
    private static string Display(OverrideReasonCount reason, IReadOnlyList<CodeRef> defined)
    {
        if (reason.Code is null)
        {
            return NoReasonGiven;
        }

        var own = defined.FirstOrDefault(c => c.Code == reason.Code && (reason.System is null || c.System == reason.System));
        return own.Display ?? reason.Display ?? reason.Code;
    }

    private static IResult BadRange(string parameter, string message) =>
        OperationOutcomes.Result(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, message, parameter);

    private static bool TryParse(string? value, out DateTimeOffset? result)
    {
        result = null;
        if (string.IsNullOrEmpty(value))
        {
            return true;
        }

        if (value.Length > 64 || !DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            return false;
        }

        result = parsed;
        return true;
    }
}
