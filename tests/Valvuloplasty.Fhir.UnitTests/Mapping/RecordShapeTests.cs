using System.Globalization;
using System.Text;
using Valvuloplasty.Fhir.Data.Prefetch;
using Valvuloplasty.Fhir.Rules.Content;
using Valvuloplasty.Fhir.Rules.Facts;
using Valvuloplasty.Fhir.UnitTests.Support;
using static Valvuloplasty.Fhir.Rules.Facts.MeasurementKind;

namespace Valvuloplasty.Fhir.UnitTests.Mapping;

/// <summary>
/// Records shaped the way production EHRs, US Core servers and Synthea send them (docs/clinical-rules.md §2), read through
/// the real path: prefetch reader → record assembler → mapper. Fixtures: medications-shapes.json,
/// observations-shapes.json.
/// </summary>
public sealed class RecordShapeTests
{
    private const string EmptyBundle = """{"resourceType":"Bundle","type":"searchset"}""";
    private const string Patient = """{"resourceType":"Patient","id":"p1","birthDate":"1944-05-02"}""";

    private static readonly Lazy<PatientFacts> Medications = new(() => MapPrefetch((PrefetchKeys.Medications, Profiles.Fixture("medications-shapes.json"))));
    private static readonly Lazy<PatientFacts> Observations = new(() => MapPrefetch((PrefetchKeys.Observations, Profiles.Fixture("observations-shapes.json"))));

    /// <summary>Maps a prefetch as the hook does; keys not given hold the patient and empty search results.</summary>
    public static PatientFacts MapPrefetch(params (string Key, string Json)[] given)
    {
        var json = PrefetchKeys.ResourceTypes.ToDictionary(t => t.Key, t => t.Key == PrefetchKeys.Patient ? Patient : EmptyBundle, StringComparer.Ordinal);
        foreach (var (key, value) in given)
        {
            json[key] = value;
        }

        var prefetch = json.ToDictionary(kv => kv.Key, kv =>
        {
            var payload = FhirJsonReader.Shared.Read(Encoding.UTF8.GetBytes(kv.Value));
            return new PrefetchEntry(kv.Key, PrefetchState.Resources, payload.Entries, payload.Problems);
        });
        var assembler = new PatientRecordAssembler(new PrefetchTemplates(Profiles.Index));
        var keys = assembler.FromPrefetch("p1", prefetch);
        var record = assembler.Complete("p1", keys, new Dictionary<string, string>(), PatientRecordAssembler.PrefetchMedications(prefetch)).Record
            ?? throw new InvalidOperationException("A required key is missing.");
        return Profiles.Mapper.Map(record, FactsBuilder.AsOf);
    }

    // ---- Medications, every way they arrive (§2 "Anticoagulated") ----

    [Theory]
    [InlineData("scd-apixaban", true, true, false)]            // RxNorm SCD
    [InlineData("sbd-eliquis", true, true, false)]             // RxNorm SBD
    [InlineData("gpck-apixaban", true, true, false)]           // RxNorm pack
    [InlineData("scd-warfarin", true, false, false)]
    [InlineData("scd-enoxaparin", true, false, false)]
    [InlineData("contained-warfarin", true, false, false)]     // medicationReference "#m1" → contained Medication.code
    [InlineData("contained-ingredient", true, true, false)]    // contained Medication with only an ingredient
    [InlineData("included-xarelto", true, true, false)]        // Medication/id, sent as an _include entry
    [InlineData("absolute-xarelto", true, true, false)]        // absolute, versioned reference to the same Medication
    [InlineData("urn-pradaxa", true, true, false)]             // urn:uuid reference → the included entry's fullUrl
    [InlineData("display-eliquis", true, true, false)]         // reference that resolves nowhere: its display (brand)
    [InlineData("text-xarelto", true, true, false)]            // brand name in text
    [InlineData("text-lixiana", true, true, false)]            // brand outside the US (a designation in the ValueSet)
    [InlineData("text-jantoven", true, false, false)]
    [InlineData("display-savaysa", true, true, false)]         // local formulary code with a brand display
    [InlineData("text-heparinoid", false, false, false)]       // a name inside another word does not count
    [InlineData("aspirin", false, false, false)]
    [InlineData("on-hold-warfarin", true, false, true)]        // on hold: paused, still to be planned around
    [InlineData("stopped-apixaban", false, false, false)]
    [InlineData("completed-apixaban", false, false, false)]
    [InlineData("entered-in-error-apixaban", false, false, false)]
    [InlineData("cancelled-apixaban", false, false, false)]
    [InlineData("draft-apixaban", false, false, false)]
    [InlineData("unknown-apixaban", false, false, false)]
    [InlineData("unresolved", false, false, false)]
    public void Medication_EveryShape_IsReadAsAnticoagulantAndNoac(string id, bool anticoagulant, bool noac, bool onHold)
    {
        var fact = Medications.Value.Anticoagulants.SingleOrDefault(a => a.Source == $"MedicationRequest/{id}");

        Assert.Equal(anticoagulant, fact is not null);
        Assert.Equal((noac, onHold), (fact?.IsNoac ?? false, fact?.OnHold ?? false));
    }

