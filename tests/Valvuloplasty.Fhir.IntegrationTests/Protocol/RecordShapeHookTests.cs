using System.Net;
using System.Text.Json.Nodes;
using Valvuloplasty.Fhir.IntegrationTests.Infrastructure;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Valvuloplasty.Fhir.IntegrationTests.Protocol;

/// <summary>
/// Records shaped as production EHRs and US Core servers send them, through the real host (docs/clinical-rules.md §2):
/// medications named through Medication resources, search Bundles with include and outcome entries, a deceased
/// patient, a draft order for someone else. The synthetic patients cover the rest (components, hasMember, future
/// and partial dates, bounds, no birth date).
/// </summary>
public sealed class RecordShapeHookTests : IClassFixture<SharedCdsHost>
{
    private const string Rx = "http://www.nlm.nih.gov/research/umls/rxnorm";
    private readonly SharedCdsHost _host;

    public RecordShapeHookTests(SharedCdsHost host) => _host = host;

    private static JsonObject MitralWithAf(Action<JsonObject, JsonArray> medications)
    {
        var request = SyntheticPatients.PatientView("Bundle-mitral-candidate.json");
        var conditions = request["prefetch"]!["conditions"]!["entry"]!.AsArray();
        conditions.Add(new JsonObject
        {
            ["resource"] = JsonNode.Parse("""
                {"resourceType":"Condition","id":"af","clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},
                 "code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"I48.91"}]},"subject":{"reference":"Patient/mitral-candidate"},"onsetDateTime":"2024-01-05"}
                """),
        });
        medications(request["prefetch"]!.AsObject(), request["prefetch"]!["medications"]!["entry"]!.AsArray());
        return request;
    }

    private static JsonObject Order(string id, JsonObject medication) => new()
    {
        ["resource"] = new JsonObject
        {
            ["resourceType"] = "MedicationRequest", ["id"] = id, ["status"] = "active", ["intent"] = "order",
            ["subject"] = new JsonObject { ["reference"] = "Patient/mitral-candidate" },
        }.Also(r => { foreach (var (k, v) in medication) { r[k] = v?.DeepClone(); } }),
    };

