using System.Text.Json;
using System.Text.RegularExpressions;
using Valvuloplasty.Fhir.CdsHooks.Hooks;
using Valvuloplasty.Fhir.Data.Prefetch;

namespace Valvuloplasty.Fhir.CdsHooks.Protocol;

/// <summary>
/// Reads and validates a hook request in one pass over the body: strict on the envelope (every
/// CDS Hooks member of the right type, hook matching the service, UUID hookInstance, FHIR ids),
/// lenient on FHIR content (each prefetch key and each draft order is read on its own) and
/// tolerant of unknown members. JSON syntax errors and depth overruns throw <see cref="JsonException"/>.
/// </summary>
public static partial class CdsRequestReader
{
    /// <summary>Longest string accepted for ids and other short envelope members.</summary>
    public const int MaxShortString = 1024;

    /// <param name="fhirJson">Reads prefetch values and draft orders (the host's reader skips resources no rule can use).</param>
    public static (HookRequest? Request, IReadOnlyList<RequestIssue> Issues) Read(ReadOnlySpan<byte> body, CdsService service, int maxDepth, FhirJsonReader fhirJson)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(fhirJson);
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = maxDepth });
        var issues = new List<RequestIssue>();
        if (!reader.Read())
        {
            throw new JsonException("The request body is empty.");
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return (null, [new RequestIssue("$", "The request body must be a JSON object.")]);
        }

        string? hook = null, hookInstance = null, fhirServer = null;
        FhirAuthorization? authorization = null;
        var sawAuthorization = false;
        ContextParts? context = null;
        var prefetch = new Dictionary<string, PrefetchValue>(StringComparer.Ordinal);

        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString()!;
            reader.Read();
            switch (name)
            {
                case "hook":
                    hook = ReadString(ref reader, "hook", issues);
                    break;
                case "hookInstance":
                    hookInstance = ReadString(ref reader, "hookInstance", issues);
                    break;
                case "fhirServer":
                    fhirServer = ReadString(ref reader, "fhirServer", issues, allowLong: true);
                    break;
                case "fhirAuthorization":
                    sawAuthorization = reader.TokenType != JsonTokenType.Null;
                    authorization = ReadAuthorization(ref reader, issues);
                    break;
                case "context":
                    context = ReadContext(ref reader, issues);
                    break;
                case "prefetch":
                    ReadPrefetch(ref reader, prefetch, issues);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        if (reader.Read())
        {
            throw new JsonException("Unexpected data after the request object.");
        }

        // Envelope rules (CDS Hooks 2.0 §HTTP Request).
        if (hook is null)
        {
            Require(issues, "hook", "hook is required.");
        }
        else if (!string.Equals(hook, service.Hook, StringComparison.Ordinal))
        {
            issues.Add(new RequestIssue("hook", $"hook '{Truncate(hook)}' does not match service '{service.Id}', which answers '{service.Hook}'."));
        }

        var instance = Guid.Empty;
        if (hookInstance is null)
        {
            Require(issues, "hookInstance", "hookInstance is required.");
        }
        else if (!Guid.TryParse(hookInstance, out instance))
        {
            issues.Add(new RequestIssue("hookInstance", "hookInstance must be a UUID."));
        }

        Uri? server = null;
        if (fhirServer is not null && (!Uri.TryCreate(fhirServer, UriKind.Absolute, out server) || server.Scheme is not ("http" or "https")))
        {
            issues.Add(new RequestIssue("fhirServer", "fhirServer must be an absolute http(s) URL."));
            server = null;
        }

        if (sawAuthorization && fhirServer is null)
        {
            issues.Add(new RequestIssue("fhirServer", "fhirServer is required when fhirAuthorization is present."));
        }

        if (context is null)
        {
            Require(issues, "context", "context is required.");
        }
        else
        {
            ValidateContext(context, service, issues);
        }

        if (issues.Count > 0 || context is null)
        {
            return (null, issues);
        }

        var hookContext = new HookContext(context.UserId!, context.PatientId!, context.EncounterId, context.Selections ?? [],
            [.. context.DraftOrders.Select(e => e.Item)], context.DraftOrderProblems);
        return (new HookRequest(hook!, instance, server, authorization, hookContext, prefetch), issues);
    }

    private static void ValidateContext(ContextParts context, CdsService service, List<RequestIssue> issues)
    {
        if (context.UserId is null)
        {
            Require(issues, "context.userId", "context.userId is required.");
        }

        if (context.PatientId is null)
        {
            Require(issues, "context.patientId", "context.patientId is required.");
        }
        else if (!FhirId().IsMatch(context.PatientId))
        {
            issues.Add(new RequestIssue("context.patientId", "context.patientId must be a FHIR id (letters, digits, '-' and '.', at most 64)."));
        }

        if (context.EncounterId is not null && !FhirId().IsMatch(context.EncounterId))
        {
            issues.Add(new RequestIssue("context.encounterId", "context.encounterId must be a FHIR id."));
        }

        if (!service.IsOrderHook)
        {
            return;
        }

        if (!context.SawDraftOrders)
        {
            Require(issues, "context.draftOrders", $"context.draftOrders is required for {service.Hook}.");
        }
        else if (context.DraftOrdersUnreadable)
        {
            issues.Add(new RequestIssue("context.draftOrders", "context.draftOrders must be a FHIR Bundle of draft orders."));
        }

        // A draft order for someone else is a request error, never a card about this patient.
        foreach (var entry in context.DraftOrders)
        {
            if (context.PatientId is not null && PatientRecordAssembler.PatientOf(entry.Item) is { } owner && owner != context.PatientId)
            {
                var location = context.DraftOrdersIsBundle ? $"context.draftOrders.entry[{entry.Index}]" : "context.draftOrders";
                issues.Add(new RequestIssue(location, $"This draft {entry.Item.Type}'s subject is another patient than context.patientId."));
            }
        }

        if (service.Hook == CdsServiceCatalog.OrderSelect && context.Selections is null)
        {
            Require(issues, "context.selections", "context.selections is required for order-select.");
        }
    }

    private static ContextParts? ReadContext(ref Utf8JsonReader reader, List<RequestIssue> issues)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            issues.Add(new RequestIssue("context", "context must be an object."));
            reader.Skip();
            return null;
        }

        var parts = new ContextParts();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString()!;
            reader.Read();
            switch (name)
            {
                case "userId":
                    parts.UserId = ReadString(ref reader, "context.userId", issues);
                    break;
                case "patientId":
                    parts.PatientId = ReadString(ref reader, "context.patientId", issues);
                    break;
                case "encounterId":
                    parts.EncounterId = reader.TokenType == JsonTokenType.Null ? null : ReadString(ref reader, "context.encounterId", issues);
                    break;
                case "selections":
                    parts.Selections = ReadStringArray(ref reader, "context.selections", issues);
                    break;
                case "draftOrders":
                    parts.SawDraftOrders = reader.TokenType != JsonTokenType.Null;
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        parts.DraftOrdersUnreadable = true;
                        reader.Skip();
                        break;
                    }

                    var payload = FhirJsonReader.Shared.ReadValue(ref reader);
                    parts.DraftOrdersUnreadable = payload.Kind is FhirPayloadKind.NotAResource or FhirPayloadKind.OperationOutcome;
                    parts.DraftOrdersIsBundle = payload.Kind == FhirPayloadKind.Bundle;
                    parts.DraftOrders = payload.Entries;
                    parts.DraftOrderProblems = payload.Problems;
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        return parts;
    }

    /// <summary>
    /// Hands each prefetch key's JSON to the record source's reader where it stands in the request (one pass over the
    /// bytes); what a key holds is Data's business.
    /// </summary>
    private static void ReadPrefetch(ref Utf8JsonReader reader, Dictionary<string, PrefetchValue> prefetch, List<RequestIssue> issues)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            issues.Add(new RequestIssue("prefetch", "prefetch must be an object keyed by prefetch template."));
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var key = reader.GetString()!;
            reader.Read();
            prefetch[key] = PrefetchValue.Read(key, ref reader);
        }
    }

    private static FhirAuthorization? ReadAuthorization(ref Utf8JsonReader reader, List<RequestIssue> issues)
    {
        // Issues found while reading the members count too: any of them means no usable authorization.
        var before = issues.Count;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            issues.Add(new RequestIssue("fhirAuthorization", "fhirAuthorization must be an object."));
            reader.Skip();
            return null;
        }

        string? token = null, type = null, scope = null, subject = null, patient = null;
        long? expiresIn = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString()!;
            reader.Read();
            switch (name)
            {
                case "access_token":
                    token = ReadString(ref reader, "fhirAuthorization.access_token", issues, allowLong: true);
                    break;
                case "token_type":
                    type = ReadString(ref reader, "fhirAuthorization.token_type", issues);
                    break;
                case "scope":
                    scope = ReadString(ref reader, "fhirAuthorization.scope", issues, allowLong: true);
                    break;
                case "subject":
                    subject = ReadString(ref reader, "fhirAuthorization.subject", issues);
                    break;
                case "patient":
                    patient = reader.TokenType == JsonTokenType.Null ? null : ReadString(ref reader, "fhirAuthorization.patient", issues);
                    break;
                case "expires_in":
                    if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var seconds) && seconds >= 0)
                    {
                        expiresIn = seconds;
                    }
                    else
                    {
                        issues.Add(new RequestIssue("fhirAuthorization.expires_in", "fhirAuthorization.expires_in must be a non-negative integer."));
                        reader.Skip();
                    }

                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        if (string.IsNullOrEmpty(token))
        {
            Require(issues, "fhirAuthorization.access_token", "fhirAuthorization.access_token is required.");
        }
        else if (!IsB64Token(token))
        {
            // It becomes an Authorization header: a CR, LF, NUL or space would corrupt it (RFC 6750 §2.1 b64token).
            issues.Add(new RequestIssue("fhirAuthorization.access_token",
                "fhirAuthorization.access_token must be an RFC 6750 bearer token: letters, digits and - . _ ~ + / with trailing '=' only."));
        }

        if (!string.Equals(type, "Bearer", StringComparison.OrdinalIgnoreCase))
        {
            issues.Add(new RequestIssue("fhirAuthorization.token_type", "fhirAuthorization.token_type must be 'Bearer'."));
        }

        if (expiresIn is null)
        {
            Require(issues, "fhirAuthorization.expires_in", "fhirAuthorization.expires_in is required.");
        }

        if (scope is null)
        {
            Require(issues, "fhirAuthorization.scope", "fhirAuthorization.scope is required.");
        }

        if (subject is null)
        {
            Require(issues, "fhirAuthorization.subject", "fhirAuthorization.subject is required.");
        }

        return issues.Count == before ? new FhirAuthorization(token!, type!, expiresIn!.Value, scope!, subject!, patient) : null;
    }

    private static string? ReadString(ref Utf8JsonReader reader, string location, List<RequestIssue> issues, bool allowLong = false)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            issues.Add(new RequestIssue(location, $"{location} must be a string, not {Describe(reader.TokenType)}."));
            reader.Skip();
            return null;
        }

        if (!allowLong && reader.ValueSpan.Length > MaxShortString * 6)
        {
            issues.Add(new RequestIssue(location, $"{location} is longer than {MaxShortString} characters."));
            return null;
        }

        var value = reader.GetString()!;
        if (!allowLong && value.Length > MaxShortString)
        {
            issues.Add(new RequestIssue(location, $"{location} is longer than {MaxShortString} characters."));
            return null;
        }

        if (value.Length == 0)
        {
            issues.Add(new RequestIssue(location, $"{location} must not be empty."));
            return null;
        }

        return value;
    }

    private static List<string>? ReadStringArray(ref Utf8JsonReader reader, string location, List<RequestIssue> issues)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            issues.Add(new RequestIssue(location, $"{location} must be an array of strings."));
            reader.Skip();
            return null;
        }

        var values = new List<string>();
        var index = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (ReadString(ref reader, $"{location}[{index++}]", issues) is { } value)
            {
                values.Add(value);
            }
        }

        return values;
    }

    private static void Require(List<RequestIssue> issues, string location, string message)
    {
        if (!issues.Any(i => i.Location == location))
        {
            issues.Add(new RequestIssue(location, message));
        }
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };

    private static string Truncate(string value) => value.Length <= 40 ? value : value[..40] + "…";

    [GeneratedRegex("^[A-Za-z0-9\\-\\.]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex FhirId();

    private sealed class ContextParts
    {
        public string? UserId { get; set; }
        public string? PatientId { get; set; }
        public string? EncounterId { get; set; }
        public List<string>? Selections { get; set; }
        public bool SawDraftOrders { get; set; }
        public bool DraftOrdersUnreadable { get; set; }
        public bool DraftOrdersIsBundle { get; set; }
        public IReadOnlyList<FhirEntry> DraftOrders { get; set; } = [];
        public IReadOnlyList<string> DraftOrderProblems { get; set; } = [];
    }

    /// <summary>RFC 6750 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".</summary>
    internal static bool IsB64Token(string token)
    {
        var end = token.Length;
        while (end > 0 && token[end - 1] == '=')
        {
            end--;
        }

        if (end == 0)
        {
            return false;
        }

        for (var i = 0; i < end; i++)
        {
            if (!(char.IsAsciiLetterOrDigit(token[i]) || token[i] is '-' or '.' or '_' or '~' or '+' or '/'))
            {
                return false;
            }
        }

        return true;
    }
}
