using System.Text;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Valvuloplasty.Fhir.Data.Worklist;
using Valvuloplasty.Fhir.UnitTests.Conformance;
using Valvuloplasty.Fhir.Worklist;

namespace Valvuloplasty.Fhir.UnitTests.Worklist;

/// <summary>The worklist's formats: NDJSON, CSV for a spreadsheet, and a FHIR List that validates with Firely.</summary>
public sealed class WorklistWriterTests
{
    private static readonly DateTimeOffset CreatedAt = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    private static readonly WorklistLine Aortic = new(
        "aortic-1", "aortic", "candidate", "yes", ["risk-regurgitation", "care-return-precautions"],
        "Severe symptomatic AS at high surgical risk: BAV candidate as a bridge to TAVR",
        [new WorklistEvidence("Aortic Vmax", 4.5m, "m/s", "2026-10-20", "Observation/echo-vmax"), new WorklistEvidence("NYHA class", null, null, "2026-11-10", "Observation/nyha")],
        ["Discuss with the Heart Team.", "Start the TAVR evaluation (CT angiography, access planning)."]);

    private static readonly WorklistLine Mitral = new(
        "=HYPERLINK(\"http://evil\")", "mitral", "insufficient-data", null, ["gap-mitral-valve-area"],
        "Mitral stenosis, \"severity\" unknown: repeat echo", [], ["Repeat the echo, with valve area."]);

    [Fact]
    public void Ndjson_OneObjectPerLine_WithoutAbsentMembers()
    {
        var text = Write(WorklistFormat.Ndjson, Aortic, Mitral);

        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("{\"patientId\":\"aortic-1\",\"valve\":\"aortic\",\"decision\":\"candidate\",\"bridgeToTavr\":\"yes\",\"codes\":[\"risk-regurgitation\",\"care-return-precautions\"]", lines[0], StringComparison.Ordinal);
        Assert.Contains("{\"name\":\"Aortic Vmax\",\"value\":4.5,\"unit\":\"m/s\",\"date\":\"2026-10-20\",\"reference\":\"Observation/echo-vmax\"}", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("bridgeToTavr", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Csv_HasAHeader_QuotesWhatNeedsIt_AndNeverStartsAFormula()
    {
        var text = Write(WorklistFormat.Csv, Aortic, Mitral);

        var rows = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("patientId,valve,decision,bridgeToTavr,codes,summary,evidence,nextSteps", rows[0]);
        Assert.Equal(
            "aortic-1,aortic,candidate,yes,risk-regurgitation care-return-precautions,Severe symptomatic AS at high surgical risk: BAV candidate as a bridge to TAVR," +
            "Aortic Vmax 4.5 m/s (2026-10-20) [Observation/echo-vmax]; NYHA class (2026-11-10) [Observation/nyha]," +
            "\"Discuss with the Heart Team. | Start the TAVR evaluation (CT angiography, access planning).\"",
            rows[1]);

        // A patient id from the record that a spreadsheet would run is written as text; quotes are doubled.
        Assert.StartsWith("\"'=HYPERLINK(\"\"http://evil\"\")\",mitral,insufficient-data,,gap-mitral-valve-area,\"Mitral stenosis, \"\"severity\"\" unknown: repeat echo\"", rows[2], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("=1+1", "'=1+1")]
    [InlineData("+1", "'+1")]
    [InlineData("-1", "'-1")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("plain", "plain")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("", "")]
    public void CsvCell(string value, string cell) => Assert.Equal(cell, WorklistWriter.Csv(value));

    [Fact]
    public void FhirList_OneEntryPerPatient_ValidatesAgainstCoreAndTheAssessmentExtension()
    {
        var second = Aortic with { Valve = "mitral", Decision = "not-candidate", BridgeToTavr = null, Codes = [] };
        var text = Write(WorklistFormat.Fhir, Aortic, second, Mitral);

        var list = Assert.IsType<List>(new FhirJsonDeserializer().DeserializeResource(text));
        Assert.Equal(List.ListStatus.Current, list.Status);
        Assert.Equal(ListMode.Snapshot, list.Mode);
        Assert.Equal(["Patient/=HYPERLINK(\"http://evil\")", "Patient/aortic-1"], list.Entry.Select(e => e.Item.Reference));
        var assessments = list.Entry[1].Extension;
        Assert.Equal(2, assessments.Count);
        Assert.All(assessments, a => Assert.Equal(WorklistWriter.AssessmentExtension, a.Url));
        Assert.Equal("candidate", Assert.IsType<Code>(assessments[0].GetExtension("decision")?.Value).Value);
        Assert.Equal("yes", Assert.IsType<Code>(assessments[0].GetExtension("bridgeToTavr")?.Value).Value);
        Assert.Equal(["risk-regurgitation", "care-return-precautions"], assessments[0].Extension.Where(e => e.Url == "code").Select(e => Assert.IsType<Code>(e.Value).Value));

        var outcome = ProfileValidator.Validate(list);
        var errors = outcome.Issue.Where(i => i.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors.Select(e => $"{e.Expression.FirstOrDefault()}: {e.Details?.Text ?? e.Diagnostics}")));
    }

    [Fact]
    public void FhirList_AnAssessmentWithoutItsDecision_FailsTheExtensionProfile()
    {
        // The profile is really applied: a list the writer would never produce is refused.
        var list = WorklistWriter.ToList([Aortic], CreatedAt);
        list.Entry[0].Extension[0].RemoveExtension("decision");

        var outcome = ProfileValidator.Validate(list);

        Assert.Contains(outcome.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Error);
    }

    private static string Write(WorklistFormat format, params WorklistLine[] lines)
    {
        using var stream = new MemoryStream();
        using (var writer = new WorklistWriter(stream, format, CreatedAt, keepLines: false))
        {
            foreach (var line in lines)
            {
                writer.Write(line);
            }

            writer.Complete();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
