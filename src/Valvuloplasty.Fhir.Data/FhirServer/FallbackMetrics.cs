using System.Diagnostics.Metrics;

namespace Valvuloplasty.Fhir.Data.FhirServer;

/// <summary>
/// OpenTelemetry-compatible metrics of the FHIR fallback (System.Diagnostics.Metrics, meter
/// <c>Valvuloplasty.Fhir.FhirServer</c>). Tags carry prefetch keys and outcomes, never patient data or URLs.
/// </summary>
public sealed class FallbackMetrics
{
    public const string MeterName = "Valvuloplasty.Fhir.FhirServer";

    private readonly Histogram<double> _fallbackDuration;
    private readonly Histogram<double> _queryDuration;
    private readonly Counter<long> _pages;

    public FallbackMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _fallbackDuration = meter.CreateHistogram<double>("valvuloplasty.fhir.fallback.duration", "ms", "Time to fetch every missing prefetch key of one hook call.");
        _queryDuration = meter.CreateHistogram<double>("valvuloplasty.fhir.query.duration", "ms", "Time of one prefetch key's query, all pages and retries included.");
        _pages = meter.CreateCounter<long>("valvuloplasty.fhir.query.pages", "{page}", "Bundle pages read from FHIR servers.");
    }

    public void Fallback(double milliseconds, string outcome) =>
        _fallbackDuration.Record(milliseconds, new KeyValuePair<string, object?>("outcome", outcome));

    public void Query(string key, double milliseconds, string outcome, int pages)
    {
        _queryDuration.Record(milliseconds, new KeyValuePair<string, object?>("key", key), new KeyValuePair<string, object?>("outcome", outcome));
        _pages.Add(pages, new KeyValuePair<string, object?>("key", key));
    }
}
