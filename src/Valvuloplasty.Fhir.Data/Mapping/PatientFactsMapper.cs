using Valvuloplasty.Fhir.Data.Fhir;
using Valvuloplasty.Fhir.Data.Prefetch;
using Valvuloplasty.Fhir.Data.Terminology;
using Valvuloplasty.Fhir.Rules.Content;
using Valvuloplasty.Fhir.Rules.Engine;
using Valvuloplasty.Fhir.Rules.Facts;
using Valvuloplasty.Fhir.Rules.Terminology;
using static Valvuloplasty.Fhir.Data.Mapping.FhirValues;

namespace Valvuloplasty.Fhir.Data.Mapping;

/// <summary>
/// The record's <see cref="RecordItem"/>s → <see cref="PatientFacts"/>, docs/clinical-rules.md §2–§3: condition and observation statuses,
/// effective[x], units, coded answers, procedures, orders and anticoagulants. Every code is classified
/// through the <see cref="ValueSetIndex"/>; every rejected value leaves a <see cref="DataNote"/>.
/// One malformed resource is skipped with a note; it never fails the rest.
/// </summary>
public sealed class PatientFactsMapper(ValueSetIndex terminology)
{
    private static readonly HashSet<string> ActiveClinicalStatus = ["active", "recurrence", "relapse"];
    private static readonly HashSet<string> UnconfirmedVerification = ["unconfirmed", "provisional", "differential"];
    private static readonly HashSet<string> IgnoredVerification = ["entered-in-error", "refuted"];
    private static readonly HashSet<string> UsableObservationStatus = ["final", "amended", "corrected"];
    private static readonly HashSet<string> UrgentPriority = ["urgent", "asap", "stat"];

    private readonly ValueSetIndex _terminology = terminology ?? throw new ArgumentNullException(nameof(terminology));

    /// <summary>
    /// Maps the record as of <paramref name="asOf"/> (the clock only decides what is dated in the future). Draft
    /// orders are mapped separately with <see cref="MapOrders"/>.
    /// </summary>
    public PatientFacts Map(PatientRecord record, DateTimeOffset asOf)
    {
        ArgumentNullException.ThrowIfNull(record);
        var facts = Begin(record.PatientId, asOf, MedicationIndex.Of(record.Supporting));
        foreach (var key in (string[])[PrefetchKeys.Patient, PrefetchKeys.Conditions, PrefetchKeys.Observations, PrefetchKeys.Procedures,
                     PrefetchKeys.ServiceRequests, PrefetchKeys.Medications, PrefetchKeys.RiskAssessments])
        {
            var type = PrefetchKeys.ResourceType(key);
            foreach (var item in record.Keys.TryGetValue(key, out var data) ? data.Items : [])
            {
                if (item.Type == type)
                {
                    facts.Add(item);
                }
            }
        }

        return facts.Build(record.Keys.Values);
    }

    /// <summary>
    /// Starts the facts of one patient, to be fed one resource at a time in any order of types (a population scan
    /// reads a file per resource type): the result is the same as <see cref="Map"/> of the same resources.
    /// </summary>
    public PatientFactsBuilder Begin(string patientId, DateTimeOffset asOf, MedicationIndex medications) => new(this, patientId, new MappingState(asOf, medications));

    /// <summary>The facts of one patient, built a resource at a time (<see cref="Begin"/>).</summary>
    public sealed class PatientFactsBuilder
    {
        private readonly PatientFactsMapper _mapper;
        private readonly MappingState _state;
        private PatientItem? _patient;

        internal PatientFactsBuilder(PatientFactsMapper mapper, string patientId, MappingState state)
        {
            _mapper = mapper;
            _state = state;
            PatientId = patientId;
        }

        public string PatientId { get; }

        /// <summary>True once a qualifying stenosis diagnosis has been read (a population scan keeps only those patients).</summary>
        public bool HasStenosis => _state.Stenoses.Count > 0;

