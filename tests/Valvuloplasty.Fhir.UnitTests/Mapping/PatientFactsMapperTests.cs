using Valvuloplasty.Fhir.Data.Prefetch;
using Valvuloplasty.Fhir.Rules.Content;
using Valvuloplasty.Fhir.Rules.Facts;
using Valvuloplasty.Fhir.UnitTests.Support;
using static Valvuloplasty.Fhir.Rules.Facts.MeasurementKind;

namespace Valvuloplasty.Fhir.UnitTests.Mapping;

/// <summary>FHIR R4 → facts (docs/clinical-rules.md §2–§3), from real FHIR JSON fixtures.</summary>
public sealed class PatientFactsMapperTests
{
    private static readonly Lazy<PatientFacts> Facts = new(() => Profiles.Mapper.Map(Record(
        (PrefetchKeys.Observations, "observations-units-statuses.json"),
        (PrefetchKeys.Conditions, "conditions-statuses.json"),
        (PrefetchKeys.Medications, "medications.json"),
        (PrefetchKeys.Procedures, "procedures.json"),
        (PrefetchKeys.ServiceRequests, "service-requests.json")), FactsBuilder.AsOf));

    private static IEnumerable<Measurement> From(string observationId) =>
        Facts.Value.Measurements.Where(m => m.Source == $"Observation/{observationId}");

    [Theory]
    [InlineData("vmax-cms", AorticVmax, 4.3, "430 cm/s")]
    [InlineData("mg-kpa", AorticMeanGradient, 45.0037, "6 kPa")]
    [InlineData("ava-mm2", AorticValveArea, 0.75, "75 mm2")]
    [InlineData("lvef-fraction", Lvef, 55, "0.55 (fraction)")]
    [InlineData("pt-ms-pht", MitralPressureHalfTime, 200, "0.2 s")]
    public void Units_AreConvertedToTheRulesUnit_AndTheConversionIsRecorded(string id, MeasurementKind kind, double value, string original)
    {
        var measurement = Assert.Single(From(id));

        Assert.Equal(kind, measurement.Kind);
        Assert.Equal((decimal)value, measurement.Value);
        Assert.Equal(original, Valvuloplasty.Fhir.Cards.CardText.Recorded(measurement.ConvertedFrom!));
    }

    [Theory]
    [InlineData("mg-mmhg-alias", 44)]
    [InlineData("vmax-text-unit", 4.1)]
    public void Units_SpellingAliasOrUnitText_IsNotAConversion(string id, double value)
    {
        var measurement = Assert.Single(From(id));

        Assert.Equal((decimal)value, measurement.Value);
        Assert.Null(measurement.ConvertedFrom);
    }

    [Fact]
    public void Units_UnknownUnit_IsUnusable_AndNoted()
    {
        Assert.Empty(From("vmax-unknown"));
        var note = Assert.Single(Facts.Value.Notes, n => n.Source == "Observation/vmax-unknown");
        Assert.Equal((ItemCodes.WarnUnknownUnit, NoteKind.UnknownUnit, (MeasurementKind?)AorticVmax, "furlong/s"), (note.Code, note.Kind, note.Measurement, note.Unit));
    }

    [Fact]
    public void Units_ImplausibleValue_IsUnusable_AndNoted()
    {
        Assert.Empty(From("ava-implausible"));
        Assert.Contains(Facts.Value.Notes, n => n.Source == "Observation/ava-implausible" && n.Code == ItemCodes.WarnImplausibleValue);
    }

    [Theory]
    [InlineData("vmax-eie")]
    [InlineData("vmax-cancelled")]
    [InlineData("vmax-absent")]
    [InlineData("unrelated")]
    public void Observations_EnteredInErrorCancelledDataAbsentOrUnrelated_AreIgnored(string id)
    {
        Assert.Empty(From(id));
        Assert.DoesNotContain(Facts.Value.Notes, n => n.Source == $"Observation/{id}");
    }

    [Fact]
    public void Observations_Preliminary_AreKeptAside()
    {
        var preliminary = Assert.Single(From("vmax-prelim"));

        Assert.True(preliminary.Preliminary);
    }

