namespace Valvuloplasty.Fhir.Rules.Facts;

/// <summary>
/// A value recorded as a bound (<c>valueQuantity.comparator</c>): the true value is below or above
/// <see cref="Measurement.Value"/>. It decides a threshold only when the bound lies on the threshold's far side.
/// </summary>
public enum Bound
{
    LessThan,
    LessOrEqual,
    GreaterOrEqual,
    GreaterThan,
}

/// <summary>A value as the record wrote it, before a unit conversion (unit <c>1</c> or empty: a fraction where a percentage belongs).</summary>
public sealed record RecordedValue(decimal Value, string Unit);

/// <summary>
/// A numeric measurement after normalisation: the value is in the canonical unit of its kind.
/// <paramref name="Source"/> is the FHIR reference it came from (e.g. <c>Observation/abc</c>).
/// <paramref name="ConvertedFrom"/> holds the original value and unit when a conversion was applied.
/// <paramref name="Comparator"/> marks a value recorded as a bound (<c>&lt; 0.8 cm²</c>).
/// <paramref name="DateAsRecorded"/> holds a partial date (<c>2026</c>, <c>2026-03</c>) as written; then
/// <paramref name="EffectiveAt"/> is the latest day it allows, the date freshness is judged on.
/// Observations without any date never become measurements: the mapping records a note instead.
/// </summary>
public sealed record Measurement(
    MeasurementKind Kind,
    decimal Value,
    string Unit,
    DateTimeOffset EffectiveAt,
    string Source,
    bool Preliminary = false,
    RecordedValue? ConvertedFrom = null,
    Bound? Comparator = null,
    string? DateAsRecorded = null);

/// <summary>A coded observation (NYHA class, local morphology codes) with its normalised answer.</summary>
public sealed record CodedObservation(
    CodedKind Kind,
    string Answer,
    DateTimeOffset EffectiveAt,
    string Source);

/// <summary>A qualifying stenosis diagnosis for one valve (docs/clinical-rules.md §2).</summary>
/// <param name="Confirmed">False for unconfirmed/provisional/differential: the decision is then insufficient-data.</param>
/// <param name="NonRheumatic">The code is a non-rheumatic mitral stenosis (e.g. ICD-10-CM I34.2).</param>
public sealed record StenosisDiagnosis(
    Valve Valve,
    bool Confirmed,
    string Display,
    string Source,
    DateTimeOffset? Onset = null,
    bool NonRheumatic = false);

/// <summary>A regurgitation diagnosis for one valve, with its severity when recorded.</summary>
public sealed record RegurgitationFinding(Valve Valve, SeverityGrade? Severity, string Source);

/// <summary>Any other active, relevant Condition.</summary>
public sealed record ClinicalFinding(FindingKind Kind, DateTimeOffset? Onset, string Source);

/// <summary>A Procedure (completed or not) the rules care about.</summary>
public sealed record ProcedureFact(ProcedureKind Kind, bool Completed, DateTimeOffset? PerformedAt, string Source);

/// <summary>
/// A ServiceRequest from the record or the hook's draft orders.
/// <paramref name="Kind"/> is null for orders that are none of the recognised procedures.
/// </summary>
public sealed record OrderFact(
    ProcedureKind? Kind,
    string Status,
    bool IsDraftOrder,
    bool SurgicalCategory,
    bool Urgent,
    bool Cardiac,
    DateTimeOffset? OccurrenceAt,
    string Source,
    string Display);

/// <summary>The kind of anticoagulant, which decides how a procedure plan is worded (docs/clinical-rules.md §7).</summary>
public enum AnticoagulantClass
{
    /// <summary>Non-vitamin-K oral anticoagulant (apixaban, rivaroxaban, dabigatran, edoxaban).</summary>
    Noac,
    /// <summary>Vitamin K antagonist (warfarin): managed by INR.</summary>
    VitaminKAntagonist,
    /// <summary>Unfractionated or low-molecular-weight heparin.</summary>
    Heparin,
}

/// <summary>An active (or on-hold) anticoagulant prescription.</summary>
/// <param name="OnHold">The order is on hold: the drug is paused and meant to resume, so a procedure plan must still cover it.</param>
public sealed record AnticoagulantFact(string Name, AnticoagulantClass Class, string Source, bool OnHold = false)
{
    public bool IsNoac => Class == AnticoagulantClass.Noac;
}

/// <summary>Administrative sex as the Patient records it (FHIR <c>Patient.gender</c>).</summary>
public enum Sex
{
    Unknown,
    Female,
    Male,
    Other,
}