        /// <summary>Reads one resource of the patient; resource types the rules do not read are ignored.</summary>
        public void Add(RecordItem item)
        {
            switch (item)
            {
                case PatientItem patient:
                    _patient ??= patient;
                    break;
                case ConditionItem condition:
                    _mapper.MapCondition(condition, _state);
                    break;
                case ObservationItem observation:
                    _mapper.MapObservation(observation, _state);
                    break;
                case ProcedureItem procedure:
                    _mapper.MapProcedure(procedure, _state);
                    break;
                case ServiceRequestItem request:
                    _state.Orders.Add(_mapper.MapOrder(request, isDraft: false));
                    break;
                case MedicationRequestItem medication:
                    _mapper.MapMedication(medication, _state);
                    break;
                case RiskAssessmentItem assessment:
                    _mapper.MapRiskAssessment(assessment, _state);
                    break;
            }
        }

        /// <summary>
        /// The facts. Notes come in one order whatever order the resources came in: observations, unresolved medications,
        /// risk assessments, then one per prefetch <paramref name="keys"/> entry that could not be read or was partly unused.
        /// </summary>
        public PatientFacts Build(IEnumerable<KeyData>? keys = null)
        {
            var state = _state;
            var notes = new List<DataNote>(state.Notes);
            if (state.UnresolvedMedications.Count > 0)
            {
                notes.Add(new DataNote(ItemCodes.WarnDataUnavailable, NoteKind.MedicationUnresolved) { Items = [.. state.UnresolvedMedications] });
            }

            notes.AddRange(state.RiskNotes);
            foreach (var key in keys ?? [])
            {
                if (key.Source == DataSource.Unavailable)
                {
                    notes.Add(new DataNote(ItemCodes.WarnDataUnavailable, NoteKind.KeyUnavailable) { Key = key.Key });
                }
                else if (key.Problems.Count > 0)
                {
                    // Skipped entries, resources of another type or for another patient: said once per key.
                    notes.Add(new DataNote(ItemCodes.WarnDataUnavailable, NoteKind.KeyPartlyUnused) { Key = key.Key, Items = key.Problems });
                }
            }

            return new PatientFacts
            {
                PatientReference = $"Patient/{PatientId}",
                BirthDate = BirthDate(_patient, state.AsOf),
                Deceased = _patient?.Deceased ?? false,
                Sex = _patient?.Gender switch
                {
                    "female" => Sex.Female,
                    "male" => Sex.Male,
                    "other" => Sex.Other,
                    _ => Sex.Unknown,
                },
                Stenoses = state.Stenoses,
                Regurgitations = state.Regurgitations,
                Findings = state.Findings,
                Measurements = [.. state.Measurements, .. state.RiskMeasurements],
                CodedObservations = [.. state.ConditionCoded, .. state.Coded],
                Procedures = state.Procedures,
                Orders = state.Orders,
                Anticoagulants = state.Anticoagulants,
                Notes = notes,
            };
        }
    }

    /// <summary>
    /// The latest birth date the record allows, so the age computed from it is certain (a partial <c>1940-03</c> is
    /// 1940-03-31; never after today); none when absent, unreadable or in the future (docs/clinical-rules.md §2).
    /// </summary>
    private static DateOnly? BirthDate(PatientItem? patient, DateTimeOffset asOf)
    {
        if (FhirValues.When(patient?.BirthDate) is not { } born)
        {
            return null;
        }

        var today = DateOnly.FromDateTime(asOf.UtcDateTime);
        if (DateOnly.FromDateTime(born.Earliest.UtcDateTime) > today)
        {
            return null;
        }

        var latest = DateOnly.FromDateTime(born.At.UtcDateTime);
        return latest > today ? today : latest;
    }

    /// <summary>
    /// Maps the hook's draft orders (ServiceRequests). Unreadable orders are skipped, as CDS_HOOKS.md
    /// asks; other resource types are ignored.
    /// </summary>
    public IReadOnlyList<OrderFact> MapOrders(IEnumerable<RecordItem> draftOrders)
    {
        ArgumentNullException.ThrowIfNull(draftOrders);
        return [.. draftOrders.OfType<ServiceRequestItem>().Select(request => MapOrder(request, isDraft: true))];
    }

