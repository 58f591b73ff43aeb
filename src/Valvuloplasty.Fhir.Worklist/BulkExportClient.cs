using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Polly.Timeout;
using Valvuloplasty.Fhir.Data.FhirServer;
using Valvuloplasty.Fhir.Data.Prefetch;

namespace Valvuloplasty.Fhir.Worklist;

/// <summary>The server refused or failed the export: one clear message, exit code 3.</summary>
public sealed class BulkExportException(string message) : Exception(message);

/// <summary>
/// What to export: the server, the patients (all, or a Group's), the resource types the rules read and the prefetch's
/// filters as <c>_typeFilter</c> (the hook and the worklist then see the same data).
/// </summary>
public sealed record BulkExportRequest(Uri Server, string? Group, IReadOnlyList<string> Types, IReadOnlyList<string> TypeFilters)
{
    /// <summary>The types the scan reads, in its order, so the files it needs first are downloaded first.</summary>
    public static IReadOnlyList<string> RuleTypes => WorklistScanner.TypeOrder;

    /// <summary>The default scope: read and search of every type exported, as a system (SMART v2 scopes).</summary>
    public static string DefaultScope { get; } = string.Join(' ', RuleTypes.Select(t => $"system/{t}.rs"));

    public static BulkExportRequest For(Uri server, string? group, PrefetchTemplates templates)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(templates);
        return new BulkExportRequest(server, group, RuleTypes, PrefetchTypeFilters(templates));
    }

    /// <summary>
    /// The prefetch templates' search parameters other than the patient, one <c>_typeFilter</c> per template that has
    /// any (e.g. the Observation codes the rules read, MedicationRequests active or on hold).
    /// </summary>
    public static IReadOnlyList<string> PrefetchTypeFilters(PrefetchTemplates templates)
    {
        ArgumentNullException.ThrowIfNull(templates);
        var filters = new List<string>();
        foreach (var template in templates.All)
        {
            var question = template.Query.IndexOf('?', StringComparison.Ordinal);
            if (question < 0)
            {
                continue;
            }

            var parameters = template.Query[(question + 1)..].Split('&')
                .Where(p => !p.Contains(PrefetchTemplates.PatientToken, StringComparison.Ordinal))
                .ToList();
            if (parameters.Count > 0)
            {
                filters.Add($"{template.ResourceType}?{string.Join('&', parameters)}");
            }
        }

        return filters;
    }

    /// <summary>The kick-off URL: <c>[base]/Patient/$export</c> or <c>[base]/Group/[id]/$export</c> with its parameters.</summary>
    public Uri KickOffUrl(bool withTypeFilter)
    {
        var path = Group is null ? "/Patient/$export" : $"/Group/{Uri.EscapeDataString(Group)}/$export";
        var query = new StringBuilder("?_outputFormat=").Append(Uri.EscapeDataString("application/fhir+ndjson"))
            .Append("&_type=").Append(Uri.EscapeDataString(string.Join(',', Types)));
        if (withTypeFilter)
        {
            foreach (var filter in TypeFilters)
            {
                query.Append("&_typeFilter=").Append(Uri.EscapeDataString(filter));
            }
        }

        return new Uri(Server.AbsoluteUri.TrimEnd('/') + path + query);
    }
}

/// <summary>One file of a completed export's manifest.</summary>
public sealed record ManifestFile(string? Type, Uri Url, long? Count);

/// <summary>A completed export: its output files, its error files (OperationOutcome NDJSON), and whether downloads need the token.</summary>
public sealed record ExportManifest(string? TransactionTime, bool RequiresAccessToken, IReadOnlyList<ManifestFile> Output, IReadOnlyList<ManifestFile> Error);

/// <summary>Where a running export stands while it is polled: the server's X-Progress, time since kick-off, the next wait.</summary>
public sealed record ExportStatus(string? Progress, TimeSpan Elapsed, TimeSpan NextPoll, int Polls);

/// <summary>
/// A FHIR Bulk Data client (the asynchronous request pattern): kick-off, status polling, manifest, downloads and
/// cancellation. Every request goes through the FHIR server HTTP stack (timeouts, retries with backoff honouring
/// Retry-After on 408/429/5xx); the access token goes only to URLs under an allowed server, and a 401 gets one new
/// token and one more try.
/// </summary>
public sealed class BulkExportClient(HttpClient http, SmartBackendAuth auth, FhirServerAllowList allowList, TimeProvider time, bool requireHttps)
{
    /// <summary>First wait between polls when the server gives no Retry-After; it doubles up to <see cref="MaxDefaultPoll"/>.</summary>
    public static readonly TimeSpan FirstDefaultPoll = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan MaxDefaultPoll = TimeSpan.FromMinutes(1);