    [Fact]
    public void Medication_ResolvedThroughAMedication_IsNamedByTheMedication()
    {
        Assert.Equal("rivaroxaban 20 MG Oral Tablet [Xarelto]", Medications.Value.Anticoagulants.Single(a => a.Source == "MedicationRequest/included-xarelto").Name);
        Assert.Equal("warfarin sodium 1 MG Oral Tablet", Medications.Value.Anticoagulants.Single(a => a.Source == "MedicationRequest/contained-warfarin").Name);
    }

    [Fact]
    public void Medication_UnresolvableReference_IsTheOnlyDataNote()
    {
        // Included Medications and an informational outcome entry are ordinary search results: only the
        // order whose medication nobody sent is reported.
        var note = Assert.Single(Medications.Value.Notes);

        Assert.Equal(ItemCodes.WarnDataUnavailable, note.Code);
        Assert.Equal(NoteKind.MedicationUnresolved, note.Kind);
        Assert.Equal(["MedicationRequest/unresolved"], note.Items);
    }

    [Fact]
    public void Medication_SentUnderAKeyOfItsOwn_ResolvesTheReference()
    {
        var facts = MapPrefetch(
            (PrefetchKeys.Medications, """{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"MedicationRequest","id":"mr","status":"active","subject":{"reference":"Patient/p1"},"medicationReference":{"reference":"Medication/apx"}}}]}"""),
            ("medicationResources", """{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Medication","id":"apx","code":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"1364447"}]}}}]}"""));

        Assert.True(Assert.Single(facts.Anticoagulants).IsNoac);
        Assert.Empty(facts.Notes);
    }

    [Fact]
    public void Medication_InAnotherKeysMatches_StillResolves_ButIsReported()
    {
        var facts = MapPrefetch(
            (PrefetchKeys.Medications, """{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"MedicationRequest","id":"mr","status":"active","subject":{"reference":"Patient/p1"},"medicationReference":{"reference":"Medication/w"}}}]}"""),
            (PrefetchKeys.Procedures, """{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Medication","id":"w","code":{"text":"warfarin 5 mg"}}}]}"""));

        Assert.False(Assert.Single(facts.Anticoagulants).IsNoac);
        // The procedures key held no Procedure at all: it is unusable, and said so.
        Assert.Contains(facts.Notes, n => n.Code == ItemCodes.WarnDataUnavailable && n.Kind == NoteKind.KeyUnavailable && n.Key == PrefetchKeys.Procedures);
    }

    // ---- Echo values where EHRs put them (§2 "Where values sit") ----

    [Theory]
    [InlineData("study", AorticVmax, 4.6)]                // component, UCUM code m/s with display unit m/sec
    [InlineData("study", AorticValveArea, 0.7)]           // component, display unit cm²
    [InlineData("study", Lvef, 58)]                       // component, fraction with unit 1
    [InlineData("member-vmax", AorticVmax, 4.2)]          // hasMember panel: the members are read as themselves
    [InlineData("member-mg", AorticMeanGradient, 44)]
    [InlineData("int-quantity", AorticMeanGradient, 53)]  // an integer JSON number
    [InlineData("long-decimal", AorticVmax, 4.5679)]      // long decimal, kept to 4 places
    [InlineData("display-mmhg", AorticMeanGradient, 47)]  // UCUM mm[Hg] with display mmHg
    [InlineData("display-msec", AorticVmax, 4.4)]
    [InlineData("display-cm2", AorticValveArea, 0.9)]
    public void Observation_ValueShapes_AreRead(string id, MeasurementKind kind, double value)
    {
        var measurement = Assert.Single(Observations.Value.Measurements, m => m.Source == $"Observation/{id}" && m.Kind == kind);

        Assert.Equal((decimal)value, measurement.Value);
        Assert.True(kind == Lvef || measurement.ConvertedFrom is null, "a spelling of the unit is not a conversion");
    }

