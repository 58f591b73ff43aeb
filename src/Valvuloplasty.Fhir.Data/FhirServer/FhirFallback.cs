using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Valvuloplasty.Fhir.Data.Diagnostics;
using Valvuloplasty.Fhir.Data.Fhir;
using Valvuloplasty.Fhir.Data.Prefetch;

namespace Valvuloplasty.Fhir.Data.FhirServer;

/// <summary>
/// What the fallback obtained: data per fetched key, and a reason per key it could not obtain. <see cref="ServerFailing"/>
/// is true when a failure was the server's (5xx, 408, 429, network, timeout): what the circuit breaker counts.
/// </summary>
public sealed record FallbackResult(IReadOnlyDictionary<string, KeyData> Fetched, IReadOnlyDictionary<string, string> Failures)
{
    public bool ServerFailing { get; init; }

    /// <summary>How the failed queries ended (<c>http-401</c>, <c>timeout</c>, <c>network</c>, <c>circuit-open</c>…): what a caller maps to a status.</summary>
    public IReadOnlySet<string> FailureOutcomes { get; init; } = new HashSet<string>(StringComparer.Ordinal);
}

/// <summary>
/// Fetches the prefetch keys the EHR did not provide from its FHIR server, with the same templates that
/// discovery advertises: all keys concurrently, Bundle pages followed up to <see cref="FhirServerOptions.PageCap"/>
/// (a repeated link stops), the whole fallback inside <see cref="FhirServerOptions.TotalBudget"/>. Retries and
/// attempt timeouts live in the named HttpClient's resilience pipeline; the circuit breaker, per authority, wraps the
/// whole fallback of a hook (<see cref="FhirServerBreakers"/>). The bearer token goes only to URLs under <c>fhirServer</c>.
/// </summary>
public sealed class FhirFallback(
    IHttpClientFactory clients,
    FhirJsonReader fhirJson,
    IOptions<FhirServerOptions> options,
    FhirServerBreakers breakers,
    FallbackMetrics metrics,
    ILogger<FhirFallback> logger)
{
    private static readonly AsyncLocal<StrongBox<int>?> Retries = new();

    /// <summary>Outcomes that say the server is failing (as opposed to refusing: 401, 403, 404, or answering badly).</summary>
    private static readonly HashSet<string> ServerFailureOutcomes = new(StringComparer.Ordinal) { "network", "timeout", "http-408", "http-429" };

    /// <summary>Called by the retry strategy: counts the retries of the current hook's fallback for its one log line.</summary>
    public static void CountRetry()
    {
        if (Retries.Value is { } box)
        {
            Interlocked.Increment(ref box.Value);
        }
    }

    /// <summary>The named HttpClient that carries the resilience pipeline.</summary>
    public const string ClientName = "fhir-server";

    private static readonly MediaTypeWithQualityHeaderValue FhirJson = new("application/fhir+json");

    public async Task<FallbackResult> FetchAsync(
        Uri fhirServer, string? accessToken, string patientId, IReadOnlyList<PrefetchTemplate> templates, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fhirServer);
        ArgumentNullException.ThrowIfNull(templates);
        var baseUrl = new Uri(fhirServer.AbsoluteUri.EndsWith('/') ? fhirServer.AbsoluteUri : fhirServer.AbsoluteUri + "/");
        var breaker = breakers.For(baseUrl.GetLeftPart(UriPartial.Authority));
        try
        {
            return await breaker.Pipeline.ExecuteAsync(
                async token => await FetchAllAsync(baseUrl, accessToken, patientId, templates, breaker, token), cancellationToken);
        }
        catch (BrokenCircuitException)
        {
            Log.FallbackSkipped(logger, baseUrl.Authority);
            metrics.Fallback(0, "circuit-open");
            var reason = "calls to this FHIR server are paused after repeated failures"
                + (breaker.LastCause is { } cause ? $" (last: {cause})" : string.Empty) + "; retry shortly";
            return new FallbackResult(new Dictionary<string, KeyData>(StringComparer.Ordinal), templates.ToDictionary(t => t.Key, _ => reason, StringComparer.Ordinal))
            {
                FailureOutcomes = new HashSet<string>(StringComparer.Ordinal) { "circuit-open" },
            };
        }
    }

    private async Task<FallbackResult> FetchAllAsync(
        Uri baseUrl, string? accessToken, string patientId, IReadOnlyList<PrefetchTemplate> templates, FhirServerBreakers.Breaker breaker, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var retries = new StrongBox<int>();
        Retries.Value = retries;
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(options.Value.TotalBudget);

        var client = clients.CreateClient(ClientName);
        var results = await Task.WhenAll(templates.Select(t => FetchKeyAsync(client, baseUrl, accessToken, patientId, t, budget.Token, cancellationToken)));

        var fetched = new Dictionary<string, KeyData>(StringComparer.Ordinal);
        var failures = new Dictionary<string, string>(StringComparer.Ordinal);
        var serverFailing = false;
        var failureOutcomes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, data, outcome, failure) in results)
        {
            if (data is not null)
            {
                fetched[key] = data;
                continue;
            }

            failures[key] = failure!;
            failureOutcomes.Add(outcome);
            if (ServerFailureOutcomes.Contains(outcome) || outcome.StartsWith("http-5", StringComparison.Ordinal))
            {
                serverFailing = true;
                breaker.Failed(failure!);
            }
        }

        if (fetched.TryGetValue(PrefetchKeys.Medications, out var medications))
        {
            fetched[PrefetchKeys.Medications] = await WithReferencedMedicationsAsync(client, baseUrl, accessToken, medications, budget.Token);
        }

        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var overall = failures.Count == 0 ? "complete" : fetched.Count == 0 ? "failed" : "partial";
        metrics.Fallback(elapsed, overall);
        if (failures.Count == 0)
        {
            Log.FallbackFinished(logger, baseUrl.Authority, fetched.Count, 0, elapsed);
        }
        else
        {
            Log.FallbackFailed(logger, baseUrl.Authority, failures.Count, templates.Count, retries.Value, elapsed,
                string.Join("; ", failures.Values.Distinct(StringComparer.Ordinal)));
        }

        return new FallbackResult(fetched, failures) { ServerFailing = serverFailing, FailureOutcomes = failureOutcomes };
    }

    private async Task<(string Key, KeyData? Data, string Outcome, string? Failure)> FetchKeyAsync(
        HttpClient client, Uri baseUrl, string? accessToken, string patientId, PrefetchTemplate template,
        CancellationToken budget, CancellationToken caller)
    {
        var started = Stopwatch.GetTimestamp();
        var interaction = template.Query.StartsWith(template.ResourceType + "/", StringComparison.Ordinal) ? "read" : "search";
        using var activity = Tracing.StartFhirRequest(template.ResourceType, interaction, baseUrl, template.Key);
        var entries = new List<FhirEntry>();
        var problems = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pages = 0;
        string? failure = null;
        string outcome = "ok";
        try
        {
            Uri? url = new(baseUrl, PrefetchTemplates.Render(template.Query, patientId));
            while (url is not null)
            {
                if (pages == options.Value.PageCap)
                {
                    problems.Add($"stopped after {options.Value.PageCap} pages; later pages not read");
                    break;
                }

                if (!seen.Add(url.AbsoluteUri))
                {
                    problems.Add("the server's paging links repeat; paging stopped");
                    break;
                }

                if (!FhirServerAllowList.IsUnder(url, baseUrl))
                {
                    problems.Add("a paging link points outside the FHIR server; not followed");
                    break;
                }

                var payload = await GetAsync(client, url, accessToken, budget);
                pages++;
                switch (payload.Kind)
                {
                    case FhirPayloadKind.Resource or FhirPayloadKind.Bundle:
                        entries.AddRange(payload.Entries);
                        problems.AddRange(payload.Problems);
                        url = payload.NextLink is { } next && Uri.TryCreate(baseUrl, next, out var nextUrl) ? nextUrl : null;
                        break;
                    case FhirPayloadKind.OperationOutcome:
                        throw new FetchException("operation-outcome", "the FHIR server answered with an OperationOutcome");
                    default:
                        throw new FetchException("malformed", "the FHIR server's response is not a FHIR resource or Bundle");
                }
            }

            var data = PatientRecordAssembler.Filter(template, patientId, entries, DataSource.FhirServer, problems);
            if (template.Key == PrefetchKeys.Patient && data.Items.Count == 0)
            {
                throw new FetchException("no-patient", "the FHIR server returned no Patient resource for the context patient");
            }

            return (template.Key, data, outcome, null);
        }
        catch (FetchException ex)
        {
            (outcome, failure) = (ex.Outcome, ex.Message);
        }
        catch (JsonException)
        {
            (outcome, failure) = ("malformed", "the FHIR server's response is not valid JSON");
        }
        catch (Exception ex) when (ex is TimeoutRejectedException || (ex is OperationCanceledException && budget.IsCancellationRequested && !caller.IsCancellationRequested))
        {
            (outcome, failure) = ("timeout", $"the FHIR server did not answer within the time budget ({options.Value.TotalBudget.TotalSeconds:0.#} s)");
        }
        catch (HttpRequestException ex)
        {
            (outcome, failure) = ("network", $"the FHIR server could not be reached ({ex.HttpRequestError})");
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            metrics.Query(template.Key, elapsed, outcome, pages);
            Tracing.FhirOutcome(activity, outcome, pages);
            Log.QueryFinished(logger, template.Key, baseUrl.Authority, outcome, pages, elapsed);
        }

        return (template.Key, null, outcome, failure);
    }

    /// <summary>
    /// MedicationRequests that name their drug only by a reference to a Medication on this server (and did not
    /// bring it along as an included entry): each such Medication is read (an instance read every server supports),
    /// at most <see cref="MaxMedicationReads"/>, concurrently, inside the same budget. One that cannot be read is
    /// left out; the card then says which order could not be checked.
    /// </summary>
    private async Task<KeyData> WithReferencedMedicationsAsync(HttpClient client, Uri baseUrl, string? accessToken, KeyData medications, CancellationToken budget)
    {
        var known = medications.Supporting.Select(e => e.Item).OfType<MedicationItem>().Select(m => m.Id).ToHashSet(StringComparer.Ordinal);
        var wanted = medications.Items.OfType<MedicationRequestItem>()
            .Select(r => r.ByReference ? r.MedicationReference : null)
            .Select(reference => reference is null || reference.StartsWith('#') || !Uri.TryCreate(baseUrl, reference, out var url) || !FhirServerAllowList.IsUnder(url, baseUrl) ? null : url)
            .OfType<Uri>()
            .Where(url => url.Segments.Length >= 2 && url.Segments[^2] == "Medication/" && !known.Contains(url.Segments[^1]))
            .DistinctBy(url => url.AbsoluteUri)
            .Take(MaxMedicationReads)
            .ToList();
        if (wanted.Count == 0)
        {
            return medications;
        }

        var read = await Task.WhenAll(wanted.Select(async url =>
        {
            using var activity = Tracing.StartFhirRequest("Medication", "read", baseUrl);
            try
            {
                var payload = await GetAsync(client, url, accessToken, budget);
                Tracing.FhirOutcome(activity, "ok", 1);
                return payload.Entries.FirstOrDefault(e => e.Item is MedicationItem) is { } entry ? entry with { FullUrl = url.AbsoluteUri, Mode = SearchEntryMode.Include } : null;
            }
            catch (Exception ex) when (ex is FetchException or JsonException or HttpRequestException or TimeoutRejectedException
                || (ex is OperationCanceledException && budget.IsCancellationRequested))
            {
                Tracing.FhirOutcome(activity, ex is FetchException fetch ? fetch.Outcome : "failed", 0);
                return null;
            }
        }));
        return medications with { Supporting = [.. medications.Supporting, .. read.OfType<FhirEntry>()] };
    }

    /// <summary>Most Medications read by reference in one fallback.</summary>
    public const int MaxMedicationReads = 20;

    private async Task<FhirPayload> GetAsync(HttpClient client, Uri url, string? accessToken, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(FhirJson);
        if (!string.IsNullOrEmpty(accessToken))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        Tracing.ResponseStatus((int)response.StatusCode);
        if (!response.IsSuccessStatusCode)
        {
            throw new FetchException($"http-{(int)response.StatusCode}", Describe(response.StatusCode));
        }

        var limit = options.Value.MaxResponseBytes;
        if (response.Content.Headers.ContentLength > limit)
        {
            throw new FetchException("too-large", $"the FHIR server's response is larger than {limit} bytes");
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                throw new FetchException("too-large", $"the FHIR server's response is larger than {limit} bytes");
            }

            buffer.Write(chunk, 0, read);
        }

        return fhirJson.Read(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    private static string Describe(HttpStatusCode status) => (int)status switch
    {
        401 => "the FHIR server refused the access token (401)",
        403 => "the FHIR server forbids this read (403)",
        404 => "the FHIR server does not have it (404)",
        408 or 429 => $"the FHIR server kept refusing after retries ({(int)status})",
        >= 500 => $"the FHIR server kept failing after retries ({(int)status})",
        _ => $"the FHIR server answered {(int)status}",
    };

    /// <summary>A failed query, with a reason safe to show in an OperationOutcome or a card.</summary>
    private sealed class FetchException(string outcome, string message) : Exception(message)
    {
        public string Outcome { get; } = outcome;
    }
}
