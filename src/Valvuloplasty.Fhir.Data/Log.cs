using Microsoft.Extensions.Logging;

namespace Valvuloplasty.Fhir.Data;

/// <summary>The Data project's log messages. No patient data, resource content, URLs with queries or tokens.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Terminology loaded from {Path}: {ValueSetCount} ValueSets, {CodeCount} codes in {ElapsedMs} ms")]
    public static partial void TerminologyLoaded(ILogger logger, string path, int valueSetCount, int codeCount, long elapsedMs);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Critical, Message = "Terminology could not be loaded: {Reason}")]
    public static partial void TerminologyFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Feedback store ready: {Provider}")]
    public static partial void FeedbackStoreReady(ILogger logger, string provider);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Error, Message = "Feedback store write failed for {ItemCount} item(s) of service {ServiceId}")]
    public static partial void FeedbackWriteFailed(ILogger logger, Exception exception, int itemCount, string serviceId);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Debug, Message = "FHIR query {Key} on {Authority}: {Outcome}, {Pages} page(s) in {ElapsedMs} ms")]
    public static partial void QueryFinished(ILogger logger, string key, string authority, string outcome, int pages, double elapsedMs);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Information, Message = "FHIR fallback on {Authority}: {Fetched} key(s) fetched, {Failed} failed in {ElapsedMs} ms")]
    public static partial void FallbackFinished(ILogger logger, string authority, int fetched, int failed, double elapsedMs);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Warning, Message = "FHIR fallback on {Authority}: {Failed} of {Total} key(s) failed after {Retries} retr(ies) in {ElapsedMs} ms: {Causes}")]
    public static partial void FallbackFailed(ILogger logger, string authority, int failed, int total, int retries, double elapsedMs, string causes);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Warning, Message = "FHIR server {Authority}: calls paused for {BreakSeconds} s after repeated failing hook calls (last cause: {Cause})")]
    public static partial void BreakerOpened(ILogger logger, string authority, double breakSeconds, string cause);

    [LoggerMessage(EventId = 1205, Level = LogLevel.Information, Message = "FHIR server {Authority}: calls resumed")]
    public static partial void BreakerClosed(ILogger logger, string authority);

    [LoggerMessage(EventId = 1206, Level = LogLevel.Debug, Message = "FHIR fallback on {Authority} not attempted: calls paused (circuit open)")]
    public static partial void FallbackSkipped(ILogger logger, string authority);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "Card ledger write of {Count} card(s) failed (attempt {Attempt}); retrying")]
    public static partial void LedgerRetry(ILogger logger, Exception exception, int count, int attempt);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Error, Message = "Card ledger dropped {Count} card(s): the store kept failing")]
    public static partial void LedgerDropped(ILogger logger, Exception exception, int count);
}
