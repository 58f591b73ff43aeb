using Valvuloplasty.Fhir.Rules.Engine;
using Valvuloplasty.Fhir.Rules.Facts;
using Valvuloplasty.Fhir.Rules.Valves;

namespace Valvuloplasty.Fhir.UnitTests.Support;

/// <summary>Builds <see cref="PatientFacts"/> in one line per fact, relative to a fixed <see cref="AsOf"/>.</summary>
public sealed class FactsBuilder
{
    public static readonly DateTimeOffset AsOf = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    private readonly List<StenosisDiagnosis> _stenoses = [];
    private readonly List<RegurgitationFinding> _regurgitations = [];
    private readonly List<ClinicalFinding> _findings = [];
    private readonly List<Measurement> _measurements = [];
    private readonly List<CodedObservation> _coded = [];
    private readonly List<ProcedureFact> _procedures = [];
    private readonly List<OrderFact> _orders = [];
    private readonly List<AnticoagulantFact> _anticoagulants = [];
    private readonly List<DataNote> _notes = [];
    private DateOnly? _birthDate = DateOnly.FromDateTime(AsOf.UtcDateTime).AddYears(-80);
    private bool _deceased;
    private Sex _sex = Valvuloplasty.Fhir.Rules.Facts.Sex.Unknown;
    private int _sequence;

    public static DateTimeOffset DaysAgo(int days) => AsOf.AddDays(-days);

    public FactsBuilder Age(int years, int extraDays = 0)
    {
        _birthDate = DateOnly.FromDateTime(AsOf.UtcDateTime).AddYears(-years).AddDays(-extraDays);
        return this;
    }

    public FactsBuilder NoBirthDate()
    {
        _birthDate = null;
        return this;
    }

    public FactsBuilder Sex(Valvuloplasty.Fhir.Rules.Facts.Sex sex)
    {
        _sex = sex;
        return this;
    }

    public FactsBuilder Deceased()
    {
        _deceased = true;
        return this;
    }

    public FactsBuilder Stenosis(Valve valve, bool confirmed = true, bool nonRheumatic = false)
    {
        _stenoses.Add(new StenosisDiagnosis(valve, confirmed, $"{valve} stenosis", Next("Condition"), DaysAgo(400), nonRheumatic));
        return this;
    }

    public FactsBuilder Regurgitation(Valve valve, SeverityGrade? grade)
    {
        _regurgitations.Add(new RegurgitationFinding(valve, grade, Next("Condition")));
        return this;
    }

    public FactsBuilder Finding(FindingKind kind, int daysAgo = 10)
    {
        _findings.Add(new ClinicalFinding(kind, DaysAgo(daysAgo), Next("Condition")));
        return this;
    }

    public FactsBuilder Measure(MeasurementKind kind, decimal value, int daysAgo = 10, bool preliminary = false, RecordedValue? convertedFrom = null)
    {
        _measurements.Add(new Measurement(kind, value, Valvuloplasty.Fhir.Data.Mapping.UnitNormalizer.CanonicalUnit(kind), DaysAgo(daysAgo), Next("Observation"), preliminary, convertedFrom));
        return this;
    }

    /// <summary>A value recorded as a bound (<c>valueQuantity.comparator</c>).</summary>
    public FactsBuilder Bounded(MeasurementKind kind, Bound bound, decimal value, int daysAgo = 10)
    {
        _measurements.Add(new Measurement(kind, value, Valvuloplasty.Fhir.Data.Mapping.UnitNormalizer.CanonicalUnit(kind), DaysAgo(daysAgo), Next("Observation"), Comparator: bound));
        return this;
    }

    /// <summary>A severe high-gradient aortic study (Vmax 4.5, MG 48, AVA 0.7, LVEF 60).</summary>
    public FactsBuilder SevereAorticEcho(int daysAgo = 10) =>
        Measure(MeasurementKind.AorticVmax, 4.5m, daysAgo)
            .Measure(MeasurementKind.AorticMeanGradient, 48m, daysAgo)
            .Measure(MeasurementKind.AorticValveArea, 0.7m, daysAgo)
            .Measure(MeasurementKind.Lvef, 60m, daysAgo);

    public FactsBuilder Coded(CodedKind kind, string answer, int daysAgo = 10)
    {
        _coded.Add(new CodedObservation(kind, answer, DaysAgo(daysAgo), Next("Observation")));
        return this;
    }

    public FactsBuilder Nyha(string roman, int daysAgo = 10) => Coded(CodedKind.NyhaClass, roman, daysAgo);

    public FactsBuilder Sts(decimal percent, int daysAgo = 10) => Measure(MeasurementKind.StsProm, percent, daysAgo);

    public FactsBuilder Procedure(ProcedureKind kind, bool completed = true, int daysAgo = 10)
    {
        _procedures.Add(new ProcedureFact(kind, completed, DaysAgo(daysAgo), Next("Procedure")));
        return this;
    }

    public FactsBuilder Order(ProcedureKind? kind, string status = "active", bool surgical = false, bool urgent = false, bool cardiac = false, int? inDays = 5)
    {
        _orders.Add(Draft(kind, status, surgical, urgent, cardiac, inDays, isDraft: false));
        return this;
    }

    public FactsBuilder Anticoagulant(string name = "apixaban 5 MG Oral Tablet", bool noac = true)
    {
        _anticoagulants.Add(new AnticoagulantFact(name, noac ? AnticoagulantClass.Noac : AnticoagulantClass.VitaminKAntagonist, Next("MedicationRequest")));
        return this;
    }

    public FactsBuilder Note(string code, MeasurementKind? kind)
    {
        _notes.Add(new DataNote(code, NoteKind.Implausible, Next("Observation"), kind) { Value = 1m, Unit = "1", Min = 2m, Max = 3m });
        return this;
    }

    public static OrderFact Draft(ProcedureKind? kind, string status = "draft", bool surgical = false, bool urgent = false, bool cardiac = false, int? inDays = null, bool isDraft = true) =>
        new(kind, status, isDraft, surgical, urgent, cardiac || kind is not null, inDays is { } d ? AsOf.AddDays(d) : null,
            $"ServiceRequest/{kind?.ToString().ToLowerInvariant() ?? "other"}-{Guid.NewGuid():N}", kind?.ToString() ?? "Other order");

    public PatientFacts Build() => new()
    {
        PatientReference = "Patient/p1",
        BirthDate = _birthDate,
        Deceased = _deceased,
        Sex = _sex,
        Stenoses = [.. _stenoses],
        Regurgitations = [.. _regurgitations],
        Findings = [.. _findings],
        Measurements = [.. _measurements],
        CodedObservations = [.. _coded],
        Procedures = [.. _procedures],
        Orders = [.. _orders],
        Anticoagulants = [.. _anticoagulants],
        Notes = [.. _notes],
    };

    /// <summary>Runs the aortic rules with the default options.</summary>
    public AorticResult? Aortic(RuleOptions? options = null)
    {
        var facts = Build();
        return AorticRules.Assess(facts, ClinicalPicture.From(facts, AsOf), AsOf, options ?? new RuleOptions());
    }

    public Evaluation Evaluate(HookKind hook = HookKind.PatientView, params OrderFact[] drafts) =>
        RuleCatalog.Evaluate(Build(), drafts, hook, AsOf, new RuleOptions());

    private string Next(string type) => $"{type}/{++_sequence}";
}
