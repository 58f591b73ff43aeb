using System.IO.Compression;
using System.Text.Json;
using Valvuloplasty.Fhir.Benchmarks;
using Valvuloplasty.Fhir.Data.Worklist;
using Valvuloplasty.Fhir.Rules.Engine;
using Valvuloplasty.Fhir.UnitTests.Support;
using Valvuloplasty.Fhir.Worklist;

namespace Valvuloplasty.Fhir.UnitTests.Worklist;

/// <summary>
/// <c>worklist scan</c> through its command line, over generated populations (every synthetic patient several times
/// under its own ids, padded with vitals and problems the rules do not read): the decisions, the partitions, the
/// input shapes Bulk Data servers write (gzip, any file names), bad input, and the exit codes.
/// </summary>
public sealed class WorklistScanTests : IClassFixture<WorklistScanTests.Population>
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private readonly Population _population;

    public WorklistScanTests(Population population) => _population = population;

    /// <summary>Three copies of every synthetic patient (102 patients, 40 resources each), written once for the class.</summary>
    public sealed class Population : IDisposable
    {
        public Population()
        {
            PopulationGenerator.Write(new PopulationGenerator.Settings(Patients, Directory, 40), Profiles.RepoRoot);
            File.Move(Path.Combine(Directory, "expected.ndjson"), ExpectedFile);
            Expected = [.. PopulationGenerator.ReadExpected(Path.GetDirectoryName(ExpectedFile)!)];
        }

        public const int Patients = 102;

        public string Root { get; } = Path.Combine(Path.GetTempPath(), $"worklist-scan-{Guid.NewGuid():N}");

        public string Directory => Path.Combine(Root, "ndjson");

        public string ExpectedFile => Path.Combine(Root, "expected.ndjson");

        public IReadOnlyList<PopulationGenerator.Expected> Expected { get; }

        public void Dispose() => System.IO.Directory.Delete(Root, recursive: true);
    }

    [Fact]
    public async Task Scan_ListsEveryPatientWithTheDecisionOfItsTemplate()
    {
        var (code, lines, output, _) = await ScanAsync(_population.Directory);

        Assert.Equal(ExitCodes.Done, code);
        Assert.Equal(
            _population.Expected.Select(e => $"{e.PatientId} {e.Valve} {e.Decision} {e.BridgeToTavr}").Order(StringComparer.Ordinal),
            lines.Select(l => $"{l.PatientId} {l.Valve} {l.Decision} {l.BridgeToTavr}").Order(StringComparer.Ordinal));

        // In patient id order, every line with the card's summary and its evidence.
        Assert.Equal(lines.Select(l => l.PatientId).Order(StringComparer.Ordinal), lines.Select(l => l.PatientId));
        Assert.All(lines, l => Assert.False(string.IsNullOrWhiteSpace(l.Summary)));
        Assert.Contains(lines, l => l.Decision == "candidate" && l.Evidence.Any(e => e.Name == "Aortic Vmax" && e.Value >= 4.0m && e.Unit == "m/s" && e.Reference.StartsWith("Observation/", StringComparison.Ordinal)));
        var resources = Directory.EnumerateFiles(_population.Directory).Sum(f => File.ReadLines(f).Count());
        Assert.Contains($"read {resources:N0} resources from 7 file(s)", output, StringComparison.Ordinal);
        Assert.Contains("rejected lines: 0", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scan_APatientWithoutAQualifyingDiagnosis_IsDroppedAfterTheConditions_AndNotListed()
    {
        // One more patient: a severe aortic echo but only a reflux diagnosis, so nothing the rules assess.
        var directory = Copy(_population.Directory);
        await File.AppendAllTextAsync(Path.Combine(directory, "Patient.ndjson"),
            "{\"resourceType\":\"Patient\",\"id\":\"no-stenosis\",\"gender\":\"female\",\"birthDate\":\"1940-01-01\"}\n", TestContext.Current.CancellationToken);
        await File.AppendAllTextAsync(Path.Combine(directory, "Condition.ndjson"),
            "{\"resourceType\":\"Condition\",\"id\":\"no-stenosis-gerd\",\"clinicalStatus\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/condition-clinical\",\"code\":\"active\"}]},"
            + "\"code\":{\"coding\":[{\"system\":\"http://hl7.org/fhir/sid/icd-10-cm\",\"code\":\"K21.9\"}]},\"subject\":{\"reference\":\"Patient/no-stenosis\"}}\n", TestContext.Current.CancellationToken);
        await File.AppendAllTextAsync(Path.Combine(directory, "Observation.ndjson"),
            "{\"resourceType\":\"Observation\",\"id\":\"no-stenosis-vmax\",\"status\":\"final\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"79964-3\"}]},"
            + "\"subject\":{\"reference\":\"Patient/no-stenosis\"},\"effectiveDateTime\":\"2026-10-01\",\"valueQuantity\":{\"value\":4.6,\"unit\":\"m/s\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"m/s\"}}\n",
            TestContext.Current.CancellationToken);

        var (code, lines, output, _) = await ScanAsync(directory);

        // Every generated patient has a stenosis diagnosis; the extra one is let go once the Conditions are read.
        Assert.Equal(ExitCodes.Done, code);
        Assert.Contains($"patients with a qualifying diagnosis: {Population.Patients:N0};", output, StringComparison.Ordinal);
        Assert.DoesNotContain(lines, l => l.PatientId == "no-stenosis");
        Assert.Equal(_population.Expected.Select(e => e.PatientId).ToHashSet(StringComparer.Ordinal), lines.Select(l => l.PatientId).ToHashSet(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Partitions_AreDisjoint_AndConcatenateToTheSingleRun()
    {
        var (_, single, _, _) = await ScanAsync(_population.Directory);
        var parts = new List<List<WorklistLine>>();
        for (var k = 1; k <= 3; k++)
        {
            var (code, lines, output, _) = await ScanAsync(_population.Directory, "--partition", $"{k}/3");
            Assert.Equal(ExitCodes.Done, code);
            Assert.Contains($"partition {k}/3", output, StringComparison.Ordinal);
            parts.Add(lines);
        }

        Assert.All(parts, p => Assert.NotEmpty(p));
        var ids = parts.Select(p => p.Select(l => l.PatientId).ToHashSet(StringComparer.Ordinal)).ToList();
        Assert.Empty(ids[0].Intersect(ids[1]));
        Assert.Empty(ids[0].Intersect(ids[2]));
        Assert.Empty(ids[1].Intersect(ids[2]));
        Assert.Equal(single.Select(Serialized).Order(StringComparer.Ordinal), parts.SelectMany(p => p).Select(Serialized).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task GzipFilesWithAnyNames_ReadLikePlainOnes()
    {
        var directory = Temp();
        var n = 0;
        foreach (var file in Directory.EnumerateFiles(_population.Directory).Order(StringComparer.Ordinal))
        {
            // Names as a server may write them: no type in the name; the type is read from the lines.
            await GzipAsync(file, Path.Combine(directory, $"part-{n++}.ndjson.gz"));
        }

        var (code, lines, _, _) = await ScanAsync(directory);
        var (_, plain, _, _) = await ScanAsync(_population.Directory);

        Assert.Equal(ExitCodes.Done, code);
        Assert.Equal(plain.Select(Serialized), lines.Select(Serialized));
    }

    [Fact]
    public async Task LinesThatAreNotResources_AreCountedAsRejected_AndTheRestIsRead()
    {
        var directory = Copy(_population.Directory);
        var conditions = Path.Combine(directory, "Condition.ndjson");
        await File.AppendAllTextAsync(conditions, "{\"resourceType\":\"Condition\",\"id\":\n[1,2]\nnot json at all\r\n\n", TestContext.Current.CancellationToken);

        var (code, lines, output, _) = await ScanAsync(directory);
        var (_, plain, _, _) = await ScanAsync(_population.Directory);

        Assert.Equal(ExitCodes.Done, code);
        Assert.Contains("rejected lines: 3", output, StringComparison.Ordinal);
        Assert.Equal(plain.Select(Serialized), lines.Select(Serialized));
    }

    [Fact]
    public async Task AGzipFileThatBreaksOff_IsReported_AndTheScanIsPartial()
    {
        var directory = Copy(_population.Directory);
        var observations = Path.Combine(directory, "Observation.ndjson");
        var gzip = Path.Combine(directory, "Observation.ndjson.gz");
        await GzipAsync(observations, gzip);
        File.Delete(observations);
        var bytes = await File.ReadAllBytesAsync(gzip, TestContext.Current.CancellationToken);
        await File.WriteAllBytesAsync(gzip, bytes[..(bytes.Length * 2 / 3)], TestContext.Current.CancellationToken);

        var (code, lines, _, errors) = await ScanAsync(directory);

        Assert.Equal(ExitCodes.Partial, code);
        Assert.Contains("not fully read: Observation.ndjson.gz: the file ends in the middle of a line", errors, StringComparison.Ordinal);
        Assert.NotEmpty(lines);
    }

    [Fact]
    public async Task ACorruptGzipFile_IsReported_AndTheOtherFilesAreRead()
    {
        var directory = Copy(_population.Directory);
        var procedures = Path.Combine(directory, "Procedure.ndjson");
        var gzip = Path.Combine(directory, "Procedure.ndjson.gz");
        await GzipAsync(procedures, gzip);
        File.Delete(procedures);
        var bytes = await File.ReadAllBytesAsync(gzip, TestContext.Current.CancellationToken);
        for (var i = 20; i < bytes.Length - 20; i += 7)
        {
            bytes[i] ^= 0x5A;
        }

        await File.WriteAllBytesAsync(gzip, bytes, TestContext.Current.CancellationToken);

        var (code, lines, _, errors) = await ScanAsync(directory);

        Assert.Equal(ExitCodes.Partial, code);
        Assert.Contains("not fully read: Procedure.ndjson.gz", errors, StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Decision == "candidate");
    }

    [Fact]
    public async Task APlainFileCutOffMidLine_IsReportedAsTruncated()
    {
        var directory = Copy(_population.Directory);
        var conditions = Path.Combine(directory, "Condition.ndjson");
        var text = await File.ReadAllTextAsync(conditions, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(conditions, text[..(text.Length - 30)], TestContext.Current.CancellationToken);

        var (code, _, output, errors) = await ScanAsync(directory);

        Assert.Equal(ExitCodes.Partial, code);
        Assert.Contains("rejected lines: 1", output, StringComparison.Ordinal);
        Assert.Contains("not fully read: Condition.ndjson: the file ends in the middle of a line", errors, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--partition", "0/4", "--partition 0/4")]
    [InlineData("--partition", "5/4", "--partition 5/4")]
    [InlineData("--format", "xml", "--format xml")]
    [InlineData("--as-of", "yesterday", "--as-of yesterday")]
    [InlineData("--colour", "red", "unknown option(s): --colour")]
    [InlineData("stray", "--quiet", "unexpected argument 'stray'")]
    [InlineData("--quiet", "--out", "--out needs a value")]
    public async Task UsageErrors_ExitWithTwo_AndSayWhatIsWrong(string option, string value, string message)
    {
        var (code, _, _, errors) = await ScanAsync(_population.Directory, option, value);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(message, errors, StringComparison.Ordinal);
        Assert.Contains("usage:", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADirectoryWithoutNdjson_IsAUsageError()
    {
        var empty = Temp();

        var (code, _, _, errors) = await ScanAsync(empty);
        var (missing, _, _, missingErrors) = await ScanAsync(Path.Combine(empty, "nowhere"));

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("no .ndjson or .ndjson.gz files", errors, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, missing);
        Assert.Contains("no such directory", missingErrors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancelled_ExitsPartial_WithoutAWorklistLine()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var output = Path.Combine(Temp(), "worklist.ndjson");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = await WorklistCommand.RunAsync(
            ["scan", "--ndjson", _population.Directory, "--out", output, "--as-of", "2026-11-28", "--profiles", Profiles.Directory, "--quiet"], stdout, stderr, cancelled.Token);

        Assert.Equal(ExitCodes.Partial, code);
        Assert.Contains("cancelled", stderr.ToString(), StringComparison.Ordinal);
        Assert.Equal("", await File.ReadAllTextAsync(output, TestContext.Current.CancellationToken));
    }

    private async Task<(int Code, List<WorklistLine> Lines, string Output, string Errors)> ScanAsync(string directory, params string[] extra)
    {
        var output = Path.Combine(Temp(), "worklist.ndjson");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await WorklistCommand.RunAsync(
            ["scan", "--ndjson", directory, "--out", output, "--as-of", "2026-11-28T12:00:00Z", "--profiles", Profiles.Directory, "--quiet", .. extra],
            stdout, stderr, TestContext.Current.CancellationToken);
        List<WorklistLine> lines = File.Exists(output)
            ? [.. (await File.ReadAllLinesAsync(output, TestContext.Current.CancellationToken)).Select(l => JsonSerializer.Deserialize<WorklistLine>(l, Web)!)]
            : [];
        return (code, lines, stdout.ToString(), stderr.ToString());
    }

    private static async Task GzipAsync(string from, string to)
    {
        await using var input = File.OpenRead(from);
        await using var output = new GZipStream(File.Create(to), CompressionLevel.Fastest);
        await input.CopyToAsync(output, TestContext.Current.CancellationToken);
    }

    private static string Serialized(WorklistLine line) => JsonSerializer.Serialize(line, Web);

    private string Temp()
    {
        var directory = Path.Combine(_population.Root, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        return directory;
    }

    private string Copy(string from)
    {
        var directory = Temp();
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
        }

        return directory;
    }
}

/// <summary>
/// What a scan holds per patient once every file is read: compact facts, never whole resources. Measured with a
/// forced collection before and after, so it runs alone (no other test allocating meanwhile).
/// </summary>
[Collection(nameof(WorklistMemoryTests))]
[CollectionDefinition(nameof(WorklistMemoryTests), DisableParallelization = true)]
public sealed class WorklistMemoryTests
{
    [Fact]
    public void HeldMemoryPerPatient_IsAFewKilobytes_AFractionOfItsResources()
    {
        var root = Path.Combine(Path.GetTempPath(), $"worklist-memory-{Guid.NewGuid():N}");
        try
        {
            const int patients = 1_020;
            PopulationGenerator.Write(new PopulationGenerator.Settings(patients, root, 100), Profiles.RepoRoot);
            var files = Directory.EnumerateFiles(root, "*.ndjson").Where(f => !f.EndsWith("expected.ndjson", StringComparison.Ordinal)).ToList();
            var inputPerPatient = files.Sum(f => new FileInfo(f).Length) / (double)patients;
            var scanner = new WorklistScanner(Profiles.Mapper, Profiles.Renderer, new RuleOptions(), FactsBuilder.AsOf);

            // The first scan fills the process-wide string pool (bounded: 50,000 short strings, whatever the population);
            // the second measures what the scan itself holds per patient.
            scanner.Scan(files, Partition.All, _ => { }, null, TestContext.Current.CancellationToken);
            var summary = scanner.Scan(files, Partition.All, _ => { }, null, TestContext.Current.CancellationToken, measureMemory: true);

            var perPatient = summary.RetainedBytes!.Value / (double)summary.PatientsWithDiagnosis;
            Assert.True(summary.PatientsWithDiagnosis > 900, $"{summary.PatientsWithDiagnosis} patients with a diagnosis");
            Assert.True(perPatient < 8 * 1024, $"{perPatient:N0} bytes held per patient");
            Assert.True(perPatient < inputPerPatient / 5, $"{perPatient:N0} bytes held per patient for {inputPerPatient:N0} bytes of resources");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
