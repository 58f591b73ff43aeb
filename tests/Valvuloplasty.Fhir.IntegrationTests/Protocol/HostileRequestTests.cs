using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Valvuloplasty.Fhir.IntegrationTests.Infrastructure;

namespace Valvuloplasty.Fhir.IntegrationTests.Protocol;

/// <summary>
/// A table of hostile requests written byte for byte to the real host's socket: broken chunking, bad forms, bad tokens,
/// odd methods, odd paths, date ranges, huge headers. For each: never a 5xx; the expected 4xx; on an API route
/// (<c>/cds-services</c>, <c>/analytics</c>, <c>/sandbox/fhir</c>, <c>/sandbox/token</c>) an OperationOutcome body and,
/// for an allowed origin, the CORS headers; and the service still ready afterwards. Requests Kestrel itself refuses
/// before the application sees them (a malformed request line or header block) are checked for status only.
/// </summary>
public sealed class HostileRequestTests : IClassFixture<HostileRequestTests.Hosts>
{
    private const string Origin = "http://localhost:5173";
    private const string Hook = "/cds-services/valvuloplasty-patient-view";
    private const string Feedback = Hook + "/feedback";

    private readonly Hosts _hosts;

    public HostileRequestTests(Hosts hosts) => _hosts = hosts;

    /// <summary>One host with the sandbox and no authentication, one requiring EHR JWTs; shared by the table's rows.</summary>
    public sealed class Hosts : IDisposable
    {
        public CdsTestHost Open { get; } = new();

        public CdsTestHost Secured { get; } = new(new Dictionary<string, string?>
        {
            ["Security:RequireAuthentication"] = "true",
            ["Security:Issuers:0:Issuer"] = "https://ehr.example.org",
            ["Security:Issuers:0:AllowedJku:0"] = "https://ehr.example.org/.well-known/jwks.json",
        });

        public void Dispose()
        {
            Open.Dispose();
            Secured.Dispose();
        }
    }

    /// <summary>How a row is judged.</summary>
    private enum Expect
    {
        /// <summary>The application answers: an OperationOutcome and CORS headers on an API route.</summary>
        Outcome,

        /// <summary>A success (2xx): CORS headers, no OperationOutcome needed.</summary>
        Success,

        /// <summary>Kestrel refuses it before the application: status only.</summary>
        Server,
    }

    private sealed record Row(Func<Uri, byte[]> Build, int[] Statuses, Expect Expect = Expect.Outcome, bool Secured = false, string? Says = null);

    private static readonly string ValidHook = Requests.Example("patient-view-aortic-bav-candidate.json").ToJsonString();

    private static readonly Dictionary<string, Row> Rows = BuildRows();

    public static TheoryData<string> Names() => [.. Rows.Keys];

    [Fact]
    public void Table_HasAtLeastSixtyRows() => Assert.True(Rows.Count >= 60, $"{Rows.Count} rows");

    [Theory]
    [MemberData(nameof(Names))]
    public async Task HostileRequest_GetsTheRight4xx_NeverA5xx_AndTheServiceStaysReady(string name)
    {
        var row = Rows[name];
        var host = row.Secured ? _hosts.Secured : _hosts.Open;
        var server = host.Client.BaseAddress!;

        var response = await RawHttp.SendAsync(server, row.Build(server), TestContext.Current.CancellationToken);

        Assert.True(response.Status < 500, $"{name}: {response.Status} {response.Body}");
        Assert.Contains(response.Status, row.Statuses);
        if (row.Expect == Expect.Outcome)
        {
            Assert.Equal("http://localhost:5173", response.Header("access-control-allow-origin"));
            if (!name.StartsWith("HEAD", StringComparison.Ordinal))
            {
                using var outcome = JsonDocument.Parse(response.Body);
                Assert.Equal("OperationOutcome", outcome.RootElement.GetProperty("resourceType").GetString());
                Assert.DoesNotContain("   at ", response.Body, StringComparison.Ordinal);
                if (row.Says is { } says)
                {
                    Assert.Contains(says, response.Body, StringComparison.Ordinal);
                }
            }
        }
        else if (row.Expect == Expect.Success)
        {
            Assert.Equal("http://localhost:5173", response.Header("access-control-allow-origin"));
        }

        var ready = await host.Client.GetAsync("/health/ready", TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.OK, ready.StatusCode);
    }

