using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;

namespace Valvuloplasty.Fhir.Data.Fhir;

/// <summary>
/// A Firely resource (read leniently, so an element may hold a raw value of the wrong shape) as the
/// <see cref="RecordItem"/> the mapper reads. Used where resources already exist as Firely objects (the sandbox's
/// store, the FHIR endpoint's summaries) and as the oracle the byte-level <see cref="Utf8ResourceReader"/> is tested
/// against: Firely's reading of the same JSON, through this adapter, must give the same facts.
/// </summary>
public static class FirelyResourceAdapter
{
    public static RecordItem From(Resource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return resource switch
        {
            Patient p => new PatientItem(p.Id)
            {
                Gender = Raw(p.GenderElement),
                BirthDate = Raw(p.BirthDateElement),
                Deceased = Try<DataType>(() => p.Deceased) switch
                {
                    FhirBoolean b => b.JsonValue is true,
                    FhirDateTime => true,
                    _ => false,
                },
            },
            Condition c => new ConditionItem(c.Id)
            {
                Subject = c.Subject?.Reference,
                ClinicalStatus = CodeStrings(c.ClinicalStatus),
                VerificationStatus = CodeStrings(c.VerificationStatus),
                Code = Concept(c.Code),
                Severity = Concept(c.Severity),
                Onset = Time(Try<DataType>(() => c.Onset)),
                RecordedDate = Raw(c.RecordedDateElement),
            },
            Observation o => new ObservationItem(o.Id)
            {
                Subject = o.Subject?.Reference,
                Status = Raw(o.StatusElement),
                Code = Concept(o.Code),
                Effective = Time(Try<DataType>(() => o.Effective)),
                Issued = o.IssuedElement is null ? null : Time(o.IssuedElement),
                Value = Value(Try<DataType>(() => o.Value)),
                DataAbsent = o.DataAbsentReason is not null,
                Components = [.. o.Component.Select(k => new ComponentItem(Concept(k.Code), Value(Try<DataType>(() => k.Value)), k.DataAbsentReason is not null))],
            },
            Procedure p => new ProcedureItem(p.Id)
            {
                Subject = p.Subject?.Reference,
                Status = Raw(p.StatusElement),
                Code = Concept(p.Code),
                Performed = Time(Try<DataType>(() => p.Performed)),
            },
            ServiceRequest s => new ServiceRequestItem(s.Id)
            {
                Subject = s.Subject?.Reference,
                Status = Raw(s.StatusElement),
                Priority = Raw(s.PriorityElement),
                Code = Concept(s.Code),
                Category = [.. (Try(() => s.Category) ?? []).Select(Concept).OfType<FhirConcept>()],
                Occurrence = Time(Try<DataType>(() => s.Occurrence)),
            },
            MedicationRequest m => MedicationRequest(m),
            Medication m => Medication(m),
            RiskAssessment r => new RiskAssessmentItem(r.Id)
            {
                Subject = r.Subject?.Reference,
                Status = Raw(r.StatusElement),
                Code = Concept(r.Code),
                Method = Concept(r.Method),
                Occurrence = Time(Try<DataType>(() => r.Occurrence)),
                Predictions = [.. r.Prediction.Select(p => new PredictionItem(Concept(p.Outcome), Try<DataType>(() => p.Probability) is FhirDecimal d ? Decimal(d.JsonValue) : null))],
            },
            OperationOutcome o => new OperationOutcomeItem(o.Id) { Severities = [.. o.Issue.Select(i => Raw(i.SeverityElement))] },
            _ => new OtherItem(resource.TypeName, resource.Id),
        };
    }

