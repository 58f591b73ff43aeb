using System.Text.Json;

namespace Valvuloplasty.Fhir.Data.Fhir;

/// <summary>
/// Reads a FHIR R4 resource straight from UTF-8 JSON into the <see cref="RecordItem"/> the rules need, forward-only,
/// without building the resource's object model: each member is either one the rules read or skipped unread. As
/// lenient as the rest of the data walk: a member of the wrong JSON shape is left absent (the mapper then treats it as
/// missing), never an exception; only malformed JSON throws (<see cref="JsonException"/>, the caller's 400).
/// </summary>
public static partial class Utf8ResourceReader
{
    /// <summary>
    /// Reads the object at the reader (a resource whose <c>resourceType</c> is <paramref name="resourceType"/>) and
    /// leaves the reader on its closing brace.
    /// </summary>
    public static RecordItem Read(ref Utf8JsonReader reader, string resourceType) => resourceType switch
    {
        "Patient" => Patient(ref reader),
        "Condition" => Condition(ref reader),
        "Observation" => Observation(ref reader),
        "Procedure" => Procedure(ref reader),
        "ServiceRequest" => ServiceRequest(ref reader),
        "MedicationRequest" => MedicationRequest(ref reader),
        "Medication" => Medication(ref reader),
        "RiskAssessment" => RiskAssessment(ref reader),
        "OperationOutcome" => OperationOutcome(ref reader),
        _ => Other(ref reader, resourceType),
    };

    /// <summary>The members every clinical resource the rules read shares: its id, status and subject.</summary>
    private struct CommonMembers
    {
        public string? Id;
        public string? Status;
        public string? Subject;

        /// <summary>Reads the member at the reader when it is one of them; false (nothing read) otherwise.</summary>
        public bool Read(ref Utf8JsonReader reader)
        {
            if (reader.ValueTextEquals("id"u8))
            {
                Id = String(ref reader);
            }
            else if (reader.ValueTextEquals("status"u8))
            {
                Status = String(ref reader);
            }
            else if (reader.ValueTextEquals("subject"u8))
            {
                Subject = Reference(ref reader).Reference;
            }
            else
            {
                return false;
            }

            return true;
        }
    }