    private static Dictionary<string, Row> BuildRows()
    {
        var rows = new Dictionary<string, Row>(StringComparer.Ordinal);
        void Add(string name, Func<Uri, byte[]> build, int[] statuses, Expect expect = Expect.Outcome, bool secured = false, string? says = null) =>
            rows.Add(name, new Row(build, statuses, expect, secured, says));

        (string, string)[] Json(params (string, string)[] more) => [("Origin", Origin), ("Content-Type", "application/json"), .. more];
        byte[] Body(string text) => Encoding.UTF8.GetBytes(text);
        byte[] Chunked(string raw) => Encoding.Latin1.GetBytes(raw);
        Func<Uri, byte[]> Post(string target, string body, params (string, string)[] headers) =>
            server => RawHttp.Request("POST", target, server, [.. Json(headers), ("Content-Length", Encoding.UTF8.GetByteCount(body).ToString(System.Globalization.CultureInfo.InvariantCulture))], Body(body));
        Func<Uri, byte[]> PostBytes(string target, byte[] body, string contentType = "application/json") =>
            server => RawHttp.Request("POST", target, server, [("Origin", Origin), ("Content-Type", contentType), ("Content-Length", body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))], body);
        Func<Uri, byte[]> PostChunked(string target, string raw, string contentType = "application/json") =>
            server => RawHttp.Request("POST", target, server, [("Origin", Origin), ("Content-Type", contentType), ("Transfer-Encoding", "chunked")], Chunked(raw));
        Func<Uri, byte[]> Method(string method, string target, params (string, string)[] headers) =>
            server => RawHttp.Request(method, target, server, [("Origin", Origin), .. headers]);
        string WithAuthorization(string token, string type = "Bearer")
        {
            var request = JsonNode.Parse(ValidHook)!.AsObject();
            request["fhirServer"] = "https://ehr.example.org/fhir";
            request["fhirAuthorization"] = new JsonObject
            {
                ["access_token"] = token, ["token_type"] = type, ["expires_in"] = 300, ["scope"] = "patient/*.read", ["subject"] = "cds-service",
            };
            return request.ToJsonString();
        }

