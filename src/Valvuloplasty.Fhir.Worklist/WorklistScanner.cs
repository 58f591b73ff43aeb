using System.Buffers;
using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Valvuloplasty.Fhir.Cards;
using Valvuloplasty.Fhir.Data.Fhir;
using Valvuloplasty.Fhir.Data.Mapping;
using Valvuloplasty.Fhir.Data.Prefetch;
using Valvuloplasty.Fhir.Data.Worklist;
using Valvuloplasty.Fhir.Rules.Engine;
using Valvuloplasty.Fhir.Rules.Facts;

namespace Valvuloplasty.Fhir.Worklist;

/// <summary>Which share of the population a worker keeps: the patients whose id hashes to partition K of N (1-based).</summary>
public readonly record struct Partition(int K, int N)
{
    public static readonly Partition All = new(1, 1);

    /// <summary>True when the patient belongs to this partition (FNV-1a of the id's UTF-8 bytes, modulo N).</summary>
    public bool Keeps(string patientId)
    {
        if (N <= 1)
        {
            return true;
        }

        var hash = 2166136261u;
        Span<byte> bytes = stackalloc byte[Encoding.UTF8.GetMaxByteCount(Math.Min(patientId.Length, 256))];
        var length = Encoding.UTF8.GetBytes(patientId.AsSpan(0, Math.Min(patientId.Length, 256)), bytes);
        foreach (var b in bytes[..length])
        {
            hash = (hash ^ b) * 16777619u;
        }

        return (int)(hash % (uint)N) == K - 1;
    }

    /// <summary>Parses <c>K/N</c> (1 ≤ K ≤ N).</summary>
    public static Partition? Parse(string text)
    {
        var parts = text.Split('/');
        return parts.Length == 2 && int.TryParse(parts[0], out var k) && int.TryParse(parts[1], out var n) && n >= 1 && k >= 1 && k <= n ? new Partition(k, n) : null;
    }

    public override string ToString() => $"{K}/{N}";
}

/// <summary>Where a scan stands, for the progress line.</summary>
public sealed record ScanProgress(int FilesDone, int Files, long Lines, long BytesRead, long Bytes, int Patients, TimeSpan Elapsed);

/// <summary>What a scan found: counts for the summary, and what could not be read.</summary>
public sealed record ScanSummary(
    int Files,
    long Lines,
    int PatientsWithDiagnosis,
    int PatientsListed,
    IReadOnlyDictionary<(string Valve, string Decision), int> Decisions,
    int LinesWithDataGaps,
    long RejectedLines,
    IReadOnlyList<string> FailedFiles,
    TimeSpan Elapsed,
    long? RetainedBytes);

/// <summary>
/// A file to scan: a name for reports, its resource type when known in advance (an export manifest says it; otherwise
/// the file's first line does), and its local path once it is there (a download may still be running: the scan reads
/// the files it has while the others download). A faulted path is a file that could not be had: reported, not read.
/// </summary>
public sealed record ScanInput(string Name, string? Type, Task<string> Path)
{
    public static ScanInput Local(string path) => new(System.IO.Path.GetFileName(path), null, Task.FromResult(path));
}

/// <summary>
/// The hook's rules over a population, from FHIR Bulk Data NDJSON (one resource per line; files per resource type as
/// <c>$export</c> writes them, plain or gzip, any names: each line says its type). Memory stays bounded: resources are
/// read straight from the bytes into the compact facts of their patient (the hook's own reader and mapper), and only
/// patients with a qualifying stenosis diagnosis are kept once the Conditions are read. Files are read in the order
/// the facts need: Medications (to resolve references), Conditions, Patients, then the rest.
/// <para>
/// The work is a pipeline: one task cuts each file into blocks of whole lines, blocks are parsed on every core, and
/// one consumer routes the parsed resources to their patients in file and line order (so the result never depends on
/// scheduling). A bounded number of blocks is in flight, which bounds the memory the pipeline adds to the facts.
/// </para>
/// </summary>
public sealed class WorklistScanner(PatientFactsMapper mapper, CardRenderer renderer, RuleOptions rules, DateTimeOffset asOf)
{
    private readonly AssessmentLines _lines = new(renderer, rules);

    /// <summary>Types read before the others: Medications to resolve references, then Conditions to keep only patients with a diagnosis.</summary>
    private static readonly string[] ReadFirst = ["Medication", "Condition", "Patient"];

    /// <summary>
    /// The resource types the rules read (the prefetch templates' types, plus Medication), in the order files are read;
    /// other types are not read. An export asks for these and downloads them in this order.
    /// </summary>
    public static IReadOnlyList<string> TypeOrder => Order;

