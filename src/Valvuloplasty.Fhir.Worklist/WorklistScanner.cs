using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
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
/// The hook's rules over a population, from FHIR Bulk Data NDJSON (one resource per line; files per resource type as
/// <c>$export</c> writes them, plain or gzip, any names: each line says its type). Memory stays bounded: resources are
/// read one line at a time straight from the bytes into the compact facts of their patient (the hook's own reader and
/// mapper), and only patients with a qualifying stenosis diagnosis are kept once the Conditions are read. Files are
/// read in the order the facts need: Medications (to resolve references), Conditions, Patients, then the rest.
/// </summary>
public sealed class WorklistScanner(PatientFactsMapper mapper, CardRenderer renderer, RuleOptions rules, DateTimeOffset asOf)
{
    /// <summary>The order files are read in, by the resource type of their first line; other types are not read.</summary>
    private static readonly string[] TypeOrder =
        ["Medication", "Condition", "Patient", "Observation", "Procedure", "ServiceRequest", "MedicationRequest", "RiskAssessment"];

    public ScanSummary Scan(
        IReadOnlyList<string> files, Partition partition, Action<WorklistLine> emit, Action<ScanProgress>? progress, CancellationToken cancellationToken,
        bool measureMemory = false)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(emit);
        var clock = Stopwatch.StartNew();
        var baseline = measureMemory ? GC.GetTotalMemory(forceFullCollection: true) : 0;
        var failed = new List<string>();
        var ordered = files
            .Select(file => (File: file, Rank: Array.IndexOf(TypeOrder, FirstType(file, failed) ?? "")))
            .Where(f => f.Rank >= 0)
            .OrderBy(f => f.Rank).ThenBy(f => f.File, StringComparer.Ordinal)
            .ToList();
        var totalBytes = ordered.Sum(f => new FileInfo(f.File).Length);

        var medications = PatientFactsMapper.MedicationIndex.Empty();
        var patients = new Dictionary<string, PatientFactsMapper.PatientFactsBuilder>(StringComparer.Ordinal);
        var conditionsRead = false;
        long lines = 0, rejected = 0, bytesRead = 0;
        var lastReport = TimeSpan.Zero;
        var done = 0;
        foreach (var (file, rank) in ordered)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (rank > 1 && !conditionsRead)
            {
                // Every Condition is read: only patients with a qualifying stenosis diagnosis go on.
                foreach (var id in patients.Where(p => !p.Value.HasStenosis).Select(p => p.Key).ToList())
                {
                    patients.Remove(id);
                }

                conditionsRead = true;
            }

            try
            {
                ForEachLine(file, line =>
                {
                    lines++;
                    bytesRead += line.Length + 1;
                    if (!Read(line, out var item))
                    {
                        rejected++;
                        return;
                    }

                    Route(item!, patients, medications, partition, conditionsRead);
                    if (progress is not null && (lines & 0x3FF) == 0 && clock.Elapsed - lastReport > TimeSpan.FromMilliseconds(500))
                    {
                        lastReport = clock.Elapsed;
                        progress(new ScanProgress(done, ordered.Count, lines, bytesRead, totalBytes, patients.Count, clock.Elapsed));
                    }
                }, cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                failed.Add($"{Path.GetFileName(file)}: {ex.Message}");
            }

            done++;
        }

        if (!conditionsRead)
        {
            foreach (var id in patients.Where(p => !p.Value.HasStenosis).Select(p => p.Key).ToList())
            {
                patients.Remove(id);
            }
        }

        long? retained = measureMemory ? GC.GetTotalMemory(forceFullCollection: true) - baseline : null;
        progress?.Invoke(new ScanProgress(done, ordered.Count, lines, bytesRead, totalBytes, patients.Count, clock.Elapsed));

