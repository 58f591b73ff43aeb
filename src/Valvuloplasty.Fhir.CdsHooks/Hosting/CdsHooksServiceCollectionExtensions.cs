using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Valvuloplasty.Fhir.Cards;
using Valvuloplasty.Fhir.CdsHooks.Hooks;
using Valvuloplasty.Fhir.Rules.Engine;

namespace Valvuloplasty.Fhir.CdsHooks.Hosting;

/// <summary>Registers and maps what the host owns: protocol limits, rules options, rendering, errors, health.</summary>
public static class CdsHooksServiceCollectionExtensions
{
    public static IServiceCollection AddCdsHooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CdsHooksOptions>()
            .Bind(configuration.GetSection(CdsHooksOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<RuleOptions>()
            .Bind(configuration.GetSection(RuleOptions.SectionName))
            .Validate(o => o.EchoFreshnessDays is >= 30 and <= 3650 && o.PostProcedureDays is >= 1 and <= 365,
                "Rules:EchoFreshnessDays must be 30–3650 and Rules:PostProcedureDays 1–365.")
            .ValidateOnStart();

        // Our limit answers 413 with an OperationOutcome. Kestrel's hard limit sits above it, so Kestrel can still
        // drain a body that is somewhat too large and the client reads our 413 instead of a reset connection.
        services.AddSingleton<IConfigureOptions<KestrelServerOptions>>(provider => new ConfigureOptions<KestrelServerOptions>(kestrel =>
            kestrel.Limits.MaxRequestBodySize = (2 * provider.GetRequiredService<IOptions<CdsHooksOptions>>().Value.MaxRequestBodyBytes) + (1024 * 1024)));

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<CdsServiceCatalog>();
        services.AddContentTables();
        services.AddSingleton<CardRenderer>();
        services.AddSingleton<HookEvaluator>();
        services.AddHealthChecks();
        services.AddGracefulShutdown(configuration);
        return services;
    }

    /// <summary>
    /// <c>/health/live</c>: the process runs. <c>/health/ready</c>: terminology loaded, feedback store answers, not
    /// stopping; anything short of Healthy (a draining replica is Degraded) is a 503.
    /// </summary>
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains("ready"),
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        });
        return endpoints;
    }
}
