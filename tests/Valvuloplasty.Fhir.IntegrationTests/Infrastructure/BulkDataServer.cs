using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using WireMock;
using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Types;
using WireMock.Util;

namespace Valvuloplasty.Fhir.IntegrationTests.Infrastructure;

/// <summary>
/// A FHIR Bulk Data server on WireMock.Net, one per test: SMART configuration, a token endpoint issuing short opaque
/// tokens it enforces (expiry, revocation), <c>$export</c> kick-off, a status URL answering a script of responses then
/// the manifest, and the NDJSON files. Every request is recorded with the token it carried.
/// </summary>
public sealed class BulkDataServer : IDisposable
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _tokens = new();
    private readonly ConcurrentQueue<Seen> _seen = new();
    private int _issued;

    public BulkDataServer()
    {
        Server = WireMockServer.Start();
        Server.Given(Request.Create().UsingAnyMethod().WithPath(new WildcardMatcher("/*")))
            .RespondWith(Response.Create().WithCallback(Handle));
    }

    public WireMockServer Server { get; }

    public string BaseUrl => $"{Server.Urls[0]}/fhir";

    public string TokenEndpoint => $"{BaseUrl}/auth/token";

    public const string StatusPath = "/fhir/status/export-1";

    /// <summary>Life of the tokens issued (expires_in), enforced: an expired token is answered 401.</summary>
    public int TokenLifetimeSeconds { get; set; } = 300;

    /// <summary>Answers a kick-off carrying _typeFilter with 400 and an OperationOutcome.</summary>
    public bool RefuseTypeFilter { get; set; }

    /// <summary>The kick-off's answer instead of 202 (status, OperationOutcome diagnostics).</summary>
    public (int Status, string Diagnostics)? KickOffFailure { get; set; }

    /// <summary>Status answers served before the manifest, one per poll (e.g. 202 with Retry-After and X-Progress).</summary>
    public ConcurrentQueue<Func<ResponseMessage>> StatusScript { get; } = new();

    /// <summary>When the script is used up: true answers 202 forever (an export that never finishes).</summary>
    public bool NeverComplete { get; set; }

    /// <summary>Answers given to a file's first downloads, before its content (e.g. 503, 429).</summary>
    public ConcurrentDictionary<string, ConcurrentQueue<Func<ResponseMessage>>> FileScript { get; } = new();

    /// <summary>Tokens made invalid (answered 401) although not expired.</summary>
    public ConcurrentDictionary<string, bool> Revoked { get; } = new();

    public bool RequiresAccessToken { get; set; } = true;

    /// <summary>The output files: name → (resource type, body, content type, content encoding).</summary>
    public List<(string Name, string Type, byte[] Body, string ContentType, string? ContentEncoding)> Output { get; } = [];

    /// <summary>The error files: name → OperationOutcome NDJSON.</summary>
    public List<(string Name, string Body)> Errors { get; } = [];

    /// <summary>Completes when the status URL is first polled.</summary>
    public TaskCompletionSource FirstPoll { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Every request, in arrival order.</summary>
    public IReadOnlyList<Seen> Requests => [.. _seen];

    /// <summary>The form fields of every token request.</summary>
    public ConcurrentQueue<Dictionary<string, string>> TokenRequests { get; } = new();

    /// <summary>When each token was issued.</summary>
    public ConcurrentDictionary<string, DateTimeOffset> IssuedAt { get; } = new();

    /// <summary>One request as the server saw it: the token it carried and the status it got.</summary>
    public sealed record Seen(DateTimeOffset At, string Method, string Path, IDictionary<string, WireMockList<string>>? Query, string? Token, IDictionary<string, WireMockList<string>>? Headers)
    {
        public int Status { get; set; }

        public IReadOnlyList<string> Param(string name) => Query is not null && Query.TryGetValue(name, out var values) ? [.. values] : [];

        public string? Header(string name) => Headers?.FirstOrDefault(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value?.FirstOrDefault();
    }

    public void AddOutput(string name, string type, string ndjson, bool gzipBody = false, bool contentEncodingGzip = false)
    {
        var bytes = Encoding.UTF8.GetBytes(ndjson);
        Output.Add((name, type, gzipBody || contentEncodingGzip ? Gzip(bytes) : bytes,
            gzipBody ? "application/gzip" : "application/fhir+ndjson", contentEncodingGzip ? "gzip" : null));
    }

    public static byte[] Gzip(byte[] bytes)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest))
        {
            gzip.Write(bytes);
        }

        return buffer.ToArray();
    }

    public static ResponseMessage Reply(int status, string? body = null, string contentType = "application/fhir+json", params (string Name, string Value)[] headers)
    {
        var response = new ResponseMessage { StatusCode = status, Headers = new Dictionary<string, WireMockList<string>>() };
        if (body is not null)
        {
            response.AddHeader("Content-Type", contentType);
            response.BodyData = new BodyData { BodyAsString = body, DetectedBodyType = BodyType.String, Encoding = Encoding.UTF8 };
        }

        foreach (var (name, value) in headers)
        {
            response.AddHeader(name, value);
        }

        return response;
    }

    /// <summary>A 202 of a running export, with Retry-After (seconds or an HTTP date) and X-Progress.</summary>
    public static Func<ResponseMessage> InProgress(string? retryAfter, string? progress) => () =>
    {
        var headers = new List<(string, string)>();
        if (retryAfter is not null)
        {
            headers.Add(("Retry-After", retryAfter));
        }

        if (progress is not null)
        {
            headers.Add(("X-Progress", progress));
        }

        return Reply(202, headers: [.. headers]);
    };

    public static string Outcome(string diagnostics, string severity = "error", string code = "processing") =>
        new JsonObject
        {
            ["resourceType"] = "OperationOutcome",
            ["issue"] = new JsonArray(new JsonObject { ["severity"] = severity, ["code"] = code, ["diagnostics"] = diagnostics }),
        }.ToJsonString();

    public int Count(string method, string pathPrefix) => Requests.Count(r => r.Method == method && r.Path.StartsWith(pathPrefix, StringComparison.Ordinal));

    private ResponseMessage Handle(IRequestMessage request)
    {
        var authorization = request.Headers?.FirstOrDefault(h => h.Key.Equals("Authorization", StringComparison.OrdinalIgnoreCase)).Value?.FirstOrDefault();
        var token = authorization?.StartsWith("Bearer ", StringComparison.Ordinal) == true ? authorization["Bearer ".Length..] : null;
        var seen = new Seen(DateTimeOffset.UtcNow, request.Method, request.Path, request.Query, token, request.Headers);
        _seen.Enqueue(seen);
        var response = Route(request, seen);
        seen.Status = (int)response.StatusCode!;
        return response;
    }

    private ResponseMessage Route(IRequestMessage request, Seen seen)
    {
        var path = request.Path;
        if (path == "/fhir/.well-known/smart-configuration")
        {
            return Reply(200, new JsonObject
            {
                ["token_endpoint"] = TokenEndpoint,
                ["grant_types_supported"] = new JsonArray("client_credentials"),
                ["token_endpoint_auth_methods_supported"] = new JsonArray("private_key_jwt"),
            }.ToJsonString(), "application/json");
        }

        if (path == "/fhir/auth/token" && request.Method == "POST")
        {
            var form = (request.Body ?? "").Split('&', StringSplitOptions.RemoveEmptyEntries)
                .Select(p => p.Split('=', 2))
                .ToDictionary(p => Uri.UnescapeDataString(p[0].Replace('+', ' ')), p => Uri.UnescapeDataString(p.Length > 1 ? p[1].Replace('+', ' ') : ""));
            TokenRequests.Enqueue(form);
            var issued = $"token-{Interlocked.Increment(ref _issued)}";
            _tokens[issued] = DateTimeOffset.UtcNow.AddSeconds(TokenLifetimeSeconds);
            IssuedAt[issued] = DateTimeOffset.UtcNow;
            return Reply(200, new JsonObject
            {
                ["access_token"] = issued,
                ["token_type"] = "bearer",
                ["expires_in"] = TokenLifetimeSeconds,
                ["scope"] = form.GetValueOrDefault("scope"),
            }.ToJsonString(), "application/json");
        }

        var needsToken = path.EndsWith("/$export", StringComparison.Ordinal) || path == StatusPath || (path.StartsWith("/fhir/files/", StringComparison.Ordinal) && RequiresAccessToken);
        if (needsToken && request.Method != "DELETE"
            && (seen.Token is null || !_tokens.TryGetValue(seen.Token, out var expires) || DateTimeOffset.UtcNow >= expires || Revoked.ContainsKey(seen.Token)))
        {
            return Reply(401, Outcome("access token missing, expired or revoked", code: "login"));
        }

        if (path is "/fhir/Patient/$export" or "/fhir/Group/cohort-1/$export")
        {
            if (RefuseTypeFilter && request.Query?.ContainsKey("_typeFilter") == true)
            {
                return Reply(400, Outcome("_typeFilter is not supported by this server", code: "not-supported"));
            }

            if (KickOffFailure is { } failure)
            {
                return Reply(failure.Status, Outcome(failure.Diagnostics, code: "forbidden"));
            }

            return Reply(202, headers: ("Content-Location", BaseUrl + StatusPath["/fhir".Length..]));
        }

        if (path == StatusPath && request.Method == "DELETE")
        {
            return Reply(202);
        }

        if (path == StatusPath)
        {
            FirstPoll.TrySetResult();
            if (StatusScript.TryDequeue(out var scripted))
            {
                return scripted();
            }

            return NeverComplete ? InProgress("1", "still exporting")() : Reply(200, Manifest(), "application/json");
        }

        if (path.StartsWith("/fhir/files/", StringComparison.Ordinal))
        {
            var name = path["/fhir/files/".Length..];
            if (FileScript.TryGetValue(name, out var script) && script.TryDequeue(out var scripted))
            {
                return scripted();
            }

            if (Errors.FirstOrDefault(e => e.Name == name) is { Body: not null } error)
            {
                return Reply(200, error.Body, "application/fhir+ndjson");
            }

            if (Output.FirstOrDefault(o => o.Name == name) is { Body: not null } file)
            {
                var response = new ResponseMessage { StatusCode = 200, Headers = new Dictionary<string, WireMockList<string>>() };
                response.AddHeader("Content-Type", file.ContentType);
                if (file.ContentEncoding is { } encoding)
                {
                    response.AddHeader("Content-Encoding", encoding);
                }

                response.BodyData = new BodyData { BodyAsBytes = file.Body, DetectedBodyType = BodyType.Bytes };
                return response;
            }
        }

        return Reply(404, Outcome($"no such resource: {path}", code: "not-found"));
    }

    private string Manifest() => new JsonObject
    {
        ["transactionTime"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        ["request"] = BaseUrl + "/Patient/$export",
        ["requiresAccessToken"] = RequiresAccessToken,
        ["output"] = new JsonArray([.. Output.Select(o => (JsonNode)new JsonObject
        {
            ["type"] = o.Type,
            ["url"] = $"{BaseUrl}/files/{o.Name}",
            ["count"] = Encoding.UTF8.GetString(o.ContentEncoding is null && o.ContentType != "application/gzip" ? o.Body : Gunzip(o.Body)).Count(c => c == '\n'),
        })]),
        ["error"] = new JsonArray([.. Errors.Select(e => (JsonNode)new JsonObject { ["type"] = "OperationOutcome", ["url"] = $"{BaseUrl}/files/{e.Name}" })]),
    }.ToJsonString();

    private static byte[] Gunzip(byte[] bytes)
    {
        using var input = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    /// <summary>The NDJSON of the synthetic patients' resources, per resource type (profiles/examples/patients).</summary>
    public static Dictionary<string, string> Population(params string[] patients)
    {
        var byType = new Dictionary<string, StringBuilder>(StringComparer.Ordinal);
        foreach (var patient in patients)
        {
            var bundle = JsonNode.Parse(File.ReadAllText(Path.Combine(SyntheticPatients.Folder, $"Bundle-{patient}.json")))!;
            foreach (var entry in bundle["entry"]!.AsArray())
            {
                var resource = entry!["resource"]!;
                var type = resource["resourceType"]!.GetValue<string>();
                if (!byType.TryGetValue(type, out var lines))
                {
                    byType[type] = lines = new StringBuilder();
                }

                lines.Append(resource.ToJsonString(new JsonSerializerOptions { WriteIndented = false })).Append('\n');
            }
        }

        return byType.ToDictionary(p => p.Key, p => p.Value.ToString(), StringComparer.Ordinal);
    }

    public void Dispose() => Server.Stop();
}
