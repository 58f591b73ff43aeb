namespace Valvuloplasty.Fhir.Data.Fhir;

/// <summary>
/// The FHIR elements the rules read, and nothing else: the record as the mapper sees it. Two readers fill these
/// types from the same JSON: <see cref="Utf8ResourceReader"/> straight from the bytes (the hook's hot path, no
/// object per element), and <see cref="FirelyResourceAdapter"/> from a Firely POCO (the sandbox's store, and the
/// oracle a parity test holds the first one to). Values are kept as the JSON had them: a code is its raw string,
/// a date its text; anything of the wrong JSON shape is simply absent, as Firely's lenient reading leaves it.
/// </summary>
public sealed record FhirCoding(string? System, string? Code, string? Display);

/// <summary>A CodeableConcept: its codings (in order) and text.</summary>
public sealed record FhirConcept(IReadOnlyList<FhirCoding> Coding, string? Text)
{
    public static readonly FhirConcept Empty = new([], null);
}

/// <summary>What a <c>value[x]</c> (or <c>probability[x]</c>, <c>medication[x]</c>) held.</summary>
public enum FhirValueKind
{
    None,
    Quantity,
    WholeNumber,
    DecimalNumber,
    Text,
    Code,
    Concept,
    Other,
}

/// <summary>
/// A <c>value[x]</c>. <see cref="Number"/> is the number of a Quantity, integer or decimal when it was a usable JSON
/// number (a string where a number belongs leaves it null); <see cref="Text"/> the string of a valueString or
/// valueCode; the Quantity's comparator, unit, system and code as written.
/// </summary>
public sealed record FhirValue(FhirValueKind Kind)
{
    public static readonly FhirValue None = new(FhirValueKind.None);

    public decimal? Number { get; init; }

    public string? Comparator { get; init; }

    public string? Unit { get; init; }

    public string? System { get; init; }

    public string? UnitCode { get; init; }

    public string? Text { get; init; }

    public FhirConcept? Concept { get; init; }
}

/// <summary>What a time element (<c>effective[x]</c>, <c>onset[x]</c>, <c>performed[x]</c>, <c>occurrence[x]</c>) held.</summary>
public enum FhirTimeKind
{
    /// <summary>A dateTime or date: <see cref="FhirTime.Text"/>.</summary>
    DateTime,

    /// <summary>An instant: <see cref="FhirTime.Instant"/> when it parsed, else <see cref="FhirTime.Text"/>.</summary>
    Instant,

    /// <summary>A Period: <see cref="FhirTime.Start"/> and <see cref="FhirTime.End"/> (dateTimes).</summary>
    Period,

    /// <summary>Anything else (an Age, a Range, a string, a Timing): no usable time.</summary>
    Other,
}

public sealed record FhirTime(FhirTimeKind Kind, string? Text = null, DateTimeOffset? Instant = null, string? Start = null, string? End = null)
{
    public static readonly FhirTime Unusable = new(FhirTimeKind.Other);
}

/// <summary>One resource of the record: its type, id and the subject reference it names (when it has one).</summary>
public abstract record RecordItem(string Type, string? Id)
{
    /// <summary><c>subject.reference</c> as written (Patient: none).</summary>
    public string? Subject { get; init; }

    private string? _reference;

    /// <summary><c>Type/id</c>, the form every card uses to cite its evidence (made once).</summary>
    public string Reference => _reference ??= string.IsNullOrEmpty(Id) ? $"{Type} (no id)" : $"{Type}/{Id}";
}

public sealed record PatientItem(string? Id) : RecordItem("Patient", Id)
{
    public string? Gender { get; init; }

    /// <summary><c>birthDate</c> as written.</summary>
    public string? BirthDate { get; init; }

    /// <summary><c>deceasedBoolean</c> true, or any <c>deceasedDateTime</c>.</summary>
    public bool Deceased { get; init; }
}

public sealed record ConditionItem(string? Id) : RecordItem("Condition", Id)
{
    /// <summary>The code strings of <c>clinicalStatus</c>, whatever their system.</summary>
    public IReadOnlyList<string> ClinicalStatus { get; init; } = [];

    public IReadOnlyList<string> VerificationStatus { get; init; } = [];

    public FhirConcept? Code { get; init; }

    public FhirConcept? Severity { get; init; }

    public FhirTime? Onset { get; init; }

    public string? RecordedDate { get; init; }
}

/// <summary>An Observation component: its own code, value and dataAbsentReason.</summary>
public sealed record ComponentItem(FhirConcept? Code, FhirValue Value, bool DataAbsent);

public sealed record ObservationItem(string? Id) : RecordItem("Observation", Id)
{
    public string? Status { get; init; }

    public FhirConcept? Code { get; init; }

    public FhirTime? Effective { get; init; }

    /// <summary><c>issued</c> (an instant).</summary>
    public FhirTime? Issued { get; init; }

    public FhirValue Value { get; init; } = FhirValue.None;

    public bool DataAbsent { get; init; }

    public IReadOnlyList<ComponentItem> Components { get; init; } = [];
}

public sealed record ProcedureItem(string? Id) : RecordItem("Procedure", Id)
{
    public string? Status { get; init; }

    public FhirConcept? Code { get; init; }

    public FhirTime? Performed { get; init; }
}

public sealed record ServiceRequestItem(string? Id) : RecordItem("ServiceRequest", Id)
{
    public string? Status { get; init; }

    public string? Priority { get; init; }

    public FhirConcept? Code { get; init; }

    public IReadOnlyList<FhirConcept> Category { get; init; } = [];

    public FhirTime? Occurrence { get; init; }
}

public sealed record MedicationItem(string? Id) : RecordItem("Medication", Id)
{
    public FhirConcept? Code { get; init; }

    /// <summary>The ingredients named by a CodeableConcept (<c>itemCodeableConcept</c>).</summary>
    public IReadOnlyList<FhirConcept> Ingredients { get; init; } = [];
}

public sealed record MedicationRequestItem(string? Id) : RecordItem("MedicationRequest", Id)
{
    public string? Status { get; init; }

    /// <summary><c>medicationCodeableConcept</c>.</summary>
    public FhirConcept? MedicationConcept { get; init; }

    /// <summary>True when the medication is a <c>medicationReference</c> (then <see cref="MedicationReference"/> and <see cref="MedicationDisplay"/>).</summary>
    public bool ByReference { get; init; }

    public string? MedicationReference { get; init; }

    public string? MedicationDisplay { get; init; }

    /// <summary>Contained Medications (a <c>#id</c> reference points at them).</summary>
    public IReadOnlyList<MedicationItem> Contained { get; init; } = [];
}

/// <summary>One prediction of a RiskAssessment: its outcome and <c>probabilityDecimal</c>.</summary>
public sealed record PredictionItem(FhirConcept? Outcome, decimal? Probability);

public sealed record RiskAssessmentItem(string? Id) : RecordItem("RiskAssessment", Id)
{
    public string? Status { get; init; }

    public FhirConcept? Code { get; init; }

    public FhirConcept? Method { get; init; }

    public FhirTime? Occurrence { get; init; }

    public IReadOnlyList<PredictionItem> Predictions { get; init; } = [];
}

/// <summary>An OperationOutcome: the severities of its issues (a search's warnings, or a failure report).</summary>
public sealed record OperationOutcomeItem(string? Id) : RecordItem("OperationOutcome", Id)
{
    public IReadOnlyList<string?> Severities { get; init; } = [];
}

/// <summary>Any other resource type (a Practitioner, an Encounter): known by its type and id only.</summary>
public sealed record OtherItem(string Type, string? Id) : RecordItem(Type, Id);