    private static readonly string[] Order = [.. ReadFirst.Concat(PrefetchKeys.ResourceTypes.Select(t => t.Value)).Distinct(StringComparer.Ordinal)];

    /// <summary>A type's place in <see cref="TypeOrder"/>; -1 for a type the rules do not read.</summary>
    public static int Rank(string? type) => type is null ? -1 : Array.IndexOf(Order, type);

    /// <summary>Bytes of whole lines cut from a file per block (a longer line makes its block longer).</summary>
    private const int BlockBytes = 1 << 20;

    /// <summary>Scans local files: <see cref="ScanAsync"/> with every file already there.</summary>
    public ScanSummary Scan(
        IReadOnlyList<string> files, Partition partition, Action<WorklistLine> emit, Action<ScanProgress>? progress, CancellationToken cancellationToken,
        bool measureMemory = false)
    {
        ArgumentNullException.ThrowIfNull(files);
        return ScanAsync([.. files.Select(ScanInput.Local)], partition, emit, progress, cancellationToken, measureMemory).GetAwaiter().GetResult();
    }

    public async Task<ScanSummary> ScanAsync(
        IReadOnlyList<ScanInput> inputs, Partition partition, Action<WorklistLine> emit, Action<ScanProgress>? progress, CancellationToken cancellationToken,
        bool measureMemory = false)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(emit);
        var clock = Stopwatch.StartNew();
        var baseline = measureMemory ? GC.GetTotalMemory(forceFullCollection: true) : 0;
        var failed = new List<string>();
        var ordered = new List<(ScanInput Input, int Rank)>();
        foreach (var input in inputs)
        {
            var type = input.Type;
            if (type is null)
            {
                // No type given: the file must be there to say it (local files are).
                try
                {
                    type = FirstType(await input.Path.WaitAsync(cancellationToken), failed);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    failed.Add($"{input.Name}: {ex.Message}");
                    continue;
                }
            }

            var rank = Rank(type);
            if (rank >= 0)
            {
                ordered.Add((input, rank));
            }
        }

        ordered = [.. ordered.OrderBy(f => f.Rank).ThenBy(f => f.Input.Name, StringComparer.Ordinal)];

        var medications = PatientFactsMapper.MedicationIndex.Empty();
        var patients = new Dictionary<string, PatientFactsMapper.PatientFactsBuilder>(StringComparer.Ordinal);
        var conditionsRead = false;
        long lines = 0, rejected = 0, bytesRead = 0;
        var lastReport = TimeSpan.Zero;
        var done = 0;
        long KnownBytes() => ordered.Sum(f => f.Input.Path.IsCompletedSuccessfully && File.Exists(f.Input.Path.Result) ? new FileInfo(f.Input.Path.Result).Length : 0);

