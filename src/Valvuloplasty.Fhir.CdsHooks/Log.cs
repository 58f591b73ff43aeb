namespace Valvuloplasty.Fhir.CdsHooks;

/// <summary>
/// The host's log messages: service id, hookInstance, prefetch key states, status and timings only.
/// Never resource JSON, patient ids, rendered query URLs, tokens or JWTs.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Hook {ServiceId} {HookInstance} answered {Status} with {CardCount} card(s) in {ElapsedMs} ms; data: {KeySources}")]
    public static partial void HookAnswered(ILogger logger, string serviceId, Guid hookInstance, int status, int cardCount, double elapsedMs, string keySources);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Hook {ServiceId} answered 412: required data unobtainable ({MissingKeys}) in {ElapsedMs} ms")]
    public static partial void HookPreconditionFailed(ILogger logger, string serviceId, string missingKeys, double elapsedMs);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Request to {ServiceId} rejected with {Status}: {Reason}")]
    public static partial void RequestRejected(ILogger logger, string serviceId, int status, string reason);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Feedback for {ServiceId}: {Received} item(s), {Stored} stored, {Duplicates} duplicate(s)")]
    public static partial void FeedbackStored(ILogger logger, string serviceId, int received, int stored, int duplicates);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Error, Message = "Feedback for {ServiceId} not stored ({Received} item(s)): store unavailable")]
    public static partial void FeedbackNotStored(ILogger logger, Exception exception, string serviceId, int received);


    [LoggerMessage(EventId = 2201, Level = LogLevel.Warning, Message = "Request to {Path} refused with 401: {Reason}")]
    public static partial void AuthenticationRefused(ILogger logger, string path, string reason);
}
