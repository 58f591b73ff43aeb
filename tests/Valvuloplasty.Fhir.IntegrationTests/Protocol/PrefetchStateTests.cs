using System.Net;
using System.Text.Json.Nodes;
using Valvuloplasty.Fhir.IntegrationTests.Infrastructure;

namespace Valvuloplasty.Fhir.IntegrationTests.Protocol;

/// <summary>The four states of a prefetch key (CDS Hooks 2.0): absent, null, resource/Bundle, OperationOutcome.</summary>
public sealed class PrefetchStateTests : IDisposable
{
    private static readonly JsonObject FailedOutcome = new()
    {
        ["resourceType"] = "OperationOutcome",
        ["issue"] = new JsonArray(new JsonObject { ["severity"] = "error", ["code"] = "timeout" }),
    };

    private readonly CdsTestHost _host = new();

    [Fact]
    public async Task RequiredKeyAbsent_WithoutFhirFallback_Returns412NamingTheKey()
    {
        var request = Requests.Example("patient-view-aortic-bav-candidate.json");
        request["prefetch"]!.AsObject().Remove("observations");

        var (response, body) = await Requests.PostAsync(_host.Client, Requests.PatientView, request);

        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        HookCallTests.AssertOutcome(body, "prefetch.observations");
    }

    [Fact]
    public async Task NoPrefetchAtAll_Returns412NamingEveryRequiredKey()
    {
        var request = Requests.Example("patient-view-aortic-bav-candidate.json");
        request.Remove("prefetch");

        var (response, body) = await Requests.PostAsync(_host.Client, Requests.PatientView, request);

        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        HookCallTests.AssertOutcome(body, "prefetch.patient");
        HookCallTests.AssertOutcome(body, "prefetch.conditions");
        HookCallTests.AssertOutcome(body, "prefetch.observations");
    }

    [Fact]
    public async Task RequiredKeyNull_MeansNoData_AndTheRulesSayNoEcho()
    {
        var request = Requests.Example("patient-view-aortic-bav-candidate.json");
        request["prefetch"]!["observations"] = null;

        var (response, body) = await Requests.PostAsync(_host.Client, Requests.PatientView, request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var assessment = CardContract.Contract(CardContract.AssertValid(body)[0]);
        Assert.Equal(("insufficient-data", "deferred"), (assessment.Decision, assessment.Bridge));
        Assert.Contains("gap-no-echo", assessment.Codes);
    }

    [Fact]
    public async Task OptionalKeyNull_IsNotAnError_AndChangesOnlyWhatItHolds()
    {
        var request = Requests.Example("patient-view-aortic-bav-candidate.json");
        request["prefetch"]!["medications"] = null;

        var (response, body) = await Requests.PostAsync(_host.Client, Requests.PatientView, request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cards = CardContract.AssertValid(body);
        Assert.Equal("candidate", CardContract.Contract(cards[0]).Decision);
        Assert.DoesNotContain("warn-anticoagulant", CardContract.AllCodes(cards));
        Assert.DoesNotContain("warn-data-unavailable", CardContract.AllCodes(cards));
    }

    [Fact]
    public async Task RequiredKeyOperationOutcome_WithoutFhirFallback_Returns412()
    {
        var request = Requests.Example("patient-view-aortic-bav-candidate.json");
        request["prefetch"]!["conditions"] = FailedOutcome.DeepClone();

        var (response, body) = await Requests.PostAsync(_host.Client, Requests.PatientView, request);

        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        HookCallTests.AssertOutcome(body, "prefetch.conditions");
    }

    [Fact]
    public async Task RequiredKeyBundleOfOperationOutcomes_CountsAsFailure()
    {
        var request = Requests.Example("patient-view-aortic-bav-candidate.json");
        request["prefetch"]!["conditions"] = new JsonObject
        {
            ["resourceType"] = "Bundle",
            ["type"] = "searchset",
            ["entry"] = new JsonArray(new JsonObject { ["resource"] = FailedOutcome.DeepClone() }),
        };

        var (response, _) = await Requests.PostAsync(_host.Client, Requests.PatientView, request);

        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
    }

    [Fact]
    public async Task OptionalKeyOperationOutcome_Degrades_AndTheCardSaysWhatWasNotRead()
    {
        var request = Requests.Example("patient-view-aortic-bav-candidate.json");
        request["prefetch"]!["medications"] = FailedOutcome.DeepClone();

        var (response, body) = await Requests.PostAsync(_host.Client, Requests.PatientView, request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cards = CardContract.AssertValid(body);
        Assert.Contains("warn-data-unavailable", CardContract.Contract(cards[0]).Codes);
        Assert.Contains("medications could not be read", cards[0].GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OneMalformedKey_DoesNotFailTheOthers()
    {
        var request = Requests.Example("patient-view-aortic-bav-candidate.json");
        request["prefetch"]!["procedures"] = "not a bundle";

        var (response, body) = await Requests.PostAsync(_host.Client, Requests.PatientView, request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var assessment = CardContract.Contract(CardContract.AssertValid(body)[0]);
        Assert.Equal("candidate", assessment.Decision);
        Assert.Contains("warn-data-unavailable", assessment.Codes);
    }

    [Fact]
    public async Task OneUnreadableEntry_IsSkipped_AndTheRestOfTheBundleIsUsed()
    {
        var request = Requests.Example("patient-view-aortic-bav-candidate.json");
        var entries = request["prefetch"]!["observations"]!["entry"]!.AsArray();
        entries.Add(new JsonObject { ["resource"] = new JsonObject { ["resourceType"] = "Observation", ["status"] = new JsonArray(1, 2) } });
        entries.Add(new JsonObject { ["resource"] = new JsonObject { ["resourceType"] = "NoSuchType", ["id"] = "x" } });

        var (response, body) = await Requests.PostAsync(_host.Client, Requests.PatientView, request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var assessment = CardContract.AssertValid(body)[0];
        Assert.Equal("candidate", CardContract.Contract(assessment).Decision);
        Assert.Contains("Part of the patient's observations could not be used", assessment.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResourcesOfAnotherPatientOrType_AreDropped()
    {
        var request = Requests.Example("patient-view-aortic-bav-candidate.json");
        // The only aortic stenosis now belongs to someone else; a Patient sits in the conditions Bundle.
        var conditions = request["prefetch"]!["conditions"]!["entry"]!.AsArray();
        conditions[0]!["resource"]!["subject"]!["reference"] = "Patient/someone-else";
        conditions.Add(new JsonObject { ["resource"] = new JsonObject { ["resourceType"] = "Patient", ["id"] = "bav-candidate-1" } });

        var (response, body) = await Requests.PostAsync(_host.Client, Requests.PatientView, request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(CardContract.AssertValid(body));
    }

    public void Dispose() => _host.Dispose();
}