    private void MapCondition(ConditionItem condition, MappingState state)
    {
        var verification = condition.VerificationStatus.Count > 0 ? condition.VerificationStatus[0] : null;
        if (verification is not null && IgnoredVerification.Contains(verification))
        {
            return;
        }

        var clinical = condition.ClinicalStatus.Count > 0 ? condition.ClinicalStatus[0] : null;
        if (clinical is not null && !ActiveClinicalStatus.Contains(clinical))
        {
            return;
        }

        var confirmed = verification is null || !UnconfirmedVerification.Contains(verification);
        var source = condition.Reference;
        var onset = Instant(condition.Onset) ?? FhirValues.When(condition.RecordedDate)?.At;
        var display = Label(condition.Code, "condition");
        var valueSets = ValueSetsOf(condition.Code);

        foreach (var id in valueSets)
        {
            if (TerminologyBindings.StenosisByValueSet.TryGetValue(id, out var valve))
            {
                var nonRheumatic = valve == Valve.Mitral && valueSets.Contains(TerminologyBindings.NonRheumaticMitralStenosis);
                state.Stenoses.Add(new StenosisDiagnosis(valve, confirmed, display, source, onset, nonRheumatic));
            }
            else if (TerminologyBindings.RegurgitationByValueSet.TryGetValue(id, out var regurgitantValve))
            {
                state.Regurgitations.Add(new RegurgitationFinding(regurgitantValve, Severity(condition.Severity), source));
            }
            else if (TerminologyBindings.FindingByValueSet.TryGetValue(id, out var finding) && confirmed)
            {
                state.Findings.Add(new ClinicalFinding(finding, onset, source));
            }
            else if (TerminologyBindings.NyhaClasses.TryGetValue(id, out var nyha) && onset is { } when)
            {
                state.ConditionCoded.Add(new CodedObservation(CodedKind.NyhaClass, nyha, when, source));
            }
        }
    }

    private void MapObservation(ObservationItem observation, MappingState state)
    {
        var status = observation.Status;
        var preliminary = status == "preliminary";
        if (!preliminary && (status is null || !UsableObservationStatus.Contains(status)))
        {
            return;
        }

        var source = observation.Reference;
        var when = FhirValues.When(observation.Effective) ?? FhirValues.When(observation.Issued);
        var valueSets = ValueSetsOf(observation.Code);

        // A SNOMED NYHA finding used as the Observation code.
        foreach (var id in valueSets)
        {
            if (TerminologyBindings.NyhaClasses.TryGetValue(id, out var nyhaFinding) && !preliminary)
            {
                if (when is { } at && !InFuture(at, state, source, null, CodedKind.NyhaClass))
                {
                    state.Coded.Add(new CodedObservation(CodedKind.NyhaClass, nyhaFinding, at.At, source));
                }

                return;
            }
        }

        // The Observation's own value (absent when it has a dataAbsentReason), then each component with its own
        // code, value and dataAbsentReason; components share the status and date of their study. A panel's own code
        // (an echo study) is in no measurement ValueSet: only its components count.
        if (!observation.DataAbsent)
        {
            MapObservationValue(valueSets, observation.Value, when, preliminary, source, state);
        }

        foreach (var component in observation.Components)
        {
            if (!component.DataAbsent)
            {
                MapObservationValue(ValueSetsOf(component.Code), component.Value, when, preliminary, source, state);
            }
        }
    }

