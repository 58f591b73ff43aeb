using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Valvuloplasty.Fhir.Benchmarks;

/// <summary>
/// Load against a running cluster (deploy/local-cluster.sh): hook calls through its URL, each with a fresh ES384 JWT
/// signed by the cluster's issuer key, at a fixed concurrency; prints requests/s, p50/p95/p99 and errors per run.
/// </summary>
public static class ClusterLoad
{
    public sealed record Settings(Uri Url, string KeyPem, string Issuer, string Kid, TimeSpan Duration, int Concurrency, int Runs, string Size, string Hook);

    public static async Task<int> RunAsync(Settings settings)
    {
        using var ecdsa = ECDsa.Create();
        ecdsa.ImportFromPem(await File.ReadAllTextAsync(settings.KeyPem));
        var credentials = new SigningCredentials(new ECDsaSecurityKey(ecdsa) { KeyId = settings.Kid }, SecurityAlgorithms.EcdsaSha384);
        var path = $"/cds-services/valvuloplasty-{settings.Hook}";
        var audience = new Uri(settings.Url, path).ToString();
        var body = RequestFixtures.Create(settings.Size, settings.Hook);
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        string Token()
        {
            var now = DateTimeOffset.UtcNow;
            return handler.CreateToken(new SecurityTokenDescriptor
            {
                Claims = new Dictionary<string, object>
                {
                    ["iss"] = settings.Issuer, ["aud"] = audience, ["jti"] = Guid.NewGuid().ToString(),
                    ["iat"] = now.ToUnixTimeSeconds(), ["exp"] = now.AddMinutes(5).ToUnixTimeSeconds(),
                },
                SigningCredentials = credentials,
                AdditionalHeaderClaims = new Dictionary<string, object> { ["typ"] = "JWT" },
            });
        }

        Console.WriteLine($"{settings.Url} {settings.Size} {settings.Hook}, {body.Length} bytes, concurrency {settings.Concurrency}, {settings.Duration.TotalSeconds:0} s per run after 5 s warm-up");
        Console.WriteLine("| run | requests | errors | req/s | p50 ms | p95 ms | p99 ms |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");
        using var sockets = new SocketsHttpHandler { MaxConnectionsPerServer = settings.Concurrency };
        using var client = new HttpClient(sockets) { BaseAddress = settings.Url, Timeout = TimeSpan.FromSeconds(30) };
        await DriveAsync(client, path, body, Token, settings.Concurrency, TimeSpan.FromSeconds(5));
        var rates = new List<double>();
        for (var run = 1; run <= settings.Runs; run++)
        {
            var (requests, errors, rate, p50, p95, p99) = await DriveAsync(client, path, body, Token, settings.Concurrency, settings.Duration);
            rates.Add(rate);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {run} | {requests} | {errors} | {rate:0} | {p50:0.0} | {p95:0.0} | {p99:0.0} |"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median req/s: {rates.Order().ElementAt(rates.Count / 2):0}"));
        return 0;
    }

    private static async Task<(long Requests, long Errors, double Rate, double P50, double P95, double P99)> DriveAsync(
        HttpClient client, string path, byte[] body, Func<string> token, int concurrency, TimeSpan duration)
    {
        var latencies = new List<double>[concurrency];
        long errors = 0;
        using var stop = new CancellationTokenSource(duration);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(i => Task.Run(async () =>
        {
            var mine = latencies[i] = new List<double>(4096);
            while (!stop.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token());
                    using var response = await client.SendAsync(request, CancellationToken.None);
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
        })));
        var all = latencies.SelectMany(l => l).Order().ToArray();
        double Percentile(double p) => all.Length == 0 ? 0 : all[Math.Min(all.Length - 1, (int)Math.Ceiling(p * all.Length) - 1)];
        return (all.Length, errors, all.Length / clock.Elapsed.TotalSeconds, Percentile(0.50), Percentile(0.95), Percentile(0.99));
    }
}
