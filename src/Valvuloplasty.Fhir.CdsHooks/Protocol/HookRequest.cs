using Valvuloplasty.Fhir.Data.Fhir;
using Valvuloplasty.Fhir.Data.Prefetch;

namespace Valvuloplasty.Fhir.CdsHooks.Protocol;

/// <summary>The OAuth 2.0 access the EHR grants for its FHIR server. Never logged, never stored.</summary>
public sealed record FhirAuthorization(string AccessToken, string TokenType, long ExpiresIn, string Scope, string Subject, string? Patient)
{
    /// <summary>Keeps the token out of logs and exception messages if the record is ever printed.</summary>
    public override string ToString() => $"FhirAuthorization {{ TokenType = {TokenType}, Scope = {Scope} }}";
}

/// <summary>The hook context; <see cref="DraftOrders"/> holds what could be read of context.draftOrders.</summary>
public sealed record HookContext(
    string UserId,
    string PatientId,
    string? EncounterId,
    IReadOnlyList<string> Selections,
    IReadOnlyList<RecordItem> DraftOrders,
    IReadOnlyList<string> DraftOrderProblems);

/// <summary>
/// A validated CDS Hooks 2.0 request. <see cref="Prefetch"/> holds each key's value as the record source read it from the
/// request (the host only hands it the JSON, in the request's one pass).
/// </summary>
public sealed record HookRequest(
    string Hook,
    Guid HookInstance,
    Uri? FhirServer,
    FhirAuthorization? FhirAuthorization,
    HookContext Context,
    IReadOnlyDictionary<string, PrefetchValue> Prefetch);

/// <summary>What is wrong with a request, at which JSON location; becomes an OperationOutcome issue.</summary>
public sealed record RequestIssue(string Location, string Message);
