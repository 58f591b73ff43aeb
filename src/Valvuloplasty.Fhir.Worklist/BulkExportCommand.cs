using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Valvuloplasty.Fhir.Data.FhirServer;
using Valvuloplasty.Fhir.Data.Prefetch;
using Valvuloplasty.Fhir.Data.Terminology;

namespace Valvuloplasty.Fhir.Worklist;

/// <summary>
/// <c>worklist export</c>: a FHIR Bulk Data export of the types the rules read, authorised as a SMART backend service,
/// scanned while it downloads. The server must pass the hook's allow-list before any request; the files download a few
/// at a time and the scan reads each as soon as it is there; the export is deleted from the server at the end, and on
/// Ctrl+C it is cancelled there.
/// </summary>
public static class BulkExportCommand
{
    /// <summary>Files downloaded at once.</summary>
    public const int ParallelDownloads = 3;

    /// <summary>
    /// The export's HTTP budget, on the hook fallback's stack: an export's requests are few and may be slow (a kick-off,
    /// a status read, a file's first byte), so each attempt gets 2 minutes and each request 10 (Retry-After waits
    /// included), with up to 5 retries from a 1 s backoff.
    /// </summary>
    public static readonly FhirServerResilience Resilience = new(
        TotalBudget: TimeSpan.FromMinutes(10), AttemptTimeout: TimeSpan.FromMinutes(2), MaxRetries: 5, RetryBaseDelay: TimeSpan.FromSeconds(1));

    /// <summary>Issues of these severities in the manifest's error files make the run partial (exit 4); others are only reported.</summary>
    private static readonly HashSet<string> FailingSeverities = new(StringComparer.OrdinalIgnoreCase) { "fatal", "error" };

    /// <summary>Most server issues printed one by one (all are counted).</summary>
    private const int IssuesShown = 20;

    public static async Task<int> RunAsync(Arguments options, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(errors);

        // Everything that can be checked without the network is, first.
        var serverText = options.Required("--server");
        if (!Uri.TryCreate(serverText.TrimEnd('/'), UriKind.Absolute, out var server) || server.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"--server {serverText}: not an absolute http(s) URL.");
        }

        var group = options.Optional("--group");
        var clientId = options.Required("--client-id");
        var keyPath = options.Required("--key");
        var scope = options.Optional("--scope") ?? BulkExportRequest.DefaultScope;
        var downloadDirectory = options.Optional("--download-dir");
        var insecure = options.Flag("--insecure-http-for-testing");
        var allowList = AllowList(options.Optional("--settings"), options.All("--allowed-server"), insecure, out var requireHttps);
        var scan = WorklistCommand.ScanOptionsFrom(options);
        options.RejectUnknown();
        if (allowList.Refusal(server) is { } refusal)
        {
            throw new UsageException($"--server {server.GetLeftPart(UriPartial.Authority)} is refused by the allow-list the hook's fhirServer passes ({refusal}); "
                + "allow it with --allowed-server URL, Fhir__AllowedServers__N or the Fhir section of --settings.");
        }

        using var key = ClientKey.Load(keyPath);
        var index = ProfileTerminologyLoader.Load(scan.ProfilesPath, TerminologyBindings.Required);
        var request = BulkExportRequest.For(server, group, new PrefetchTemplates(index));

        var retries = 0;
        using var http = FhirServerHttp.CreateClient(Resilience, connectTimeout: TimeSpan.FromSeconds(10), onRetry: _ =>
        {
            Interlocked.Increment(ref retries);
            return default;
        });
        using var auth = new SmartBackendAuth(http, key, clientId, scope, TimeProvider.System, requireHttps);
        var client = new BulkExportClient(http, auth, allowList, TimeProvider.System, requireHttps);
        var polling = scan.Quiet ? null : new ExportProgressLine(errors);

        Uri? status = null;
        string? temporary = null;
        var downloads = new List<Task>();
        using var stopDownloads = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            await auth.DiscoverAsync(server, cancellationToken);
            status = await client.KickOffAsync(request, notice => errors.WriteLine($"worklist: {notice}"), cancellationToken);
            ExportManifest manifest;
            try
            {
                manifest = await client.WaitAsync(status, polling is null ? null : polling.Report, cancellationToken);
            }
            finally
            {
                polling?.Finish();
            }

