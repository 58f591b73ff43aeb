using System.Diagnostics;

namespace Valvuloplasty.Fhir.Data.Diagnostics;

/// <summary>
/// The service's one <see cref="ActivitySource"/> (<c>Valvuloplasty.Fhir</c>, versioned with the assembly): a span per
/// hook call with its stages, and a client span per FHIR server request of the fallback. Attributes carry service ids,
/// prefetch key names and states, resource types, server authorities, status codes and outcomes; never a patient id, a
/// name, a resource id, a token or a rendered query. Without a listener (no OpenTelemetry SDK) no span is created.
/// </summary>
public static class Tracing
{
    public const string SourceName = "Valvuloplasty.Fhir";

    public static readonly ActivitySource Source = new(SourceName, typeof(Tracing).Assembly.GetName().Version?.ToString(3));

    /// <summary>
    /// A client span for one FHIR interaction (<c>fhir {type} search</c> or <c>fhir {type} read</c>), all its pages and
    /// retries included. The HttpClient under it propagates its W3C <c>traceparent</c> to the server.
    /// </summary>
    public static Activity? StartFhirRequest(string resourceType, string interaction, Uri baseUrl, string? prefetchKey = null)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        var activity = Source.StartActivity($"fhir {resourceType} {interaction}", ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("server.address", baseUrl.Host);
            activity.SetTag("server.port", baseUrl.Port);
            activity.SetTag("fhir.resource.type", resourceType);
            activity.SetTag("fhir.interaction", interaction);
            if (prefetchKey is not null)
            {
                activity.SetTag("cds.prefetch.key", prefetchKey);
            }
        }

        return activity;
    }

    /// <summary>The status code of the FHIR server's last answer, on the current FHIR span (if this source made it).</summary>
    internal static void ResponseStatus(int statusCode)
    {
        if (Activity.Current is { IsAllDataRequested: true } current && current.Source == Source && current.Kind == ActivityKind.Client)
        {
            current.SetTag("http.response.status_code", statusCode);
        }
    }

    /// <summary>Ends a FHIR span with its outcome (<c>ok</c>, <c>http-404</c>, <c>timeout</c>…): an error status unless ok.</summary>
    internal static void FhirOutcome(Activity? activity, string outcome, int pages)
    {
        if (activity is not { IsAllDataRequested: true })
        {
            return;
        }

        activity.SetTag("fhir.outcome", outcome);
        activity.SetTag("fhir.pages", pages);
        if (outcome != "ok")
        {
            activity.SetStatus(ActivityStatusCode.Error, outcome);
        }
    }
}
