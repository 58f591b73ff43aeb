using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Valvuloplasty.Fhir.Data.Worklist;

namespace Valvuloplasty.Fhir.Worklist;

/// <summary>The output formats of a worklist.</summary>
public enum WorklistFormat
{
    /// <summary>One JSON object per patient and valve (the card contract plus summary, evidence, next steps).</summary>
    Ndjson,

    /// <summary>The same columns for a spreadsheet (RFC 4180).</summary>
    Csv,

    /// <summary>A FHIR R4 List: one entry per patient, each valve's assessment as an extension.</summary>
    Fhir,
}

/// <summary>Writes worklist lines as they come (NDJSON, CSV) or at the end (a FHIR List needs them all).</summary>
public sealed class WorklistWriter : IDisposable
{
    /// <summary>The extension that carries one valve's assessment on a List entry (profiles/StructureDefinition-worklist-assessment.json).</summary>
    public const string AssessmentExtension = "http://example.org/fhir/valvuloplasty-cds/StructureDefinition/worklist-assessment";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonSerializerOptions FhirIndented = new JsonSerializerOptions { WriteIndented = true }.ForFhir(ModelInfo.ModelInspector);

    private readonly StreamWriter _out;
    private readonly WorklistFormat _format;
    private readonly List<WorklistLine> _all = [];
    private readonly DateTimeOffset _createdAt;

    private readonly bool _keep;

    /// <param name="keepLines">Keep every line for <see cref="Lines"/> (to store the run); a FHIR List keeps them anyway.</param>
    public WorklistWriter(Stream output, WorklistFormat format, DateTimeOffset createdAt, bool keepLines = true)
    {
        _keep = keepLines || format == WorklistFormat.Fhir;
        _out = new StreamWriter(output, new UTF8Encoding(false), 1 << 16);
        _format = format;
        _createdAt = createdAt;
        if (format == WorklistFormat.Csv)
        {
            _out.Write("patientId,valve,decision,bridgeToTavr,codes,summary,evidence,nextSteps\n");
        }
    }

    /// <summary>Every line written, when kept (for the store and the FHIR List); empty otherwise.</summary>
    public IReadOnlyList<WorklistLine> Lines => _all;

    public void Write(WorklistLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (_keep)
        {
            _all.Add(line);
        }

        switch (_format)
        {
            case WorklistFormat.Ndjson:
                _out.Write(JsonSerializer.Serialize(line, Json));
                _out.Write('\n');
                break;
            case WorklistFormat.Csv:
                _out.Write(string.Join(',', new[]
                {
                    line.PatientId, line.Valve, line.Decision, line.BridgeToTavr ?? "", string.Join(' ', line.Codes), line.Summary,
                    string.Join("; ", line.Evidence.Select(EvidenceText)),
                    string.Join(" | ", line.NextSteps),
                }.Select(Csv)));
                _out.Write('\n');
                break;
            case WorklistFormat.Fhir:
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(line), _format, "Unknown format.");
        }
    }

    /// <summary>Finishes the output (the FHIR List is written here).</summary>
    public void Complete()
    {
        if (_format == WorklistFormat.Fhir)
        {
            _out.Write(JsonSerializer.Serialize(ToList(_all, _createdAt), FhirIndented));
            _out.Write('\n');
        }

        _out.Flush();
    }

    /// <summary>
    /// The worklist as a FHIR List (status current, mode snapshot): one entry per patient, ordered by id, each valve's
    /// assessment a complex extension (valve, decision, bridge to TAVR, item codes, summary).
    /// </summary>
    public static List ToList(IEnumerable<WorklistLine> lines, DateTimeOffset createdAt)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var list = new List
        {
            Status = List.ListStatus.Current,
            Mode = ListMode.Snapshot,
            Title = "Structural heart worklist: balloon valvuloplasty and bridge to TAVR",
            Date = createdAt.ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture),
            Code = new CodeableConcept { Text = "Valvuloplasty.Fhir population worklist" },
        };
        foreach (var patient in lines.GroupBy(l => l.PatientId).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var entry = new List.EntryComponent { Item = new ResourceReference($"Patient/{patient.Key}") };
            foreach (var line in patient)
            {
                var assessment = new Extension { Url = AssessmentExtension };
                assessment.Extension.Add(new Extension("valve", new Code(line.Valve)));
                assessment.Extension.Add(new Extension("decision", new Code(line.Decision)));
                if (line.BridgeToTavr is { } bridge)
                {
                    assessment.Extension.Add(new Extension("bridgeToTavr", new Code(bridge)));
                }

                foreach (var code in line.Codes)
                {
                    assessment.Extension.Add(new Extension("code", new Code(code)));
                }

                assessment.Extension.Add(new Extension("summary", new FhirString(line.Summary)));
                entry.Extension.Add(assessment);
            }

            list.Entry.Add(entry);
        }

        return list;
    }

    /// <summary>One piece of evidence in a cell: name, value and unit when measured, date, source.</summary>
    private static string EvidenceText(WorklistEvidence e) =>
        string.Join(' ', new[] { e.Name, e.Value?.ToString(CultureInfo.InvariantCulture), e.Value is null ? null : e.Unit, $"({e.Date})", $"[{e.Reference}]" }.Where(p => !string.IsNullOrEmpty(p)));

    /// <summary>
    /// One RFC 4180 cell. A value a spreadsheet would run as a formula (a patient id or text from the record starting
    /// with =, +, -, @, tab or CR) is prefixed with an apostrophe, so opening the worklist never runs the record's text.
    /// </summary>
    public static string Csv(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\n', '\r']) < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    public void Dispose() => _out.Dispose();
}
