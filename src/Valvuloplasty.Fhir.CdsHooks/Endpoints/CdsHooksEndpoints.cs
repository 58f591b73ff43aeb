using System.Diagnostics;
using System.Text.Json;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Options;
using Valvuloplasty.Fhir.Cards;
using Valvuloplasty.Fhir.CdsHooks.Hooks;
using Valvuloplasty.Fhir.CdsHooks.Hosting;
using Valvuloplasty.Fhir.CdsHooks.Protocol;
using Valvuloplasty.Fhir.CdsHooks.Security;
using Valvuloplasty.Fhir.Data.Feedback;
using Valvuloplasty.Fhir.Data.Prefetch;

namespace Valvuloplasty.Fhir.CdsHooks.Endpoints;

/// <summary>
/// The CDS Hooks 2.0 endpoints: discovery, hook calls and feedback, in one route group.
/// Errors are OperationOutcomes: 400 malformed, 404 unknown service, 412 required data unobtainable,
/// 413 too large, 415 not JSON, 503 feedback store unavailable.
/// </summary>
public static class CdsHooksEndpoints
{
    public static IEndpointRouteBuilder MapCdsHooks(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/cds-services").RequireCdsClient(endpoints.ServiceProvider);
        group.MapGet("/", Discovery);
        group.MapPost("/{id}", CallHook);
        group.MapPost("/{id}/feedback", PostFeedback);
        return endpoints;
    }

    private static IResult Discovery(CdsServiceCatalog catalog) => JsonResults.Ok(CdsJson.Serialize(catalog.Discovery()));

    /// <summary>A hook call, traced (span <c>hook {id}</c>) and counted (<c>cds.hook.calls</c>, <c>cds.hook.duration</c>) by service id and status.</summary>
    private static async Task<IResult> CallHook(
        string id,
        HttpRequest request,
        HookEvaluator evaluator,
        Smart.SmartLaunchLinks smartLinks,
        FhirJsonReader fhirJson,
        CardLedger ledger,
        PrefetchTemplates templates,
        HookMetrics metrics,
        TimeProvider time,
        IOptions<CdsHooksOptions> options,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var service = CdsServiceCatalog.Find(id);
        using var activity = HookTelemetry.Start(service);
        var status = StatusCodes.Status500InternalServerError;
        try
        {
            var result = await AnswerHook(id, service, request, evaluator, smartLinks, fhirJson, ledger, templates, activity, started, time, options, loggers, cancellationToken);
            status = (result as IStatusCodeHttpResult)?.StatusCode ?? StatusCodes.Status200OK;
            return result;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            status = StatusCodes.Status499ClientClosedRequest;
            activity?.SetOutcome("client closed the request");
            throw;
        }
        catch (Exception ex)
        {
            activity?.SetOutcome("unexpected error: " + ex.GetType().Name);
            throw;
        }
        finally
        {
            HookTelemetry.Finish(activity, metrics, service?.Id ?? HookTelemetry.UnknownService, status, Stopwatch.GetElapsedTime(started));
        }
    }

    private static async Task<IResult> AnswerHook(
        string id,
        CdsService? service,
        HttpRequest request,
        HookEvaluator evaluator,
        Smart.SmartLaunchLinks smartLinks,
        FhirJsonReader fhirJson,
        CardLedger ledger,
        PrefetchTemplates templates,
        Activity? activity,
        long started,
        TimeProvider time,
        IOptions<CdsHooksOptions> options,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger("Valvuloplasty.Fhir.CdsHooks.Hooks");
        if (service is null)
        {
            activity?.SetOutcome("unknown service");
            return UnknownService(logger, id);
        }

        using var body = await RequestBody.ReadAsync(request, options.Value.MaxRequestBodyBytes, cancellationToken);
        if (Refused(body, options.Value, service.Id, logger) is { } refused)
        {
            activity?.SetOutcome("refused: " + body.Status);
            return refused;
        }

        HookRequest? hook;
        IReadOnlyList<RequestIssue> issues;
        try
        {
            (hook, issues) = CdsRequestReader.Read(body.Span, service, options.Value.MaxJsonDepth, fhirJson);
        }
        catch (Exception ex) when (IsMalformedJson(ex))
        {
            activity?.SetOutcome("malformed JSON");
            return MalformedJson(logger, service.Id, ex);
        }

        if (hook is null)
        {
            activity?.SetOutcome("invalid request");
            if (logger.IsEnabled(LogLevel.Information))
            {
                Log.RequestRejected(logger, service.Id, StatusCodes.Status400BadRequest, "invalid request: " + string.Join(", ", issues.Select(i => i.Location)));
            }

            return OperationOutcomes.Result(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, issues);
        }

        activity?.SetTag("cds.prefetch.states", HookTelemetry.PrefetchStates(templates, hook.Prefetch));
        var outcome = await evaluator.EvaluateAsync(service, hook, smartLinks.For(request), cancellationToken);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (outcome.Missing.Count > 0)
        {
            activity?.SetOutcome("required data unobtainable: " + string.Join(",", outcome.Missing.Select(m => m.Key)));
            if (logger.IsEnabled(LogLevel.Warning))
            {
                Log.HookPreconditionFailed(logger, service.Id, string.Join(", ", outcome.Missing.Select(m => m.Key)), elapsed);
            }

            return OperationOutcomes.Result(
                StatusCodes.Status412PreconditionFailed,
                OperationOutcome.IssueType.Incomplete,
                outcome.Missing.Select(m => new RequestIssue($"prefetch.{m.Key}", $"Required data '{m.Key}' could not be obtained: {m.Reason}.")));
        }

        var issuedAt = time.GetUtcNow();
        foreach (var card in outcome.Cards)
        {
            ledger.TryRecord(new CardRecord(card.Card.Uuid, service.Id, card.Facts.Topic, CardText.ValveName(card.Facts.Valve), CardText.Wire(card.Facts.Decision), card.Facts.Codes, issuedAt));
        }

        activity?.SetOutcome($"cards={outcome.Cards.Count}"
            + (outcome.Cards.Count > 0 ? " decisions=" + string.Join(",", outcome.Cards.Select(c => CardText.Wire(c.Facts.Decision)).Distinct(StringComparer.Ordinal)) : string.Empty));
        if (logger.IsEnabled(LogLevel.Information))
        {
            Log.HookAnswered(logger, service.Id, hook.HookInstance, StatusCodes.Status200OK, outcome.Cards.Count, elapsed,
                string.Join(",", outcome.Keys.Values.Select(k => $"{k.Key}={k.Source}")));
        }

        return JsonResults.Ok(CdsJson.Serialize(new CdsResponse([.. outcome.Cards.Select(c => c.Card)])));
    }

