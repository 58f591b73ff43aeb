using System.Net;
using System.Text.Json;
using Valvuloplasty.Fhir.Data.Worklist;
using Valvuloplasty.Fhir.IntegrationTests.Infrastructure;
using Valvuloplasty.Fhir.Worklist;

namespace Valvuloplasty.Fhir.IntegrationTests.Worklist;

/// <summary>
/// One code path: for every synthetic patient, the worklist line of each valve says exactly what the hook's
/// patient-view response says for the same data (valve, decision, bridge to TAVR, the union of the codes of every card
/// of that valve), and a patient the hook shows no card is not listed.
/// </summary>
public sealed class WorklistParityTests(WorklistParityTests.Scan scan, SharedCdsHost host) : IClassFixture<WorklistParityTests.Scan>, IClassFixture<SharedCdsHost>
{
    /// <summary>The synthetic patients exported as NDJSON and scanned once by the worklist program, as of the test host's day.</summary>
    public sealed class Scan : IAsyncLifetime
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "valvuloplasty-tests", $"worklist-parity-{Guid.NewGuid():N}");

        public IReadOnlyList<WorklistLine> Lines { get; private set; } = [];

        public async ValueTask InitializeAsync()
        {
            var export = Path.Combine(_folder, "export");
            var output = Path.Combine(_folder, "worklist.ndjson");
            SyntheticPatients.WriteBulkExport(export);
            using var stdout = new StringWriter();
            using var stderr = new StringWriter();
            var exit = await WorklistCommand.RunAsync(
                ["scan", "--ndjson", export, "--out", output, "--as-of", CdsTestHost.Today.ToString("O"), "--quiet"], stdout, stderr, CancellationToken.None);
            Assert.True(exit == 0, $"worklist scan exited with {exit}:\n{stdout}\n{stderr}");
            var web = new JsonSerializerOptions(JsonSerializerDefaults.Web);
            Lines = [.. File.ReadLines(output).Select(l => JsonSerializer.Deserialize<WorklistLine>(l, web)!)];
        }

        public ValueTask DisposeAsync()
        {
            Directory.Delete(_folder, recursive: true);
            return ValueTask.CompletedTask;
        }
    }

    public static TheoryData<ExpectedOutcome> Patients() => [.. SyntheticPatients.Expected];

    [Theory]
    [MemberData(nameof(Patients))]
    public async Task WorklistLines_AreThePatientViewContract(ExpectedOutcome patient)
    {
        var (response, body) = await Requests.PostAsync(host.Server.Client, Requests.PatientView, SyntheticPatients.PatientView(patient.File));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cards = CardContract.AssertValid(body).Select(CardContract.Contract).ToList();

        // What the hook told the clinician, per valve: the assessment's decision and bridge, and every code of every card.
        var hook = cards.GroupBy(c => c.Valve)
            .Select(valve =>
            {
                var assessment = Assert.Single(valve, c => c.Topic == "assessment");
                return Contract(valve.Key, assessment.Decision, assessment.Bridge, valve.SelectMany(c => c.Codes));
            })
            .Order(StringComparer.Ordinal)
            .ToList();
        var listed = scan.Lines.Where(l => l.PatientId == patient.PatientId)
            .Select(l => Contract(l.Valve, l.Decision, l.BridgeToTavr, l.Codes))
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Equal(hook, listed);
        if (patient.Decision == ExpectedOutcome.NoCard)
        {
            Assert.Empty(listed);
        }
        else
        {
            Assert.NotEmpty(listed);
        }
    }

    [Fact]
    public void EveryLine_IsOfASyntheticPatient_AndEachValveOnce()
    {
        var patients = SyntheticPatients.Expected.Select(e => e.PatientId).ToHashSet(StringComparer.Ordinal);

        Assert.All(scan.Lines, l => Assert.Contains(l.PatientId, patients));
        Assert.Equal(scan.Lines.Count, scan.Lines.Select(l => (l.PatientId, l.Valve)).Distinct().Count());
    }

    private static string Contract(string valve, string decision, string? bridge, IEnumerable<string> codes) =>
        $"{valve} {decision} bridge={bridge ?? "-"} codes={string.Join(',', codes.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))}";
}
