using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;

namespace Valvuloplasty.Fhir.Data.FhirServer;

/// <summary>
/// One circuit breaker per FHIR server authority, sampling <em>hook calls</em>: a hook whose fallback met a failing
/// server (5xx, 408, 429, a network error or a timeout on any query) is one failure, however many queries and retries
/// it made. The breaker opens when at least <see cref="FhirServerOptions.BreakerMinimumThroughput"/> hook calls in
/// <see cref="FhirServerOptions.BreakerSamplingDuration"/> failed at <see cref="FhirServerOptions.BreakerFailureRatio"/>
/// or more; while open, hooks do not call that server and their 412 names the last cause the server gave. The first
/// hooks against a failing server therefore always report the server's own answer, never "circuit open".
/// </summary>
public sealed class FhirServerBreakers(IOptions<FhirServerOptions> options, TimeProvider time, ILogger<FhirServerBreakers> logger)
{
    private readonly ConcurrentDictionary<string, Breaker> _byAuthority = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The breaker of one FHIR server (scheme, host and port).</summary>
    public Breaker For(string authority) => _byAuthority.GetOrAdd(authority, Create);

    private Breaker Create(string authority)
    {
        var fhir = options.Value;
        var breaker = new Breaker();
        breaker.Pipeline = new ResiliencePipelineBuilder<FallbackResult> { TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<FallbackResult>
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is { ServerFailing: true }),
                FailureRatio = fhir.BreakerFailureRatio,
                MinimumThroughput = fhir.BreakerMinimumThroughput,
                SamplingDuration = fhir.BreakerSamplingDuration,
                BreakDuration = fhir.BreakerBreakDuration,
                OnOpened = _ =>
                {
                    Log.BreakerOpened(logger, authority, fhir.BreakerBreakDuration.TotalSeconds, breaker.LastCause ?? "unknown");
                    return default;
                },
                OnClosed = _ =>
                {
                    Log.BreakerClosed(logger, authority);
                    return default;
                },
            })
            .Build();
        return breaker;
    }

    /// <summary>A server's breaker and the last failure it saw (a reason safe to show: no URL, no patient data).</summary>
    public sealed class Breaker
    {
        private string? _lastCause;

        public ResiliencePipeline<FallbackResult> Pipeline { get; internal set; } = ResiliencePipeline<FallbackResult>.Empty;

        public string? LastCause => Volatile.Read(ref _lastCause);

        internal void Failed(string cause) => Volatile.Write(ref _lastCause, cause);
    }
}