        // The rules, as patient-view would run them, patient by patient in id order; each one's facts are dropped after.
        var withDiagnosis = patients.Count;
        var decisions = new Dictionary<(string, string), int>();
        var listed = 0;
        var gaps = 0;
        foreach (var id in patients.Keys.Order(StringComparer.Ordinal).ToList())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var facts = patients[id].Build();
            patients.Remove(id);
            var any = false;
            foreach (var line in Lines(id, facts))
            {
                emit(line);
                any = true;
                decisions[(line.Valve, line.Decision)] = decisions.GetValueOrDefault((line.Valve, line.Decision)) + 1;
                gaps += line.Codes.Any(c => c.StartsWith("gap-", StringComparison.Ordinal)) ? 1 : 0;
            }

            listed += any ? 1 : 0;
        }

        return new ScanSummary(ordered.Count, lines, withDiagnosis, listed, decisions, gaps, rejected, failed, clock.Elapsed, retained);
    }

    /// <summary>The worklist lines of one patient: one per valve assessed, when the hook would show that patient a card.</summary>
    public IEnumerable<WorklistLine> Lines(string patientId, PatientFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var evaluation = RuleCatalog.Evaluate(facts, [], HookKind.PatientView, asOf, rules);
        var cards = renderer.RenderWithFacts(evaluation, facts.PatientReference);
        if (cards.Count == 0)
        {
            yield break;
        }

        foreach (var assessment in evaluation.Assessments)
        {
            var ofValve = cards.Where(c => c.Facts.Valve == assessment.Valve).ToList();
            var summary = ofValve.FirstOrDefault(c => c.Facts.Topic == CardTopics.Assessment)?.Card.Summary ?? CardText.Summary(assessment);
            yield return new WorklistLine(
                patientId,
                CardText.ValveName(assessment.Valve),
                CardText.Wire(assessment.Decision),
                assessment.Valve == Valve.Aortic && assessment.Bridge is { } bridge ? CardText.Wire(bridge) : null,
                [.. ofValve.SelectMany(c => c.Facts.Codes).Distinct(StringComparer.Ordinal)],
                summary,
                [.. assessment.Evidence.Select(Evidence)],
                [.. assessment.NextSteps.Select(step => CardText.Step(step, assessment.Valve)).Distinct(StringComparer.Ordinal)]);
        }
    }

    private static WorklistEvidence Evidence(Measurement m) =>
        new(CardText.Name(m.Kind),
            decimal.TryParse(CardText.Number(m.Kind, m.Value), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : m.Value,
            CardText.Unit(m.Unit) is { Length: > 0 } unit ? unit : null,
            CardText.Date(m),
            m.Source);

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
            var found = false;
            ForEachLine(file, line =>
            {
                if (found)
                {
                    return;
                }

                found = true;
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

    /// <summary>Calls <paramref name="handle"/> for every non-empty line of an NDJSON file, plain or gzip (detected by its magic bytes).</summary>
    public static void ForEachLine(string file, LineHandler handle, CancellationToken cancellationToken, bool stopAfterFirst = false)
    {
        ArgumentNullException.ThrowIfNull(handle);
        using var raw = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        Span<byte> magic = stackalloc byte[2];
        var gzip = raw.Read(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        raw.Position = 0;
        using var stream = gzip ? new GZipStream(raw, CompressionMode.Decompress) : (Stream)raw;
        var buffer = new byte[1 << 20];
        var filled = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (filled == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2); // one line longer than the buffer
            }

            var read = stream.Read(buffer, filled, buffer.Length - filled);
            filled += read;
            var start = 0;
            while (true)
            {
                var newline = buffer.AsSpan(start, filled - start).IndexOf((byte)'\n');
                if (newline < 0)
                {
                    break;
                }

                var line = buffer.AsSpan(start, newline).TrimEnd((byte)'\r');
                start += newline + 1;
                if (!line.IsEmpty)
                {
                    handle(line);
                    if (stopAfterFirst)
                    {
                        return;
                    }
                }
            }

            if (read == 0)
            {
                var last = buffer.AsSpan(start, filled - start).TrimEnd((byte)'\r');
                if (!last.IsEmpty)
                {
                    handle(last);
                }

                return;
            }

            buffer.AsSpan(start, filled - start).CopyTo(buffer);
            filled -= start;
        }
    }
}