    private static async Task<IResult> PostFeedback(
        string id,
        HttpRequest request,
        IFeedbackStore store,
        IOptions<CdsHooksOptions> options,
        IOptions<FeedbackStoreOptions> feedbackOptions,
        TimeProvider time,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger("Valvuloplasty.Fhir.CdsHooks.Feedback");
        if (CdsServiceCatalog.Find(id) is not { } service)
        {
            return UnknownService(logger, id);
        }

        using var body = await RequestBody.ReadAsync(request, options.Value.MaxRequestBodyBytes, cancellationToken);
        if (Refused(body, options.Value, service.Id, logger) is { } refused)
        {
            return refused;
        }

        IReadOnlyList<FeedbackItem> items;
        IReadOnlyList<RequestIssue> issues;
        try
        {
            (items, issues) = FeedbackReader.Read(body.Span, service.Id, feedbackOptions.Value.MaxItemsPerRequest, options.Value.MaxJsonDepth, time.GetUtcNow());
        }
        catch (Exception ex) when (IsMalformedJson(ex))
        {
            return MalformedJson(logger, service.Id, ex);
        }

        if (issues.Count > 0)
        {
            if (logger.IsEnabled(LogLevel.Information))
            {
                Log.RequestRejected(logger, service.Id, StatusCodes.Status400BadRequest, "invalid feedback: " + string.Join(", ", issues.Select(i => i.Location).Take(20)));
            }

            return OperationOutcomes.Result(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, issues);
        }

        try
        {
            // The write is not tied to the client's connection: once read, feedback is stored or refused, never half-done.
            var stored = await store.SaveAsync(items, CancellationToken.None);
            Log.FeedbackStored(logger, service.Id, items.Count, stored, items.Count - stored);
            return JsonResults.Ok(CdsJson.Serialize(new FeedbackResponse(items.Count, stored, items.Count - stored)));
        }
        catch (FeedbackStoreUnavailableException ex)
        {
            Log.FeedbackNotStored(logger, ex, service.Id, items.Count);
            request.HttpContext.Response.Headers.RetryAfter = "5";
            return OperationOutcomes.Result(StatusCodes.Status503ServiceUnavailable, OperationOutcome.IssueType.Transient,
                "The feedback store is unavailable; nothing was stored. Retry later.");
        }
    }

    private static IResult? Refused(RequestBody body, CdsHooksOptions options, string serviceId, ILogger logger)
    {
        if (body.Refusal(options.MaxRequestBodyBytes) is not { } refusal)
        {
            return null;
        }

        var (status, reason) = body.Status switch
        {
            BodyStatus.UnsupportedMediaType => (StatusCodes.Status415UnsupportedMediaType, "content type is not JSON"),
            BodyStatus.TooLarge => (StatusCodes.Status413PayloadTooLarge, "body over the limit"),
            BodyStatus.Malformed => (StatusCodes.Status400BadRequest, "body framing unreadable"),
            _ => (StatusCodes.Status400BadRequest, "body is not UTF-8"),
        };
        Log.RequestRejected(logger, serviceId, status, reason);
        return refusal;
    }

    private static IResult UnknownService(ILogger logger, string id)
    {
        Log.RequestRejected(logger, "(unknown)", StatusCodes.Status404NotFound, "unknown service id");
        var shown = id.Length <= 64 ? id : id[..64] + "…";
        return OperationOutcomes.Result(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotFound,
            $"No CDS service with id '{shown}'. GET /cds-services lists the services.");
    }

    /// <summary>
    /// Only the JSON reader's own verdict is the client's fault (UTF-8 is checked before reading). Any other exception
    /// from the readers is a bug in them and reaches the error middleware as a 500, logged with its stack trace.
    /// </summary>
    private static bool IsMalformedJson(Exception ex) => ex is JsonException;

    private static IResult MalformedJson(ILogger logger, string serviceId, Exception ex)
    {
        Log.RequestRejected(logger, serviceId, StatusCodes.Status400BadRequest, "malformed JSON");
        var detail = ex.Message.Length < 300 ? ex.Message : "The body is not well-formed JSON.";
        return OperationOutcomes.Result(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Structure, $"Malformed JSON: {detail}");
    }
}
