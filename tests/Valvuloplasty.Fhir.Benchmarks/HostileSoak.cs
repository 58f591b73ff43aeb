using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Valvuloplasty.Fhir.Benchmarks;

/// <summary>
/// The hostile corpus in rounds against the real host (Release, its own process, loopback): about 330 requests a
/// round written to the socket (broken chunking, bad bytes, truncated and mutated hook bodies, deep nesting, odd
/// methods and paths, huge headers, bad forms and tokens, and valid requests with multi-megabyte bodies), sent
/// <c>--concurrency</c> at a time. After each round it records the status counts (a 5xx fails the run), the host's
/// resident memory right after the round and after a few idle seconds. The question it answers: does resident memory
/// plateau under repeated hostile load, or keep growing?
/// </summary>
public static class HostileSoak
{
    public sealed record Settings(int Rounds, int Concurrency, int IdleSeconds);

    public static async Task<int> RunAsync(Settings settings)
    {
        var dll = LoadRunner.BuildHost();
        var port = LoadRunner.FreePort();
        using var process = LoadRunner.StartHost(dll, port);
        try
        {
            var server = new Uri($"http://127.0.0.1:{port}");
            await LoadRunner.WaitReadyAsync(server, process);
            var corpus = Corpus(server);
            process.Refresh();
            Console.WriteLine($"host: Release, pid {process.Id}; corpus: {corpus.Count} requests a round, {settings.Concurrency} at a time");
            Console.WriteLine($"resident memory after start: {Mb(process.WorkingSet64)} MB");
            Console.WriteLine();
            Console.WriteLine("| round | requests | 2xx | 4xx | 5xx | no answer | seconds | RSS after round MB | RSS after idle MB |");
            Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            var failed = false;
            for (var round = 1; round <= settings.Rounds; round++)
            {
                var clock = Stopwatch.StartNew();
                var statuses = await SendAllAsync(server, corpus, settings.Concurrency);
                var seconds = clock.Elapsed.TotalSeconds;
                process.Refresh();
                var afterRound = process.WorkingSet64;
                await Task.Delay(TimeSpan.FromSeconds(settings.IdleSeconds));
                process.Refresh();
                var afterIdle = process.WorkingSet64;
                var count = (Func<int, bool> f) => statuses.Count(f);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {round} | {statuses.Count} | {count(s => s is >= 200 and < 300)} | {count(s => s is >= 400 and < 500)} | {count(s => s >= 500)} | {count(s => s == 0)} | {seconds:0.0} | {Mb(afterRound)} | {Mb(afterIdle)} |"));
                failed |= statuses.Any(s => s >= 500);
                if (round == 1)
                {
                    foreach (var i in Enumerable.Range(0, statuses.Count).Where(i => statuses[i] == 0 || statuses[i] >= 500))
                    {
                        Console.WriteLine($"  no answer or 5xx ({statuses[i]}): {Encoding.Latin1.GetString(corpus[i], 0, Math.Min(100, corpus[i].Length)).Split("\r\n")[0]}");
                    }
                }
            }

            using var client = new HttpClient { BaseAddress = server };
            var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
            Console.WriteLine();
            Console.WriteLine($"ready afterwards: {(int)ready.StatusCode}");
            return failed || !ready.IsSuccessStatusCode ? 1 : 0;
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static string Mb(long bytes) => (bytes / 1048576.0).ToString("0", CultureInfo.InvariantCulture);

    private static async Task<List<int>> SendAllAsync(Uri server, List<byte[]> corpus, int concurrency)
    {
        var statuses = new int[corpus.Count];
        var next = -1;
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < corpus.Count)
            {
                statuses[i] = await SendAsync(server, corpus[i]);
            }
        }));
        await Task.WhenAll(workers);
        return [.. statuses];
    }

    /// <summary>Writes one request and reads the status line; 0 when the server closed without an answer.</summary>
    private static async Task<int> SendAsync(Uri server, byte[] request)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(server.Host, server.Port, timeout.Token);
            await using var stream = tcp.GetStream();
            try
            {
                await stream.WriteAsync(request, timeout.Token);
            }
            catch (IOException)
            {
                // Answered and closed before reading everything: read the answer.
            }

            // The status line is the answer; the body is read to the end (or until the server stops sending).
            var buffer = new byte[64 * 1024];
            var received = new MemoryStream();
            int read;
            try
            {
                while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
                {
                    received.Write(buffer, 0, read);
                }
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException && received.Length >= 12)
            {
                // Answered, then the connection was reset or left open while the server drained an unsent body.
            }

            var head = Encoding.Latin1.GetString(received.GetBuffer(), 0, (int)Math.Min(received.Length, 64));
            return head.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) ? int.Parse(head.AsSpan(9, 3), CultureInfo.InvariantCulture) : 0;
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
        {
            return 0;
        }
    }

    /// <summary>About 330 hostile requests; deterministic (a fixed seed), so rounds and runs compare.</summary>
    public static List<byte[]> Corpus(Uri server)
    {
        const string Hook = "/cds-services/valvuloplasty-patient-view";
        var random = new Random(20261130);
        var valid = RequestFixtures.Create("typical", "patient-view");
        var corpus = new List<byte[]>();
        byte[] Raw(string method, string target, (string, string)[] headers, byte[]? body = null)
        {
            var head = new StringBuilder().Append(method).Append(' ').Append(target).Append(" HTTP/1.1\r\nHost: ").Append(server.Authority).Append("\r\n");
            foreach (var (name, value) in headers)
            {
                head.Append(name).Append(": ").Append(value).Append("\r\n");
            }

            head.Append("Connection: close\r\n\r\n");
            return [.. Encoding.Latin1.GetBytes(head.ToString()), .. body ?? []];
        }

        byte[] Json(string target, byte[] body, string type = "application/json") =>
            Raw("POST", target, [("Content-Type", type), ("Content-Length", body.Length.ToString(CultureInfo.InvariantCulture)), ("Origin", "http://localhost:3000")], body);
        byte[] Chunked(string target, string raw, string type = "application/json") =>
            Raw("POST", target, [("Content-Type", type), ("Transfer-Encoding", "chunked")], Encoding.Latin1.GetBytes(raw));

        // Truncated, byte-flipped and re-nested copies of a valid hook request.
        for (var i = 0; i < 80; i++)
        {
            corpus.Add(Json(Hook, valid[..random.Next(1, valid.Length - 1)]));
        }

        for (var i = 0; i < 80; i++)
        {
            var flipped = (byte[])valid.Clone();
            for (var k = 0; k < 3; k++)
            {
                flipped[random.Next(flipped.Length)] = (byte)random.Next(256);
            }

            corpus.Add(Json(Hook, flipped));
        }

        for (var i = 0; i < 40; i++)
        {
            var start = random.Next(valid.Length - 200);
            corpus.Add(Json(Hook, [.. valid[..start], .. valid[(start + random.Next(1, 200))..]]));
        }

        for (var depth = 100; depth <= 4000; depth += 200)
        {
            corpus.Add(Json(Hook, Encoding.UTF8.GetBytes(new string('[', depth) + new string(']', depth))));
        }

        // Valid requests with large bodies (an unknown member padded to 1–4.5 MB): the buffers a burst needs.
        var request = JsonNode.Parse(valid)!.AsObject();
        for (var i = 0; i < 30; i++)
        {
            request["padding"] = new string('x', random.Next(1_000_000, 4_500_000));
            corpus.Add(Json(Hook, Encoding.UTF8.GetBytes(request.ToJsonString())));
        }

        // Framing, bytes, tokens, methods, paths, headers, analytics ranges, sandbox forms and tokens.
        foreach (var raw in (string[])["zz\r\n{}\r\n0\r\n\r\n", "FFFFFFFFFFFFFFFFFF\r\n{}\r\n0\r\n\r\n", "2\r\n{}XX0\r\n\r\n", "2;\u0001\r\n{}\r\n0\r\n\r\n"])
        {
            corpus.Add(Chunked(Hook, raw));
            corpus.Add(Chunked(Hook + "/feedback", raw));
            corpus.Add(Chunked("/sandbox/token", raw));
            corpus.Add(Chunked("/sandbox/fhir/Observation/_search", raw, "application/x-www-form-urlencoded"));
        }

        corpus.Add(Raw("POST", Hook, [("Content-Type", "application/json"), ("Content-Length", "6000000")]));
        corpus.Add(Json(Hook, [0xC3, 0x28, 0xFF, 0xFE]));
        corpus.Add(Json(Hook, Encoding.Unicode.GetBytes("{\"hook\":\"patient-view\"}")));
        corpus.Add(Json(Hook, valid, "text/plain"));
        foreach (var token in (string[])["abc\\r\\nX: 1", "abc\\u0000", "a b", "===", "é"])
        {
            var withToken = JsonNode.Parse(valid)!.AsObject();
            withToken["fhirServer"] = "https://ehr.example.org/fhir";
            withToken["fhirAuthorization"] = JsonNode.Parse($"{{\"access_token\":\"{token}\",\"token_type\":\"Bearer\",\"expires_in\":300,\"scope\":\"patient/*.read\",\"subject\":\"s\"}}");
            corpus.Add(Json(Hook, Encoding.UTF8.GetBytes(withToken.ToJsonString())));
        }

        foreach (var method in (string[])["GET", "PUT", "DELETE", "PATCH", "TRACE", "HEAD", "BREW", "OPTIONS"])
        {
            corpus.Add(Raw(method, Hook, [("Origin", "http://localhost:3000")]));
            corpus.Add(Raw(method, Hook + "/feedback", [("Origin", "http://localhost:3000")]));
        }

        foreach (var path in (string[])["/cds-services//x", "/cds-services/%2e%2e/%2e%2e/etc/passwd", "/cds-services/x%00y", "/cds-services/" + new string('x', 300), "/cds-services/x%0d%0aA:%20b", Hook + "/feedback/more"])
        {
            corpus.Add(Raw("POST", path, [("Content-Type", "application/json"), ("Content-Length", "0")]));
        }

        corpus.Add(Raw("GET", "/cds-services", [("X-Big", new string('a', 40_000))]));
        corpus.Add(Raw("GET", "/cds-services", [.. Enumerable.Range(0, 150).Select(i => ($"X-H{i}", "v"))]));
        corpus.Add(Raw("GET", "/cds-services?x=" + new string('a', 10_000), []));
        foreach (var query in (string[])["until=0001-01-01T00:00:00Z", "since=yesterday", "since=2026-12-01T00:00:00Z&until=2026-11-01T00:00:00Z", "until=" + new string('9', 500)])
        {
            corpus.Add(Raw("GET", "/analytics/cards?" + query, []));
        }

        foreach (var body in (string[])["", "{\"audience\":", "{\"audience\":5}", "[]", "{\"audience\":\"" + new string('a', 1_000_000) + "\"}"])
        {
            corpus.Add(Json("/sandbox/token", Encoding.UTF8.GetBytes(body)));
        }

        corpus.Add(Json("/sandbox/fhir/Observation/_search", Encoding.UTF8.GetBytes(string.Join('&', Enumerable.Range(0, 5000).Select(i => $"f{i}=1"))), "application/x-www-form-urlencoded"));
        corpus.Add(Json("/sandbox/fhir/Observation/_search", Encoding.UTF8.GetBytes("code=" + new string('a', 5_000_000)), "application/x-www-form-urlencoded"));
        corpus.Add(Json("/sandbox/fhir/Observation/_search", Encoding.UTF8.GetBytes("--x\r\n\r\n1"), "multipart/form-data; boundary=x"));
        for (var i = 0; i < 20; i++)
        {
            corpus.Add(Raw("GET", $"/sandbox/fhir/Patient?_count={random.Next(-5, 500)}&name=%FF{i}", []));
        }

        return corpus;
    }
}
