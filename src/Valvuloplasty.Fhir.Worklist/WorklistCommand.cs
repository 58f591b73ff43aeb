using System.Globalization;
using Microsoft.Extensions.Options;
using Valvuloplasty.Fhir.Cards;
using Valvuloplasty.Fhir.Data.Feedback;
using Valvuloplasty.Fhir.Data.Mapping;
using Valvuloplasty.Fhir.Data.Terminology;
using Valvuloplasty.Fhir.Data.Worklist;
using Valvuloplasty.Fhir.Rules.Engine;
using Valvuloplasty.Fhir.Rules.Terminology;

namespace Valvuloplasty.Fhir.Worklist;

/// <summary>The exit codes (documented in the README).</summary>
public static class ExitCodes
{
    public const int Done = 0;
    public const int Usage = 2;
    public const int ServerFailed = 3;
    public const int Partial = 4;
}

/// <summary>Options shared by <c>scan</c> and <c>export</c>.</summary>
public sealed record ScanOptions(
    string Out,
    WorklistFormat Format,
    Partition Partition,
    string? Store,
    string? RunId,
    DateTimeOffset AsOf,
    bool Quiet,
    string ProfilesPath);

/// <summary>
/// The command line: parses, runs a scan (of NDJSON already on disk, or of what an export downloads), writes the
/// worklist, optionally stores the run, prints a summary, and returns an exit code. Every usage or configuration
/// problem is one clear message and exit code 2.
/// </summary>
public static class WorklistCommand
{
    public const string Usage = """
        usage:
          worklist scan   --ndjson DIR --out FILE [--format ndjson|csv|fhir] [--partition K/N] [--store CONNECTION] [--run ID]
                          [--as-of YYYY-MM-DD] [--profiles DIR] [--quiet]
          worklist export --server URL [--group ID] --client-id ID --key JWK_FILE --out FILE [--scope SCOPES]
                          [--download-dir DIR] [--allowed-server URL ...] [--settings APPSETTINGS_JSON] [--insecure-http-for-testing]
                          [--format ndjson|csv|fhir] [--partition K/N] [--store CONNECTION] [--run ID] [--as-of YYYY-MM-DD] [--profiles DIR] [--quiet]
        exit codes: 0 done, 2 usage or configuration error, 3 the server refused or failed, 4 partial (some files failed)
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(errors);
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            await output.WriteLineAsync(Usage);
            return args.Length == 0 ? ExitCodes.Usage : ExitCodes.Done;
        }

        try
        {
            var options = Arguments.Parse(args[1..]);
            switch (args[0])
            {
                case "scan":
                    var directory = options.Required("--ndjson");
                    if (!Directory.Exists(directory))
                    {
                        throw new UsageException($"--ndjson {directory}: no such directory.");
                    }

                    var scan = ScanOptionsFrom(options);
                    options.RejectUnknown();
                    var files = Directory.EnumerateFiles(directory, "*", SearchOption.TopDirectoryOnly)
                        .Where(f => f.EndsWith(".ndjson", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".ndjson.gz", StringComparison.OrdinalIgnoreCase))
                        .Order(StringComparer.Ordinal).ToList();
                    if (files.Count == 0)
                    {
                        throw new UsageException($"--ndjson {directory}: no .ndjson or .ndjson.gz files.");
                    }

                    return await ScanAsync([.. files.Select(ScanInput.Local)], $"ndjson:{Path.GetFullPath(directory)}", scan, output, errors, cancellationToken);
                case "export":
                    return await BulkExportCommand.RunAsync(options, output, errors, cancellationToken);
                default:
                    throw new UsageException($"unknown command '{args[0]}'.");
            }
        }
        catch (UsageException ex)
        {
            await errors.WriteLineAsync($"worklist: {ex.Message}");
            await errors.WriteLineAsync(Usage);
            return ExitCodes.Usage;
        }
        catch (TerminologyLoadException ex)
        {
            await errors.WriteLineAsync($"worklist: the terminology could not be loaded: {ex.Message}");
            return ExitCodes.Usage;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await errors.WriteLineAsync("worklist: cancelled.");
            return ExitCodes.Partial;
        }
    }

    internal static ScanOptions ScanOptionsFrom(Arguments options)
    {
        var outFile = options.Required("--out");
        var format = options.Optional("--format") switch
        {
            null or "ndjson" => WorklistFormat.Ndjson,
            "csv" => WorklistFormat.Csv,
            "fhir" => WorklistFormat.Fhir,
            var other => throw new UsageException($"--format {other}: use ndjson, csv or fhir."),
        };
        var partition = options.Optional("--partition") is { } p
            ? Partition.Parse(p) ?? throw new UsageException($"--partition {p}: use K/N with 1 ≤ K ≤ N, e.g. 2/4.")
            : Partition.All;
        var asOf = options.Optional("--as-of") is { } date
            ? DateTimeOffset.TryParse(date, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : throw new UsageException($"--as-of {date}: not a date.")
            : DateTimeOffset.UtcNow;
        var profiles = options.Optional("--profiles") ?? Path.Combine(AppContext.BaseDirectory, "profiles");
        if (!Directory.Exists(profiles))
        {
            throw new UsageException($"--profiles {profiles}: no such directory.");
        }

        return new ScanOptions(outFile, format, partition, options.Optional("--store"), options.Optional("--run"), asOf, options.Flag("--quiet"), profiles);
    }

    /// <summary>
    /// Scans the files and writes the worklist (and stores the run): the common end of both commands. The terminology is
    /// loaded from <see cref="ScanOptions.ProfilesPath"/> unless the caller already holds it.
    /// </summary>
    internal static async Task<int> ScanAsync(
        IReadOnlyList<ScanInput> files, string source, ScanOptions options, TextWriter output, TextWriter errors, CancellationToken cancellationToken,
        ValueSetIndex? terminology = null)
    {
        var index = terminology ?? ProfileTerminologyLoader.Load(options.ProfilesPath, TerminologyBindings.Required);
        var scanner = new WorklistScanner(
            new PatientFactsMapper(index),
            new CardRenderer(index, ContentTables.Load(Path.Combine(options.ProfilesPath, "content"))),
            new RuleOptions(),
            options.AsOf);
        var started = DateTimeOffset.UtcNow;
        var progress = options.Quiet ? null : new ProgressLine(errors);
        var directory = Path.GetDirectoryName(Path.GetFullPath(options.Out));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        ScanSummary summary;
        IReadOnlyList<WorklistLine> lines;
        await using (var file = new FileStream(options.Out, FileMode.Create, FileAccess.Write, FileShare.None))
        using (var writer = new WorklistWriter(file, options.Format, started, keepLines: options.Store is not null))
        {
            summary = await scanner.ScanAsync(files, options.Partition, writer.Write, progress is null ? null : progress.Report, cancellationToken);
            writer.Complete();
            lines = writer.Lines;
        }

        progress?.Finish();
        if (options.Store is { } store)
        {
            var run = new WorklistRun(options.RunId ?? Guid.NewGuid().ToString("N"), started, DateTimeOffset.UtcNow, options.AsOf, source, summary.PatientsListed, lines.Count);
            await SaveAsync(store, run, lines, cancellationToken);
            await output.WriteLineAsync($"stored as run {run.Id}");
        }

        await WriteSummaryAsync(output, summary, options);
        foreach (var failure in summary.FailedFiles)
        {
            await errors.WriteLineAsync($"worklist: not fully read: {failure}");
        }

        return summary.FailedFiles.Count > 0 ? ExitCodes.Partial : ExitCodes.Done;
    }

    private static async Task SaveAsync(string connection, WorklistRun run, IReadOnlyList<WorklistLine> lines, CancellationToken cancellationToken)
    {
        // A PostgreSQL connection string names a Host; anything else is a SQLite file.
        var postgres = connection.Contains("Host=", StringComparison.OrdinalIgnoreCase);
        var options = Options.Create(postgres
            ? new FeedbackStoreOptions { PostgresConnectionString = connection }
            : new FeedbackStoreOptions { SqlitePath = connection.StartsWith("Data Source=", StringComparison.OrdinalIgnoreCase) ? connection["Data Source=".Length..] : connection });
        if (postgres)
        {
            await using var store = new PostgresFeedbackStore(options);
            await store.InitializeAsync(cancellationToken);
            await store.SaveWorklistAsync(run, lines, cancellationToken);
        }
        else
        {
            using var store = new SqliteFeedbackStore(options, Environment.CurrentDirectory);
            await store.InitializeAsync(cancellationToken);
            await store.SaveWorklistAsync(run, lines, cancellationToken);
        }
    }

    private static async Task WriteSummaryAsync(TextWriter output, ScanSummary summary, ScanOptions options)
    {
        var rate = summary.Elapsed.TotalSeconds > 0 ? summary.Lines / summary.Elapsed.TotalSeconds : 0;
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"read {summary.Lines:N0} resources from {summary.Files} file(s) in {summary.Elapsed.TotalSeconds:0.0} s ({rate:N0}/s); partition {options.Partition}"));
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"patients with a qualifying diagnosis: {summary.PatientsWithDiagnosis:N0}; listed: {summary.PatientsListed:N0}; lines with a data gap: {summary.LinesWithDataGaps:N0}; rejected lines: {summary.RejectedLines:N0}"));
        foreach (var valve in summary.Decisions.GroupBy(d => d.Key.Valve).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            await output.WriteLineAsync($"  {valve.Key}: " + string.Join(", ", valve.OrderBy(d => d.Key.Decision, StringComparer.Ordinal).Select(d => $"{d.Key.Decision} {d.Value:N0}")));
        }

        await output.WriteLineAsync($"worklist: {Path.GetFullPath(options.Out)} ({options.Format.ToString().ToLowerInvariant()})");
    }
}

/// <summary>A usage or configuration error: one clear message, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>Command-line options: <c>--name value</c> pairs and flags; each may be read once, the rest are refused.</summary>
public sealed class Arguments
{
    private static readonly HashSet<string> Flags = new(StringComparer.Ordinal) { "--quiet", "--insecure-http-for-testing" };
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public static Arguments Parse(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var parsed = new Arguments();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (!name.StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"unexpected argument '{name}'.");
            }

            if (!parsed._values.TryGetValue(name, out var values))
            {
                parsed._values[name] = values = [];
            }

            if (Flags.Contains(name))
            {
                continue;
            }

            if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"{name} needs a value.");
            }

            values.Add(args[++i]);
        }

        return parsed;
    }

    public string Required(string name) => Optional(name) ?? throw new UsageException($"{name} is required.");

    public string? Optional(string name)
    {
        _read.Add(name);
        return _values.TryGetValue(name, out var values) && values.Count > 0 ? values[^1] : null;
    }

    public IReadOnlyList<string> All(string name)
    {
        _read.Add(name);
        return _values.TryGetValue(name, out var values) ? values : [];
    }

    public bool Flag(string name)
    {
        _read.Add(name);
        return _values.ContainsKey(name);
    }

    /// <summary>Refuses options that no part of the command read (a misspelt option is an error, not ignored).</summary>
    public void RejectUnknown()
    {
        var unknown = _values.Keys.Where(k => !_read.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new UsageException($"unknown option(s): {string.Join(", ", unknown)}.");
        }
    }
}

/// <summary>Progress on the terminal: files, resources/s, patients, elapsed, ETA (one updating line, or a line every 5 s when redirected).</summary>
public sealed class ProgressLine(TextWriter errors)
{
    private readonly bool _interactive = !Console.IsErrorRedirected;
    private TimeSpan? _lastLine;

    public void Report(ScanProgress p)
    {
        ArgumentNullException.ThrowIfNull(p);
        if (!_interactive && _lastLine is { } last && p.Elapsed - last < TimeSpan.FromSeconds(5))
        {
            return;
        }

        _lastLine = p.Elapsed;
        var rate = p.Elapsed.TotalSeconds > 0 ? p.Lines / p.Elapsed.TotalSeconds : 0;
        var eta = p.BytesRead > 0 && p.Bytes > p.BytesRead ? TimeSpan.FromSeconds(p.Elapsed.TotalSeconds * (p.Bytes - p.BytesRead) / p.BytesRead) : TimeSpan.Zero;
        var text = string.Create(CultureInfo.InvariantCulture,
            $"files {p.FilesDone}/{p.Files}  resources {p.Lines:N0} ({rate:N0}/s)  patients {p.Patients:N0}  elapsed {p.Elapsed:mm\\:ss}  eta {eta:mm\\:ss}");
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
        if (_interactive)
        {
            errors.WriteLine();
        }
    }
}
