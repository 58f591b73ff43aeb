using System.Text;
using Valvuloplasty.Fhir.CdsHooks.Hooks;
using Valvuloplasty.Fhir.CdsHooks.Protocol;
using Valvuloplasty.Fhir.Data.Prefetch;

namespace Valvuloplasty.Fhir.UnitTests.Protocol;

public sealed class CdsRequestReaderTests
{
    private static readonly CdsService PatientView = CdsServiceCatalog.Find("valvuloplasty-patient-view")!;
    private static readonly CdsService OrderSelect = CdsServiceCatalog.Find("valvuloplasty-order-select")!;

    private const string Valid = """
        {"hook":"patient-view","hookInstance":"d1577c69-dfbe-44ad-ba6d-3e05e953b2ea","unknownMember":{"x":[1,2]},
         "context":{"userId":"Practitioner/1","patientId":"p-1.2","encounterId":"e1","extra":true},
         "prefetch":{"patient":{"resourceType":"Patient","id":"p-1.2"},"conditions":null,
                     "observations":{"resourceType":"OperationOutcome","issue":[]},"procedures":"nope",
                     "serviceRequests":{"resourceType":"Bundle","entry":[]}}}
        """;

    private static (HookRequest? Request, IReadOnlyList<RequestIssue> Issues) Read(string json, CdsService? service = null) =>
        CdsRequestReader.Read(Encoding.UTF8.GetBytes(json), service ?? PatientView, 64, FhirJsonReader.Shared);

    [Fact]
    public void Read_ValidRequest_ParsesTheEnvelope_AndEachPrefetchKeyOnItsOwn()
    {
        var (request, issues) = Read(Valid);

        Assert.Empty(issues);
        Assert.Equal(("p-1.2", "e1"), (request!.Context.PatientId, request.Context.EncounterId));
        Assert.Equal(PrefetchState.Resources, request.Prefetch["patient"].State);
        Assert.Equal(PrefetchState.Null, request.Prefetch["conditions"].State);
        Assert.Equal(PrefetchState.OperationOutcome, request.Prefetch["observations"].State);
        Assert.Equal(PrefetchState.Unreadable, request.Prefetch["procedures"].State);
        Assert.Equal(PrefetchState.Resources, request.Prefetch["serviceRequests"].State);
        Assert.False(request.Prefetch.ContainsKey("medications"));
    }

    [Fact]
    public void Read_CollectsEveryProblem_WithItsLocation()
    {
        var (request, issues) = Read("""{"hook":"order-sign","hookInstance":"x","context":{"patientId":5},"fhirAuthorization":{"access_token":"t"}}""");

        Assert.Null(request);
        Assert.Equal(
            ["context.patientId", "context.userId", "fhirAuthorization.expires_in", "fhirAuthorization.scope", "fhirAuthorization.subject", "fhirAuthorization.token_type", "fhirServer", "hook", "hookInstance"],
            issues.Select(i => i.Location).Distinct().Order());
    }

    [Fact]
    public void Read_FhirAuthorization_IsReadButNeverPrinted()
    {
        var (request, issues) = Read(Valid.Replace("\"unknownMember\"", """
            "fhirServer":"https://ehr.example.org/fhir","fhirAuthorization":{"access_token":"secret-token-value","token_type":"Bearer","expires_in":300,"scope":"patient/*.read","subject":"cds"},"unknownMember"
            """, StringComparison.Ordinal));

        Assert.Empty(issues);
        Assert.Equal("secret-token-value", request!.FhirAuthorization!.AccessToken);
        Assert.DoesNotContain("secret-token-value", request.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_OrderSelect_ReadsDraftOrdersLeniently()
    {
        var (request, issues) = Read("""
            {"hook":"order-select","hookInstance":"d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
             "context":{"userId":"Practitioner/1","patientId":"p1","selections":["ServiceRequest/bav"],
               "draftOrders":{"resourceType":"Bundle","entry":[
                 {"resource":{"resourceType":"ServiceRequest","id":"bav","status":"draft","code":{"coding":[{"system":"http://www.ama-assn.org/go/cpt","code":"92986"}]}}},
                 {"resource":{"resourceType":"MedicationRequest","id":"m","category":{"text":"odd"}}},
                 {"resource":{"resourceType":"Bogus"}}]}}}
            """, OrderSelect);

        Assert.Empty(issues);
        Assert.Equal(["bav", "m"], request!.Context.DraftOrders.Select(r => r.Id));
        Assert.Single(request.Context.DraftOrderProblems);
        Assert.Equal(["ServiceRequest/bav"], request.Context.Selections);
    }
}
