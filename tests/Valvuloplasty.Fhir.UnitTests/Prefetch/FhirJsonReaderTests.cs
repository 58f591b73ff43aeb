using System.Text;
using System.Text.Json;
using Valvuloplasty.Fhir.Data.Prefetch;

namespace Valvuloplasty.Fhir.UnitTests.Prefetch;

public sealed class FhirJsonReaderTests
{
    private static FhirPayload Read(string json) => FhirJsonReader.Shared.Read(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void Read_JsonNull_IsNull()
    {
        Assert.Equal(FhirPayloadKind.Null, Read("null").Kind);
    }

    [Fact]
    public void Read_SingleResource_IsResource()
    {
        var payload = Read("""{"id":"p1","resourceType":"Patient","birthDate":"1940-01-01"}""");

        Assert.Equal(FhirPayloadKind.Resource, payload.Kind);
        Assert.Equal(("p1", "1940-01-01"), (Assert.IsType<Valvuloplasty.Fhir.Data.Fhir.PatientItem>(Assert.Single(payload.Items)).Id, ((Valvuloplasty.Fhir.Data.Fhir.PatientItem)payload.Items[0]).BirthDate));
    }

    [Fact]
    public void Read_Bundle_ReadsEachEntry_AndSkipsTheUnreadableOnes()
    {
        var payload = Read("""
            {"resourceType":"Bundle","type":"searchset","entry":[
              {"resource":{"resourceType":"Condition","id":"c1"}},
              {"resource":{"resourceType":"NotAType","id":"x"}},
              {"resource":"text"},
              7,
              {"fullUrl":"urn:uuid:1"},
              {"resource":{"resourceType":"Condition","id":"c2"}}
            ],"link":[{"relation":"self","url":"https://ehr/fhir/Condition?patient=1"},{"relation":"next","url":"https://ehr/fhir/Condition?page=2"}]}
            """);

        Assert.Equal(FhirPayloadKind.Bundle, payload.Kind);
        Assert.Equal(["c1", "c2"], payload.Items.Select(r => r.Id));
        Assert.Equal(3, payload.Problems.Count);
        Assert.Equal("https://ehr/fhir/Condition?page=2", payload.NextLink);
    }

    [Fact]
    public void Read_BundleWithoutType_IsAccepted()
    {
        var payload = Read("""{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"ServiceRequest","id":"sr"}}]}""");

        Assert.Equal("sr", Assert.Single(payload.Items).Id);
    }

    [Fact]
    public void Read_OperationOutcome_OrABundleOfThem_IsOperationOutcome()
    {
        Assert.Equal(FhirPayloadKind.OperationOutcome, Read("""{"resourceType":"OperationOutcome","issue":[]}""").Kind);
        Assert.Equal(FhirPayloadKind.OperationOutcome, Read("""{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"OperationOutcome"}}]}""").Kind);
    }

    [Fact]
    public void Read_BundleMixingDataAndOperationOutcome_KeepsTheData()
    {
        var payload = Read("""{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"OperationOutcome"}},{"resource":{"resourceType":"Condition","id":"c"}}]}""");

        Assert.Equal(FhirPayloadKind.Bundle, payload.Kind);
        Assert.Single(payload.Items);
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("\"Patient\"")]
    [InlineData("{\"id\":\"no-type\"}")]
    [InlineData("{\"resourceType\":5}")]
    public void Read_NotAResource_IsReported(string json)
    {
        Assert.Equal(FhirPayloadKind.NotAResource, Read(json).Kind);
    }

    [Fact]
    public void Read_SandboxShapedMedicationRequest_IsAccepted()
    {
        var payload = Read("""{"resourceType":"MedicationRequest","id":"m","status":"active","category":{"text":"outpatient"}}""");

        Assert.Equal("m", Assert.Single(payload.Items).Id);
    }

    [Theory]
    [InlineData("{\"resourceType\":\"Patient\"")]
    [InlineData("{\"resourceType\":\"Patient\"} x")]
    public void Read_BrokenJson_ThrowsJsonException(string json)
    {
        Assert.ThrowsAny<JsonException>(() => Read(json));
    }

    [Fact]
    public void Read_KeepsEveryResource_AsTheItemOfItsType_WithWhatTheRulesRead()
    {
        var payload = FhirJsonReader.Shared.Read(Encoding.UTF8.GetBytes("""
            {"resourceType":"Bundle","entry":[
              {"resource":{"resourceType":"Observation","id":"vmax","code":{"coding":[{"system":"http://loinc.org","code":"79964-3"}]}}},
              {"resource":{"id":"hr","resourceType":"Observation","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"valueQuantity":{"value":70}}},
              {"resource":{"resourceType":"Observation","id":"panel","code":{"text":"Echo"},"component":[{"code":{"coding":[{"system":"http://loinc.org","code":"80068-0"}]}}]}},
              {"resource":{"resourceType":"Condition","id":"htn","code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"I10"}]}}},
              {"resource":{"resourceType":"Condition","id":"as","code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"I35.0"}]}}},
              {"resource":{"resourceType":"MedicationRequest","id":"aspirin","medicationCodeableConcept":{"text":"aspirin"}}},
              {"resource":{"resourceType":"Patient","id":"p"}}
            ]}
            """));

        Assert.Equal(["vmax", "hr", "panel", "htn", "as", "aspirin", "p"], payload.Items.Select(r => r.Id));
        Assert.Empty(payload.Problems);
        var heartRate = Assert.IsType<Valvuloplasty.Fhir.Data.Fhir.ObservationItem>(payload.Items[1]);
        Assert.Equal((70m, "8867-4"), (heartRate.Value.Number, heartRate.Code!.Coding[0].Code));
        Assert.Equal("80068-0", Assert.IsType<Valvuloplasty.Fhir.Data.Fhir.ObservationItem>(payload.Items[2]).Components[0].Code!.Coding[0].Code);
        Assert.Equal("aspirin", Assert.IsType<Valvuloplasty.Fhir.Data.Fhir.MedicationRequestItem>(payload.Items[5]).MedicationConcept!.Text);
    }

    [Fact]
    public void Read_TooDeep_ThrowsJsonException()
    {
        var deep = "{\"resourceType\":\"Basic\",\"extension\":" + string.Concat(Enumerable.Repeat("[", 100)) + string.Concat(Enumerable.Repeat("]", 100)) + "}";

        Assert.ThrowsAny<JsonException>(() => Read(deep));
    }

    [Fact]
    public void Read_BundleEntries_KeepTheirIndexFullUrlAndSearchMode()
    {
        var payload = Read("""
            {"resourceType":"Bundle","type":"searchset","entry":[
              {"fullUrl":"https://ehr/fhir/MedicationRequest/mr","resource":{"resourceType":"MedicationRequest","id":"mr"},"search":{"mode":"match","score":1}},
              {"resource":"broken"},
              {"search":{"mode":"include"},"fullUrl":"urn:uuid:5","resource":{"resourceType":"Medication","id":"m"}},
              {"resource":{"resourceType":"Condition","id":"c"}}
            ]}
            """);

        Assert.Equal(
            [(0, "https://ehr/fhir/MedicationRequest/mr", SearchEntryMode.Match), (2, "urn:uuid:5", SearchEntryMode.Include), (3, null, SearchEntryMode.Unspecified)],
            payload.Entries.Select(e => (e.Index, e.FullUrl, e.Mode)));
    }

    [Theory]
    [InlineData("information", "outcome", FhirPayloadKind.Bundle)]
    [InlineData("warning", "outcome", FhirPayloadKind.Bundle)]
    [InlineData("error", "outcome", FhirPayloadKind.OperationOutcome)]
    [InlineData("fatal", "outcome", FhirPayloadKind.OperationOutcome)]
    [InlineData("warning", "match", FhirPayloadKind.OperationOutcome)]
    public void Read_SearchOutcomeEntry_IsInformation_UnlessItReportsAnError(string severity, string mode, FhirPayloadKind expected)
    {
        var payload = Read($$$"""
            {"resourceType":"Bundle","type":"searchset","total":0,"entry":[
              {"resource":{"resourceType":"OperationOutcome","issue":[{"severity":"{{{severity}}}","code":"informational"}]},"search":{"mode":"{{{mode}}}"}}
            ]}
            """);

        Assert.Equal(expected, payload.Kind);
        Assert.Empty(payload.Entries);
        Assert.NotNull(payload.Outcome);
    }

    [Theory]
    [InlineData("patient")]
    [InlineData("PATIENT")]
    [InlineData("serviceRequest")]
    public void Read_ResourceTypeNames_AreCaseSensitive(string type)
    {
        var bundle = Read($$$"""{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"{{{type}}}","id":"x"}}]}""");
        var single = Read($$"""{"resourceType":"{{type}}","id":"x"}""");

        Assert.Empty(bundle.Entries);
        Assert.Contains("case-sensitive", Assert.Single(bundle.Problems), StringComparison.Ordinal);
        Assert.Equal(FhirPayloadKind.NotAResource, single.Kind);
    }
}
