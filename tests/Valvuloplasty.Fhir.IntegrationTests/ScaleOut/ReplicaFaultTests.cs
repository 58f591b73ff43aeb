using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Valvuloplasty.Fhir.IntegrationTests.Infrastructure;

namespace Valvuloplasty.Fhir.IntegrationTests.ScaleOut;

[CollectionDefinition(nameof(ReplicaFaultTests), DisableParallelization = true)]
public sealed class ReplicaFaultIsolation;

/// <summary>
/// Three replica processes of the host, one PostgreSQL schema, authentication on, HAProxy in front (the config of
/// deploy/haproxy.cfg.template). Mixed load with a fresh JWT per request runs for 32 s while one replica is killed
/// (SIGKILL) and restarted, and another is stopped (SIGTERM) and restarted.
/// <para>
/// What it proves: the client sees no 5xx; a request failing at the transport level is counted and must stay under
/// 1 % (HAProxy retries connection failures and empty answers on another replica, so in practice it is 0); every
/// feedback item acknowledged with 200 is in PostgreSQL exactly once; every card the client received is in the ledger
/// (and in <c>/analytics/cards</c>) except cards of the SIGKILLed replica still queued when it died, which are shown
/// to come from that replica before its kill and reported (ledger rows are not acknowledged to anyone: a crash may
/// lose the queue, a graceful stop may not); a JWT accepted by one replica is refused (401) by another; a SIGTERMed
/// replica's readiness is false while it still answers requests, before its port refuses connections.
/// </para>
/// </summary>
[Collection(nameof(ReplicaFaultTests))]
[Trait("Category", "ScaleOut")]
public sealed class ReplicaFaultTests
{
    private const string Issuer = "https://ehr.example.org";
    private const string HaproxyPath = "/usr/sbin/haproxy";
    private static readonly TimeSpan LoadDuration = TimeSpan.FromSeconds(32);
    private const int Concurrency = 8;

    [Fact]
    public async Task ReplicasKilledAndStoppedUnderLoad_LoseNothingAcknowledged()
    {
        Assert.SkipUnless(File.Exists(HaproxyPath), $"The replica fault test needs HAProxy at {HaproxyPath} (Debian package haproxy; .ci/run installs it).");
        await using var schema = PostgresSchemaScope.Create();
        var output = TestContext.Current.TestOutputHelper;
        var dll = HostDll();
        var work = Directory.CreateTempSubdirectory("valvuloplasty-replicas-");
        using var key = EhrKey.Es384();
        var jwks = Path.Combine(work.FullName, "jwks.json");
        await File.WriteAllTextAsync(jwks, EhrKey.Jwks(key), TestContext.Current.CancellationToken);
        var frontPort = FreePort();
        var front = new Uri($"http://127.0.0.1:{frontPort}");

        var replicas = Enumerable.Range(1, 3).Select(i => new Replica($"replica{i}", FreePort(), dll, work.FullName, new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Feedback__PostgresConnectionString"] = schema.ConnectionString,
            ["Feedback__PostgresSchema"] = schema.Schema,
            ["Security__PublicBaseUrl"] = front.ToString().TrimEnd('/'),
            ["Security__Issuers__0__Issuer"] = Issuer,
            ["Security__Issuers__0__JwksFile"] = jwks,
            ["Hosting__ShutdownDrainSeconds"] = "3",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.Extensions.Diagnostics.HealthChecks"] = "None",
        })).ToArray();
        Process? haproxy = null;
        try
        {
            // Started together: their migrations race on a fresh schema, as replicas do in a rollout.
            foreach (var replica in replicas)
            {
                replica.Start();
            }

            await Task.WhenAll(replicas.Select(r => r.WaitReadyAsync(TimeSpan.FromSeconds(60))));
            haproxy = StartHaproxy(work.FullName, frontPort, replicas);
            await WaitAsync(async () => await ReadyThroughAsync(front), TimeSpan.FromSeconds(10), "HAProxy did not answer /health/ready");

            var load = new Load(front, key);
            var started = DateTimeOffset.UtcNow;
            var loadTask = load.RunAsync(LoadDuration);

            // SIGKILL one replica, then restart it.
            await Task.Delay(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
            replicas[0].Kill();
            await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);
            var restartedAt = DateTimeOffset.UtcNow;
            replicas[0].Start();
            await replicas[0].WaitReadyAsync(TimeSpan.FromSeconds(30));

            // SIGTERM another: its readiness goes false while it still answers, then its port closes; then restart it.
            await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);
            var drain = await replicas[1].TerminateAndWatchAsync(key, front);
            replicas[1].Start();
            await replicas[1].WaitReadyAsync(TimeSpan.FromSeconds(30));

