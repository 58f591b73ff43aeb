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

    [LoggerMessage(EventId = 2004, Level = LogLevel.Debug, Message = "Client fault answered {Status} ({Kind})")]
    public static partial void ClientFault(ILogger logger, int status, string kind);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Error, Message = "Unhandled error on {Method} {Route}; answered 500")]
    public static partial void UnhandledError(ILogger logger, Exception exception, string method, string route);

    [LoggerMessage(EventId = 2401, Level = LogLevel.Information, Message = "Stopping: readiness is false; new connections accepted for {DrainSeconds} s more, then in-flight requests finish and the card ledger is written")]
    public static partial void ShutdownDraining(ILogger logger, int drainSeconds);

    [LoggerMessage(EventId = 2301, Level = LogLevel.Information, Message = "SMART app assessment answered {Status} (FHIR server {Authority}) in {ElapsedMs} ms")]
    public static partial void SmartAssessmentAnswered(ILogger logger, int status, string authority, double elapsedMs);

    [LoggerMessage(EventId = 2201, Level = LogLevel.Warning, Message = "Request to {Path} refused with 401: {Reason}")]
    public static partial void AuthenticationRefused(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Information, Message = "Trusted issuer {Issuer}: keys from {Sources}; algorithms {Algorithms}; jku accepted: {AllowedJku}")]
    public static partial void IssuerTrusted(ILogger logger, string issuer, string sources, string algorithms, string allowedJku);

    [LoggerMessage(EventId = 2203, Level = LogLevel.Warning, Message = "Trusted issuer {Issuer} has no AllowedJku: its tokens that carry a jku header will be refused (401 \"jku not allow-listed\"). If the EHR sends jku, add that URL to the issuer's AllowedJku.")]
    public static partial void IssuerRefusesJku(ILogger logger, string issuer);

    [LoggerMessage(EventId = 2204, Level = LogLevel.Warning, Message = "Security:RequireAuthentication is off: any caller is answered (Development only)")]
    public static partial void AuthenticationOff(ILogger logger);
}