        // ---- Bad chunking and framing on the hook and feedback (the application reads the body) ----
        Add("chunk size not hex on the hook", PostChunked(Hook, "zz\r\n{}\r\n0\r\n\r\n"), [400]);
        Add("chunk size not hex on feedback", PostChunked(Feedback, "zz\r\n{}\r\n0\r\n\r\n"), [400]);
        Add("chunk data longer than its size", PostChunked(Hook, "2\r\n{}}}}\r\n0\r\n\r\n"), [400]);
        Add("chunk without CRLF after the data", PostChunked(Hook, "2\r\n{}XX0\r\n\r\n"), [400]);
        Add("chunk size overflowing", PostChunked(Hook, "FFFFFFFFFFFFFFFFFF\r\n{}\r\n0\r\n\r\n"), [400]);
        Add("chunk size overflowing on feedback", PostChunked(Feedback, "FFFFFFFFFFFFFFFFFF\r\n{}\r\n0\r\n\r\n"), [400]);
        Add("chunk size overflowing on the token", PostChunked("/sandbox/token", "FFFFFFFFFFFFFFFFFF\r\n{}\r\n0\r\n\r\n"), [400]);
        Add("chunk size overflowing on a search form", PostChunked("/sandbox/fhir/Observation/_search", "FFFFFFFFFFFFFFFFFF\r\na=1\r\n0\r\n\r\n", "application/x-www-form-urlencoded"), [400]);
        Add("chunk extension with control bytes", PostChunked(Hook, "2;\u0001\u0002\r\n{}\r\n0\r\n\r\n"), [400]);
        Add("chunked body over the limit", server => RawHttp.Request("POST", Hook, server,
            [("Origin", Origin), ("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")],
            Chunked(string.Concat(Enumerable.Repeat("100000\r\n" + new string(' ', 0x100000) + "\r\n", 6)) + "0\r\n\r\n")), [413]);
        Add("Content-Length over the limit", server => RawHttp.Request("POST", Hook, server,
            [("Origin", Origin), ("Content-Type", "application/json"), ("Content-Length", "6000000")], []), [413]);
        Add("Content-Length not a number", server => RawHttp.Request("POST", Hook, server, [("Content-Type", "application/json"), ("Content-Length", "abc")], Body("{}")), [400], Expect.Server);
        Add("two Content-Length values", server => RawHttp.Request("POST", Hook, server, [("Content-Type", "application/json"), ("Content-Length", "2"), ("Content-Length", "3")], Body("{}")), [400], Expect.Server);
        Add("Transfer-Encoding not chunked", server => RawHttp.Request("POST", Hook, server, [("Content-Type", "application/json"), ("Transfer-Encoding", "gzip")], Body("{}")), [400, 501], Expect.Server);

        // ---- Bad bodies ----
        Add("invalid UTF-8 in a string", PostBytes(Hook, [.. Body("{\"hook\":\"patient-view\",\"hookInstance\":\""), 0xC3, 0x28, 0xFF, .. Body("\"}")]), [400], says: "UTF-8");
        Add("UTF-16 body", PostBytes(Hook, Encoding.Unicode.GetBytes(ValidHook)), [400]);
        Add("NUL bytes", PostBytes(Hook, [0, 0, 0, 0]), [400]);
        Add("empty body", PostBytes(Hook, []), [400]);
        Add("10,000-deep arrays", Post(Hook, new string('[', 10000) + new string(']', 10000)), [400]);
        Add("number with a huge exponent", Post(Hook, "{\"hook\":\"patient-view\",\"hookInstance\":1e999999999}"), [400]);
        Add("body of only whitespace", Post(Hook, "   \n\t  "), [400]);
        Add("text/plain body", PostBytes(Hook, Body(ValidHook), "text/plain"), [415]);
        Add("JSON in Latin-1", PostBytes(Hook, Body(ValidHook), "application/json; charset=iso-8859-1"), [415]);
        Add("no Content-Type", server => RawHttp.Request("POST", Hook, server, [("Origin", Origin), ("Content-Length", "2")], Body("{}")), [415]);
        Add("feedback with invalid UTF-8", PostBytes(Feedback, [.. Body("{\"feedback\":[{\"card\":\""), 0xFF, 0xFE, .. Body("\"}]}")]), [400]);
        Add("feedback with 600 items", Post(Feedback, "{\"feedback\":[" + string.Join(',', Enumerable.Repeat("{\"card\":\"c\",\"outcome\":\"accepted\",\"outcomeTimestamp\":\"2026-11-28T10:00:00Z\"}", 600)) + "]}"), [400]);

