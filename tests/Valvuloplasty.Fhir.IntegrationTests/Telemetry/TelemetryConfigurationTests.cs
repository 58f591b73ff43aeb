using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Valvuloplasty.Fhir.CdsHooks.Hooks;
using Valvuloplasty.Fhir.CdsHooks.Hosting;
using Valvuloplasty.Fhir.IntegrationTests.Infrastructure;

namespace Valvuloplasty.Fhir.IntegrationTests.Telemetry;

/// <summary>
/// The OpenTelemetry SDK runs only when an OTLP endpoint is configured; a malformed one stops start-up. (The registration
/// reads the configuration as Program.cs does, from appsettings and environment variables, so it is checked on its own.)
/// </summary>
public sealed class TelemetryConfigurationTests
{
    [Fact]
    public void NoOtlpEndpoint_TheSdkIsNotStarted_TheHookMetricsStillAre()
    {
        using var services = Register([]);

        Assert.Null(services.GetService<TracerProvider>());
        Assert.Null(services.GetService<MeterProvider>());
        Assert.NotNull(services.GetService<HookMetrics>());
    }

    [Theory]
    [InlineData("Telemetry:OtlpEndpoint")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT")]
    public void OtlpEndpoint_StartsTracingAndMetrics(string setting)
    {
        // Nothing listens there: the exporter drops what it cannot send.
        using var services = Register(new() { [setting] = $"http://127.0.0.1:{FhirServerStub.UnusedLoopbackPort()}" });

        Assert.NotNull(services.GetService<TracerProvider>());
        Assert.NotNull(services.GetService<MeterProvider>());
    }

    [Theory]
    [InlineData("Telemetry:OtlpEndpoint", "collector:4317")]
    [InlineData("Telemetry:OtlpProtocol", "udp")]
    public void MalformedSetting_StopsStartUp_NamingIt(string setting, string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Register(new()
        {
            ["Telemetry:OtlpEndpoint"] = "http://127.0.0.1:4317",
            [setting] = value,
        }));

        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Register(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging().AddMetrics();
        services.AddCdsHooksTelemetry(configuration);
        return services.BuildServiceProvider();
    }
}