    /// <summary>Longest wait honoured from a Retry-After (a server asking for more is polled again after this).</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromMinutes(10);

    /// <summary>Attempts at a download whose body broke off (a status the stack retries does not count here).</summary>
    private const int DownloadAttempts = 3;

    /// <summary>Redirects followed by a download (the token is not sent to a server off the allow-list).</summary>
    private const int MaxRedirects = 5;

    /// <summary>
    /// Starts the export and returns its status URL. When the server refuses <c>_typeFilter</c> (a 400, 422 or 501,
    /// as the Bulk Data specification lets a server that does not support it answer), the kick-off is sent again
    /// without it and <paramref name="notice"/> says so: the scan reads only what the rules use either way.
    /// </summary>
    public async Task<Uri> KickOffAsync(BulkExportRequest request, Action<string> notice, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(notice);
        var withTypeFilter = request.TypeFilters.Count > 0;
        while (true)
        {
            var url = request.KickOffUrl(withTypeFilter);
            using var response = await SendAsync(() =>
            {
                var message = new HttpRequestMessage(HttpMethod.Get, url);
                message.Headers.Accept.ParseAdd("application/fhir+json");
                message.Headers.Add("Prefer", "respond-async");
                return message;
            }, authorize: true, HttpCompletionOption.ResponseContentRead, "the export kick-off", cancellationToken);
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                var location = response.Content.Headers.ContentLocation ?? (response.Headers.TryGetValues("Content-Location", out var values) ? new Uri(values.First(), UriKind.RelativeOrAbsolute) : null);
                if (location is null)
                {
                    throw new BulkExportException("the export kick-off was accepted (202) without a Content-Location: no status to poll.");
                }

                var status = location.IsAbsoluteUri ? location : new Uri(url, location);
                if (allowList.Refusal(StatusBase(status)) is { } refusal)
                {
                    throw new BulkExportException($"the export's status URL is off the allowed servers ({refusal}); the access token is not sent there.");
                }

                return status;
            }

            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (withTypeFilter && response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity or HttpStatusCode.NotImplemented)
            {
                notice($"the server refused _typeFilter ({Status(response)}{Outcome(body)}); exporting again without it (the scan keeps only what the rules read).");
                withTypeFilter = false;
                continue;
            }

            throw new BulkExportException($"the export kick-off was refused: {Status(response)}{Outcome(body)}.");
        }
    }

    /// <summary>
    /// Polls the status URL until the export is complete: on 202 it waits the Retry-After (seconds or an HTTP date,
    /// at most <see cref="MaxRetryAfter"/>; without one, a backoff from 1 s doubling to 1 min) and reports X-Progress.
    /// 429 and 5xx are retried by the HTTP stack; an error status after that is the export's failure.
    /// </summary>
    public async Task<ExportManifest> WaitAsync(Uri status, Action<ExportStatus>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(status);
        var started = time.GetTimestamp();
        var backoff = FirstDefaultPoll;
        for (var polls = 1; ; polls++)
        {
            using var response = await SendAsync(() =>
            {
                var message = new HttpRequestMessage(HttpMethod.Get, status);
                message.Headers.Accept.ParseAdd("application/json");
                return message;
            }, authorize: true, HttpCompletionOption.ResponseContentRead, "the export status", cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return ReadManifest(body, status);
            }

            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                throw new BulkExportException($"the export failed: the status URL answered {Status(response)}{Outcome(body)}.");
            }

            TimeSpan wait;
            if (RetryAfter(response) is { } asked)
            {
                wait = asked > MaxRetryAfter ? MaxRetryAfter : asked;
            }
            else
            {
                wait = backoff;
                backoff = backoff * 2 > MaxDefaultPoll ? MaxDefaultPoll : backoff * 2;
            }

            var text = response.Headers.TryGetValues("X-Progress", out var values) ? SmartBackendAuth.Printable(string.Join(' ', values)) : null;
            progress?.Invoke(new ExportStatus(text, time.GetElapsedTime(started), wait, polls));
            await Task.Delay(wait, time, cancellationToken);
        }
    }

    /// <summary>
    /// Downloads one file to <paramref name="pathStem"/> plus <c>.ndjson</c>, or <c>.ndjson.gz</c> when the body is still
    /// gzip (a Content-Encoding is decompressed on the way). A body that breaks off is fetched again, up to three times.
    /// </summary>
    public async Task<string> DownloadAsync(ManifestFile file, bool requiresAccessToken, string pathStem, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await DownloadOnceAsync(file.Url, requiresAccessToken, pathStem, cancellationToken);
            }
            catch (IOException) when (attempt < DownloadAttempts && !cancellationToken.IsCancellationRequested)
            {
                // The body broke off: again, from the start.
            }
        }
    }

    private async Task<string> DownloadOnceAsync(Uri url, bool requiresAccessToken, string pathStem, CancellationToken cancellationToken)
    {
        for (var redirects = 0; ; redirects++)
        {
            var authorize = requiresAccessToken;
            if (authorize && allowList.Refusal(StatusBase(url)) is { } refusal)
            {
                if (redirects == 0)
                {
                    throw new BulkExportException($"not downloaded: the file needs the access token, and its server is off the allowed servers ({refusal}).");
                }

                authorize = false; // redirected off the server (e.g. to a signed storage URL): without the token
            }

            if (requireHttps && url.Scheme != Uri.UriSchemeHttps)
            {
                throw new BulkExportException($"not downloaded: {url.GetLeftPart(UriPartial.Authority)} is not https.");
            }

            var target = url;
            using var response = await SendAsync(() =>
            {
                var message = new HttpRequestMessage(HttpMethod.Get, target);
                message.Headers.Accept.ParseAdd("application/fhir+ndjson");
                return message;
            }, authorize, HttpCompletionOption.ResponseHeadersRead, "the download", cancellationToken);
            if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location && redirects < MaxRedirects)
            {
                url = location.IsAbsoluteUri ? location : new Uri(url, location);
                continue;
            }

            if (!response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                throw new BulkExportException($"download failed: {Status(response)}{Outcome(body)}");
            }

            var partial = pathStem + ".part";
            await using (var content = await response.Content.ReadAsStreamAsync(cancellationToken))
            await using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                await content.CopyToAsync(file, 1 << 16, cancellationToken);
            }

            // Still gzip after the transfer decoding (a file stored compressed): kept so, the scanner reads both.
            bool gzip;
            await using (var check = new FileStream(partial, FileMode.Open, FileAccess.Read, FileShare.Read))
            {
                var magic = new byte[2];
                gzip = await check.ReadAtLeastAsync(magic, 2, throwOnEndOfStream: false, cancellationToken) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
            }

            var path = pathStem + (gzip ? ".ndjson.gz" : ".ndjson");
            File.Move(partial, path, overwrite: true);
            return path;
        }
    }

    /// <summary>Asks the server to cancel the export, or to drop its files once read (DELETE on the status URL); best effort, 5 s at most.</summary>
    public async Task<bool> DeleteAsync(Uri status)
    {
        ArgumentNullException.ThrowIfNull(status);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Delete, status);
            request.Headers.Accept.ParseAdd("application/fhir+json");
            if (auth.CurrentToken is { } token)
            {
                request.Headers.Authorization = SmartBackendAuth.Bearer(token);
            }

            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or TimeoutRejectedException)
        {
            return false;
        }
    }

    /// <summary>Reads an OperationOutcome NDJSON file: each issue as "severity (code): text".</summary>
    public static IReadOnlyList<(string Severity, string Text)> ReadIssues(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var issues = new List<(string, string)>();
        WorklistScanner.ForEachLine(path, line =>
        {
            try
            {
                var reader = new Utf8JsonReader(line);
                using var document = JsonDocument.ParseValue(ref reader);
                foreach (var issue in OutcomeIssues(document.RootElement))
                {
                    issues.Add(issue);
                }
            }
            catch (JsonException)
            {
                issues.Add(("error", "a line of the error file is not JSON"));
            }
        }, CancellationToken.None);
        return issues;
    }

    /// <summary>" (diagnostics; …)" from an OperationOutcome body, or empty when the body is not one.</summary>
    internal static string Outcome(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var texts = OutcomeIssues(document.RootElement).Select(i => i.Text).Where(t => t.Length > 0).ToList();
            return texts.Count == 0 ? "" : $": {string.Join("; ", texts)}";
        }
        catch (JsonException)
        {
            return "";
        }
    }

    private static IEnumerable<(string Severity, string Text)> OutcomeIssues(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("resourceType", out var type) || type.ValueKind != JsonValueKind.String
            || type.GetString() != "OperationOutcome" || !root.TryGetProperty("issue", out var issues) || issues.ValueKind != JsonValueKind.Array)
        {
            yield break;
        }

        foreach (var issue in issues.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.Object))
        {
            var severity = Text(issue, "severity") ?? "error";
            var code = Text(issue, "code");
            var text = Text(issue, "diagnostics")
                ?? (issue.TryGetProperty("details", out var details) && details.ValueKind == JsonValueKind.Object ? Text(details, "text") : null)
                ?? code
                ?? "";
            yield return (severity, SmartBackendAuth.Printable(code is not null && text != code ? $"{text} [{code}]" : text));
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    internal static string Status(HttpResponseMessage response) =>
        string.Create(CultureInfo.InvariantCulture, $"{(int)response.StatusCode} {response.ReasonPhrase}").TrimEnd();

    /// <summary>Sends through the stack; a server that cannot be reached or does not answer in time is the export's failure.</summary>
    internal static async Task<HttpResponseMessage> SendOrFailAsync(HttpClient http, HttpRequestMessage request, HttpCompletionOption completion, string what, CancellationToken cancellationToken)
    {
        try
        {
            return await http.SendAsync(request, completion, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new BulkExportException($"{what} could not be reached ({request.RequestUri?.GetLeftPart(UriPartial.Authority)}): {ex.Message}");
        }
        catch (TimeoutRejectedException)
        {
            throw new BulkExportException($"{what} did not answer in time ({request.RequestUri?.GetLeftPart(UriPartial.Authority)}), retries included.");
        }
    }

    /// <summary>One request with the current token; on a 401, once more with a new one.</summary>
    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> create, bool authorize, HttpCompletionOption completion, string what, CancellationToken cancellationToken)
    {
        var token = authorize ? await auth.TokenAsync(cancellationToken) : null;
        var response = await SendWithAsync(token);
        if (token is not null && response.StatusCode == HttpStatusCode.Unauthorized)
        {
            response.Dispose();
            response = await SendWithAsync(await auth.RenewAsync(token, cancellationToken));
        }

        return response;

        async Task<HttpResponseMessage> SendWithAsync(string? bearer)
        {
            using var request = create();
            if (bearer is not null)
            {
                request.Headers.Authorization = SmartBackendAuth.Bearer(bearer);
            }

            return await SendOrFailAsync(http, request, completion, what, cancellationToken);
        }
    }

    /// <summary>A URL as the allow-list checks it: without its query (status and file URLs may carry one).</summary>
    private static Uri StatusBase(Uri url) => new(url.GetLeftPart(UriPartial.Path));

    /// <summary>The Retry-After of a response: delta seconds, or an HTTP date from now (never negative).</summary>
    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        var wait = header?.Delta ?? (header?.Date is { } date ? date - time.GetUtcNow() : null);
        return wait is { } w && w < TimeSpan.Zero ? TimeSpan.Zero : wait;
    }

    private static ExportManifest ReadManifest(string body, Uri status)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new JsonException("not an object");
            }

            List<ManifestFile> Files(string name)
            {
                var files = new List<ManifestFile>();
                if (!root.TryGetProperty(name, out var array) || array.ValueKind != JsonValueKind.Array)
                {
                    return files;
                }

                foreach (var item in array.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.Object))
                {
                    if (Text(item, "url") is not { } text || !Uri.TryCreate(status, text, out var url) || url.Scheme is not ("http" or "https"))
                    {
                        throw new BulkExportException($"the export manifest's {name} holds an entry without a usable url.");
                    }

                    var count = item.TryGetProperty("count", out var c) && c.ValueKind == JsonValueKind.Number && c.TryGetInt64(out var n) ? n : (long?)null;
                    files.Add(new ManifestFile(Text(item, "type"), url, count));
                }

                return files;
            }

            var requiresToken = root.TryGetProperty("requiresAccessToken", out var requires) && requires.ValueKind == JsonValueKind.True;
            return new ExportManifest(Text(root, "transactionTime"), requiresToken, Files("output"), Files("error"));
        }
        catch (JsonException)
        {
            throw new BulkExportException("the export completed, but its manifest is not JSON.");
        }
    }
}