    private void MapObservationValue(
        IReadOnlyList<string> valueSets, FhirValue value, FhirValues.FhirWhen? when, bool preliminary, string source, MappingState state)
    {
        foreach (var id in valueSets)
        {
            if (TerminologyBindings.MeasurementByValueSet.TryGetValue(id, out var kind))
            {
                if (when is not { } at)
                {
                    state.Notes.Add(new DataNote(ItemCodes.WarnImplausibleValue, NoteKind.NoDate, source, kind));
                }
                else if (!InFuture(at, state, source, kind, null))
                {
                    MapMeasurement(kind, value, at, preliminary, source, state);
                }

                return;
            }

            if (TerminologyBindings.CodedByValueSet.TryGetValue(id, out var codedKind))
            {
                if (when is { } at && !preliminary && CodedAnswer(codedKind, value) is { } answer && !InFuture(at, state, source, null, codedKind))
                {
                    state.Coded.Add(new CodedObservation(codedKind, answer, at.At, source));
                }

                return;
            }
        }
    }

    /// <summary>
    /// A value dated more than one day after <c>asOf</c> (time zones aside, a date in the future) is unusable
    /// (docs/clinical-rules.md §2): noted with the rejected values. A partial date is in the future only when its first day is.
    /// </summary>
    private static bool InFuture(FhirValues.FhirWhen when, MappingState state, string source, MeasurementKind? kind, CodedKind? coded) =>
        InFuture(when, state.Notes, state.AsOf, source, kind, coded);

    private static bool InFuture(FhirValues.FhirWhen when, List<DataNote> notes, DateTimeOffset asOf, string source, MeasurementKind? kind, CodedKind? coded)
    {
        if (ClinicalPicture.DaysBetween(asOf, when.Earliest) <= 1)
        {
            return false;
        }

        notes.Add(new DataNote(ItemCodes.WarnFutureDate, NoteKind.FutureDate, source, kind)
        {
            Coded = coded,
            Detail = when.Partial ?? DateOnly.FromDateTime(when.Earliest.UtcDateTime).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        });
        return true;
    }

    private static void MapMeasurement(MeasurementKind kind, FhirValue value, FhirValues.FhirWhen when, bool preliminary, string source, MappingState state)
    {
        var number = value.Kind is FhirValueKind.Quantity or FhirValueKind.WholeNumber or FhirValueKind.DecimalNumber ? value.Number : null;
        string? system = value.System, code = value.UnitCode, unit = value.Unit, comparator = value.Comparator;

        if (number is not { } raw)
        {
            state.Notes.Add(new DataNote(ItemCodes.WarnImplausibleValue, NoteKind.NoValue, source, kind));
            return;
        }

        Bound? bound = comparator switch
        {
            null => null,
            "<" => Bound.LessThan,
            "<=" => Bound.LessOrEqual,
            ">=" => Bound.GreaterOrEqual,
            ">" => Bound.GreaterThan,
            _ => (Bound)(-1),
        };
        if (bound is (Bound)(-1))
        {
            state.Notes.Add(new DataNote(ItemCodes.WarnImplausibleValue, NoteKind.UnknownComparator, source, kind));
            return;
        }

        var normalized = UnitNormalizer.Normalize(kind, raw, system, code, unit);
        if (normalized.Rejection is { } rejection)
        {
            state.Notes.Add(rejection with { Source = source });
            return;
        }

        state.Measurements.Add(new Measurement(kind, normalized.Value, normalized.Unit, when.At, source, preliminary, normalized.ConvertedFrom, bound, when.Partial));
    }

    private string? CodedAnswer(CodedKind kind, FhirValue value)
    {
        if (kind == CodedKind.NyhaClass)
        {
            if (value.Kind == FhirValueKind.Concept)
            {
                foreach (var (system, code, _) in Codings(value.Concept))
                {
                    foreach (var id in _terminology.ValueSetsOf(system, code))
                    {
                        if (TerminologyBindings.NyhaClasses.TryGetValue(id, out var nyha))
                        {
                            return nyha;
                        }
                    }
                }
            }

            var text = value.Kind == FhirValueKind.Text ? value.Text?.Trim().ToUpperInvariant() : null;
            return text is "I" or "II" or "III" or "IV" ? text : null;
        }

        if (kind == CodedKind.PregnancyStatus)
        {
            var codings = value.Kind == FhirValueKind.Concept ? Codings(value.Concept).ToList() : [];
            return codings.Any(c => _terminology.Contains(TerminologyBindings.PregnancyStatusPregnant, c.System, c.Code)) ? "pregnant"
                : codings.Any(c => _terminology.Contains(TerminologyBindings.PregnancyStatusNotPregnant, c.System, c.Code)) ? "not-pregnant"
                : "unknown";
        }

        // Local coded answers: a code of the local CodeSystem, or the same word as valueString.
        var answer = value.Kind switch
        {
            FhirValueKind.Concept => Codings(value.Concept).Select(c => c.Code).FirstOrDefault() ?? value.Concept?.Text,
            FhirValueKind.Text or FhirValueKind.Code => value.Text,
            _ => null,
        };
        return string.IsNullOrWhiteSpace(answer) ? null : answer.Trim().ToLowerInvariant();
    }