        void DropPatientsWithoutDiagnosis()
        {
            // Every Condition is read: only patients with a qualifying stenosis diagnosis go on.
            foreach (var id in patients.Where(p => !p.Value.HasStenosis).Select(p => p.Key).ToList())
            {
                patients.Remove(id);
            }

            conditionsRead = true;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var blocks = Channel.CreateBounded<Task<Block>>(new BoundedChannelOptions(Math.Max(2, Environment.ProcessorCount * 2)) { SingleReader = true, SingleWriter = true });
        var producer = Task.Run(() => ProduceAsync([.. ordered.Select(f => f.Input)], blocks.Writer, stop.Token), stop.Token);
        try
        {
            await foreach (var pending in blocks.Reader.ReadAllAsync(stop.Token))
            {
                var block = await pending;
                switch (block.Kind)
                {
                    case BlockKind.FileStart:
                        if (ordered[block.File].Rank > 1 && !conditionsRead)
                        {
                            DropPatientsWithoutDiagnosis();
                        }

                        continue;
                    case BlockKind.FileFailed:
                        failed.Add($"{ordered[block.File].Input.Name}: {block.Error}");
                        continue;
                    case BlockKind.FileEnd:
                        done++;
                        continue;
                    case BlockKind.Lines:
                        break;
                }

                lines += block.Lines;
                rejected += block.Rejected;
                if (block.Error is { } problem)
                {
                    failed.Add($"{ordered[block.File].Input.Name}: {problem}");
                }

                bytesRead += block.Bytes;
                foreach (var item in block.Items)
                {
                    Route(item, patients, medications, partition, conditionsRead);
                }

                if (progress is not null && clock.Elapsed - lastReport > TimeSpan.FromMilliseconds(500))
                {
                    lastReport = clock.Elapsed;
                    progress(new ScanProgress(done, ordered.Count, lines, bytesRead, KnownBytes(), patients.Count, clock.Elapsed));
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            try
            {
                await producer;
            }
            catch (OperationCanceledException)
            {
                // Stopped with the scan.
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (!conditionsRead)
        {
            DropPatientsWithoutDiagnosis();
        }

        long? retained = measureMemory ? GC.GetTotalMemory(forceFullCollection: true) - baseline : null;
        progress?.Invoke(new ScanProgress(done, ordered.Count, lines, bytesRead, KnownBytes(), patients.Count, clock.Elapsed));

        // The rules, as patient-view would run them, for every patient on every core; the lines are written in
        // patient id order, and each patient's facts are let go once its lines are made.
        var withDiagnosis = patients.Count;
        var ids = patients.Keys.Order(StringComparer.Ordinal).ToArray();
        var builders = ids.Select(id => patients[id]).ToArray();
        patients.Clear();
        var decisions = new Dictionary<(string, string), int>();
        var listed = 0;
        var gaps = 0;
        var assessed = ids.AsParallel().AsOrdered().WithCancellation(cancellationToken)
            .Select((id, i) =>
            {
                var facts = builders[i].Build();
                builders[i] = null!;
                return Lines(id, facts).ToList();
            });
        foreach (var patientLines in assessed)
        {
            foreach (var line in patientLines)
            {
                emit(line);
                decisions[(line.Valve, line.Decision)] = decisions.GetValueOrDefault((line.Valve, line.Decision)) + 1;
                gaps += line.Codes.Any(c => c.StartsWith("gap-", StringComparison.Ordinal)) ? 1 : 0;
            }

            listed += patientLines.Count > 0 ? 1 : 0;
        }

        return new ScanSummary(ordered.Count, lines, withDiagnosis, listed, decisions, gaps, rejected, failed, clock.Elapsed, retained);
    }

    private enum BlockKind
    {
        FileStart,
        Lines,
        FileFailed,
        FileEnd,
    }

    /// <summary>What the consumer receives, in file and line order: markers, and the resources parsed from one block of lines.</summary>
    private sealed record Block(BlockKind Kind, int File, RecordItem[] Items, long Lines = 0, long Rejected = 0, long Bytes = 0, string? Error = null)
    {
        public static Block Marker(BlockKind kind, int file, string? error = null) => new(kind, file, [], Error: error);
    }

    /// <summary>Cuts the files, in scan order, into blocks of whole lines, each parsed on the thread pool as it is cut.</summary>
    private static async Task ProduceAsync(List<ScanInput> files, ChannelWriter<Task<Block>> blocks, CancellationToken cancellationToken)
    {
        try
        {
            for (var i = 0; i < files.Count; i++)
            {
                var file = i;
                await blocks.WriteAsync(Task.FromResult(Block.Marker(BlockKind.FileStart, file)), cancellationToken);
                try
                {
                    var path = await files[file].Path.WaitAsync(cancellationToken);
                    foreach (var (buffer, length, last) in ReadBlocks(path, cancellationToken))
                    {
                        await blocks.WriteAsync(Task.Run(() => Parse(file, buffer, length, last), cancellationToken), cancellationToken);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A download that failed, a file gone, a truncated gzip: what was read of it stays; the rest is reported.
                    await blocks.WriteAsync(Task.FromResult(Block.Marker(BlockKind.FileFailed, file, ex.Message)), cancellationToken);
                }

                await blocks.WriteAsync(Task.FromResult(Block.Marker(BlockKind.FileEnd, file)), cancellationToken);
            }
        }
        finally
        {
            blocks.TryComplete();
        }
    }

    /// <summary>Parses one block of lines (a pooled buffer, returned here); a line that is not a resource is counted as rejected.</summary>
    private static Block Parse(int file, byte[] buffer, int length, bool last)
    {
        try
        {
            var items = new List<RecordItem>(length / 512);
            long lines = 0, rejected = 0;
            var lastLineRead = true;
            foreach (var range in LineRanges(buffer.AsSpan(0, length)))
            {
                lines++;
                lastLineRead = Read(buffer.AsSpan(range), out var item);
                if (lastLineRead)
                {
                    items.Add(item!);
                }
                else
                {
                    rejected++;
                }
            }

            // Bulk Data ends every line with a newline: a file whose last line is cut off and unreadable was truncated
            // (a copy or download that broke off; gzip itself does not say so).
            var truncated = last && length > 0 && buffer[length - 1] != (byte)'\n' && !lastLineRead;
            return new Block(BlockKind.Lines, file, [.. items], lines, rejected, length, truncated ? "the file ends in the middle of a line: it looks truncated." : null);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The non-empty lines of a block (without their CR LF).</summary>
    private static List<Range> LineRanges(ReadOnlySpan<byte> block)
    {
        var ranges = new List<Range>(block.Length / 400);
        var start = 0;
        while (start < block.Length)
        {
            var newline = block[start..].IndexOf((byte)'\n');
            var end = newline < 0 ? block.Length : start + newline;
            var last = end;
            while (last > start && block[last - 1] == (byte)'\r')
            {
                last--;
            }

            if (last > start)
            {
                ranges.Add(start..last);
            }

            start = end + 1;
        }

        return ranges;
    }

    /// <summary>A file (plain or gzip, detected by its magic bytes) as blocks of whole lines in pooled buffers.</summary>
    private static IEnumerable<(byte[] Buffer, int Length, bool Last)> ReadBlocks(string file, CancellationToken cancellationToken)
    {
        using var raw = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        var magic = new byte[2];
        var gzip = raw.Read(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        raw.Position = 0;
        using var stream = gzip ? new GZipStream(raw, CompressionMode.Decompress) : (Stream)raw;
        var buffer = ArrayPool<byte>.Shared.Rent(BlockBytes);
        var filled = 0;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (filled == buffer.Length)
                {
                    // One line longer than the buffer: grow it.
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, filled).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = stream.Read(buffer, filled, buffer.Length - filled);
                filled += read;
                var cut = read == 0 ? filled : buffer.AsSpan(0, filled).LastIndexOf((byte)'\n') + 1;
                if (cut > 0 && (read == 0 || filled == buffer.Length || cut >= BlockBytes / 2))
                {
                    var next = ArrayPool<byte>.Shared.Rent(BlockBytes);
                    buffer.AsSpan(cut, filled - cut).CopyTo(next);
                    var block = buffer;
                    filled -= cut;
                    buffer = next;
                    yield return (block, cut, read == 0);
                }

                if (read == 0)
                {
                    yield break;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The worklist lines of one patient: one per valve assessed, when the hook would show that patient a card.</summary>
    public IEnumerable<WorklistLine> Lines(string patientId, PatientFacts facts) => _lines.Of(patientId, facts, asOf);

    /// <summary>
    /// One resource to the facts of its patient: Medications into the index; a Condition to any patient of the partition;
    /// anything else only to a patient kept after the Conditions (one with a qualifying diagnosis).
    /// </summary>
    private void Route(RecordItem item, Dictionary<string, PatientFactsMapper.PatientFactsBuilder> patients, PatientFactsMapper.MedicationIndex medications, Partition partition, bool conditionsRead)
    {
        if (item is MedicationItem medication)
        {
            medications.Add(medication);
            return;
        }

        if (PatientRecordAssembler.PatientOf(item) is not { } patientId || !partition.Keeps(patientId))
        {
            return;
        }

        if (!patients.TryGetValue(patientId, out var builder))
        {
            if (conditionsRead || item is not ConditionItem)
            {
                return;
            }

            builder = mapper.Begin(patientId, asOf, medications);
            patients[patientId] = builder;
        }

        builder.Add(item);
    }

    private static bool Read(ReadOnlySpan<byte> line, out RecordItem? item)
    {
        item = null;
        try
        {
            var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject || Utf8ResourceReader.ResourceType(reader) is not { } type)
            {
                return false;
            }

            item = Utf8ResourceReader.Read(ref reader, type);
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The resource type of a file's first line (null when the file cannot be read or its first line is not a resource).</summary>
    private static string? FirstType(string file, List<string> failed)
    {
        try
        {
            string? type = null;
            ForEachLine(file, line =>
            {
                var reader = new Utf8JsonReader(line);
                type = reader.Read() && reader.TokenType == JsonTokenType.StartObject ? Utf8ResourceReader.ResourceType(reader) : null;
            }, CancellationToken.None, stopAfterFirst: true);
            return type;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException or JsonException)
        {
            failed.Add($"{Path.GetFileName(file)}: {ex.Message}");
            return null;
        }
    }

    /// <summary>A line callback: the line's bytes, valid only during the call.</summary>
    public delegate void LineHandler(ReadOnlySpan<byte> line);

    /// <summary>Calls <paramref name="handle"/> for every non-empty line of an NDJSON file, plain or gzip (the scan's own block reader).</summary>
    public static void ForEachLine(string file, LineHandler handle, CancellationToken cancellationToken, bool stopAfterFirst = false)
    {
        ArgumentNullException.ThrowIfNull(handle);
        foreach (var (buffer, length, _) in ReadBlocks(file, cancellationToken))
        {
            try
            {
                foreach (var range in LineRanges(buffer.AsSpan(0, length)))
                {
                    handle(buffer.AsSpan(range));
                    if (stopAfterFirst)
                    {
                        return;
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
