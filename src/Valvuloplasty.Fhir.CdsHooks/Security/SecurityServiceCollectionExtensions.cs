using System.Threading.RateLimiting;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Valvuloplasty.Fhir.CdsHooks.Hosting;
using Valvuloplasty.Fhir.CdsHooks.Protocol;

namespace Valvuloplasty.Fhir.CdsHooks.Security;

/// <summary>Configuration section <c>Cors</c>: browser origins allowed to call /cds-services, /analytics and the sandbox's FHIR endpoint.</summary>
public sealed class CorsOptions
{
    public const string SectionName = "Cors";

    /// <summary>Allowed origins. Development allows the public CDS Hooks sandbox and any localhost origin by default.</summary>
    public List<string> AllowedOrigins { get; set; } = [];
}

/// <summary>Registers and applies the trust model: EHR JWTs, CORS for browser clients, a per-issuer rate limit.</summary>
public static class SecurityServiceCollectionExtensions
{
    public const string CorsPolicy = "cds-hooks";
    public const string RateLimitPolicy = "per-issuer";
    public const string SandboxOrigin = "https://sandbox.cds-hooks.org";

    public static IServiceCollection AddCdsHooksSecurity(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var development = environment.IsDevelopment();
        services.AddOptions<SecurityOptions>()
            .Bind(configuration.GetSection(SecurityOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => o.RequireAuthentication || development,
                "Security:RequireAuthentication can be false only in the Development environment.")
            .Validate(o => !o.TrustSandbox || development,
                "Security:TrustSandbox trusts a key published on the internet: it is refused outside the Development environment.")
            .Validate(o => !o.RequireAuthentication || o.Issuers.Count > 0 || o.TrustSandbox || development,
                "Security:RequireAuthentication is on but no issuer is trusted: configure Security:Issuers (see README, Connecting an EHR). In Development the sandbox page's issuer is trusted.")
            .ValidateOnStart();

        // Replicas sharing a PostgreSQL store share the replay cache too; SQLite means one node, and the cache stays in memory.
        services.AddSingleton<IJtiReplayCache>(provider =>
        {
            var store = provider.GetRequiredService<IOptions<Data.Feedback.FeedbackStoreOptions>>();
            return store.Value.UsesPostgres
                ? new PostgresJtiReplayCache(store)
                : new InMemoryJtiReplayCache(provider.GetRequiredService<IOptions<SecurityOptions>>().Value.ReplayCacheCapacity);
        });
        services.AddSingleton<IssuerKeys>();
        services.AddSingleton<CdsJwtValidator>();
        services.AddHostedService<TrustReport>();
        services.AddHttpClient(IssuerKeys.ClientName, client => client.Timeout = TimeSpan.FromSeconds(3))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false })
            .RemoveAllLoggers();
        services.AddAuthentication(CdsJwtAuthentication.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, CdsJwtAuthentication>(CdsJwtAuthentication.SchemeName, _ => { });
        services.AddAuthorization();

        services.AddOptions<CorsOptions>().Bind(configuration.GetSection(CorsOptions.SectionName));
        services.AddCors();
        services.AddSingleton<IConfigureOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>>(provider =>
            new ConfigureOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>(options => options.AddPolicy(CorsPolicy, policy =>
            {
                var allowed = provider.GetRequiredService<IOptions<CorsOptions>>().Value.AllowedOrigins;
                var origins = allowed.Select(o => o.TrimEnd('/')).ToHashSet(StringComparer.OrdinalIgnoreCase);
                var developmentDefaults = development && allowed.Count == 0;
                policy.SetIsOriginAllowed(origin => origins.Contains(origin.TrimEnd('/'))
                        || (developmentDefaults && (origin == SandboxOrigin || IsLocalhost(origin))))
                    .WithMethods("GET", "POST", "OPTIONS")
                    .WithHeaders("Authorization", "Content-Type", "Accept", "Prefer")
                    .SetPreflightMaxAge(TimeSpan.FromMinutes(10));
            })));

        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy(RateLimitPolicy, context =>
            {
                var perMinute = context.RequestServices.GetRequiredService<IOptions<SecurityOptions>>().Value.RateLimitPerMinute;
                var issuer = context.User.FindFirst("iss")?.Value ?? $"anonymous:{context.Connection.RemoteIpAddress}";
                return perMinute <= 0
                    ? RateLimitPartition.GetNoLimiter(issuer)
                    : RateLimitPartition.GetFixedWindowLimiter(issuer, _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = perMinute,
                        Window = TimeSpan.FromMinutes(1),
                        QueueLimit = 0,
                    });
            });
            options.OnRejected = async (context, cancellationToken) =>
            {
                context.HttpContext.Response.Headers.RetryAfter = "60";
                var outcome = OperationOutcomes.Create(OperationOutcome.IssueType.Throttled,
                    [new RequestIssue(string.Empty, "Too many requests from this issuer; retry after a minute.")]);
                await OperationOutcomes.WriteAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, outcome);
            };
        });
        return services;
    }

    /// <summary>CORS, then authentication, then the per-issuer limit (which needs to know the issuer).</summary>
    public static IApplicationBuilder UseCdsHooksSecurity(this IApplicationBuilder app)
    {
        app.UseCors();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        return app;
    }

    /// <summary>Applies the trust model to a route group: CORS always; the JWT and the rate limit as configured.</summary>
    public static RouteGroupBuilder RequireCdsClient(this RouteGroupBuilder group, IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<SecurityOptions>>().Value;
        group.RequireCors(CorsPolicy);
        group.RequireRateLimiting(RateLimitPolicy);
        if (options.RequireAuthentication)
        {
            group.RequireAuthorization(policy => policy.AddAuthenticationSchemes(CdsJwtAuthentication.SchemeName).RequireAuthenticatedUser());
        }

        return group;
    }

    private static bool IsLocalhost(string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.IsLoopback;
}