            var directory = downloadDirectory ?? (temporary = Directory.CreateTempSubdirectory("valvuloplasty-export-").FullName);
            Directory.CreateDirectory(directory);
            using var slots = new SemaphoreSlim(ParallelDownloads);

            Task<string> Download(ManifestFile file, string stem) => DownloadInSlotAsync(client, slots, file, manifest.RequiresAccessToken, Path.Combine(directory, stem), stopDownloads.Token);

            // The server's error files first (small), then the output in the order the scan reads it.
            var errorFiles = manifest.Error.Select((file, i) => (File: file, Path: Download(file, $"error-{i + 1:000}"))).ToList();
            downloads.AddRange(errorFiles.Select(e => e.Path));
            var wanted = manifest.Output.Where(f => f.Type is null || request.Types.Contains(f.Type, StringComparer.Ordinal))
                .OrderBy(f => WorklistScanner.Rank(f.Type) is var rank and >= 0 ? rank : int.MaxValue)
                .ToList();
            var skipped = manifest.Output.Except(wanted).Select(f => f.Type).Distinct().ToList();
            if (skipped.Count > 0)
            {
                await errors.WriteLineAsync($"worklist: not downloaded: {manifest.Output.Count - wanted.Count} file(s) of types the rules do not read ({string.Join(", ", skipped)}).");
            }

