using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Valvuloplasty.Fhir.IntegrationTests.Infrastructure;

/// <summary>
/// The real host on a loopback port (Kestrel, not the in-memory TestServer), with its own SQLite
/// file and a pinned clock. One per test (or per class): tests never share state.
/// </summary>
public sealed class CdsTestHost : WebApplicationFactory<Program>
{
    /// <summary>The date the example requests were written for; the clock is pinned to it.</summary>
    public static readonly DateTimeOffset Today = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    private readonly Dictionary<string, string?> _settings;
    private HttpClient? _client;

    public CdsTestHost(IDictionary<string, string?>? settings = null, string? databasePath = null, string environment = "Development")
    {
        Environment = environment;
        DatabasePath = databasePath ?? Path.Combine(Path.GetTempPath(), "valvuloplasty-tests", $"{Guid.NewGuid():N}.db");
        _settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Feedback:SqlitePath"] = DatabasePath,
            ["Logging:LogLevel:Default"] = "Warning",
            // Most tests are about the protocol and the rules; the security tests turn authentication on.
            ["Security:RequireAuthentication"] = "false",
            // No load balancer to drain from: a test host stops at once (the shutdown tests set a drain).
            ["Hosting:ShutdownDrainSeconds"] = "0",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }

        UseKestrel(0);
    }

    /// <summary>
    /// The host's clock: today's date is <see cref="Today"/>, but time flows, so the resilience pipeline's
    /// delays and timeouts behave as in production (a frozen fake clock would stall Polly's retries).
    /// </summary>
    public ShiftedTimeProvider Time { get; } = new(Today);

    public string DatabasePath { get; }

    /// <summary>Changes to the host's services after its own registrations (e.g. a failing component).</summary>
    public Action<IServiceCollection>? ServiceOverrides { get; init; }

    /// <summary>Capture every log record (all categories, Trace and up) in a <see cref="FakeLogCollector"/>.</summary>
    public bool CaptureLogs { get; init; }

    /// <summary>The captured log records (with <see cref="CaptureLogs"/>).</summary>
    public FakeLogCollector Logs => Service<FakeLogCollector>();

    /// <summary>The hosting environment: Development unless a test checks production behaviour.</summary>
    public string Environment { get; }

    /// <summary>An HttpClient to the running server (started on first use).</summary>
    public HttpClient Client
    {
        get
        {
            if (_client is null)
            {
                StartServer();
                _client = CreateClient();
            }

            return _client;
        }
    }

    public T Service<T>() where T : notnull
    {
        _ = Client;
        return Services.GetRequiredService<T>();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(Environment);
        builder.ConfigureAppConfiguration((_, config) => config.AddInMemoryCollection(_settings));
        builder.ConfigureServices(services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Time)));
        if (ServiceOverrides is { } configure)
        {
            builder.ConfigureServices(configure);
        }
        if (CaptureLogs)
        {
            // Every category at every level, to prove what is never logged.
            builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddFilter(_ => true).AddFakeLogging());
        }
    }

    protected override void Dispose(bool disposing)
    {
        _client?.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>Real time shifted so that "now" starts at a chosen instant; a test can move it forward (an expiry).</summary>
public sealed class ShiftedTimeProvider(DateTimeOffset start) : TimeProvider
{
    private long _offsetTicks = (start - System.GetUtcNow()).Ticks;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    /// <summary>Jumps the clock forward (time keeps flowing from there).</summary>
    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}

/// <summary>One host shared by the tests of a class (IClassFixture), for read-only scenarios.</summary>
public sealed class SharedCdsHost : IDisposable
{
    public CdsTestHost Server { get; } = new();

    public void Dispose() => Server.Dispose();
}
