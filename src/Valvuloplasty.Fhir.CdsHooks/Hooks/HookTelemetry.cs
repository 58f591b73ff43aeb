using System.Diagnostics;
using System.Diagnostics.Metrics;
using Valvuloplasty.Fhir.Data.Diagnostics;
using Valvuloplasty.Fhir.Data.Prefetch;

namespace Valvuloplasty.Fhir.CdsHooks.Hooks;

/// <summary>
/// Metrics of the hook calls (System.Diagnostics.Metrics, meter <c>Valvuloplasty.Fhir.CdsHooks</c>): calls and their
/// duration, tagged by service id and HTTP status code only.
/// </summary>
public sealed class HookMetrics
{
    public const string MeterName = "Valvuloplasty.Fhir.CdsHooks";

    /// <summary>Buckets in seconds: a hook answers in milliseconds from prefetch, in up to seconds through the FHIR fallback.</summary>
    private static readonly double[] DurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    private readonly Counter<long> _calls;
    private readonly Histogram<double> _duration;

    public HookMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _calls = meter.CreateCounter<long>("cds.hook.calls", "{call}", "Hook calls answered, by service id and status code.");
        _duration = meter.CreateHistogram("cds.hook.duration", "s", "Time to answer one hook call, FHIR fallback included.", [],
            new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
    }

    public void Answered(string serviceId, int statusCode, double seconds)
    {
        var tags = new TagList { { "cds.service.id", serviceId }, { "http.response.status_code", statusCode } };
        _calls.Add(1, tags);
        _duration.Record(seconds, tags);
    }
}

/// <summary>
/// The span of one hook call (<c>hook {serviceId}</c>, under ASP.NET Core's request span when that is traced). Its
/// attributes: <c>cds.service.id</c>, <c>cds.hook</c>, <c>cds.prefetch.states</c> (each template key and what the
/// request held for it), <c>cds.outcome</c> (cards and decisions, or why the call was refused) and the status code.
/// </summary>
internal static class HookTelemetry
{
    /// <summary>The service id in metrics and spans for a call to an id that is not one of ours (never the id sent).</summary>
    public const string UnknownService = "(unknown)";

    public static Activity? Start(CdsService? service)
    {
        if (!Tracing.Source.HasListeners())
        {
            return null;
        }

        var activity = Tracing.Source.StartActivity(service is null ? "hook" : $"hook {service.Id}", ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("cds.service.id", service?.Id ?? UnknownService);
            if (service is not null)
            {
                activity.SetTag("cds.hook", service.Hook);
            }
        }

        return activity;
    }

    /// <summary>Each prefetch template's key with the state of its value in the request: <c>patient=present,conditions=absent,…</c>.</summary>
    public static string PrefetchStates(PrefetchTemplates templates, IReadOnlyDictionary<string, PrefetchValue> prefetch) =>
        string.Join(",", templates.All.Select(t => $"{t.Key}={State(prefetch.GetValueOrDefault(t.Key)?.State)}"));

    private static string State(PrefetchState? state) => state switch
    {
        null or PrefetchState.Absent => "absent",
        PrefetchState.Null => "null",
        PrefetchState.Resources => "present",
        PrefetchState.OperationOutcome => "operation-outcome",
        PrefetchState.Unreadable => "unreadable",
        _ => "other",
    };

    /// <summary>
    /// Sets <c>cds.outcome</c>. Called as <c>activity?.SetOutcome(…)</c>, so the text is not even built when no one
    /// listens (the usual case: no span, no allocation on the hook's path).
    /// </summary>
    public static void SetOutcome(this Activity activity, string outcome) => activity.SetTag("cds.outcome", outcome);

    public static void Finish(Activity? activity, HookMetrics metrics, string serviceId, int statusCode, TimeSpan elapsed)
    {
        metrics.Answered(serviceId, statusCode, elapsed.TotalSeconds);
        if (activity is not { IsAllDataRequested: true })
        {
            return;
        }

        activity.SetTag("http.response.status_code", statusCode);
        if (statusCode >= 500)
        {
            activity.SetStatus(ActivityStatusCode.Error, statusCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
