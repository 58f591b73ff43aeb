using Valvuloplasty.Fhir.Rules.Content;
using Valvuloplasty.Fhir.Rules.Facts;

namespace Valvuloplasty.Fhir.Rules.Engine;

/// <summary>Collects the pieces of one valve's assessment while its rules run, then freezes them.</summary>
internal sealed class AssessmentBuilder(Valve valve)
{
    private readonly List<Statement> _statements = [];
    private readonly List<string> _codes = [];
    private readonly List<Measurement> _evidence = [];
    private readonly List<DataNote> _notes = [];
    private readonly List<NextStep> _nextSteps = [];
    private readonly List<string> _citations = [];

    public Valve Valve => valve;
    public bool Pediatric { get; set; }
    public bool Contraindicated { get; set; }

    public AssessmentBuilder Say(Statement statement)
    {
        _statements.Add(statement);
        return this;
    }

    public AssessmentBuilder Code(string code)
    {
        if (!_codes.Contains(code))
        {
            _codes.Add(code);
        }

        return this;
    }

    public AssessmentBuilder Evidence(Measurement? measurement)
    {
        if (measurement is not null && !_evidence.Contains(measurement))
        {
            _evidence.Add(measurement);
            if (measurement.ConvertedFrom is not null)
            {
                Code(ItemCodes.WarnUnitsConverted);
            }
        }

        return this;
    }

    public AssessmentBuilder Evidence(IEnumerable<Measurement> measurements)
    {
        foreach (var m in measurements)
        {
            Evidence(m);
        }

        return this;
    }

    public AssessmentBuilder Notes(IEnumerable<DataNote> notes)
    {
        foreach (var note in notes)
        {
            _notes.Add(note);
            Code(note.Code);
        }

        return this;
    }

    public AssessmentBuilder Next(NextStep step)
    {
        if (!_nextSteps.Contains(step))
        {
            _nextSteps.Add(step);
        }

        return this;
    }

    /// <summary>Removes a next step another rule added (e.g. the TAVR evaluation when TAVR is already planned).</summary>
    public AssessmentBuilder Drop(NextStep step)
    {
        _nextSteps.Remove(step);
        return this;
    }

    public bool Proposes(NextStep step) => _nextSteps.Contains(step);

    public AssessmentBuilder Cite(string citationId)
    {
        if (!_citations.Contains(citationId))
        {
            _citations.Add(citationId);
        }

        return this;
    }

    public ValveAssessment Build(Decision decision, Statement decisive, BridgeToTavr? bridge = null) =>
        new(valve, decision, bridge, decisive, [.. _statements], [.. _codes], [.. _evidence], [.. _notes],
            [.. _nextSteps], [.. _citations], Pediatric, Contraindicated);
}
