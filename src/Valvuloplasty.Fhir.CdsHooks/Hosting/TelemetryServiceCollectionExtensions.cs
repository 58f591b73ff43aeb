using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Valvuloplasty.Fhir.CdsHooks.Hooks;
using Valvuloplasty.Fhir.Data.Diagnostics;
using Valvuloplasty.Fhir.Data.FhirServer;

namespace Valvuloplasty.Fhir.CdsHooks.Hosting;

/// <summary>
/// Traces and metrics. The hook metrics are always recorded (System.Diagnostics.Metrics: dotnet-counters sees them);
/// the OpenTelemetry SDK is started only when an OTLP endpoint is configured (<c>Telemetry:OtlpEndpoint</c>, or the
/// standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>): without one, no span is ever created.
/// </summary>
public static class TelemetryServiceCollectionExtensions
{
    public const string OtlpEndpointKey = "Telemetry:OtlpEndpoint";
    public const string OtlpProtocolKey = "Telemetry:OtlpProtocol";

    /// <summary>The service name on every span and metric unless <c>OTEL_SERVICE_NAME</c> says otherwise.</summary>
    public const string ServiceName = "valvuloplasty-fhir";

    public static IServiceCollection AddCdsHooksTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddSingleton<HookMetrics>();

        var endpoint = configuration[OtlpEndpointKey];
        if (!string.IsNullOrWhiteSpace(endpoint))
        {
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                throw new InvalidOperationException($"{OtlpEndpointKey} must be an absolute http(s) URL (e.g. http://collector:4317); got '{endpoint}'.");
            }

            var protocol = configuration[OtlpProtocolKey] switch
            {
                null or "" or "grpc" => OtlpExportProtocol.Grpc,
                "http/protobuf" => OtlpExportProtocol.HttpProtobuf,
                var other => throw new InvalidOperationException($"{OtlpProtocolKey} must be 'grpc' or 'http/protobuf'; got '{other}'."),
            };
            services.AddOpenTelemetry().WithCdsHooksInstrumentation(configuration).UseOtlpExporter(protocol, uri);
        }
        else if (!string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            // The exporter reads the standard OTEL_EXPORTER_OTLP_* variables itself (endpoint, protocol, headers).
            services.AddOpenTelemetry().WithCdsHooksInstrumentation(configuration).UseOtlpExporter();
        }

        return services;
    }

    /// <summary>
    /// What is traced and measured, whatever the exporter: this service's source and meters, ASP.NET Core and HttpClient.
    /// The framework spans are trimmed to what cannot name a patient: a request span's path is its route template and
    /// its query is dropped; an outgoing request's URL is its scheme, host and port (the FHIR spans say the resource type).
    /// </summary>
    public static OpenTelemetryBuilder WithCdsHooksInstrumentation(this OpenTelemetryBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        if (string.IsNullOrWhiteSpace(configuration["OTEL_SERVICE_NAME"]))
        {
            builder.ConfigureResource(resource => resource.AddService(ServiceName, serviceVersion: typeof(Tracing).Assembly.GetName().Version?.ToString(3)));
        }

        return builder
            .WithTracing(tracing => tracing
                .AddSource(Tracing.SourceName)
                .AddAspNetCoreInstrumentation(options =>
                {
                    options.EnrichWithHttpRequest = (activity, _) => activity.SetTag("url.query", null);
                    options.EnrichWithHttpResponse = (activity, response) =>
                        activity.SetTag("url.path", (response.HttpContext.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText);
                })
                .AddHttpClientInstrumentation(options =>
                    options.EnrichWithHttpRequestMessage = (activity, request) =>
                        activity.SetTag("url.full", request.RequestUri?.GetLeftPart(UriPartial.Authority))))
            .WithMetrics(metrics => metrics
                .AddMeter(HookMetrics.MeterName, FallbackMetrics.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation());
    }
}