    /// <summary>
    /// A RiskAssessment whose code, method or prediction outcome is STS-PROM: its probability (0–1, or a
    /// percentage above 1) becomes an STS-PROM measurement in %.
    /// </summary>
    private void MapRiskAssessment(RiskAssessmentItem assessment, MappingState state)
    {
        if (assessment.Status is not ("final" or "amended" or "corrected"))
        {
            return;
        }

        var stsValueSet = TerminologyBindings.Measurements[MeasurementKind.StsProm];
        var isSts = ValueSetsOf(assessment.Code).Contains(stsValueSet) || ValueSetsOf(assessment.Method).Contains(stsValueSet);
        var source = assessment.Reference;
        var when = Instant(assessment.Occurrence);
        if (FhirValues.When(assessment.Occurrence) is { } occurred && InFuture(occurred, state.RiskNotes, state.AsOf, source, MeasurementKind.StsProm, null))
        {
            return;
        }
        foreach (var prediction in assessment.Predictions)
        {
            if (!isSts && !ValueSetsOf(prediction.Outcome).Contains(stsValueSet))
            {
                continue;
            }

            if (prediction.Probability is not { } p || when is not { } at)
            {
                state.RiskNotes.Add(new DataNote(ItemCodes.WarnImplausibleValue, when is null ? NoteKind.NoDate : NoteKind.NoValue, source, MeasurementKind.StsProm));
                continue;
            }

            var (percent, unit) = p <= 1m ? (p, "1") : (p, "%");
            var normalized = UnitNormalizer.Normalize(MeasurementKind.StsProm, percent, UnitNormalizer.Ucum, unit, null);
            if (normalized.Rejection is { } rejection)
            {
                state.RiskNotes.Add(rejection with { Source = source });
            }
            else
            {
                state.RiskMeasurements.Add(new Measurement(MeasurementKind.StsProm, normalized.Value, normalized.Unit, at, source, ConvertedFrom: normalized.ConvertedFrom));
            }
        }
    }

    private void MapProcedure(ProcedureItem procedure, MappingState state)
    {
        var status = procedure.Status;
        if (status is "entered-in-error" or "not-done")
        {
            return;
        }

        foreach (var id in ValueSetsOf(procedure.Code))
        {
            if (TerminologyBindings.ProcedureByValueSet.TryGetValue(id, out var kind))
            {
                state.Procedures.Add(new ProcedureFact(kind, status == "completed", Instant(procedure.Performed), procedure.Reference));
                return;
            }
        }
    }

    private OrderFact MapOrder(ServiceRequestItem request, bool isDraft)
    {
        ProcedureKind? kind = null;
        foreach (var id in ValueSetsOf(request.Code))
        {
            if (TerminologyBindings.ProcedureByValueSet.TryGetValue(id, out var k))
            {
                kind = k;
                break;
            }
        }

        var surgical = request.Category.Any(c => Codings(c).Any(x => _terminology.Contains(TerminologyBindings.SurgicalProcedureCategory, x.System, x.Code)));
        var priority = request.Priority;
        var cardiac = kind is not null and not ProcedureKind.TransthoracicEcho and not ProcedureKind.TransesophagealEcho;
        return new OrderFact(
            kind,
            request.Status ?? (isDraft ? "draft" : "unknown"),
            isDraft,
            surgical,
            priority is not null && UrgentPriority.Contains(priority),
            cardiac,
            Start(request.Occurrence),
            request.Reference,
            Label(request.Code, "order"));
    }

