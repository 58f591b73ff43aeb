using System.Diagnostics;
using System.Globalization;
using Valvuloplasty.Fhir.Cards;
using Valvuloplasty.Fhir.Data.Mapping;
using Valvuloplasty.Fhir.Data.Terminology;
using Valvuloplasty.Fhir.Data.Worklist;
using Valvuloplasty.Fhir.Rules.Engine;
using Valvuloplasty.Fhir.Worklist;

namespace Valvuloplasty.Fhir.Benchmarks;

/// <summary>
/// The worklist scan on a generated population: patients per second (three runs, median), peak working set, the memory
/// the scan holds per patient once every file is read, and whether N partitions give exactly the single run's lines.
/// </summary>
public static class WorklistBenchmark
{
    private static readonly DateTimeOffset AsOf = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    public static int Run(int patients, int perPatient, int partitions, bool gzip)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"valvuloplasty-population-{patients}-{perPatient}{(gzip ? "-gz" : "")}");
        if (!File.Exists(Path.Combine(folder, "expected.ndjson")))
        {
            var clock = Stopwatch.StartNew();
            var written = PopulationGenerator.Write(new PopulationGenerator.Settings(patients, folder, perPatient, gzip), RequestFixtures.RepoRoot);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"generated {patients:N0} patients, {written:N0} resources in {clock.Elapsed.TotalSeconds:0.0} s → {folder}"));
        }

        var files = Directory.EnumerateFiles(folder, "*.ndjson*").Where(f => !f.EndsWith("expected.ndjson", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        var bytes = files.Sum(f => new FileInfo(f).Length);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"input: {files.Count} files, {bytes / 1048576.0:N0} MB"));

        var scanner = Scanner();
        var rates = new List<double>();
        List<WorklistLine> single = [];
        for (var run = 1; run <= 3; run++)
        {
            GC.Collect();
            var lines = new List<WorklistLine>();
            var peak = 0L;
            using var sampler = new Timer(_ => peak = Math.Max(peak, Process.GetCurrentProcess().WorkingSet64), null, 0, 200);
            var summary = scanner.Scan(files, Partition.All, lines.Add, null, CancellationToken.None, measureMemory: run == 3);
            var rate = summary.PatientsWithDiagnosis / summary.Elapsed.TotalSeconds;
            rates.Add(rate);
            var held = summary.RetainedBytes is { } retained
                ? string.Create(CultureInfo.InvariantCulture, $"; held after reading: {retained / 1048576.0:N0} MB, {retained / (double)summary.PatientsWithDiagnosis:N0} bytes per patient")
                : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"run {run}: {summary.Lines:N0} resources, {summary.PatientsWithDiagnosis:N0} patients, {lines.Count:N0} lines in {summary.Elapsed.TotalSeconds:0.00} s: {rate:N0} patients/s, {summary.Lines / summary.Elapsed.TotalSeconds:N0} resources/s; peak working set {peak / 1048576.0:N0} MB{held}"));
            single = lines;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median: {rates.Order().ElementAt(1):N0} patients/s"));

        // Expected decisions.
        var expected = PopulationGenerator.ReadExpected(folder).ToDictionary(e => (e.PatientId, e.Valve));
        var wrong = single.Count(l => !expected.TryGetValue((l.PatientId, l.Valve), out var e) || e.Decision != l.Decision);
        Console.WriteLine($"lines whose decision differs from the generator's expectation: {wrong}");

        if (partitions > 1)
        {
            var split = new List<WorklistLine>();
            for (var k = 1; k <= partitions; k++)
            {
                scanner.Scan(files, new Partition(k, partitions), split.Add, null, CancellationToken.None);
            }

            static string Key(WorklistLine l) => $"{l.PatientId}|{l.Valve}|{l.Decision}|{string.Join(',', l.Codes)}";
            var same = single.Select(Key).Order(StringComparer.Ordinal).SequenceEqual(split.Select(Key).Order(StringComparer.Ordinal));
            Console.WriteLine($"{partitions} partitions: {split.Count:N0} lines, {(same ? "exactly the single run's lines" : "DIFFERENT from the single run")}");
            return same && wrong == 0 ? 0 : 1;
        }

        return wrong == 0 ? 0 : 1;
    }

    private static WorklistScanner Scanner()
    {
        var profiles = Path.Combine(RequestFixtures.RepoRoot, "profiles");
        var index = ProfileTerminologyLoader.Load(profiles, TerminologyBindings.Required);
        return new WorklistScanner(new PatientFactsMapper(index), new CardRenderer(index, ContentTables.Load(Path.Combine(profiles, "content"))), new RuleOptions(), AsOf);
    }
}
