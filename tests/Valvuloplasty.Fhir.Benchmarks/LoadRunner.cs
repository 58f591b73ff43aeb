using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Valvuloplasty.Fhir.Data.Prefetch;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Valvuloplasty.Fhir.Benchmarks;

/// <summary>
/// Load against the real host: builds it in Release, starts it as its own process on loopback, waits for
/// /health/ready (the start-up time), then drives hook calls at fixed concurrencies for a fixed duration and
/// reports requests/s, p50/p95/p99 latency, errors and the host's peak working set. With <c>--fallback</c>
/// the requests carry no prefetch and a WireMock.Net FHIR server answers each query after 50 ms.
/// </summary>
public static class LoadRunner
{
    public sealed record Settings(TimeSpan Duration, IReadOnlyList<int> Concurrency, string Size, string Hook, bool Fallback, int FhirLatencyMs);

    public sealed record Result(int Concurrency, long Requests, long Errors, double RequestsPerSecond, double P50, double P95, double P99, long PeakWorkingSet, double FirstMinuteWorkingSet, double LastMinuteWorkingSet);

    public static async Task<int> RunAsync(Settings settings)
    {
        var host = BuildHost();
        using var fhir = settings.Fallback ? StartFhirServer(settings) : null;
        var port = FreePort();
        using var process = StartHost(host, port);
        try
        {
            var baseUrl = new Uri($"http://127.0.0.1:{port}");
            var ready = await WaitReadyAsync(baseUrl, process);
            Console.WriteLine($"host: Release, pid {process.Id}, ready in {ready.TotalMilliseconds:0} ms after process start");

            var body = RequestBody(settings, fhir);
            Console.WriteLine($"request: {settings.Size} {settings.Hook}, {body.Length} bytes{(settings.Fallback ? $", no prefetch: FHIR fallback at {settings.FhirLatencyMs} ms per query" : "")}");
            Console.WriteLine();
            Console.WriteLine("| concurrency | requests | errors | req/s | p50 ms | p95 ms | p99 ms | peak working set MB |");
            Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var concurrency in settings.Concurrency)
            {
                await DriveAsync(baseUrl, settings, body, concurrency, process, TimeSpan.FromSeconds(3)); // warm-up
                var result = await DriveAsync(baseUrl, settings, body, concurrency, process, settings.Duration);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {result.Concurrency} | {result.Requests} | {result.Errors} | {result.RequestsPerSecond:0} | {result.P50:0.0} | {result.P95:0.0} | {result.P99:0.0} | {result.PeakWorkingSet / 1048576.0:0} |"));
                if (settings.Duration >= TimeSpan.FromMinutes(2))
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  working set: first minute mean {result.FirstMinuteWorkingSet / 1048576.0:0} MB, last minute mean {result.LastMinuteWorkingSet / 1048576.0:0} MB ({(result.LastMinuteWorkingSet / result.FirstMinuteWorkingSet - 1) * 100:+0.0;-0.0} %)"));
                }
            }

            return 0;
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static async Task<Result> DriveAsync(Uri baseUrl, Settings settings, byte[] body, int concurrency, Process host, TimeSpan duration)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        using var client = new HttpClient(handler) { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };
        var path = $"/cds-services/valvuloplasty-{settings.Hook}";
        var latencies = new List<double>[concurrency];
        long errors = 0;
        var samples = new List<(TimeSpan At, long Bytes)>();
        using var stop = new CancellationTokenSource(duration);
        var clock = Stopwatch.StartNew();

        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                host.Refresh();
                samples.Add((clock.Elapsed, host.WorkingSet64));
                try
                {
                    await Task.Delay(250, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        });

        var workers = Enumerable.Range(0, concurrency).Select(i => Task.Run(async () =>
        {
            var mine = latencies[i] = new List<double>(4096);
            while (!stop.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var content = new ByteArrayContent(body);
                    content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                    using var response = await client.PostAsync(path, content, CancellationToken.None);
                    await response.Content.ReadAsByteArrayAsync(CancellationToken.None);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                }

                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        })).ToArray();
        await Task.WhenAll(workers);
        await sampler;