    /// <summary>
    /// An anticoagulant order (docs/clinical-rules.md §2): active or on hold (the drug is paused, not stopped, so a
    /// procedure plan must still cover it); stopped, completed, cancelled, entered-in-error, draft and unknown never
    /// count. The medication is read wherever it is: <c>medicationCodeableConcept</c>, a contained Medication, a
    /// Medication sent elsewhere in the prefetch (included, or in a key of its own), else the reference's display.
    /// Codes are matched against the anticoagulant and NOAC ValueSets (ingredients and products); failing that,
    /// ingredient and brand names in the text.
    /// </summary>
    private void MapMedication(MedicationRequestItem medication, MappingState state)
    {
        var status = medication.Status;
        if (status is not ("active" or "on-hold"))
        {
            return;
        }

        var (concepts, label) = ResolveMedication(medication, state);
        if (concepts is null)
        {
            return;
        }

        var codings = concepts.SelectMany(Codings).ToList();
        var texts = concepts.Select(c => c.Text).Concat(codings.Select(c => c.Display)).Append(label).OfType<string>().ToList();
        if (!Matches(TerminologyBindings.Anticoagulants, codings, texts))
        {
            return;
        }

        var drugClass = Matches(TerminologyBindings.Noacs, codings, texts) ? AnticoagulantClass.Noac
            : Matches(TerminologyBindings.VitaminKAntagonists, codings, texts) ? AnticoagulantClass.VitaminKAntagonist
            : AnticoagulantClass.Heparin;
        state.Anticoagulants.Add(new AnticoagulantFact(label, drugClass, medication.Reference, OnHold: status == "on-hold"));
    }

    /// <summary>
    /// The concepts that name the medication of an order (its code and its ingredients), and a label for the card;
    /// null concepts when a reference resolves nowhere and has no display (the order is then counted as unresolved).
    /// </summary>
    private static (List<FhirConcept>? Concepts, string Label) ResolveMedication(MedicationRequestItem request, MappingState state)
    {
        if (request.MedicationConcept is { } concept)
        {
            return ([concept], Label(concept, "medication"));
        }

        if (!request.ByReference)
        {
            return (null, "medication");
        }

        var reference = request.MedicationReference;
        var display = request.MedicationDisplay;
        var target = reference is { Length: > 1 } local && local[0] == '#'
            ? request.Contained.FirstOrDefault(m => m.Id == local[1..])
            : state.Medications.Find(reference);
        if (target is not null)
        {
            List<FhirConcept> concepts = [.. new[] { target.Code }.OfType<FhirConcept>(), .. target.Ingredients];
            var name = target.Code is { } code ? Label(code, display ?? "medication") : display ?? "medication";
            return (concepts, name);
        }

        if (!string.IsNullOrWhiteSpace(display))
        {
            return ([new FhirConcept([], display)], display);
        }

        state.UnresolvedMedications.Add(request.Reference);
        return (null, "medication");
    }

    private bool Matches(string valueSetId, List<(string System, string Code, string? Display)> codings, List<string> texts) =>
        codings.Any(c => _terminology.Contains(valueSetId, c.System, c.Code))
        || texts.Any(t => _terminology.NameAppearsIn(valueSetId, t));

    private SeverityGrade? Severity(FhirConcept? severity)
    {
        foreach (var (system, code, _) in Codings(severity))
        {
            foreach (var id in _terminology.ValueSetsOf(system, code))
            {
                if (TerminologyBindings.SeverityByValueSet.TryGetValue(id, out var grade))
                {
                    return grade;
                }
            }
        }

        return null;
    }

