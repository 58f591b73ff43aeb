using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Valvuloplasty.Fhir.CdsHooks.Hosting;

/// <summary>Configuration section <c>Hosting</c>: how a replica leaves a load balancer's pool on SIGTERM.</summary>
public sealed class ShutdownOptions
{
    public const string SectionName = "Hosting";

    /// <summary>
    /// Seconds between the stop signal and Kestrel refusing new connections. <c>/health/ready</c> answers 503 from the
    /// signal on, so a load balancer polling it takes the replica out before its port closes; requests keep being served
    /// meanwhile. Set it to at least the balancer's check interval × fall count (HAProxy in deploy/: 1 s × 2).
    /// </summary>
    [Range(0, 120)]
    public int ShutdownDrainSeconds { get; set; } = 5;

    /// <summary>Most seconds the whole stop may take (drain, in-flight hooks, the card ledger's flush): HostOptions.ShutdownTimeout.</summary>
    [Range(1, 600)]
    public int ShutdownTimeoutSeconds { get; set; } = 30;
}

/// <summary>
/// On stop: readiness turns false at once (<see cref="StoppingHealthCheck"/>), then this waits the drain delay before
/// the host stops its services (Kestrel first: it stops accepting, lets in-flight requests finish within the shutdown
/// timeout; the card ledger, registered earlier, stops after it and writes its queue).
/// </summary>
internal sealed class ShutdownDrain(IOptions<ShutdownOptions> options, ILogger<ShutdownDrain> logger) : IHostedLifecycleService
{
    private volatile bool _stopping;

    /// <summary>
    /// True once the host has begun to stop: on SIGTERM the lifetime's ApplicationStopping fires first; when the host is
    /// stopped in code, <see cref="StoppingAsync"/> runs before ApplicationStopping does, so it says so itself.
    /// </summary>
    public bool Stopping => _stopping;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs before any hosted service (Kestrel included) is stopped.</summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        var drain = TimeSpan.FromSeconds(options.Value.ShutdownDrainSeconds);
        if (drain <= TimeSpan.Zero)
        {
            return;
        }

        Log.ShutdownDraining(logger, (int)drain.TotalSeconds);
        try
        {
            await Task.Delay(drain, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The shutdown timeout ended the drain early; stopping goes on.
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// Readiness is false from the moment the host begins to stop. A planned stop is reported as Degraded (answered 503 by
/// <c>/health/ready</c>, like Unhealthy), so the health-check log says Warning, not Error, while a replica drains.
/// </summary>
internal sealed class StoppingHealthCheck(IHostApplicationLifetime lifetime, ShutdownDrain drain) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(lifetime.ApplicationStopping.IsCancellationRequested || drain.Stopping
            ? HealthCheckResult.Degraded("stopping: draining before the port closes")
            : HealthCheckResult.Healthy("accepting requests"));
}

public static class ShutdownServiceCollectionExtensions
{
    /// <summary>Readiness off on stop, a drain delay, then a bounded stop.</summary>
    public static IServiceCollection AddGracefulShutdown(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ShutdownOptions>()
            .Bind(configuration.GetSection(ShutdownOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => o.ShutdownDrainSeconds < o.ShutdownTimeoutSeconds, "Hosting:ShutdownDrainSeconds must be less than Hosting:ShutdownTimeoutSeconds.")
            .ValidateOnStart();
        services.AddSingleton<IConfigureOptions<HostOptions>>(provider => new ConfigureOptions<HostOptions>(host =>
            host.ShutdownTimeout = TimeSpan.FromSeconds(provider.GetRequiredService<IOptions<ShutdownOptions>>().Value.ShutdownTimeoutSeconds)));
        services.AddSingleton<ShutdownDrain>();
        services.AddHostedService(provider => provider.GetRequiredService<ShutdownDrain>());
        services.AddHealthChecks().AddCheck<StoppingHealthCheck>("stopping", tags: ["ready"]);
        return services;
    }
}
