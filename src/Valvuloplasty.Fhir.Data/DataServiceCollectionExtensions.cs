using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Valvuloplasty.Fhir.Data.Feedback;
using Valvuloplasty.Fhir.Data.FhirServer;
using Valvuloplasty.Fhir.Data.Mapping;
using Valvuloplasty.Fhir.Data.Prefetch;
using Valvuloplasty.Fhir.Data.Terminology;
using Valvuloplasty.Fhir.Rules.Terminology;

namespace Valvuloplasty.Fhir.Data;

/// <summary>Registers what the Data project owns: terminology, prefetch, mapping, feedback store.</summary>
public static class DataServiceCollectionExtensions
{
    /// <summary>
    /// Loads profiles/ into the <see cref="ValueSetIndex"/> at start-up (a bad file stops the host with
    /// its name) and registers what is built from it: prefetch templates, record assembler, mapper.
    /// </summary>
    public static IServiceCollection AddProfileTerminology(this IServiceCollection services, Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        services.AddOptions<TerminologyOptions>()
            .Bind(configuration.GetSection(TerminologyOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<TerminologyOptions>>().Value;
            var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger("Valvuloplasty.Fhir.Data.Terminology");
            var watch = Stopwatch.StartNew();
            try
            {
                var index = ProfileTerminologyLoader.Load(options.ResolvedPath, TerminologyBindings.Required);
                Log.TerminologyLoaded(logger, options.ResolvedPath, index.ValueSetCount, index.CodeCount, watch.ElapsedMilliseconds);
                return index;
            }
            catch (TerminologyLoadException ex)
            {
                Log.TerminologyFailed(logger, ex.Message);
                throw;
            }
        });
        services.AddSingleton<PrefetchTemplates>();
        services.AddSingleton(FhirJsonReader.Shared);
        services.AddSingleton<PatientRecordAssembler>();
        services.AddSingleton<PatientFactsMapper>();
        services.AddHostedService<TerminologyStartup>();
        services.AddHealthChecks().AddCheck<TerminologyHealthCheck>("terminology", tags: ["ready"]);
        return services;
    }

    /// <summary>
    /// Reading the EHR's FHIR server when prefetch is missing: the allow-list, the fallback, and one named HttpClient
    /// whose resilience pipeline (Polly v8) retries each request (jittered exponential backoff, Retry-After honoured)
    /// under an attempt timeout and a per-request timeout. The circuit breaker is not here: it lives in
    /// <see cref="FhirFallback"/>, one per FHIR server authority, and counts hook calls, so one hook's own concurrent
    /// queries and their retries cannot open it. Polly's per-attempt events are logged at Debug; the fallback logs one
    /// line per hook. No redirects are followed, so a token never leaves the server it was given for.
    /// </summary>
    public static IServiceCollection AddFhirDataAccess(this IServiceCollection services, Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        services.AddOptions<FhirServerOptions>()
            .Bind(configuration.GetSection(FhirServerOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<FhirServerOptions>, FhirServerOptionsEnvironmentValidation>();
        services.AddMetrics();
        services.AddSingleton<FallbackMetrics>();
        services.AddSingleton<FhirServerAllowList>();
        services.AddSingleton<FhirServerBreakers>();
        services.AddSingleton<FhirFallback>();
        services.AddSingleton<PatientRecordSource>();

        // Every Polly event (an attempt, a retry, a timeout) at Debug: one slow server must not flood the log.
        services.Configure<Polly.Telemetry.TelemetryOptions>(telemetry => telemetry.SeverityProvider = _ => Polly.Telemetry.ResilienceEventSeverity.Debug);

        services.AddHttpClient(FhirFallback.ClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => FhirServerHttp.CreatePrimaryHandler(connectTimeout: TimeSpan.FromSeconds(2)))
            // The default HttpClient logs print request URLs, which hold the patient id: off.
            .RemoveAllLoggers()
            .AddResilienceHandler("fhir-server", (pipeline, context) => pipeline.AddFhirServerStrategies(
                FhirServerResilience.From(context.ServiceProvider.GetRequiredService<IOptions<FhirServerOptions>>().Value),
                _ =>
                {
                    FhirFallback.CountRetry();
                    return default;
                }));
        return services;
    }

    /// <summary>
    /// The feedback store: SQLite at <c>Feedback:SqlitePath</c> by default, PostgreSQL when
    /// <c>Feedback:PostgresConnectionString</c> is set. The schema is created at start-up.
    /// </summary>
    public static IServiceCollection AddFeedbackStore(this IServiceCollection services, Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        services.AddOptions<FeedbackStoreOptions>()
            .Bind(configuration.GetSection(FeedbackStoreOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddSingleton<IFeedbackStore>(provider =>
        {
            var options = provider.GetRequiredService<IOptions<FeedbackStoreOptions>>();
            return options.Value.UsesPostgres
                ? new PostgresFeedbackStore(options)
                : new SqliteFeedbackStore(options, provider.GetRequiredService<IHostEnvironment>().ContentRootPath);
        });
        services.AddSingleton(provider => (Worklist.IWorklistStore)provider.GetRequiredService<IFeedbackStore>());
        services.AddHostedService<FeedbackStoreStartup>();
        services.AddOptions<LedgerOptions>()
            .Bind(configuration.GetSection(LedgerOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<CardLedger>();
        services.AddHostedService(provider => provider.GetRequiredService<CardLedger>());
        services.AddHealthChecks().AddCheck<FeedbackStoreHealthCheck>("feedback-store", tags: ["ready"]);
        return services;
    }

    /// <summary>Loads the terminology before the host accepts requests, so a bad profile fails start-up.</summary>
    private sealed class TerminologyStartup(IServiceProvider provider) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            provider.GetRequiredService<PrefetchTemplates>();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class FeedbackStoreStartup(IFeedbackStore store, IOptions<FeedbackStoreOptions> options, ILogger<FeedbackStoreStartup> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            await store.InitializeAsync(cancellationToken);
            Log.FeedbackStoreReady(logger, options.Value.UsesPostgres ? "postgresql" : "sqlite");
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class TerminologyHealthCheck(ValueSetIndex index) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(index.HasValueSet(TerminologyBindings.Stenosis[Rules.Facts.Valve.Aortic])
                ? HealthCheckResult.Healthy($"{index.ValueSetCount} ValueSets loaded")
                : HealthCheckResult.Unhealthy("terminology not loaded"));
    }

    private sealed class FeedbackStoreHealthCheck(IFeedbackStore store) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            await store.PingAsync(cancellationToken)
                ? HealthCheckResult.Healthy("feedback store answers")
                : HealthCheckResult.Unhealthy("feedback store does not answer");
    }
}