        // ---- Bad tokens in the envelope ----
        Add("access_token with CR LF", Post(Hook, WithAuthorization("abc\r\nX-Injected: 1")), [400], says: "fhirAuthorization.access_token");
        Add("access_token with NUL", Post(Hook, WithAuthorization("abc\u0000def")), [400], says: "fhirAuthorization.access_token");
        Add("access_token with a space", Post(Hook, WithAuthorization("abc def")), [400], says: "fhirAuthorization.access_token");
        Add("access_token with non-ASCII", Post(Hook, WithAuthorization("jeton-é")), [400], says: "fhirAuthorization.access_token");
        Add("access_token of only '='", Post(Hook, WithAuthorization("===")), [400], says: "fhirAuthorization.access_token");
        Add("token_type MAC", Post(Hook, WithAuthorization("abc", "MAC")), [400], says: "fhirAuthorization.token_type");
        Add("fhirServer javascript: URL", Post(Hook, ValidHook.Replace("{\"hook\"", "{\"fhirServer\":\"javascript:alert(1)\",\"hook\"", StringComparison.Ordinal)), [400]);
        Add("fhirServer file: URL", Post(Hook, ValidHook.Replace("{\"hook\"", "{\"fhirServer\":\"file:///etc/passwd\",\"hook\"", StringComparison.Ordinal)), [400]);

        // ---- Bad tokens in the Authorization header (JWTs required) ----
        Add("Bearer with nothing after it", Method("POST", Hook, ("Authorization", "Bearer "), ("Content-Type", "application/json"), ("Content-Length", "0")), [401], secured: true);
        Add("Basic credentials", Method("POST", Hook, ("Authorization", "Basic dXNlcjpwYXNz"), ("Content-Type", "application/json"), ("Content-Length", "0")), [401], secured: true);
        Add("10 KB of garbage as a JWT", Method("POST", Hook, ("Authorization", "Bearer " + new string('A', 10_000)), ("Content-Type", "application/json"), ("Content-Length", "0")), [401], secured: true);
        Add("three base64 parts that are not a JWT", Method("POST", Hook, ("Authorization", "Bearer eyJ.eyJ.sig"), ("Content-Type", "application/json"), ("Content-Length", "0")), [401], secured: true);
        Add("two Authorization headers", Method("POST", Hook, ("Authorization", "Bearer a.b.c"), ("Authorization", "Bearer d.e.f"), ("Content-Type", "application/json"), ("Content-Length", "0")), [401], secured: true);
        Add("JWT header with alg none", Method("POST", Hook, ("Authorization", "Bearer eyJhbGciOiJub25lIn0.eyJpc3MiOiJodHRwczovL2Voci5leGFtcGxlLm9yZyJ9."), ("Content-Type", "application/json"), ("Content-Length", "0")), [401], secured: true);
        Add("no token on discovery", Method("GET", "/cds-services"), [401], secured: true);
        Add("no token on analytics", Method("GET", "/analytics/cards"), [401], secured: true);

        // ---- Odd methods ----
        foreach (var method in (string[])["GET", "PUT", "DELETE", "PATCH", "TRACE"])
        {
            Add($"{method} on a hook", Method(method, Hook), [405], says: "POST");
        }

        foreach (var method in (string[])["GET", "PUT", "DELETE"])
        {
            Add($"{method} on feedback", Method(method, Feedback), [405], says: "POST");
        }

        Add("POST on discovery", Method("POST", "/cds-services", ("Content-Type", "application/json"), ("Content-Length", "0")), [405]);
        Add("HEAD on discovery", Method("HEAD", "/cds-services"), [200, 405]);
        Add("HEAD on a hook", Method("HEAD", Hook), [405]);
        Add("an invented method", Method("BREW", Hook), [405]);
        Add("OPTIONS without a preflight", Method("OPTIONS", Hook), [204, 405], Expect.Success);
        Add("preflight from an allowed origin", Method("OPTIONS", Hook, ("Access-Control-Request-Method", "POST"), ("Access-Control-Request-Headers", "authorization,content-type")), [204], Expect.Success);
        Add("preflight for the sandbox FHIR search", Method("OPTIONS", "/sandbox/fhir/Condition/_search", ("Access-Control-Request-Method", "POST"), ("Access-Control-Request-Headers", "authorization,content-type")), [204], Expect.Success);
        Add("DELETE on a sandbox resource", Method("DELETE", "/sandbox/fhir/Patient/aortic-candidate"), [405]);