    private static MedicationRequestItem MedicationRequest(MedicationRequest request)
    {
        var medication = Try<DataType>(() => request.Medication);
        var reference = medication as ResourceReference;
        return new MedicationRequestItem(request.Id)
        {
            Subject = request.Subject?.Reference,
            Status = Raw(request.StatusElement),
            MedicationConcept = medication is CodeableConcept concept ? Concept(concept) : null,
            ByReference = reference is not null,
            MedicationReference = reference?.Reference,
            MedicationDisplay = reference?.Display,
            Contained = [.. request.Contained.OfType<Medication>().Select(Medication)],
        };
    }

    private static MedicationItem Medication(Medication medication) => new(medication.Id)
    {
        Code = Concept(medication.Code),
        Ingredients = [.. medication.Ingredient.Select(i => Try<DataType>(() => i.Item) as CodeableConcept).OfType<CodeableConcept>().Select(Concept).OfType<FhirConcept>()],
    };

    /// <summary>The raw string of a primitive (a code that is not in its value set stays as written), or null.</summary>
    private static string? Raw(PrimitiveType? element) => element?.JsonValue as string;

    private static FhirConcept? Concept(CodeableConcept? concept) =>
        concept is null ? null : new FhirConcept([.. concept.Coding.Select(c => new FhirCoding(c.System, Raw(c.CodeElement), c.Display))], concept.Text);

    private static List<string> CodeStrings(CodeableConcept? concept) =>
        concept?.Coding.Select(c => Raw(c.CodeElement)).OfType<string>().ToList() ?? [];

    private static FhirTime? Time(DataType? value) => value switch
    {
        null => null,
        // A primitive with only an extension (_effectiveDateTime without effectiveDateTime) has no value: no time.
        FhirDateTime dt => dt.Value is { } text ? new FhirTime(FhirTimeKind.DateTime, text) : null,
        Date d => d.Value is { } text ? new FhirTime(FhirTimeKind.DateTime, text) : null,
        Instant i => i.Value is { } at ? new FhirTime(FhirTimeKind.Instant, Instant: at) : i.JsonValue is string raw ? new FhirTime(FhirTimeKind.Instant, raw) : null,
        Period p => new FhirTime(FhirTimeKind.Period, Start: p.StartElement?.Value, End: p.EndElement?.Value),
        _ => FhirTime.Unusable,
    };

    private static FhirValue Value(DataType? value) => value switch
    {
        null => FhirValue.None,

        // A primitive with only an extension (_valueString without valueString) holds no value.
        PrimitiveType { JsonValue: null } => FhirValue.None,
        Quantity q => new FhirValue(FhirValueKind.Quantity)
        {
            Number = Decimal(q.ValueElement?.JsonValue),
            Comparator = Raw(q.ComparatorElement),
            Unit = q.Unit,
            System = q.System,
            UnitCode = Raw(q.CodeElement),
        },
        Integer i => new FhirValue(FhirValueKind.WholeNumber)
        {
            Number = i.JsonValue switch
            {
                int n => n,
                long l when l is >= int.MinValue and <= int.MaxValue => l,
                _ => null,
            },
        },
        FhirDecimal d => new FhirValue(FhirValueKind.DecimalNumber) { Number = Decimal(d.JsonValue) },
        FhirString s => new FhirValue(FhirValueKind.Text) { Text = s.Value },
        Code c => new FhirValue(FhirValueKind.Code) { Text = Raw(c) },
        CodeableConcept cc => new FhirValue(FhirValueKind.Concept) { Concept = Concept(cc) },
        _ => new FhirValue(FhirValueKind.Other),
    };

    private static decimal? Decimal(object? raw) => raw switch
    {
        decimal d => d,
        double d when double.IsFinite(d) && Math.Abs(d) < 1e15 => (decimal)d,
        long l => l,
        int i => i,
        _ => null,
    };

    /// <summary>Runs a read that may throw on a malformed element and turns the failure into null.</summary>
    private static T? Try<T>(Func<T?> read) where T : class
    {
        try
        {
            return read();
        }
        catch (CodedException)
        {
            return null;
        }
        catch (InvalidCastException)
        {
            return null;
        }
    }
}