            await loadTask;
            var results = load.Results.ToArray();

            // A token accepted by one replica is refused by another: the replay cache is shared.
            var path = Requests.PatientView;
            var token = key.Token(Issuer, front + path.TrimStart('/'));
            var body = Requests.Example("patient-view-aortic-bav-candidate.json").ToJsonString();
            var accepted = await replicas[2].PostAsync(path, body, token);
            Assert.Equal(HttpStatusCode.OK, accepted.Status);
            Assert.Equal(HttpStatusCode.Unauthorized, (await replicas[0].PostAsync(path, body, token)).Status);
            var cardsServedDirectly = drain.CardsServed + accepted.Cards;

            // The ledger is written continuously; let the queues empty, then compare analytics with the ledger.
            await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
            var analyticsIssued = await load.AnalyticsIssuedAsync(started.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
            var ledgerAtAnalytics = await schema.CountAsync("SELECT count(*) FROM {schema}.card_ledger");

            // Stop every replica gracefully: their queues are written before they exit.
            await Task.WhenAll(replicas.Select(r => r.TerminateAsync(TimeSpan.FromSeconds(30))));

            var ledger = await ReadSetAsync(schema, "SELECT card_uuid FROM {schema}.card_ledger");
            var feedbackRows = await ReadSetAsync(schema, "SELECT card_uuid || '|' || outcome || '|' || outcome_timestamp FROM {schema}.feedback");
            var duplicateFeedback = await schema.CountAsync(
                "SELECT count(*) FROM (SELECT 1 FROM {schema}.feedback GROUP BY card_uuid, outcome, outcome_timestamp HAVING count(*) > 1) d");

            var hooks = results.Where(r => r.Kind == "hook").ToArray();
            var feedbackCalls = results.Where(r => r.Kind == "feedback").ToArray();
            var fiveHundreds = results.Where(r => r.Status >= 500).ToArray();
            var transport = results.Count(r => r.Status == Load.TransportFailure);
            // HAProxy resends a request whose replica died before answering; when the first attempt had passed
            // authentication, the resent JWT is a replay to every replica, and the answer is 401.
            var replayedByRetry = results.Where(r => r.Status == 401 && r.Retries > 0).ToArray();
            var cardsSeen = hooks.Where(r => r.Status == 200).SelectMany(r => r.Cards.Select(c => (Card: c, r.Replica, r.At))).ToArray();
            var acknowledged = feedbackCalls.Where(r => r.Status == 200).SelectMany(r => r.Items).ToArray();
            var missingFromLedger = cardsSeen.Where(c => !ledger.Contains(c.Card)).ToArray();
            // Answered by the killed replica before its restart: i.e. by the process that was killed (a response read just
            // after the kill was written just before it).
            var lostToKill = missingFromLedger.Count(c => c.Replica == replicas[0].Name && c.At < restartedAt);
            var perReplica = string.Join(", ", hooks.Where(r => r.Status == 200).GroupBy(r => r.Replica ?? "?").OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"));

            output?.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"requests {results.Length} in {LoadDuration.TotalSeconds:0} s at concurrency {Concurrency}: hooks {hooks.Length} (200: {hooks.Count(r => r.Status == 200)}; by replica: {perReplica}), feedback {feedbackCalls.Length} (200: {feedbackCalls.Count(r => r.Status == 200)}); statuses {string.Join(", ", results.GroupBy(r => r.Status).OrderBy(g => g.Key).Select(g => $"{g.Key}×{g.Count()}"))}"));
            output?.WriteLine($"5xx: {fiveHundreds.Length}; transport failures: {transport}; 401 to a request HAProxy retried (its JWT used by the first attempt): {replayedByRetry.Length}; requests retried by HAProxy: {results.Count(r => r.Retries > 0)}");
            output?.WriteLine($"cards seen {cardsSeen.Length}; ledger rows {ledger.Count}; missing from the ledger {missingFromLedger.Length} (issued by the SIGKILLed process, still in its queue: {lostToKill}); cards served by direct calls (drain watch, replay check) {cardsServedDirectly}; other ledger rows no client saw {ledger.Count - (cardsSeen.Length - missingFromLedger.Length) - cardsServedDirectly}");
            output?.WriteLine($"analytics issued {analyticsIssued}, ledger rows at that moment {ledgerAtAnalytics}");
            output?.WriteLine($"feedback items acknowledged {acknowledged.Length}; rows {feedbackRows.Count}; duplicates {duplicateFeedback}");
            output?.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"SIGTERM: readiness 503 after {drain.ReadyFalseAfter.TotalMilliseconds:0} ms; last direct 200 during the drain at {drain.LastServedAfter.TotalMilliseconds:0} ms; port refused at {drain.RefusedAfter.TotalMilliseconds:0} ms; exited at {drain.ExitedAfter.TotalMilliseconds:0} ms"));

            Assert.True(fiveHundreds.Length == 0, "5xx seen by the client: " + string.Join(", ", fiveHundreds.Take(5).Select(r => $"{r.Kind} {r.Status} via {r.Replica}")));
            Assert.True(transport + replayedByRetry.Length <= results.Length / 100,
                $"{transport} transport failures and {replayedByRetry.Length} retried requests refused as replays of {results.Length} (allowed together: 1 %)");
            Assert.True(hooks.Count(r => r.Status == 200) > 100, "too little load got through to prove anything");
            Assert.All(results.Except(replayedByRetry), r => Assert.Contains(r.Status, (int[])[200, Load.TransportFailure]));

            Assert.All(acknowledged, item => Assert.Contains(item, feedbackRows));
            Assert.Equal(0, duplicateFeedback);
            Assert.True(feedbackRows.Count <= acknowledged.Length + feedbackCalls.Where(r => r.Status != 200).Sum(r => r.Items.Length) + (feedbackCalls.Count(r => r.Status == Load.TransportFailure) * 8),
                "feedback rows that no request could have written");

            Assert.True(missingFromLedger.Length == lostToKill,
                $"{missingFromLedger.Length - lostToKill} cards missing from the ledger that were not queued on the SIGKILLed replica");
            Assert.Equal(ledgerAtAnalytics, analyticsIssued);
            Assert.True(ledger.Count >= cardsSeen.Length - lostToKill + cardsServedDirectly, "fewer ledger rows than cards issued");
            Assert.True(analyticsIssued >= cardsSeen.Length - lostToKill, $"analytics shows {analyticsIssued} cards; the client saw {cardsSeen.Length}");

            Assert.True(drain.ReadyFalseAfter < drain.LastServedAfter, "a request was answered after readiness turned false");
            Assert.True(drain.LastServedAfter < drain.RefusedAfter, "the port refused connections before readiness was false");
            Assert.True(drain.RefusedAfter - drain.ReadyFalseAfter >= TimeSpan.FromSeconds(2), "the drain was shorter than HAProxy needs to take the replica out (2 checks, 1 s apart)");
        }
        finally
        {
            if (haproxy is { HasExited: false })
            {
                haproxy.Kill();
                await haproxy.WaitForExitAsync(CancellationToken.None);
            }

            haproxy?.Dispose();
            foreach (var replica in replicas)
            {
                replica.Dispose();
            }

            if (Environment.GetEnvironmentVariable("VALVULOPLASTY_KEEP_REPLICA_LOGS") is null)
            {
                work.Delete(recursive: true);
            }
            else
            {
                output?.WriteLine($"replica logs and haproxy.cfg kept in {work.FullName}");
            }
        }
    }

    /// <summary>The host built beside this test (same configuration), run as its own process.</summary>
    private static string HostDll()
    {
        var configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar))!);
        var dll = Path.Combine(Requests.RepoRoot, "src", "Valvuloplasty.Fhir.CdsHooks", "bin", configuration, "net10.0", "Valvuloplasty.Fhir.CdsHooks.dll");
        Assert.True(File.Exists(dll), $"The host is not built at {dll}");
        return dll;
    }

    private static Process StartHaproxy(string work, int frontPort, IEnumerable<Replica> replicas)
    {
        var template = File.ReadAllText(Path.Combine(Requests.RepoRoot, "deploy", "haproxy.cfg.template"));
        var servers = string.Concat(replicas.Select(r => $"    server {r.Name} 127.0.0.1:{r.Port} check\n"));
        var config = template
            .Replace("@FRONTEND_PORT@", frontPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("@STATE_DIR@", work, StringComparison.Ordinal)
            .Replace("\n@SERVERS@\n", "\n" + servers, StringComparison.Ordinal)
            // Which replica answered (a card missing from the ledger can be traced to the replica that was killed), and how
            // often HAProxy retried the request (a retry may carry a JWT that the first attempt already used).
            .Replace("\nbackend replicas\n", "\nbackend replicas\n    http-response set-header X-Replica %s\n    http-response set-header X-Retries %rc\n", StringComparison.Ordinal);
        var path = Path.Combine(work, "haproxy.cfg");
        File.WriteAllText(path, config);
        var info = new ProcessStartInfo("/bin/sh", ["-c", $"exec {HaproxyPath} -db -f '{path}' >> '{Path.Combine(work, "haproxy.log")}' 2>&1"]);
        return Process.Start(info)!;
    }

    private static async Task<bool> ReadyThroughAsync(Uri front)
    {
        using var client = new HttpClient { BaseAddress = front, Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            return (await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string message)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < timeout, message);
            await Task.Delay(100);
        }
    }

    private static async Task<HashSet<string>> ReadSetAsync(PostgresSchemaScope schema, string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(schema.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql.Replace("{schema}", $"\"{schema.Schema}\"", StringComparison.Ordinal), connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>What a replica did while it stopped, measured from the SIGTERM.</summary>
    private sealed record DrainTimeline(TimeSpan ReadyFalseAfter, TimeSpan LastServedAfter, TimeSpan RefusedAfter, TimeSpan ExitedAfter, int CardsServed);

    /// <summary>One host process on a loopback port; its output goes to a log file in the test's temp dir.</summary>
    private sealed class Replica(string name, int port, string dll, string work, IReadOnlyDictionary<string, string> environment) : IDisposable
    {
        private Process? _process;

        public string Name { get; } = name;

        public int Port { get; } = port;

        private Uri BaseUrl => new($"http://127.0.0.1:{Port}");

        private string LogPath => Path.Combine(work, $"{Name}.log");

        public void Start()
        {
            _process?.Dispose();
            var info = new ProcessStartInfo("/bin/sh", ["-c", $"exec dotnet '{dll}' >> '{LogPath}' 2>&1"])
            {
                WorkingDirectory = Path.GetDirectoryName(dll)!,
            };
            foreach (var (key, value) in environment)
            {
                info.Environment[key] = value;
            }

            info.Environment["ASPNETCORE_URLS"] = BaseUrl.ToString();
            _process = Process.Start(info)!;
        }

        public async Task WaitReadyAsync(TimeSpan timeout)
        {
            using var client = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(2) };
            var clock = Stopwatch.StartNew();
            while (true)
            {
                Assert.False(_process!.HasExited, $"{Name} exited at start-up:\n{Log()}");
                try
                {
                    if ((await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK)
                    {
                        return;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    // Not listening yet.
                }

                Assert.True(clock.Elapsed < timeout, $"{Name} not ready after {timeout.TotalSeconds:0} s:\n{Log()}");
                await Task.Delay(100);
            }
        }

        /// <summary>SIGKILL: no drain, no flush.</summary>
        public void Kill()
        {
            _process!.Kill();
            _process.WaitForExit();
        }

        public async Task TerminateAsync(TimeSpan timeout)
        {
            if (_process is null || _process.HasExited)
            {
                return;
            }

            Signal("TERM");
            await _process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(timeout);
        }

        /// <summary>SIGTERM, then polls readiness and a hook on new connections until the port refuses them.</summary>
        public async Task<DrainTimeline> TerminateAndWatchAsync(EhrKey key, Uri front)
        {
            using var client = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(5) };
            var body = Requests.Example("patient-view-aortic-bav-candidate.json").ToJsonString();
            var clock = Stopwatch.StartNew();
            Signal("TERM");
            TimeSpan? readyFalse = null, lastServed = null, refused = null;
            var cardsServed = 0;
            while (refused is null && clock.Elapsed < TimeSpan.FromSeconds(20))
            {
                try
                {
                    using var ready = new HttpRequestMessage(HttpMethod.Get, "/health/ready");
                    ready.Headers.ConnectionClose = true;
                    var status = (await client.SendAsync(ready)).StatusCode;
                    if (status == HttpStatusCode.ServiceUnavailable)
                    {
                        readyFalse ??= clock.Elapsed;
                    }

                    using var hook = new HttpRequestMessage(HttpMethod.Post, Requests.PatientView) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                    hook.Headers.ConnectionClose = true;
                    hook.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key.Token(Issuer, front + Requests.PatientView.TrimStart('/')));
                    using var response = await client.SendAsync(hook);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        lastServed = clock.Elapsed;
                        using var json = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
                        cardsServed += json.RootElement.GetProperty("cards").GetArrayLength();
                    }
                }
                catch (HttpRequestException)
                {
                    refused = clock.Elapsed;
                }

                await Task.Delay(50);
            }

            await _process!.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(readyFalse is not null && lastServed is not null && refused is not null,
                $"{Name}: readiness false at {readyFalse}, last served at {lastServed}, refused at {refused}:\n{Log()}");
            return new DrainTimeline(readyFalse.Value, lastServed.Value, refused.Value, clock.Elapsed, cardsServed);
        }

        /// <summary>A hook call straight to this replica: its status and how many cards it returned.</summary>
        public async Task<(HttpStatusCode Status, int Cards)> PostAsync(string path, string body, string token)
        {
            using var client = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(10) };
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await client.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return (response.StatusCode, 0);
            }

            using var json = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
            return (response.StatusCode, json.RootElement.GetProperty("cards").GetArrayLength());
        }

        private void Signal(string signal)
        {
            using var kill = Process.Start("kill", [$"-{signal}", _process!.Id.ToString(CultureInfo.InvariantCulture)])!;
            kill.WaitForExit();
        }

        private string Log() => File.Exists(LogPath) ? string.Join('\n', File.ReadLines(LogPath).TakeLast(30)) : "(no log)";

        public void Dispose()
        {
            if (_process is { HasExited: false })
            {
                _process.Kill();
                _process.WaitForExit();
            }

            _process?.Dispose();
        }
    }

    /// <summary>The client: hooks with prefetch and feedback for the cards returned, a fresh JWT each, through HAProxy.</summary>
    private sealed class Load(Uri front, EhrKey key)
    {
        public const int TransportFailure = -1;

        private static readonly (string Path, string Body)[] Hooks =
        [
            (Requests.PatientView, Requests.Example("patient-view-aortic-bav-candidate.json").ToJsonString()),
            (Requests.OrderSign, Requests.Example("order-sign-aortic-bav-contraindicated.json").ToJsonString()),
        ];

        private readonly ConcurrentQueue<(string Service, string[] Cards)> _feedbackDue = new();
        private long _sequence;

        public ConcurrentBag<Outcome> Results { get; } = [];

        public sealed record Outcome(string Kind, int Status, string? Replica, DateTimeOffset At, string[] Cards, string[] Items, int Retries = 0);

        public async Task RunAsync(TimeSpan duration)
        {
            using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = Concurrency };
            using var client = new HttpClient(handler) { BaseAddress = front, Timeout = TimeSpan.FromSeconds(30) };
            using var stop = new CancellationTokenSource(duration);
            await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(_ => Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    Results.Add(_feedbackDue.TryDequeue(out var due) ? await FeedbackAsync(client, due.Service, due.Cards) : await HookAsync(client));
                }
            })));
        }

        private async Task<Outcome> HookAsync(HttpClient client)
        {
            var (path, body) = Hooks[Interlocked.Increment(ref _sequence) % Hooks.Length];
            var (status, replica, retries, json) = await SendAsync(client, HttpMethod.Post, path, body);
            string[] cards = json is null ? [] : [.. json.RootElement.GetProperty("cards").EnumerateArray().Select(c => c.GetProperty("uuid").GetString()!)];
            json?.Dispose();
            if (status == 200 && cards.Length > 0 && Interlocked.Read(ref _sequence) % 2 == 0)
            {
                _feedbackDue.Enqueue((path["/cds-services/".Length..], cards));
            }

            return new Outcome("hook", status, replica, DateTimeOffset.UtcNow, cards, [], retries);
        }

        private async Task<Outcome> FeedbackAsync(HttpClient client, string service, string[] cards)
        {
            var timestamp = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            var feedback = new JsonObject
            {
                ["feedback"] = new JsonArray([.. cards.Select(c => (JsonNode)new JsonObject { ["card"] = c, ["outcome"] = "overridden", ["outcomeTimestamp"] = timestamp })]),
            };
            var (status, replica, retries, json) = await SendAsync(client, HttpMethod.Post, $"/cds-services/{service}/feedback", feedback.ToJsonString());
            json?.Dispose();
            return new Outcome("feedback", status, replica, DateTimeOffset.UtcNow, [], [.. cards.Select(c => $"{c}|overridden|{timestamp}")], retries);
        }

        public async Task<long> AnalyticsIssuedAsync(DateTimeOffset since, DateTimeOffset until)
        {
            using var client = new HttpClient { BaseAddress = front, Timeout = TimeSpan.FromSeconds(10) };
            static string Instant(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            var (status, _, _, json) = await SendAsync(client, HttpMethod.Get, $"/analytics/cards?since={Instant(since)}&until={Instant(until)}", null);
            Assert.Equal(200, status);
            using (json)
            {
                return json!.RootElement.GetProperty("topics").EnumerateArray().Sum(t => t.GetProperty("issued").GetInt64());
            }
        }

        private async Task<(int Status, string? Replica, int Retries, JsonDocument? Json)> SendAsync(HttpClient client, HttpMethod method, string path, string? body)
        {
            using var request = new HttpRequestMessage(method, path);
            if (body is not null)
            {
                request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            }

            var audience = front + path.Split('?')[0].TrimStart('/');
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key.Token(Issuer, audience));
            try
            {
                using var response = await client.SendAsync(request);
                var replica = response.Headers.TryGetValues("X-Replica", out var values) ? values.FirstOrDefault() : null;
                var retries = response.Headers.TryGetValues("X-Retries", out var counts) && int.TryParse(counts.FirstOrDefault(), CultureInfo.InvariantCulture, out var count) ? count : 0;
                var content = await response.Content.ReadAsByteArrayAsync();
                return ((int)response.StatusCode, replica, retries, response.StatusCode == HttpStatusCode.OK && content.Length > 0 ? JsonDocument.Parse(content) : null);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
            {
                return (TransportFailure, null, 0, null);
            }
        }
    }
}