        // ---- Odd paths ----
        Add("empty service id", Method("POST", "/cds-services//x", ("Content-Type", "application/json"), ("Content-Length", "0")), [404, 405]);
        Add("encoded dot-dot", Method("POST", "/cds-services/%2e%2e/%2e%2e/etc/passwd", ("Content-Type", "application/json"), ("Content-Length", "0")), [400, 404, 405]);
        Add("encoded slash in the id", Method("POST", "/cds-services/valvuloplasty-patient-view%2Ffeedback", ("Content-Type", "application/json"), ("Content-Length", "2")), [400, 404], says: null);
        Add("a 300-character service id", Method("POST", "/cds-services/" + new string('x', 300), ("Content-Type", "application/json"), ("Content-Length", "2")), [404]);
        Add("encoded CR LF in the id", Method("POST", "/cds-services/x%0d%0aSet-Cookie:%20a=b", ("Content-Type", "application/json"), ("Content-Length", "2")), [404]);
        Add("encoded NUL in the id", Method("POST", "/cds-services/x%00y", ("Content-Type", "application/json"), ("Content-Length", "2")), [400], Expect.Server);
        Add("a path below feedback", Method("POST", Feedback + "/more", ("Content-Type", "application/json"), ("Content-Length", "2")), [404]);
        Add("a request target over Kestrel's limit", Method("GET", "/cds-services?x=" + new string('a', 10_000)), [414], Expect.Server);

        // ---- Huge or malformed headers (Kestrel refuses them) ----
        Add("a 40 KB header", Method("GET", "/cds-services", ("X-Big", new string('a', 40_000))), [431], Expect.Server);
        Add("150 headers", server => RawHttp.Request("GET", "/cds-services", server, [.. Enumerable.Range(0, 150).Select(i => ($"X-H{i}", "v"))]), [431], Expect.Server);
        Add("a header name with a space", server => RawHttp.Request("GET", "/cds-services", server, [("Bad Name", "v")]), [400], Expect.Server);
        Add("no Host header", server => RawHttp.Request("GET", "/cds-services", server, host: false), [400], Expect.Server);

        // ---- Date ranges on analytics ----
        Add("until at the minimum date", Method("GET", "/analytics/cards?until=0001-01-01T00:00:00Z"), [400], says: "until");
        Add("since not a date", Method("GET", "/analytics/cards?since=yesterday"), [400], says: "since");
        Add("since after until", Method("GET", "/analytics/cards?since=2026-12-01T00:00:00Z&until=2026-11-01T00:00:00Z"), [400], says: "since");
        Add("until far in the future", Method("GET", "/analytics/cards?until=9999-12-31T23:59:59Z"), [200], Expect.Success);
        Add("since at the minimum date", Method("GET", "/analytics/cards?since=0001-01-01T00:00:00Z&until=0001-01-02T00:00:00Z"), [200], Expect.Success);
        Add("until 500 characters long", Method("GET", "/analytics/cards?until=" + new string('9', 500)), [400], says: "until");