    [Fact]
    public void Observation_ValueIntegerForAPressure_HasNoUnit_AndIsNotUsed()
    {
        Assert.DoesNotContain(Observations.Value.Measurements, m => m.Source == "Observation/int-mg");
        Assert.Contains(Observations.Value.Notes, n => n.Source == "Observation/int-mg" && n.Code == ItemCodes.WarnUnknownUnit);
    }

    [Fact]
    public void Observation_ComponentWithItsOwnDataAbsentReason_IsSkipped_AndTheOthersRead()
    {
        var study = Observations.Value.Measurements.Where(m => m.Source == "Observation/study").Select(m => m.Kind).ToList();

        Assert.DoesNotContain(AorticMeanGradient, study);
        Assert.Equal([AorticVmax, AorticValveArea, Lvef], study);
    }

    [Fact]
    public void Observation_PanelCode_IsNeverAMeasurement()
    {
        Assert.DoesNotContain(Observations.Value.Measurements, m => m.Source == "Observation/panel");
        Assert.DoesNotContain(Observations.Value.Notes, n => n.Source == "Observation/panel");
    }

    [Theory]
    [InlineData("date-period", "2026-08-01T10:00:00Z", null)]       // effectivePeriod: its end
    [InlineData("date-period-start", "2026-08-02T09:00:00Z", null)] // effectivePeriod without end: its start
    [InlineData("date-instant", "2026-08-03T07:00:00Z", null)]      // effectiveInstant with an offset
    [InlineData("date-issued", "2026-08-04T10:00:00Z", null)]       // no effective[x]: issued
    [InlineData("date-month", "2026-09-30T00:00:00Z", "2026-09")]   // partial: the latest day it allows
    [InlineData("date-year", "2025-12-31T00:00:00Z", "2025")]
    [InlineData("date-offset", "2026-10-02T04:30:00Z", null)]       // -05:00 offset
    [InlineData("date-tomorrow", "2026-11-29T00:00:00Z", null)]     // one day ahead: time zones, usable
    [InlineData("date-this-month", "2026-11-30T00:00:00Z", "2026-11")] // partial, starts before today: usable
    public void Observation_Dates_AsServersWriteThem(string id, string expected, string? partial)
    {
        var measurement = Assert.Single(Observations.Value.Measurements, m => m.Source == $"Observation/{id}");

        Assert.Equal(DateTimeOffset.Parse(expected, CultureInfo.InvariantCulture), measurement.EffectiveAt);
        Assert.Equal(partial, measurement.DateAsRecorded);
    }

    [Theory]
    [InlineData("date-future")]
    [InlineData("date-future-year")]
    public void Observation_DatedInTheFuture_IsUnusable_AndListedWithTheRejectedValues(string id)
    {
        Assert.DoesNotContain(Observations.Value.Measurements, m => m.Source == $"Observation/{id}");
        var note = Assert.Single(Observations.Value.Notes, n => n.Source == $"Observation/{id}");
        Assert.Equal((ItemCodes.WarnFutureDate, NoteKind.FutureDate, (MeasurementKind?)AorticMeanGradient), (note.Code, note.Kind, note.Measurement));
    }

    [Theory]
    [InlineData("cmp-gt", AorticVmax, 5, Bound.GreaterThan)]
    [InlineData("cmp-lt", AorticValveArea, 0.8, Bound.LessThan)]
    [InlineData("cmp-ge", AorticMeanGradient, 40, Bound.GreaterOrEqual)]
    [InlineData("cmp-le", MitralValveAreaPlanimetry, 1.0, Bound.LessOrEqual)]
    public void Observation_Comparator_IsKeptAsABound(string id, MeasurementKind kind, double value, Bound bound)
    {
        var measurement = Assert.Single(Observations.Value.Measurements, m => m.Source == $"Observation/{id}");

        Assert.Equal((kind, (decimal)value, (Bound?)bound), (measurement.Kind, measurement.Value, measurement.Comparator));
    }