            var inputs = new List<ScanInput>();
            var perType = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var file in wanted)
            {
                var type = file.Type ?? "file";
                var n = perType[type] = perType.GetValueOrDefault(type) + 1;
                var stem = string.Create(CultureInfo.InvariantCulture, $"{type}-{n:000}");
                var path = Download(file, stem);
                downloads.Add(path);
                inputs.Add(new ScanInput(stem + ".ndjson", file.Type, path));
            }

            if (!scan.Quiet)
            {
                await errors.WriteLineAsync($"worklist: export complete: downloading {wanted.Count} file(s), {ParallelDownloads} at a time, scanning as they arrive.");
            }

            var source = "bulk:" + request.KickOffUrl(withTypeFilter: false).GetLeftPart(UriPartial.Path);
            var code = await WorklistCommand.ScanAsync(inputs, source, scan, output, errors, cancellationToken, index);
            await Settle(downloads);

            // What the server itself reported as failed.
            var failing = 0;
            var issues = 0;
            foreach (var (file, path) in errorFiles)
            {
                if (!path.IsCompletedSuccessfully)
                {
                    failing++;
                    await errors.WriteLineAsync($"worklist: the export's error file {file.Url.GetLeftPart(UriPartial.Path)} was not read: {path.Exception?.InnerException?.Message}");
                    continue;
                }

                foreach (var (severity, text) in BulkExportClient.ReadIssues(path.Result))
                {
                    issues++;
                    failing += FailingSeverities.Contains(severity) ? 1 : 0;
                    if (issues <= IssuesShown)
                    {
                        await errors.WriteLineAsync($"worklist: the server reported ({severity}): {text}");
                    }
                }
            }

            if (issues > IssuesShown)
            {
                await errors.WriteLineAsync($"worklist: … and {issues - IssuesShown} more issue(s) in the export's error files.");
            }

            var listed = wanted.Sum(f => f.Count ?? 0);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"export: {wanted.Count} file(s) from {server.GetLeftPart(UriPartial.Authority)} ({listed:N0} resources listed in the manifest); "
                + $"{manifest.Error.Count} error file(s) with {issues} issue(s); {auth.TokensIssued} access token(s); {retries} HTTP retr{(retries == 1 ? "y" : "ies")}"));
            if (downloadDirectory is not null)
            {
                await output.WriteLineAsync($"export files: {Path.GetFullPath(downloadDirectory)}");
            }

            return failing > 0 ? ExitCodes.Partial : code;
        }
        catch (BulkExportException ex)
        {
            await errors.WriteLineAsync($"worklist: {ex.Message}");
            return ExitCodes.ServerFailed;
        }
        finally
        {
            await stopDownloads.CancelAsync();
            await Settle(downloads);

            // Cancels a running export (Ctrl+C, a failure), or lets the server drop the files once read.
            if (status is not null)
            {
                await client.DeleteAsync(status);
            }

            if (temporary is not null)
            {
                try
                {
                    Directory.Delete(temporary, recursive: true);
                }
                catch (IOException)
                {
                    // A temporary directory left behind is the system's to clean.
                }
            }
        }
    }

    /// <summary>
    /// The allow-list, configured as the host's: the <c>Fhir</c> section of an appsettings-style file (<c>--settings</c>),
    /// then <c>Fhir__*</c> environment variables, then <c>--allowed-server</c> entries added. Unlike the host, which
    /// relaxes the rules in Development, the worklist always requires https and refuses loopback servers not listed;
    /// <c>--insecure-http-for-testing</c> (or <c>Fhir:RequireHttps=false</c>) allows http. Validated as the host does.
    /// </summary>
    internal static FhirServerAllowList AllowList(string? settings, IReadOnlyList<string> allowedServers, bool insecure, out bool requireHttps)
    {
        var builder = new ConfigurationBuilder();
        if (settings is not null)
        {
            if (!File.Exists(settings))
            {
                throw new UsageException($"--settings {settings}: no such file.");
            }

            builder.AddJsonFile(Path.GetFullPath(settings), optional: false, reloadOnChange: false);
        }

        builder.AddEnvironmentVariables();
        var fhir = new FhirServerOptions();
        try
        {
            builder.Build().GetSection(FhirServerOptions.SectionName).Bind(fhir);
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or InvalidOperationException)
        {
            throw new UsageException($"the Fhir configuration could not be read: {ex.Message}");
        }

        fhir.AllowedServers.AddRange(allowedServers);
        if (insecure)
        {
            fhir.RequireHttps = false;
        }

        var environment = new WorklistEnvironment();
        var problems = new List<ValidationResult>();
        Validator.TryValidateObject(fhir, new ValidationContext(fhir), problems, validateAllProperties: true);
        var messages = problems.Select(p => p.ErrorMessage ?? "invalid").ToList();
        if (new FhirServerOptionsEnvironmentValidation(environment).Validate(null, fhir) is { Failed: true } failed)
        {
            messages.AddRange(failed.Failures);
        }

        if (messages.Count > 0)
        {
            throw new UsageException($"the allow-list is not valid (entries from --allowed-server follow the configured ones): {string.Join(" ", messages)}");
        }

        requireHttps = fhir.RequireHttps ?? true;
        return new FhirServerAllowList(Options.Create(fhir), environment);
    }

    private static async Task<string> DownloadInSlotAsync(BulkExportClient client, SemaphoreSlim slots, ManifestFile file, bool requiresAccessToken, string stem, CancellationToken cancellationToken)
    {
        await slots.WaitAsync(cancellationToken);
        try
        {
            return await client.DownloadAsync(file, requiresAccessToken, stem, cancellationToken);
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>Waits for every task, whatever its end (failures are reported by the scan or the error-file report).</summary>
    private static async Task Settle(IEnumerable<Task> tasks)
    {
        try
        {
            await Task.WhenAll(tasks);
        }
#pragma warning disable CA1031 // every failure is seen through its own task
        catch (Exception)
#pragma warning restore CA1031
        {
            // Seen through each task.
        }
    }


    /// <summary>
    /// The worklist applies the host's production rules: https required, loopback only when listed. (The host relaxes
    /// them in Development; a command-line tool has no such mode.)
    /// </summary>
    private sealed class WorklistEnvironment : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = Environments.Production;

        public string ApplicationName { get; set; } = "Valvuloplasty.Fhir.Worklist";

        public string ContentRootPath { get; set; } = Environment.CurrentDirectory;

        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}

/// <summary>The export's progress while it is polled: the server's X-Progress, elapsed, next check (one updating line, or a line per poll when redirected).</summary>
public sealed class ExportProgressLine(TextWriter errors)
{
    private readonly bool _interactive = !Console.IsErrorRedirected;
    private bool _written;

    public void Report(ExportStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var text = string.Create(CultureInfo.InvariantCulture,
            $"export: in progress{(status.Progress is { Length: > 0 } progress ? $" ({progress})" : "")}  elapsed {status.Elapsed:mm\\:ss}  next check in {status.NextPoll.TotalSeconds:0} s");
        _written = true;
        if (_interactive)
        {
            errors.Write("\r" + text.PadRight(100));
        }
        else
        {
            errors.WriteLine(text);
        }
    }

    public void Finish()
    {
        if (_interactive && _written)
        {
            errors.WriteLine();
        }
    }
}