        // ---- Sandbox token and forms ----
        Add("token with an empty body", PostBytes("/sandbox/token", []), [400], says: "audience");
        Add("token with malformed JSON", Post("/sandbox/token", "{\"audience\":"), [400], says: "audience");
        Add("token with a wrong type", Post("/sandbox/token", "{\"audience\":5}"), [400], says: "audience");
        Add("token with an array", Post("/sandbox/token", "[\"http://localhost\"]"), [400], says: "audience");
        Add("token as text/plain", PostBytes("/sandbox/token", Body("{}"), "text/plain"), [415]);
        Add("token with a 1 MB body", Post("/sandbox/token", "{\"audience\":\"" + new string('a', 1_000_000) + "\"}"), [413]);
        Add("search with a broken multipart body", PostBytes("/sandbox/fhir/Observation/_search", Body("--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1"), "multipart/form-data; boundary=x"), [415]);
        Add("search with 5,000 form fields", PostBytes("/sandbox/fhir/Observation/_search", Body(string.Join('&', Enumerable.Range(0, 5000).Select(i => $"f{i}=1"))), "application/x-www-form-urlencoded"), [400, 413]);
        Add("search with a 5 MB form value", PostBytes("/sandbox/fhir/Observation/_search", Body("code=" + new string('a', 5_000_000)), "application/x-www-form-urlencoded"), [413]);
        Add("search form chunked and malformed", PostChunked("/sandbox/fhir/Observation/_search", "zz\r\na=1\r\n0\r\n\r\n", "application/x-www-form-urlencoded"), [400]);
        Add("search with _count not a number", Method("GET", "/sandbox/fhir/Patient?_count=abc"), [400], says: "_count");
        Add("search of an unknown type", Method("GET", "/sandbox/fhir/Unknown"), [404]);
        Add("read of an unknown patient", Method("GET", "/sandbox/fhir/Patient/no-such-patient"), [404]);
        Add("Patient search by name", Method("GET", "/sandbox/fhir/Patient?name=%FF%FE"), [200], Expect.Success);

        return rows;
    }
}

/// <summary>
/// The other side of the split: a fault in the service itself (here, a feedback store with a bug) is a 500, logged once
/// at Error with its stack trace, answered with an OperationOutcome that holds no detail, with CORS for the caller.
/// </summary>
public sealed class ServiceFaultTests
{
    [Fact]
    public async Task ABugInTheService_Is500_LoggedOnceWithItsStackTrace_AndTheBodySaysNothingMore()
    {
        using var host = new CdsTestHost { CaptureLogs = true, ServiceOverrides = services => services.AddSingleton<Valvuloplasty.Fhir.Data.Feedback.IFeedbackStore, BuggyStore>() };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/cds-services/valvuloplasty-patient-view/feedback")
        {
            Content = Requests.Json("{\"feedback\":[{\"card\":\"c\",\"outcome\":\"accepted\",\"outcomeTimestamp\":\"2026-11-28T10:00:00Z\"}]}"),
        };
        request.Headers.Add("Origin", "http://localhost:5173");

        var response = await host.Client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("http://localhost:5173", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("\"OperationOutcome\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain("BuggyStore", body, StringComparison.Ordinal);
        var errors = host.Logs.GetSnapshot().Where(r => r.Level >= Microsoft.Extensions.Logging.LogLevel.Error).ToList();
        var logged = Assert.Single(errors);
        Assert.IsType<InvalidOperationException>(logged.Exception);
        Assert.Contains(nameof(BuggyStore), logged.Exception!.StackTrace, StringComparison.Ordinal);
    }

    /// <summary>A store whose save has a bug (not an outage: that would be a 503).</summary>
    private sealed class BuggyStore : Valvuloplasty.Fhir.Data.Feedback.IFeedbackStore
    {
        public Task InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<int> SaveAsync(IReadOnlyList<Valvuloplasty.Fhir.Data.Feedback.FeedbackItem> items, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("a bug in the store");

        public Task<IReadOnlyList<Valvuloplasty.Fhir.Data.Feedback.FeedbackItem>> ReadAsync(Valvuloplasty.Fhir.Data.Feedback.FeedbackQuery query, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<Valvuloplasty.Fhir.Data.Feedback.FeedbackItem>>([]);

        public Task SaveCardsAsync(IReadOnlyList<Valvuloplasty.Fhir.Data.Feedback.CardRecord> cards, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<Valvuloplasty.Fhir.Data.Feedback.CardAnalytics> AnalyticsAsync(DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken) =>
            Task.FromResult(new Valvuloplasty.Fhir.Data.Feedback.CardAnalytics(since, until, []));

        public Task<bool> PingAsync(CancellationToken cancellationToken) => Task.FromResult(true);
    }
}