    [Theory]
    [InlineData("mg-period", "2026-08-01T10:00:00Z")]
    [InlineData("mg-issued", "2026-07-01T10:00:00Z")]
    [InlineData("vmax-cms", "2026-11-01T00:00:00Z")]
    public void Observations_EffectiveDateTime_ElsePeriodEnd_ElseIssued(string id, string expected)
    {
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), Assert.Single(From(id)).EffectiveAt);
    }

    [Fact]
    public void Observations_WithoutAnyDate_AreUnusable_AndNoted()
    {
        Assert.Empty(From("mg-undated"));
        Assert.Contains(Facts.Value.Notes, n => n.Source == "Observation/mg-undated");
    }

    [Fact]
    public void Observations_PanelComponents_AreMeasurementsOfTheirOwnCodes()
    {
        var components = From("echo-panel").ToList();

        Assert.Contains(components, m => m.Kind == PulmonicPeakGradient && m.Value == 70m);
        Assert.Contains(components, m => m.Kind == MitralValveAreaPlanimetry && m.Value == 1.1m);
    }

    [Theory]
    [InlineData("nyha-loinc", "III")]
    [InlineData("nyha-snomed", "IV")]
    [InlineData("nyha-string", "II")]
    public void Nyha_LoincAnswerSnomedFindingOrString_IsNormalised(string id, string expected)
    {
        Assert.Equal(expected, Assert.Single(Facts.Value.CodedObservations, c => c.Source == $"Observation/{id}").Answer);
    }

    [Fact]
    public void Nyha_SnomedFindingAsCondition_IsNormalised()
    {
        Assert.Equal("III", Assert.Single(Facts.Value.CodedObservations, c => c.Source == "Condition/nyha-finding").Answer);
    }

    [Theory]
    [InlineData("risk-cat-code", "prohibitive")]
    [InlineData("risk-cat-string", "high")]
    public void LocalCodedAnswers_AsCodeableConceptOrString_AreNormalised(string id, string expected)
    {
        var coded = Assert.Single(Facts.Value.CodedObservations, c => c.Source == $"Observation/{id}");

        Assert.Equal((CodedKind.SurgicalRiskCategory, expected), (coded.Kind, coded.Answer));
    }

    [Fact]
    public void LocalNumericObservations_IncludingValueInteger_AreMeasurements()
    {
        Assert.Equal(9.2m, Assert.Single(From("sts")).Value);
        Assert.Equal(7m, Assert.Single(From("wilkins-int")).Value);
    }

    [Fact]
    public void Conditions_ActiveConfirmed_Qualifies()
    {
        var stenosis = Assert.Single(Facts.Value.Stenoses, s => s.Source == "Condition/as-active");

        Assert.Equal((Valve.Aortic, true), (stenosis.Valve, stenosis.Confirmed));
    }

    [Theory]
    [InlineData("as-eie")]
    [InlineData("ms-refuted")]
    [InlineData("ps-resolved")]
    public void Conditions_EnteredInErrorRefutedOrResolved_NeverQualify(string id)
    {
        Assert.DoesNotContain(Facts.Value.Stenoses, s => s.Source == $"Condition/{id}");
    }

    [Fact]
    public void Conditions_Provisional_QualifiesButUnconfirmed()
    {
        Assert.False(Assert.Single(Facts.Value.Stenoses, s => s.Source == "Condition/ms-provisional").Confirmed);
    }

    [Fact]
    public void Conditions_NoStatuses_AndDotlessIcd_QualifyAsNonRheumaticMitralStenosis()
    {
        var stenosis = Assert.Single(Facts.Value.Stenoses, s => s.Source == "Condition/ms-nonrheumatic-dotless");

        Assert.Equal((Valve.Mitral, true, true), (stenosis.Valve, stenosis.Confirmed, stenosis.NonRheumatic));
    }

    [Fact]
    public void Conditions_RegurgitationSeverity_IsRead()
    {
        Assert.Equal(SeverityGrade.Severe, Assert.Single(Facts.Value.Regurgitations).Severity);
    }

    [Theory]
    [InlineData("cancer", FindingKind.ActiveCancer)]
    [InlineData("copd", FindingKind.Copd)]
    [InlineData("ckd", FindingKind.ChronicKidneyDiseaseSevere)]
    [InlineData("af", FindingKind.AtrialFibrillation)]
    [InlineData("acute-hf", FindingKind.AcuteHeartFailure)]
    [InlineData("acute-hf", FindingKind.HeartFailure)]
    [InlineData("dyspnea", FindingKind.Dyspnea)]
    public void Conditions_IcdFamilies_AreClassified(string id, FindingKind kind)
    {
        Assert.Contains(Facts.Value.Findings, f => f.Source == $"Condition/{id}" && f.Kind == kind);
    }

    [Fact]
    public void Conditions_AtrialFlutter_IsNotAtrialFibrillation()
    {
        Assert.DoesNotContain(Facts.Value.Findings, f => f.Source == "Condition/flutter");
    }

    [Fact]
    public void Conditions_OnsetFallsBackToRecordedDate()
    {
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), Assert.Single(Facts.Value.Findings, f => f.Source == "Condition/dyspnea").Onset);
    }

    [Fact]
    public void Conditions_UnconfirmedSymptom_DoesNotCount()
    {
        Assert.DoesNotContain(Facts.Value.Findings, f => f.Source == "Condition/syncope-unconfirmed");
    }

    [Fact]
    public void Medications_CodedOrByIngredientName_ActiveOnly()
    {
        var names = Facts.Value.Anticoagulants.Select(a => a.Source).Order().ToList();

        Assert.Equal(["MedicationRequest/apixaban", "MedicationRequest/sandbox-shape", "MedicationRequest/warfarin-text"], names);
        Assert.True(Facts.Value.Anticoagulants.Single(a => a.Source == "MedicationRequest/apixaban").IsNoac);
        Assert.True(Facts.Value.Anticoagulants.Single(a => a.Source == "MedicationRequest/sandbox-shape").IsNoac);
        Assert.False(Facts.Value.Anticoagulants.Single(a => a.Source == "MedicationRequest/warfarin-text").IsNoac);
    }

    [Fact]
    public void Procedures_StatusAndDate_AreRead_EnteredInErrorIgnored()
    {
        Assert.Contains(Facts.Value.Procedures, p => p is { Kind: ProcedureKind.Tavr, Completed: true } && p.PerformedAt!.Value.Year == 2025);
        Assert.Contains(Facts.Value.Procedures, p => p is { Kind: ProcedureKind.BalloonAorticValvuloplasty, Completed: false });
        Assert.DoesNotContain(Facts.Value.Procedures, p => p.Kind == ProcedureKind.BalloonMitralCommissurotomy);
    }

    [Fact]
    public void ServiceRequests_UrgentSurgicalCategory_AndTavrCode_AreRead()
    {
        var surgery = Assert.Single(Facts.Value.Orders, o => o.Source == "ServiceRequest/hip-urgent");
        Assert.Equal((true, true, false, (ProcedureKind?)null), (surgery.SurgicalCategory, surgery.Urgent, surgery.Cardiac, surgery.Kind));
        Assert.Equal(ProcedureKind.Tavr, Assert.Single(Facts.Value.Orders, o => o.Source == "ServiceRequest/tavr-planned").Kind);
    }

    [Fact]
    public void UnavailableKeys_AreNotedForTheCard()
    {
        var facts = Profiles.Mapper.Map(new PatientRecord("p1", new Dictionary<string, KeyData>
        {
            [PrefetchKeys.Medications] = new(PrefetchKeys.Medications, DataSource.Unavailable, [], ["timeout"]),
        }), FactsBuilder.AsOf);

        Assert.Contains(facts.Notes, n => n.Code == ItemCodes.WarnDataUnavailable && n.Kind == NoteKind.KeyUnavailable && n.Key == PrefetchKeys.Medications);
    }

    [Fact]
    public void BirthDate_PartialDates_AreRead()
    {
        var patient = new Valvuloplasty.Fhir.Data.Fhir.PatientItem("p1") { BirthDate = "1950-07" };
        var facts = Profiles.Mapper.Map(new PatientRecord("p1", new Dictionary<string, KeyData>
        {
            [PrefetchKeys.Patient] = new(PrefetchKeys.Patient, DataSource.Prefetch, [patient], []),
        }), FactsBuilder.AsOf);

        // The latest day the partial date allows: the age computed from it is certain (docs/clinical-rules.md §2).
        Assert.Equal(new DateOnly(1950, 7, 31), facts.BirthDate);
    }

    [Theory]
    [InlineData("0.092", "final", 9.2)]
    [InlineData("12.5", "final", 12.5)]
    [InlineData("0.092", "preliminary", null)]
    public void RiskAssessment_StsProbability_BecomesStsPromPercent(string probability, string status, double? expected)
    {
        var payload = FhirJsonReader.Shared.Read(System.Text.Encoding.UTF8.GetBytes($$"""
            {"resourceType":"RiskAssessment","id":"ra","status":"{{status}}","subject":{"reference":"Patient/p1"},
             "occurrenceDateTime":"2026-11-10",
             "code":{"coding":[{"system":"http://example.org/fhir/valvuloplasty-cds/CodeSystem/observation-codes","code":"sts-prom"}]},
             "prediction":[{"outcome":{"text":"30-day mortality"},"probabilityDecimal":{{probability}}}]}
            """));
        var facts = Profiles.Mapper.Map(new PatientRecord("p1", new Dictionary<string, KeyData>
        {
            [PrefetchKeys.RiskAssessments] = new(PrefetchKeys.RiskAssessments, DataSource.Prefetch, payload.Items, []),
        }), FactsBuilder.AsOf);

        var sts = facts.Measurements.Where(m => m.Kind == StsProm).Select(m => (double?)m.Value).SingleOrDefault();
        Assert.Equal(expected, sts);
    }

    private static PatientRecord Record(params (string Key, string Fixture)[] keys) =>
        new("p1", keys.ToDictionary(k => k.Key, k => new KeyData(k.Key, DataSource.Prefetch, Profiles.ReadFixture(k.Fixture).Items, [])));
}
