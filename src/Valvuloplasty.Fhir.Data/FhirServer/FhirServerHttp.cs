using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.Retry;

namespace Valvuloplasty.Fhir.Data.FhirServer;

/// <summary>
/// How hard one request to a FHIR server is tried: a timeout over the whole request (all attempts and the waits
/// between them), at most <paramref name="MaxRetries"/> retries on 408, 429, 5xx and network errors with jittered
/// exponential backoff from <paramref name="RetryBaseDelay"/> (a <c>Retry-After</c> header wins), and a timeout per attempt.
/// </summary>
public sealed record FhirServerResilience(TimeSpan TotalBudget, TimeSpan AttemptTimeout, int MaxRetries, TimeSpan RetryBaseDelay)
{
    /// <summary>The hook fallback's settings (<c>Fhir:TotalBudget</c>, <c>Fhir:AttemptTimeout</c>, <c>Fhir:MaxRetries</c>, <c>Fhir:RetryBaseDelay</c>).</summary>
    public static FhirServerResilience From(FhirServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new FhirServerResilience(options.TotalBudget, options.AttemptTimeout, options.MaxRetries, options.RetryBaseDelay);
    }
}

/// <summary>
/// The HTTP stack every call to a FHIR server goes through, defined once: the hook's fallback registers it as a named
/// <c>HttpClient</c>, and the worklist's Bulk Data export builds the same stack without a container.
/// </summary>
public static class FhirServerHttp
{
    /// <summary>
    /// The connection handler: no redirects (a token never leaves the server it was given for), gzip/deflate/brotli
    /// decompressed, pooled connections renewed every 5 minutes (DNS changes are seen).
    /// </summary>
    public static SocketsHttpHandler CreatePrimaryHandler(TimeSpan connectTimeout) => new()
    {
        AllowAutoRedirect = false,
        AutomaticDecompression = System.Net.DecompressionMethods.All,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = connectTimeout,
    };

    /// <summary>
    /// Adds the FHIR server strategies to a pipeline (Polly v8): total timeout, retry (jittered exponential backoff,
    /// <c>Retry-After</c> honoured; 401 and 403 are never retried), attempt timeout.
    /// </summary>
    public static ResiliencePipelineBuilder<HttpResponseMessage> AddFhirServerStrategies(
        this ResiliencePipelineBuilder<HttpResponseMessage> pipeline,
        FhirServerResilience settings,
        Func<OnRetryArguments<HttpResponseMessage>, ValueTask>? onRetry = null)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(settings);
        pipeline.AddTimeout(settings.TotalBudget);
        if (settings.MaxRetries > 0)
        {
            pipeline.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = settings.MaxRetries,
                Delay = settings.RetryBaseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldRetryAfterHeader = true,
                OnRetry = onRetry ?? (_ => default),
            });
        }

        pipeline.AddTimeout(settings.AttemptTimeout);
        return pipeline;
    }

    /// <summary>
    /// An <c>HttpClient</c> with the same handler and strategies, for a program without a service container. Its own
    /// timeout is off: the pipeline's timeouts govern. The caller disposes it.
    /// </summary>
    public static HttpClient CreateClient(
        FhirServerResilience settings,
        TimeSpan connectTimeout,
        TimeProvider? timeProvider = null,
        Func<OnRetryArguments<HttpResponseMessage>, ValueTask>? onRetry = null)
    {
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = timeProvider ?? TimeProvider.System }
            .AddFhirServerStrategies(settings, onRetry)
            .Build();
#pragma warning disable CA2000 // the client owns and disposes its handlers
        return new HttpClient(new ResilienceHandler(pipeline) { InnerHandler = CreatePrimaryHandler(connectTimeout) }, disposeHandler: true)
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
#pragma warning restore CA2000
    }
}
