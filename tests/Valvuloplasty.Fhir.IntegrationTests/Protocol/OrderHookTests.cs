using System.Net;
using System.Text.Json.Nodes;
using Valvuloplasty.Fhir.IntegrationTests.Infrastructure;

namespace Valvuloplasty.Fhir.IntegrationTests.Protocol;

/// <summary>docs/clinical-rules.md §8 through the real host: only the ordered valve, delete suggestions, critical on order-sign.</summary>
public sealed class OrderHookTests : IDisposable
{
    private readonly CdsTestHost _host = new();

    [Fact]
    public async Task OrderSelect_BavForACandidate_IsSupported_WithBridgeEducationAndSafety()
    {
        var (response, body) = await Requests.PostAsync(_host.Client, Requests.OrderSelect, Requests.Example("order-select-aortic-bav-candidate.json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cards = CardContract.AssertValid(body);
        Assert.Equal(["assessment", "bridge-to-tavr", "education", "safety"], cards.Select(c => CardContract.Contract(c).Topic));
        Assert.Equal("info", cards[0].GetProperty("indicator").GetString());
        Assert.DoesNotContain(cards[0].GetProperty("suggestions").EnumerateArray(), s => s.GetProperty("actions")[0].GetProperty("type").GetString() == "delete");
    }

    [Fact]
    public async Task OrderSign_BavWithSevereAorticRegurgitation_IsCritical_AndOffersToDeleteTheDraft()
    {
        var (response, body) = await Requests.PostAsync(_host.Client, Requests.OrderSign, Requests.Example("order-sign-aortic-bav-contraindicated.json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cards = CardContract.AssertValid(body);
        var assessment = cards[0];
        Assert.Equal("critical", assessment.GetProperty("indicator").GetString());
        var contract = CardContract.Contract(assessment);
        Assert.Equal(("aortic", "not-candidate", "no"), (contract.Valve, contract.Decision, contract.Bridge));
        Assert.Contains("warn-aortic-regurgitation", contract.Codes);
        var delete = assessment.GetProperty("suggestions").EnumerateArray()
            .Single(s => s.GetProperty("actions")[0].GetProperty("type").GetString() == "delete");
        Assert.Equal("ServiceRequest/bav-draft-2", delete.GetProperty("actions")[0].GetProperty("resourceId").GetString());
        // The not-candidate decision does not present the procedure risk list; the anticoagulation warning stays (a balloon order is drafted).
        Assert.DoesNotContain(cards, card => CardContract.Contract(card).Topic == "education");
        Assert.Contains(cards, card => CardContract.Contract(card).Codes.Contains("warn-anticoagulant"));
    }

    [Fact]
    public async Task OrderSelect_SameContraindication_IsAWarningNotCritical()
    {
        var request = Requests.Example("order-sign-aortic-bav-contraindicated.json");
        request["hook"] = "order-select";
        request["context"]!["selections"] = new JsonArray("ServiceRequest/bav-draft-2");

        var (_, body) = await Requests.PostAsync(_host.Client, Requests.OrderSelect, request);

        Assert.Equal("warning", CardContract.AssertValid(body)[0].GetProperty("indicator").GetString());
    }

    [Fact]
    public async Task OrderSign_PmbcForAPatientWithoutMitralStenosis_IsGapNoDiagnosis()
    {
        var request = Requests.Example("order-select-aortic-bav-candidate.json");
        request["hook"] = "order-sign";
        request.AsObject()["context"]!.AsObject().Remove("selections");
        var order = request["context"]!["draftOrders"]!["entry"]![0]!["resource"]!;
        order["code"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://www.ama-assn.org/go/cpt", ["code"] = "92987" }) };

        var (_, body) = await Requests.PostAsync(_host.Client, Requests.OrderSign, request);

        var cards = CardContract.AssertValid(body);
        var contract = CardContract.Contract(cards[0]);
        Assert.Equal(("mitral", "insufficient-data"), (contract.Valve, contract.Decision));
        Assert.Contains("gap-no-diagnosis", contract.Codes);
        Assert.Equal("warning", cards[0].GetProperty("indicator").GetString());
        Assert.DoesNotContain(cards, c => CardContract.Contract(c).Valve == "aortic");
    }

    [Fact]
    public async Task OrderSelect_UnrelatedOrder_ReturnsNoCards()
    {
        var request = Requests.Example("order-select-aortic-bav-candidate.json");
        request["context"]!["draftOrders"]!["entry"]![0]!["resource"]!["code"] = new JsonObject { ["text"] = "Complete blood count" };

        var (response, body) = await Requests.PostAsync(_host.Client, Requests.OrderSelect, request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(CardContract.AssertValid(body));
    }

    [Fact]
    public async Task OrderSelect_TavrDraftedForABavCandidate_SuggestsBavAsABridge()
    {
        var request = Requests.Example("order-select-aortic-bav-candidate.json");
        request["context"]!["draftOrders"]!["entry"]![0]!["resource"]!["code"] = new JsonObject
        {
            ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://www.ama-assn.org/go/cpt", ["code"] = "33361" }),
        };

        var (_, body) = await Requests.PostAsync(_host.Client, Requests.OrderSelect, request);

        var card = Assert.Single(CardContract.AssertValid(body));
        Assert.Equal(("bridge-to-tavr", "yes"), (CardContract.Contract(card).Topic, CardContract.Contract(card).Bridge));
        Assert.Contains("consider BAV as a bridge", card.GetProperty("summary").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OrderSign_TavrDraftedForAStableNonCandidate_GetsTheTavrEducationLinkOnly()
    {
        var request = Requests.Example("order-sign-aortic-bav-contraindicated.json");
        request["context"]!["draftOrders"]!["entry"]![0]!["resource"]!["code"] = new JsonObject
        {
            ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://snomed.info/sct", ["code"] = "773996000" }),
        };

        var (_, body) = await Requests.PostAsync(_host.Client, Requests.OrderSign, request);

        var card = Assert.Single(CardContract.AssertValid(body));
        Assert.Equal(("education", "not-candidate"), (CardContract.Contract(card).Topic, CardContract.Contract(card).Decision));
        Assert.Equal("absolute", card.GetProperty("links")[0].GetProperty("type").GetString());
    }

    [Fact]
    public async Task OrderSign_DraftOrdersInSandboxShape_AreReadLeniently()
    {
        // The public sandbox sends draftOrders without Bundle.type and MedicationRequests with category as an object.
        var request = Requests.Example("order-select-aortic-bav-candidate.json");
        request["hook"] = "order-sign";
        var drafts = request["context"]!["draftOrders"]!.AsObject();
        drafts.Remove("type");
        drafts["entry"]!.AsArray().Add(new JsonObject
        {
            ["resource"] = new JsonObject { ["resourceType"] = "MedicationRequest", ["id"] = "m1", ["status"] = "draft", ["category"] = new JsonObject { ["text"] = "outpatient" } },
        });

        var (response, body) = await Requests.PostAsync(_host.Client, Requests.OrderSign, request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("candidate", CardContract.Contract(CardContract.AssertValid(body)[0]).Decision);
    }

    public void Dispose() => _host.Dispose();
}