    [Fact]
    public void Observation_UnknownComparator_IsUnusable_AndNoted()
    {
        Assert.DoesNotContain(Observations.Value.Measurements, m => m.Source == "Observation/cmp-bad");
        Assert.Contains(Observations.Value.Notes, n => n.Source == "Observation/cmp-bad" && n.Code == ItemCodes.WarnImplausibleValue);
    }

    // ---- The patient (§2 "The patient") ----

    [Theory]
    [InlineData("\"birthDate\":\"1940\"", "1940-12-31")]          // partial: the age that is certain
    [InlineData("\"birthDate\":\"1940-03\"", "1940-03-31")]
    [InlineData("\"birthDate\":\"1940-03-15\"", "1940-03-15")]
    [InlineData("\"birthDate\":\"2026\"", "2026-11-28")]          // born this year: never after today
    [InlineData("\"birthDate\":\"2026-12\"", null)]               // entirely in the future
    [InlineData("\"birthDate\":\"2030-01-01\"", null)]
    [InlineData("\"birthDate\":\"01/03/1940\"", null)]            // not a FHIR date
    [InlineData("\"gender\":\"female\"", null)]                   // none
    public void Patient_BirthDate_UsableOrNot(string member, string? expected)
    {
        var facts = MapPrefetch((PrefetchKeys.Patient, $$"""{"resourceType":"Patient","id":"p1",{{member}}}"""));

        Assert.Equal(expected is null ? null : DateOnly.Parse(expected, CultureInfo.InvariantCulture), facts.BirthDate);
    }

    [Theory]
    [InlineData("\"deceasedBoolean\":true", true)]
    [InlineData("\"deceasedDateTime\":\"2026-10-01\"", true)]
    [InlineData("\"deceasedBoolean\":false", false)]
    [InlineData("\"active\":true", false)]
    public void Patient_Deceased_IsRead(string member, bool deceased)
    {
        var facts = MapPrefetch((PrefetchKeys.Patient, $$"""{"resourceType":"Patient","id":"p1","birthDate":"1940",{{member}}}"""));

        Assert.Equal(deceased, facts.Deceased);
    }

    // ---- Ordinary search Bundles (§2; CDS Hooks prefetch) ----

    [Fact]
    public void SearchBundle_WithIncludedPatientPractitionerAndOutcome_ProducesNoDataNote()
    {
        var facts = MapPrefetch((PrefetchKeys.Conditions, """
            {"resourceType":"Bundle","type":"searchset","entry":[
              {"resource":{"resourceType":"Condition","id":"as","subject":{"reference":"Patient/p1"},"code":{"coding":[{"system":"http://snomed.info/sct","code":"60573004"}]}},"search":{"mode":"match"}},
              {"resource":{"resourceType":"Patient","id":"p1"},"search":{"mode":"include"}},
              {"resource":{"resourceType":"Practitioner","id":"dr"},"search":{"mode":"include"}},
              {"resource":{"resourceType":"OperationOutcome","issue":[{"severity":"warning","code":"processing","diagnostics":"_include partially applied"}]},"search":{"mode":"outcome"}}
            ]}
            """));

        Assert.Single(facts.Stenoses);
        Assert.Empty(facts.Notes);
    }

    [Fact]
    public void SearchBundle_ForeignEntries_AreStillReported()
    {
        var facts = MapPrefetch((PrefetchKeys.Conditions, """
            {"resourceType":"Bundle","type":"searchset","entry":[
              {"resource":{"resourceType":"Condition","id":"as","subject":{"reference":"Patient/p1"},"code":{"coding":[{"system":"http://snomed.info/sct","code":"60573004"}]}}},
              {"resource":{"resourceType":"Practitioner","id":"dr"},"search":{"mode":"match"}},
              {"resource":{"resourceType":"Condition","id":"x","subject":{"reference":"Patient/other"}}}
            ]}
            """));

        var note = Assert.Single(facts.Notes);
        Assert.Contains(note.Items, i => i.Contains("not Condition", StringComparison.Ordinal));
        Assert.Contains(note.Items, i => i.Contains("another patient", StringComparison.Ordinal));
    }
}