    private static JsonObject Medication(string id, string code, string display) => new()
    {
        ["resourceType"] = "Medication",
        ["id"] = id,
        ["code"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = Rx, ["code"] = code, ["display"] = display }) },
    };

    public static TheoryData<string> NoacShapes() => ["contained", "included", "own-key", "brand-text", "display-only"];

    [Theory]
    [MemberData(nameof(NoacShapes))]
    public async Task BrandedNoac_WithRheumaticMsAndAf_IsFoundWhereverItSits(string shape)
    {
        var request = MitralWithAf((prefetch, entries) =>
        {
            switch (shape)
            {
                case "contained":
                    entries.Add(Order("mr", new JsonObject
                    {
                        ["contained"] = new JsonArray(Medication("m1", "1364447", "apixaban 5 MG Oral Tablet [Eliquis]")),
                        ["medicationReference"] = new JsonObject { ["reference"] = "#m1" },
                    }));
                    break;
                case "included":
                    entries.Add(Order("mr", new JsonObject { ["medicationReference"] = new JsonObject { ["reference"] = "Medication/eliquis" } }));
                    entries.Add(new JsonObject { ["resource"] = Medication("eliquis", "1364447", "apixaban 5 MG Oral Tablet [Eliquis]"), ["search"] = new JsonObject { ["mode"] = "include" } });
                    break;
                case "own-key":
                    entries.Add(Order("mr", new JsonObject { ["medicationReference"] = new JsonObject { ["reference"] = "Medication/eliquis" } }));
                    prefetch["medicationResources"] = new JsonObject
                    {
                        ["resourceType"] = "Bundle", ["type"] = "searchset",
                        ["entry"] = new JsonArray(new JsonObject { ["resource"] = Medication("eliquis", "1364447", "apixaban 5 MG Oral Tablet [Eliquis]") }),
                    };
                    break;
                case "brand-text":
                    entries.Add(Order("mr", new JsonObject { ["medicationCodeableConcept"] = new JsonObject { ["text"] = "ELIQUIS 5MG TAB" } }));
                    break;
                default:
                    entries.Add(Order("mr", new JsonObject { ["medicationReference"] = new JsonObject { ["reference"] = "Medication/elsewhere", ["display"] = "Eliquis 5 mg" } }));
                    break;
            }
        });

        var (response, body) = await Requests.PostAsync(_host.Server.Client, Requests.PatientView, request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var told = CardContract.AllCodes(CardContract.AssertValid(body));
        Assert.Contains("warn-noac-mitral-stenosis", told);
        Assert.Contains("warn-anticoagulant", told);
        Assert.DoesNotContain("warn-data-unavailable", told);
    }

    [Fact]
    public async Task MedicationReferenceSentNowhere_IsNamedOnTheCard_NotSilentlyIgnored()
    {
        var request = MitralWithAf((_, entries) =>
            entries.Add(Order("mr-unresolved", new JsonObject { ["medicationReference"] = new JsonObject { ["reference"] = "Medication/not-sent" } })));

        var (_, body) = await Requests.PostAsync(_host.Server.Client, Requests.PatientView, request);

        var assessment = CardContract.AssertValid(body).Single(c => CardContract.Contract(c).Topic == "assessment");
        Assert.Contains("warn-data-unavailable", CardContract.Contract(assessment).Codes);
        Assert.Contains("MedicationRequest/mr-unresolved", assessment.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SearchBundles_WithIncludeAndOutcomeEntries_ProduceNoDataUnavailableNote()
    {
        var request = SyntheticPatients.PatientView("Bundle-aortic-candidate.json");
        foreach (var (key, value) in request["prefetch"]!.AsObject().Where(p => p.Key != "patient").ToList())
        {
            var entries = value!["entry"]!.AsArray();
            entries.Add(new JsonObject { ["resource"] = request["prefetch"]!["patient"]!.DeepClone(), ["search"] = new JsonObject { ["mode"] = "include" } });
            entries.Add(new JsonObject
            {
                ["resource"] = new JsonObject { ["resourceType"] = "Practitioner", ["id"] = $"dr-{key}" },
                ["search"] = new JsonObject { ["mode"] = "include" },
            });
            entries.Add(new JsonObject
            {
                ["resource"] = JsonNode.Parse("""{"resourceType":"OperationOutcome","issue":[{"severity":"warning","code":"informational","diagnostics":"some results hidden by consent"}]}"""),
                ["search"] = new JsonObject { ["mode"] = "outcome" },
            });
        }

        // Included Patients serve the patient key too: the EHR may send it only that way.
        request["prefetch"]!.AsObject().Remove("patient");

        var (response, body) = await Requests.PostAsync(_host.Server.Client, Requests.PatientView, request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cards = CardContract.AssertValid(body);
        Assert.Equal(("aortic", "candidate"), (CardContract.Contract(cards[0]).Valve, CardContract.Contract(cards[0]).Decision));
        Assert.DoesNotContain("warn-data-unavailable", CardContract.AllCodes(cards));
    }

    [Fact]
    public async Task EmptySearchWithAnInformationalOutcome_IsNoData_NotAFailure()
    {
        var request = SyntheticPatients.PatientView("Bundle-aortic-candidate.json");
        request["prefetch"]!["procedures"] = JsonNode.Parse("""
            {"resourceType":"Bundle","type":"searchset","total":0,"entry":[{"resource":{"resourceType":"OperationOutcome","issue":[{"severity":"information","code":"informational","diagnostics":"No matches"}]},"search":{"mode":"outcome"}}]}
            """);

        var (response, body) = await Requests.PostAsync(_host.Server.Client, Requests.PatientView, request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("warn-data-unavailable", CardContract.AllCodes(CardContract.AssertValid(body)));
    }

    [Fact]
    public async Task DeceasedPatient_PatientView_AnswersNoCards()
    {
        var request = Requests.Example("patient-view-aortic-bav-candidate.json");
        request["prefetch"]!["patient"]!["deceasedBoolean"] = true;

        var (response, body) = await Requests.PostAsync(_host.Server.Client, Requests.PatientView, request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"cards":[]}""", body!.RootElement.GetRawText());
    }

    [Theory]
    [InlineData(Requests.OrderSelect, "order-select-aortic-bav-candidate.json")]
    [InlineData(Requests.OrderSign, "order-sign-aortic-bav-contraindicated.json")]
    public async Task DeceasedPatient_ValveOrder_GetsOneWarning(string path, string example)
    {
        var request = Requests.Example(example);
        request["prefetch"]!["patient"]!["deceasedDateTime"] = "2026-11-20";

        var (response, body) = await Requests.PostAsync(_host.Server.Client, path, request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var card = Assert.Single(CardContract.AssertValid(body));
        Assert.Equal("warning", card.GetProperty("indicator").GetString());
        Assert.Equal(("safety", "aortic", "not-candidate"), (CardContract.Contract(card).Topic, CardContract.Contract(card).Valve, CardContract.Contract(card).Decision));
        Assert.Equal(["warn-patient-deceased"], CardContract.Contract(card).Codes);
        Assert.Contains("deceased", card.GetProperty("summary").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Patient/someone-else")]
    [InlineData("https://ehr.example.org/fhir/Patient/someone-else")]
    public async Task DraftOrderForAnotherPatient_Is400_NamingTheEntry(string subject)
    {
        var request = Requests.Example("order-select-aortic-bav-candidate.json");
        var entries = request["context"]!["draftOrders"]!["entry"]!.AsArray();
        var other = entries[0]!.DeepClone();
        other["resource"]!["id"] = "for-someone-else";
        other["resource"]!["subject"] = new JsonObject { ["reference"] = subject };
        entries.Add(other);

        var (response, body) = await Requests.PostAsync(_host.Server.Client, Requests.OrderSelect, request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var issue = Assert.Single(body!.RootElement.GetProperty("issue").EnumerateArray());
        Assert.Equal($"context.draftOrders.entry[{entries.Count - 1}]", issue.GetProperty("expression")[0].GetString());
    }

    [Fact]
    public async Task DraftOrderWithALowercaseResourceType_IsUnreadable_NotAServiceRequest()
    {
        var request = Requests.Example("order-select-aortic-bav-candidate.json");
        request["context"]!["draftOrders"]!["entry"]![0]!["resource"]!["resourceType"] = "serviceRequest";

        var (response, body) = await Requests.PostAsync(_host.Server.Client, Requests.OrderSelect, request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(CardContract.AssertValid(body));
    }
}

/// <summary>The FHIR fallback reads a Medication that a fetched MedicationRequest only references.</summary>
public sealed class MedicationReferenceFallbackTests : IDisposable
{
    private readonly FhirServerStub _fhir = new();
    private readonly CdsTestHost _host = new(new Dictionary<string, string?> { ["Fhir:AllowLoopback"] = "true", ["Fhir:RequireHttps"] = "false" });

    [Theory]
    [InlineData(200, true)]
    [InlineData(404, false)]
    public async Task ReferencedMedication_IsReadFromTheSameServer_OrTheOrderIsNamedAsUnchecked(int status, bool found)
    {
        var request = SyntheticPatients.PatientView("Bundle-aortic-candidate.json");
        _fhir.ServeRecordOf(request, except: "medications");
        _fhir.Serve("MedicationRequest", """
            {"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"MedicationRequest","id":"mr","status":"active","intent":"order",
              "subject":{"reference":"Patient/aortic-candidate"},"medicationReference":{"reference":"Medication/coumadin-5"}}}]}
            """, "aortic-candidate");
        _fhir.Server.Given(Request.Create().WithPath("/fhir/Medication/coumadin-5").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(status).WithHeader("Content-Type", "application/fhir+json").WithBody(status == 200
                ? """{"resourceType":"Medication","id":"coumadin-5","code":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"855334","display":"Warfarin 5 MG Oral Tablet [Coumadin]"}]}}"""
                : """{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found"}]}"""));

        var (response, body) = await Requests.PostAsync(_host.Client, Requests.PatientView, _fhir.WithFhirServer(request, true, "medications"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var told = CardContract.AllCodes(CardContract.AssertValid(body));
        Assert.Equal(found, told.Contains("warn-anticoagulant"));
        Assert.Equal(!found, told.Contains("warn-data-unavailable"));
        Assert.Contains("/fhir/Medication/coumadin-5", _fhir.RequestedPaths);
        Assert.All(_fhir.AuthorizationHeaders, h => Assert.Equal($"Bearer {FhirServerStub.Token}", h));
    }

    public void Dispose()
    {
        _host.Dispose();
        _fhir.Dispose();
    }
}

internal static class JsonObjectExtensions
{
    public static JsonObject Also(this JsonObject node, Action<JsonObject> edit)
    {
        edit(node);
        return node;
    }
}