        var all = latencies.SelectMany(l => l).Order().ToArray();
        double Percentile(double p) => all.Length == 0 ? 0 : all[Math.Min(all.Length - 1, (int)Math.Ceiling(p * all.Length) - 1)];
        var firstMinute = samples.Where(s => s.At < TimeSpan.FromMinutes(1)).Select(s => (double)s.Bytes).DefaultIfEmpty(0).Average();
        var lastMinute = samples.Where(s => s.At > clock.Elapsed - TimeSpan.FromMinutes(1)).Select(s => (double)s.Bytes).DefaultIfEmpty(0).Average();
        return new Result(concurrency, all.Length, errors, all.Length / clock.Elapsed.TotalSeconds, Percentile(0.50), Percentile(0.95), Percentile(0.99),
            samples.Count == 0 ? 0 : samples.Max(s => s.Bytes), firstMinute, lastMinute);
    }

    private static byte[] RequestBody(Settings settings, WireMockServer? fhir)
    {
        var body = RequestFixtures.Create(settings.Size, settings.Hook);
        if (fhir is null)
        {
            return body;
        }

        var request = JsonNode.Parse(body)!.AsObject();
        request.Remove("prefetch");
        request["fhirServer"] = $"{fhir.Urls[0]}/fhir";
        return System.Text.Encoding.UTF8.GetBytes(request.ToJsonString());
    }

    /// <summary>A FHIR server that answers every prefetch query of the fixture after the configured latency.</summary>
    private static WireMockServer StartFhirServer(Settings settings)
    {
        var server = WireMockServer.Start();
        var request = JsonNode.Parse(RequestFixtures.Create(settings.Size, settings.Hook))!;
        var delay = TimeSpan.FromMilliseconds(settings.FhirLatencyMs);
        foreach (var (key, type) in PrefetchKeys.ResourceTypes)
        {
            var path = key == PrefetchKeys.Patient ? $"/fhir/Patient/{RequestFixtures.PatientId}" : $"/fhir/{type}";
            server.Given(Request.Create().WithPath(path).UsingGet())
                .RespondWith(Response.Create().WithHeader("Content-Type", "application/fhir+json").WithBody(request["prefetch"]![key]!.ToJsonString()).WithDelay(delay));
        }

        return server;
    }

    internal static string BuildHost()
    {
        var project = Path.Combine(RequestFixtures.RepoRoot, "src", "Valvuloplasty.Fhir.CdsHooks");
        Console.WriteLine("building the host in Release…");
        using var build = Process.Start(new ProcessStartInfo("dotnet", $"build \"{project}\" -c Release -nologo -v q") { RedirectStandardOutput = true })!;
        build.StandardOutput.ReadToEnd();
        build.WaitForExit();
        if (build.ExitCode != 0)
        {
            throw new InvalidOperationException("dotnet build -c Release of the host failed.");
        }

        return Path.Combine(project, "bin", "Release", "net10.0", "Valvuloplasty.Fhir.CdsHooks.dll");
    }

    internal static Process StartHost(string dll, int port)
    {
        var info = new ProcessStartInfo("dotnet", $"\"{dll}\" --urls http://127.0.0.1:{port}")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning";
        info.Environment["Feedback__SqlitePath"] = Path.Combine(Path.GetTempPath(), $"valvuloplasty-load-{Guid.NewGuid():N}.db");
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine($"host: {e.Data}"); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    internal static async Task<TimeSpan> WaitReadyAsync(Uri baseUrl, Process process)
    {
        using var client = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(2) };
        var started = process.StartTime.ToUniversalTime();
        for (var attempt = 0; attempt < 600; attempt++)
        {
            try
            {
                using var response = await client.GetAsync("/health/ready");
                if (response.IsSuccessStatusCode)
                {
                    return DateTime.UtcNow - started;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(20);
        }

        throw new TimeoutException("The host did not become ready.");
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