/// <summary>What a data note is about; the card renderer words each kind.</summary>
public enum NoteKind
{
    /// <summary>A measurement without an effective date or issued time.</summary>
    NoDate,
    /// <summary>A measurement without a numeric value.</summary>
    NoValue,
    /// <summary>A comparator outside &lt; &lt;= &gt;= &gt;.</summary>
    UnknownComparator,
    /// <summary>A unit that is not a unit of the measurement's dimension (<see cref="DataNote.Value"/>, <see cref="DataNote.Unit"/>).</summary>
    UnknownUnit,
    /// <summary>A value outside the plausible range (<see cref="DataNote.Value"/> in the canonical unit, <see cref="DataNote.Min"/>–<see cref="DataNote.Max"/>).</summary>
    Implausible,
    /// <summary>Dated more than a day in the future (<see cref="DataNote.Detail"/>: the date as recorded).</summary>
    FutureDate,
    /// <summary>A whole prefetch key could not be obtained (<see cref="DataNote.Key"/>).</summary>
    KeyUnavailable,
    /// <summary>Part of a key could not be used (<see cref="DataNote.Items"/>: the problems).</summary>
    KeyPartlyUnused,
    /// <summary>One resource could not be read and was skipped.</summary>
    ResourceUnreadable,
    /// <summary>MedicationRequests whose medication was sent nowhere (<see cref="DataNote.Items"/>: their references).</summary>
    MedicationUnresolved,
}

/// <summary>
/// Something the mapping noticed about the data that the clinician should see: a rejected value, a key that could
/// not be read. <paramref name="Code"/> is a card item code (e.g. <c>warn-unknown-unit</c>); <paramref name="Measurement"/>
/// ties it to a measurement kind when it has one (the note then goes on that valve's card only). No wording here:
/// the card renderer words each <see cref="NoteKind"/>.
/// </summary>
public sealed record DataNote(string Code, NoteKind Kind, string? Source = null, MeasurementKind? Measurement = null)
{
    /// <summary>What the note is about when it is not a measurement (e.g. "NYHA class").</summary>
    public CodedKind? Coded { get; init; }

    /// <summary>The rejected value: as recorded (unknown unit) or in the canonical unit (implausible).</summary>
    public decimal? Value { get; init; }

    /// <summary>The unit of <see cref="Value"/>.</summary>
    public string? Unit { get; init; }

    /// <summary>The plausible range of the measurement (implausible values).</summary>
    public decimal? Min { get; init; }

    public decimal? Max { get; init; }

    /// <summary>The prefetch key a key note is about.</summary>
    public string? Key { get; init; }

    /// <summary>A date as recorded (future dates).</summary>
    public string? Detail { get; init; }

    /// <summary>Problems or references the note lists (never resource content).</summary>
    public IReadOnlyList<string> Items { get; init; } = [];
}

/// <summary>
/// Everything the rules know about one patient, already mapped from FHIR and normalised.
/// Built by the Data project; the rules never see FHIR.
/// </summary>
public sealed record PatientFacts
{
    public string PatientReference { get; init; } = "Patient/unknown";

    /// <summary>
    /// The latest birth date the record allows (a partial <c>1940-03</c> is read as 1940-03-31), so
    /// <see cref="AgeOn"/> gives the age that is certain; null when there is no usable birth date.
    /// </summary>
    public DateOnly? BirthDate { get; init; }

    /// <summary>The Patient is recorded as deceased (<c>deceasedBoolean</c> true or a <c>deceasedDateTime</c>).</summary>
    public bool Deceased { get; init; }

    /// <summary><c>Patient.gender</c>, which with the age decides whether pregnancy status is asked before fluoroscopy.</summary>
    public Sex Sex { get; init; }
    public IReadOnlyList<StenosisDiagnosis> Stenoses { get; init; } = [];
    public IReadOnlyList<RegurgitationFinding> Regurgitations { get; init; } = [];
    public IReadOnlyList<ClinicalFinding> Findings { get; init; } = [];
    public IReadOnlyList<Measurement> Measurements { get; init; } = [];
    public IReadOnlyList<CodedObservation> CodedObservations { get; init; } = [];
    public IReadOnlyList<ProcedureFact> Procedures { get; init; } = [];
    public IReadOnlyList<OrderFact> Orders { get; init; } = [];
    public IReadOnlyList<AnticoagulantFact> Anticoagulants { get; init; } = [];
    public IReadOnlyList<DataNote> Notes { get; init; } = [];

    /// <summary>Age in whole years on <paramref name="asOf"/>, or null without a birth date.</summary>
    public int? AgeOn(DateOnly asOf)
    {
        if (BirthDate is not { } born)
        {
            return null;
        }

        var age = asOf.Year - born.Year;
        if (asOf < born.AddYears(age))
        {
            age--;
        }

        return age;
    }
}
