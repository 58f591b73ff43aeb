using System.Net;
using System.Text.Json;
using Valvuloplasty.Fhir.IntegrationTests.Infrastructure;

namespace Valvuloplasty.Fhir.IntegrationTests.Protocol;

public sealed class HookCallTests : IDisposable
{
    private readonly CdsTestHost _host = new();

    [Fact]
    public async Task PatientView_SevereSymptomaticAsAtHighRisk_ReturnsCandidateBridgeEducationAndSafetyCards()
    {
        var (response, body) = await Requests.PostAsync(_host.Client, Requests.PatientView, Requests.Example("patient-view-aortic-bav-candidate.json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cards = CardContract.AssertValid(body);
        var contracts = cards.Select(CardContract.Contract).ToList();
        Assert.Equal(["assessment", "bridge-to-tavr", "education", "safety"], contracts.Select(c => c.Topic));
        Assert.All(contracts, c => Assert.Equal(("aortic", "candidate", "yes"), (c.Valve, c.Decision, c.Bridge)));
        Assert.Contains("risk-embolism", contracts[2].Codes);
        Assert.Equal(["warn-anticoagulant"], contracts[3].Codes);

        var assessment = cards[0];
        Assert.Equal("info", assessment.GetProperty("indicator").GetString());
        var detail = assessment.GetProperty("detail").GetString()!;
        Assert.Contains("Observation/echo-vmax-1", detail, StringComparison.Ordinal);
        Assert.Contains("Diagnosis: Severe aortic stenosis (Condition/as-1", detail, StringComparison.Ordinal);
        Assert.Contains("AHA20: balloon aortic valvuloplasty as a bridge to SAVR or TAVI", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PatientView_SuggestedOrders_AreFullServiceRequestsForThePatient()
    {
        var (_, body) = await Requests.PostAsync(_host.Client, Requests.PatientView, Requests.Example("patient-view-aortic-bav-candidate.json"));

        var bridge = CardContract.AssertValid(body)[1];
        var action = bridge.GetProperty("suggestions")[0].GetProperty("actions")[0];
        Assert.Equal("create", action.GetProperty("type").GetString());
        var resource = action.GetProperty("resource");
        Assert.Equal("ServiceRequest", resource.GetProperty("resourceType").GetString());
        Assert.Equal("Patient/bav-candidate-1", resource.GetProperty("subject").GetProperty("reference").GetString());
        Assert.Equal("tavr-evaluation", resource.GetProperty("code").GetProperty("coding")[0].GetProperty("code").GetString());
    }

    [Fact]
    public async Task PatientView_NoValveDisease_ReturnsEmptyCards()
    {
        // A Synthea/US Core-shaped record: hypertension, prediabetes, obesity, resolved infections, two drugs.
        var request = Requests.Fixture("patient-view-synthea-no-valve-disease.json");

        var (response, body) = await Requests.PostAsync(_host.Client, Requests.PatientView, request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(CardContract.AssertValid(body));
        Assert.Equal("{\"cards\":[]}", body!.RootElement.GetRawText());
    }

    [Fact]
    public async Task PatientView_PrefetchPatientIsAnotherPatient_IsNotUsed()
    {
        // The context names one patient, the prefetch carries another's record: the data is for someone else.
        var request = Requests.Fixture("patient-view-prefetch-of-another-patient.json");

        var (response, body) = await Requests.PostAsync(_host.Client, Requests.PatientView, request);

        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        AssertOutcome(body, "prefetch.patient");
    }

    [Fact]
    public async Task UnknownService_Returns404WithOperationOutcome()
    {
        var (response, body) = await Requests.PostAsync(_host.Client, "/cds-services/no-such-service", Requests.Example("patient-view-aortic-bav-candidate.json"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        AssertOutcome(body);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task HookCall_NotJson_Returns415(string contentType)
    {
        var body = Requests.Example("patient-view-aortic-bav-candidate.json").ToJsonString();

        var (response, outcome) = await Requests.PostAsync(_host.Client, Requests.PatientView, Requests.Json(body, contentType));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        AssertOutcome(outcome);
    }

    [Fact]
    public async Task HookCall_FhirJsonMediaType_IsAccepted()
    {
        var body = Requests.Example("patient-view-aortic-bav-candidate.json").ToJsonString();

        var (response, _) = await Requests.PostAsync(_host.Client, Requests.PatientView, Requests.Json(body, "application/fhir+json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task HookCall_OverTheDefault5MbLimit_Returns413()
    {
        var request = Requests.Example("patient-view-aortic-bav-candidate.json");
        request["padding"] = new string('x', 5 * 1024 * 1024);

        var (response, body) = await Requests.PostAsync(_host.Client, Requests.PatientView, request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        AssertOutcome(body);
    }

    [Fact]
    public async Task HookCall_OverTheLimit_WithExpect100Continue_Returns413BeforeTheBodyIsSent()
    {
        var request = Requests.Example("patient-view-aortic-bav-candidate.json");
        request["padding"] = new string('x', 5 * 1024 * 1024);
        using var message = new HttpRequestMessage(HttpMethod.Post, Requests.PatientView) { Content = Requests.Json(request) };
        message.Headers.ExpectContinue = true;

        var response = await _host.Client.SendAsync(message, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task HookCall_ChunkedBodyOverTheLimit_Returns413()
    {
        using var host = new CdsTestHost(new Dictionary<string, string?> { ["CdsHooks:MaxRequestBodyBytes"] = "4096" });
        var content = new StreamContent(new MemoryStream(new byte[20_000]));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var message = new HttpRequestMessage(HttpMethod.Post, Requests.PatientView) { Content = content };
        message.Headers.TransferEncodingChunked = true;

        var response = await host.Client.SendAsync(message, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task HookCall_HookOfAnotherService_Returns400NamingHook()
    {
        var request = Requests.Example("patient-view-aortic-bav-candidate.json");
        request["hook"] = "order-sign";

        var (response, body) = await Requests.PostAsync(_host.Client, Requests.PatientView, request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        AssertOutcome(body, "hook");
    }

    [Fact]
    public async Task OrderSign_WithoutDraftOrders_Returns400NamingDraftOrders()
    {
        var request = Requests.Example("patient-view-aortic-bav-candidate.json");
        request["hook"] = "order-sign";

        var (response, body) = await Requests.PostAsync(_host.Client, Requests.OrderSign, request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        AssertOutcome(body, "context.draftOrders");
    }

    public void Dispose() => _host.Dispose();

    /// <summary>Asserts an OperationOutcome body, optionally with an issue at <paramref name="expression"/>.</summary>
    internal static void AssertOutcome(JsonDocument? body, string? expression = null)
    {
        Assert.NotNull(body);
        Assert.Equal("OperationOutcome", body.RootElement.GetProperty("resourceType").GetString());
        var issues = body.RootElement.GetProperty("issue").EnumerateArray().ToList();
        Assert.NotEmpty(issues);
        Assert.All(issues, i => Assert.False(string.IsNullOrWhiteSpace(i.GetProperty("diagnostics").GetString())));
        if (expression is not null)
        {
            Assert.Contains(issues, i => i.TryGetProperty("expression", out var e) && e[0].GetString() == expression);
        }

        Assert.DoesNotContain("   at ", body.RootElement.GetRawText(), StringComparison.Ordinal);
    }
}