    /// <summary>Every ValueSet a code of the concept is in (the index's own list when there is one coding, as usual).</summary>
    private IReadOnlyList<string> ValueSetsOf(FhirConcept? concept)
    {
        if (concept is null)
        {
            return [];
        }

        if (concept.Coding.Count == 1)
        {
            var only = concept.Coding[0];
            return string.IsNullOrWhiteSpace(only.System) || string.IsNullOrWhiteSpace(only.Code) ? [] : _terminology.ValueSetsOf(only.System, only.Code.Trim());
        }

        var ids = new List<string>();
        foreach (var (system, code, _) in Codings(concept))
        {
            foreach (var id in _terminology.ValueSetsOf(system, code))
            {
                if (!ids.Contains(id))
                {
                    ids.Add(id);
                }
            }
        }

        return ids;
    }

    internal sealed class MappingState(DateTimeOffset asOf, MedicationIndex medications)
    {
        public DateTimeOffset AsOf { get; } = asOf;
        public MedicationIndex Medications { get; } = medications;
        public List<string> UnresolvedMedications { get; } = [];
        public List<StenosisDiagnosis> Stenoses { get; } = [];
        public List<RegurgitationFinding> Regurgitations { get; } = [];
        public List<ClinicalFinding> Findings { get; } = [];
        public List<Measurement> Measurements { get; } = [];
        public List<CodedObservation> Coded { get; } = [];
        public List<CodedObservation> ConditionCoded { get; } = [];
        public List<Measurement> RiskMeasurements { get; } = [];
        public List<DataNote> RiskNotes { get; } = [];
        public List<ProcedureFact> Procedures { get; } = [];
        public List<OrderFact> Orders { get; } = [];
        public List<AnticoagulantFact> Anticoagulants { get; } = [];
        public List<DataNote> Notes { get; } = [];
    }

    /// <summary>The Medications of a record, found by <c>Medication/id</c> (relative, absolute or versioned) or by the entry's fullUrl.</summary>
    public sealed class MedicationIndex(Dictionary<string, MedicationItem> byReference)
    {
        public static MedicationIndex Of(IEnumerable<FhirEntry> supporting)
        {
            var byReference = new Dictionary<string, MedicationItem>(StringComparer.Ordinal);
            foreach (var entry in supporting)
            {
                if (entry.Item is not MedicationItem medication)
                {
                    continue;
                }

                if (!string.IsNullOrEmpty(medication.Id))
                {
                    byReference.TryAdd($"Medication/{medication.Id}", medication);
                }

                if (!string.IsNullOrEmpty(entry.FullUrl))
                {
                    byReference.TryAdd(entry.FullUrl, medication);
                }
            }

            return new MedicationIndex(byReference);
        }

        /// <summary>Adds a Medication (first one wins for an id or URL).</summary>
        public void Add(MedicationItem medication, string? fullUrl = null)
        {
            ArgumentNullException.ThrowIfNull(medication);
            if (!string.IsNullOrEmpty(medication.Id))
            {
                byReference.TryAdd($"Medication/{medication.Id}", medication);
            }

            if (!string.IsNullOrEmpty(fullUrl))
            {
                byReference.TryAdd(fullUrl, medication);
            }
        }

        /// <summary>An empty index, to fill with <see cref="Add"/>.</summary>
        public static MedicationIndex Empty() => new(new Dictionary<string, MedicationItem>(StringComparer.Ordinal));

        public MedicationItem? Find(string? reference)
        {
            if (string.IsNullOrEmpty(reference) || byReference.Count == 0)
            {
                return null;
            }

            if (byReference.TryGetValue(reference, out var exact))
            {
                return exact;
            }

            // https://ehr/fhir/Medication/123/_history/2 → Medication/123
            var segments = reference.Split('/', StringSplitOptions.RemoveEmptyEntries);
            for (var i = segments.Length - 2; i >= 0; i--)
            {
                if (segments[i] == "Medication")
                {
                    return byReference.GetValueOrDefault($"Medication/{segments[i + 1]}");
                }
            }

            return null;
        }
    }
}