    private static PatientItem Patient(ref Utf8JsonReader reader)
    {
        string? id = null, gender = null, birthDate = null;
        var deceased = false;
        while (NextMember(ref reader))
        {
            if (reader.ValueTextEquals("id"u8))
            {
                id = String(ref reader);
            }
            else if (reader.ValueTextEquals("gender"u8))
            {
                gender = String(ref reader);
            }
            else if (reader.ValueTextEquals("birthDate"u8))
            {
                birthDate = String(ref reader);
            }
            else if (reader.ValueTextEquals("deceasedBoolean"u8))
            {
                reader.Read();
                deceased |= reader.TokenType == JsonTokenType.True;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("deceasedDateTime"u8))
            {
                // Any deceasedDateTime says the patient died, whatever its precision.
                deceased |= String(ref reader) is not null;
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new PatientItem(id) { Gender = gender, BirthDate = birthDate, Deceased = deceased };
    }

    private static ConditionItem Condition(ref Utf8JsonReader reader)
    {
        var common = default(CommonMembers);
        string? recorded = null;
        IReadOnlyList<string> clinical = [], verification = [];
        FhirConcept? code = null, severity = null;
        FhirTime? onset = null;
        while (NextMember(ref reader))
        {
            if (common.Read(ref reader))
            {
                // id, status or subject
            }
            else if (reader.ValueTextEquals("clinicalStatus"u8))
            {
                clinical = CodeStrings(Concept(ref reader));
            }
            else if (reader.ValueTextEquals("verificationStatus"u8))
            {
                verification = CodeStrings(Concept(ref reader));
            }
            else if (reader.ValueTextEquals("code"u8))
            {
                code = Concept(ref reader);
            }
            else if (reader.ValueTextEquals("severity"u8))
            {
                severity = Concept(ref reader);
            }
            else if (reader.ValueTextEquals("recordedDate"u8))
            {
                recorded = String(ref reader);
            }
            else if (Time(ref reader, "onset"u8) is { } time)
            {
                onset = time;
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new ConditionItem(common.Id)
        {
            Subject = common.Subject, ClinicalStatus = clinical, VerificationStatus = verification, Code = code, Severity = severity, Onset = onset, RecordedDate = recorded,
        };
    }

    private static ObservationItem Observation(ref Utf8JsonReader reader)
    {
        var common = default(CommonMembers);
        FhirConcept? code = null;
        FhirTime? effective = null, issued = null;
        var value = FhirValue.None;
        var absent = false;
        List<ComponentItem>? components = null;
        while (NextMember(ref reader))
        {
            if (common.Read(ref reader))
            {
                // id, status or subject
            }
            else if (reader.ValueTextEquals("code"u8))
            {
                code = Concept(ref reader);
            }
            else if (reader.ValueTextEquals("issued"u8))
            {
                issued = String(ref reader) is { } text ? InstantTime(text) : null;
            }
            else if (reader.ValueTextEquals("dataAbsentReason"u8))
            {
                absent |= IsObject(ref reader);
            }
            else if (reader.ValueTextEquals("component"u8))
            {
                components = Components(ref reader);
            }
            else if (Time(ref reader, "effective"u8) is { } time)
            {
                effective = time;
            }
            else if (Value(ref reader, "value"u8) is { } read)
            {
                value = read;
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new ObservationItem(common.Id)
        {
            Subject = common.Subject, Status = common.Status, Code = code, Effective = effective, Issued = issued, Value = value, DataAbsent = absent,
            Components = components ?? (IReadOnlyList<ComponentItem>)[],
        };
    }

    private static List<ComponentItem>? Components(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return null;
        }

        var components = new List<ComponentItem>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            FhirConcept? code = null;
            var value = FhirValue.None;
            var absent = false;
            while (NextMember(ref reader))
            {
                if (reader.ValueTextEquals("code"u8))
                {
                    code = Concept(ref reader);
                }
                else if (reader.ValueTextEquals("dataAbsentReason"u8))
                {
                    absent |= IsObject(ref reader);
                }
                else if (Value(ref reader, "value"u8) is { } read)
                {
                    value = read;
                }
                else
                {
                    SkipValue(ref reader);
                }
            }

            components.Add(new ComponentItem(code, value, absent));
        }

        return components;
    }

    private static ProcedureItem Procedure(ref Utf8JsonReader reader)
    {
        var common = default(CommonMembers);
        FhirConcept? code = null;
        FhirTime? performed = null;
        while (NextMember(ref reader))
        {
            if (common.Read(ref reader))
            {
                // id, status or subject
            }
            else if (reader.ValueTextEquals("code"u8))
            {
                code = Concept(ref reader);
            }
            else if (Time(ref reader, "performed"u8) is { } time)
            {
                performed = time;
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new ProcedureItem(common.Id) { Subject = common.Subject, Status = common.Status, Code = code, Performed = performed };
    }

    private static ServiceRequestItem ServiceRequest(ref Utf8JsonReader reader)
    {
        var common = default(CommonMembers);
        string? priority = null;
        FhirConcept? code = null;
        List<FhirConcept>? category = null;
        FhirTime? occurrence = null;
        while (NextMember(ref reader))
        {
            if (common.Read(ref reader))
            {
                // id, status or subject
            }
            else if (reader.ValueTextEquals("priority"u8))
            {
                priority = String(ref reader);
            }
            else if (reader.ValueTextEquals("code"u8))
            {
                code = Concept(ref reader);
            }
            else if (reader.ValueTextEquals("category"u8))
            {
                category = Concepts(ref reader);
            }
            else if (Time(ref reader, "occurrence"u8) is { } time)
            {
                occurrence = time;
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new ServiceRequestItem(common.Id)
        {
            Subject = common.Subject, Status = common.Status, Priority = priority, Code = code, Category = category ?? (IReadOnlyList<FhirConcept>)[], Occurrence = occurrence,
        };
    }

    private static MedicationRequestItem MedicationRequest(ref Utf8JsonReader reader)
    {
        var common = default(CommonMembers);
        FhirConcept? concept = null;
        (string? Reference, string? Display)? medication = null;
        List<MedicationItem>? contained = null;
        while (NextMember(ref reader))
        {
            if (common.Read(ref reader))
            {
                // id, status or subject
            }
            else if (reader.ValueTextEquals("medicationCodeableConcept"u8))
            {
                concept = Concept(ref reader);
            }
            else if (reader.ValueTextEquals("medicationReference"u8))
            {
                medication = Reference(ref reader) is var (reference, display, isObject) && isObject ? (reference, display) : null;
            }
            else if (reader.ValueTextEquals("contained"u8))
            {
                contained = ContainedMedications(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new MedicationRequestItem(common.Id)
        {
            Subject = common.Subject, Status = common.Status, MedicationConcept = concept,
            ByReference = medication is not null, MedicationReference = medication?.Reference, MedicationDisplay = medication?.Display,
            Contained = contained ?? (IReadOnlyList<MedicationItem>)[],
        };
    }

    private static List<MedicationItem>? ContainedMedications(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return null;
        }

        var medications = new List<MedicationItem>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.StartObject && ResourceType(reader) == "Medication")
            {
                medications.Add(Medication(ref reader));
            }
            else
            {
                reader.Skip();
            }
        }

        return medications;
    }

    private static MedicationItem Medication(ref Utf8JsonReader reader)
    {
        string? id = null;
        FhirConcept? code = null;
        List<FhirConcept>? ingredients = null;
        while (NextMember(ref reader))
        {
            if (reader.ValueTextEquals("id"u8))
            {
                id = String(ref reader);
            }
            else if (reader.ValueTextEquals("code"u8))
            {
                code = Concept(ref reader);
            }
            else if (reader.ValueTextEquals("ingredient"u8))
            {
                ingredients = Ingredients(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new MedicationItem(id) { Code = code, Ingredients = ingredients ?? (IReadOnlyList<FhirConcept>)[] };
    }

    private static List<FhirConcept>? Ingredients(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return null;
        }

        var ingredients = new List<FhirConcept>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            while (NextMember(ref reader))
            {
                if (reader.ValueTextEquals("itemCodeableConcept"u8) && Concept(ref reader) is { } item)
                {
                    ingredients.Add(item);
                }
                else
                {
                    SkipValue(ref reader);
                }
            }
        }

        return ingredients;
    }

    private static RiskAssessmentItem RiskAssessment(ref Utf8JsonReader reader)
    {
        var common = default(CommonMembers);
        FhirConcept? code = null, method = null;
        FhirTime? occurrence = null;
        List<PredictionItem>? predictions = null;
        while (NextMember(ref reader))
        {
            if (common.Read(ref reader))
            {
                // id, status or subject
            }
            else if (reader.ValueTextEquals("code"u8))
            {
                code = Concept(ref reader);
            }
            else if (reader.ValueTextEquals("method"u8))
            {
                method = Concept(ref reader);
            }
            else if (reader.ValueTextEquals("prediction"u8))
            {
                predictions = Predictions(ref reader);
            }
            else if (Time(ref reader, "occurrence"u8) is { } time)
            {
                occurrence = time;
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new RiskAssessmentItem(common.Id)
        {
            Subject = common.Subject, Status = common.Status, Code = code, Method = method, Occurrence = occurrence, Predictions = predictions ?? (IReadOnlyList<PredictionItem>)[],
        };
    }

    private static List<PredictionItem>? Predictions(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return null;
        }

        var predictions = new List<PredictionItem>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            FhirConcept? outcome = null;
            decimal? probability = null;
            while (NextMember(ref reader))
            {
                if (reader.ValueTextEquals("outcome"u8))
                {
                    outcome = Concept(ref reader);
                }
                else if (reader.ValueTextEquals("probabilityDecimal"u8))
                {
                    reader.Read();
                    probability = Decimal(ref reader);
                    reader.Skip();
                }
                else
                {
                    SkipValue(ref reader);
                }
            }

            predictions.Add(new PredictionItem(outcome, probability));
        }

        return predictions;
    }

    private static OperationOutcomeItem OperationOutcome(ref Utf8JsonReader reader)
    {
        string? id = null;
        var severities = new List<string?>();
        while (NextMember(ref reader))
        {
            if (reader.ValueTextEquals("id"u8))
            {
                id = String(ref reader);
            }
            else if (reader.ValueTextEquals("issue"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        reader.Skip();
                        continue;
                    }

                    string? severity = null;
                    while (NextMember(ref reader))
                    {
                        if (reader.ValueTextEquals("severity"u8))
                        {
                            severity = String(ref reader);
                        }
                        else
                        {
                            SkipValue(ref reader);
                        }
                    }

                    severities.Add(severity);
                }
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new OperationOutcomeItem(id) { Severities = severities };
    }

    private static OtherItem Other(ref Utf8JsonReader reader, string resourceType)
    {
        string? id = null;
        while (NextMember(ref reader))
        {
            if (reader.ValueTextEquals("id"u8))
            {
                id = String(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new OtherItem(resourceType, id);
    }

    // ---- Elements ----

    /// <summary>
    /// Moves to the next member of the current object: true on its name, false at the object's end. Works from the
    /// object's opening brace or from the last token of the previous member's value.
    /// </summary>
    private static bool NextMember(ref Utf8JsonReader reader) => reader.Read() && reader.TokenType == JsonTokenType.PropertyName;

    /// <summary>Skips the value of the member whose name the reader is on.</summary>
    private static void SkipValue(ref Utf8JsonReader reader)
    {
        reader.Read();
        reader.Skip();
    }

    /// <summary>
    /// The member's value when it is a JSON string (short ones from <see cref="Utf8StringPool"/>); anything else is
    /// skipped and read as absent.
    /// </summary>
    private static string? String(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            return Utf8StringPool.Get(ref reader);
        }

        reader.Skip();
        return null;
    }

    private static bool IsObject(ref Utf8JsonReader reader)
    {
        reader.Read();
        var isObject = reader.TokenType == JsonTokenType.StartObject;
        reader.Skip();
        return isObject;
    }

    /// <summary>A JSON number as a decimal (a double only when finite and below 10^15, as the lenient reading keeps it).</summary>
    private static decimal? Decimal(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            return null;
        }

        if (reader.TryGetDecimal(out var value))
        {
            return value;
        }

        return reader.TryGetDouble(out var d) && double.IsFinite(d) && Math.Abs(d) < 1e15 ? (decimal)d : null;
    }

    private static FhirConcept? Concept(ref Utf8JsonReader reader)
    {
        reader.Read();
        return ConceptValue(ref reader);
    }

    /// <summary>The CodeableConcept at the reader (already on its value).</summary>
    private static FhirConcept? ConceptValue(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        List<FhirCoding>? codings = null;
        string? text = null;
        while (NextMember(ref reader))
        {
            if (reader.ValueTextEquals("coding"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    reader.Skip();
                    continue;
                }

                codings = [];
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        codings.Add(Coding(ref reader));
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }
            else if (reader.ValueTextEquals("text"u8))
            {
                text = String(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new FhirConcept(codings ?? (IReadOnlyList<FhirCoding>)[], text);
    }

    private static FhirCoding Coding(ref Utf8JsonReader reader)
    {
        string? system = null, code = null, display = null;
        while (NextMember(ref reader))
        {
            if (reader.ValueTextEquals("system"u8))
            {
                system = String(ref reader);
            }
            else if (reader.ValueTextEquals("code"u8))
            {
                code = String(ref reader);
            }
            else if (reader.ValueTextEquals("display"u8))
            {
                display = String(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new FhirCoding(system, code, display);
    }

    private static List<FhirConcept>? Concepts(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return null;
        }

        var concepts = new List<FhirConcept>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (ConceptValue(ref reader) is { } concept)
            {
                concepts.Add(concept);
            }
        }

        return concepts;
    }

    private static List<string> CodeStrings(FhirConcept? concept)
    {
        var codes = new List<string>();
        foreach (var coding in concept?.Coding ?? [])
        {
            if (coding.Code is { } code)
            {
                codes.Add(code);
            }
        }

        return codes;
    }

    /// <summary>A Reference object's <c>reference</c> and <c>display</c>; <c>IsObject</c> false when the value was not an object.</summary>
    private static (string? Reference, string? Display, bool IsObject) Reference(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return (null, null, false);
        }

        string? reference = null, display = null;
        while (NextMember(ref reader))
        {
            if (reader.ValueTextEquals("reference"u8))
            {
                reference = String(ref reader);
            }
            else if (reader.ValueTextEquals("display"u8))
            {
                display = String(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return (reference, display, true);
    }

    /// <summary>
    /// A choice element <c>{prefix}[x]</c> of a time type (dateTime, date, instant, Period, or any other type): the
    /// time when the member the reader is on is one, with the reader past its value; null (reader unmoved) otherwise.
    /// </summary>
    private static FhirTime? Time(ref Utf8JsonReader reader, ReadOnlySpan<byte> prefix)
    {
        var name = reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan;
        if (reader.ValueIsEscaped || !name.StartsWith(prefix) || name.Length == prefix.Length || !char.IsAsciiLetterUpper((char)name[prefix.Length]))
        {
            return null;
        }

        var type = name[prefix.Length..];
        if (type.SequenceEqual("DateTime"u8) || type.SequenceEqual("Date"u8))
        {
            return String(ref reader) is { } text ? new FhirTime(FhirTimeKind.DateTime, text) : FhirTime.Unusable;
        }

        if (type.SequenceEqual("Instant"u8))
        {
            return String(ref reader) is { } text ? InstantTime(text) : FhirTime.Unusable;
        }

        if (type.SequenceEqual("Period"u8))
        {
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                return FhirTime.Unusable;
            }

            string? start = null, end = null;
            while (NextMember(ref reader))
            {
                if (reader.ValueTextEquals("start"u8))
                {
                    start = String(ref reader);
                }
                else if (reader.ValueTextEquals("end"u8))
                {
                    end = String(ref reader);
                }
                else
                {
                    SkipValue(ref reader);
                }
            }

            return new FhirTime(FhirTimeKind.Period, Start: start, End: end);
        }

        SkipValue(ref reader);
        return FhirTime.Unusable;
    }

    /// <summary>
    /// A choice element <c>value[x]</c>: the value when the member the reader is on is one, with the reader past it;
    /// null (reader unmoved) otherwise.
    /// </summary>
    private static FhirValue? Value(ref Utf8JsonReader reader, ReadOnlySpan<byte> prefix)
    {
        var name = reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan;
        if (reader.ValueIsEscaped || !name.StartsWith(prefix) || name.Length == prefix.Length || !char.IsAsciiLetterUpper((char)name[prefix.Length]))
        {
            return null;
        }

        var type = name[prefix.Length..];
        if (type.SequenceEqual("Quantity"u8))
        {
            return Quantity(ref reader);
        }

        if (type.SequenceEqual("CodeableConcept"u8))
        {
            return new FhirValue(FhirValueKind.Concept) { Concept = Concept(ref reader) };
        }

        if (type.SequenceEqual("String"u8))
        {
            return new FhirValue(FhirValueKind.Text) { Text = String(ref reader) };
        }

        if (type.SequenceEqual("Integer"u8))
        {
            reader.Read();
            var number = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var i) ? i : (decimal?)null;
            reader.Skip();
            return new FhirValue(FhirValueKind.WholeNumber) { Number = number };
        }

        SkipValue(ref reader);
        return new FhirValue(FhirValueKind.Other);
    }

    private static FhirValue Quantity(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return new FhirValue(FhirValueKind.Other);
        }

        decimal? value = null;
        string? comparator = null, unit = null, system = null, code = null;
        while (NextMember(ref reader))
        {
            if (reader.ValueTextEquals("value"u8))
            {
                reader.Read();
                value = Decimal(ref reader);
                reader.Skip();
            }
            else if (reader.ValueTextEquals("comparator"u8))
            {
                comparator = String(ref reader);
            }
            else if (reader.ValueTextEquals("unit"u8))
            {
                unit = String(ref reader);
            }
            else if (reader.ValueTextEquals("system"u8))
            {
                system = String(ref reader);
            }
            else if (reader.ValueTextEquals("code"u8))
            {
                code = String(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new FhirValue(FhirValueKind.Quantity) { Number = value, Comparator = comparator, Unit = unit, System = system, UnitCode = code };
    }

    /// <summary>
    /// An instant as FHIR defines it (<c>YYYY-MM-DDThh:mm:ss[.fff](Z|±hh:mm)</c>) is read as the moment it names; any other
    /// text is kept as written, to be read leniently as a dateTime.
    /// </summary>
    private static FhirTime InstantTime(string text) =>
        InstantPattern().IsMatch(text) && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var at)
            ? new FhirTime(FhirTimeKind.Instant, Instant: at)
            : new FhirTime(FhirTimeKind.Instant, text);

    [System.Text.RegularExpressions.GeneratedRegex(@"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex InstantPattern();

    /// <summary>Finds <c>resourceType</c> among the object's own members without moving the caller's reader.</summary>
    public static string? ResourceType(Utf8JsonReader reader)
    {
        while (NextMember(ref reader))
        {
            if (reader.ValueTextEquals("resourceType"u8))
            {
                reader.Read();
                return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }

            SkipValue(ref reader);
        }

        return null;
    }
}
