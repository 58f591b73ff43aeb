using System.Net;
using System.Text.Json.Nodes;
using Valvuloplasty.Fhir.IntegrationTests.Infrastructure;

namespace Valvuloplasty.Fhir.IntegrationTests.Rules;

/// <summary>
/// Every synthetic patient of profiles/examples/patients/ through the real host: the decision, the bridge
/// flag and the codes of the card contract are those expected.json states (one row per clinical situation).
/// </summary>
public sealed class SyntheticPatientTests : IClassFixture<SharedCdsHost>
{
    private readonly SharedCdsHost _host;

    public SyntheticPatientTests(SharedCdsHost host) => _host = host;


    public static TheoryData<ExpectedOutcome> Patients() => [.. SyntheticPatients.Expected];

    [Fact]
    public void TheSyntheticPatients_CoverEveryDecisionOfEveryValve()
    {
        var covered = SyntheticPatients.Expected.Select(e => (e.Valve, e.Decision)).ToHashSet();

        foreach (var valve in new[] { "aortic", "mitral", "pulmonary" })
        {
            foreach (var decision in new[] { "candidate", "candidate-with-caution", "not-candidate", "insufficient-data", "post-procedure" })
            {
                Assert.Contains((valve, decision), covered);
            }
        }

        Assert.True(SyntheticPatients.Expected.Count >= 20);
    }

    [Theory]
    [MemberData(nameof(Patients))]
    public async Task PatientView_ReachesTheExpectedDecision(ExpectedOutcome expected)
    {
        var (response, body) = await Requests.PostAsync(_host.Server.Client, Requests.PatientView, SyntheticPatients.PatientView(expected.File));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cards = CardContract.AssertValid(body);
        if (expected.Decision == ExpectedOutcome.NoCard)
        {
            Assert.Empty(cards);
            return;
        }

        var assessment = Assert.Single(cards.Select(CardContract.Contract), c => c.Topic == "assessment" && c.Valve == expected.Valve);
        Assert.Equal(expected.Decision, assessment.Decision);
        Assert.Equal(expected.BridgeToTavr, assessment.Bridge);
        foreach (var code in expected.Codes)
        {
            Assert.Contains(code, assessment.Codes);
        }

        // The risk list goes with a procedure that may go ahead, never with a refusal or a data gap.
        var education = cards.Select(CardContract.Contract).Where(c => c.Topic == "education" && c.Valve == expected.Valve).ToList();
        if (expected.Decision is "not-candidate" or "insufficient-data")
        {
            Assert.Empty(education);
        }
        else
        {
            Assert.Contains("care-return-precautions", Assert.Single(education).Codes);
        }

        var bridge = cards.Select(CardContract.Contract).Where(c => c.Topic == "bridge-to-tavr").ToList();
        Assert.Equal(expected.BridgeToTavr == "yes", bridge.Count == 1);

        // Every code the response must convey beyond the assessment (safety and education cards).
        var told = CardContract.AllCodes(cards);
        foreach (var code in expected.ResponseCodes ?? [])
        {
            Assert.Contains(code, told);
        }

        // An ordinary record says nothing about data it could not read.
        Assert.DoesNotContain("warn-data-unavailable", told);
    }

    public static TheoryData<ExpectedOutcome> MitralAndPulmonaryPatients() => [.. SyntheticPatients.Expected.Where(e => e.Valve != "aortic")];

    [Theory]
    [MemberData(nameof(MitralAndPulmonaryPatients))]
    public async Task MitralAndPulmonaryCards_NeverNameTavrAsTheNextProcedure(ExpectedOutcome expected)
    {
        var (_, body) = await Requests.PostAsync(_host.Server.Client, Requests.PatientView, SyntheticPatients.PatientView(expected.File));

        foreach (var card in CardContract.AssertValid(body))
        {
            var text = card.GetProperty("summary").GetString() + card.GetProperty("detail").GetString();
            Assert.DoesNotContain("TAVR", text, StringComparison.Ordinal);
            Assert.DoesNotContain("aortic valve replacement", text, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Theory]
    [InlineData("Bundle-mitral-candidate.json", "repeat balloon commissurotomy or mitral valve surgery")]
    [InlineData("Bundle-pulmonary-candidate.json", "repeat balloon procedure or pulmonary valve replacement")]
    [InlineData("Bundle-aortic-candidate.json", "TAVR or surgical aortic valve replacement")]
    public async Task NotPermanentLine_NamesTheNextProcedureOfTheValve(string file, string next)
    {
        var (_, body) = await Requests.PostAsync(_host.Server.Client, Requests.PatientView, SyntheticPatients.PatientView(file));

        var education = CardContract.AssertValid(body).Single(c => CardContract.Contract(c).Topic == "education");
        Assert.Contains(next, education.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("verificationStatus", "entered-in-error")]
    [InlineData("verificationStatus", "refuted")]
    [InlineData("clinicalStatus", "resolved")]
    [InlineData("clinicalStatus", "inactive")]
    public async Task StenosisEnteredInErrorRefutedOrResolved_ProducesNoCard(string element, string code)
    {
        var system = element == "verificationStatus"
            ? "http://terminology.hl7.org/CodeSystem/condition-ver-status"
            : "http://terminology.hl7.org/CodeSystem/condition-clinical";
        var request = SyntheticPatients.PatientView("Bundle-aortic-candidate.json", resource =>
        {
            if (resource["resourceType"]!.GetValue<string>() == "Condition")
            {
                resource[element] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = system, ["code"] = code }) };
            }
        });

        var (response, body) = await Requests.PostAsync(_host.Server.Client, Requests.PatientView, request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(CardContract.AssertValid(body));
    }

    [Fact]
    public async Task EnteredInErrorEcho_IsNotEvidence()
    {
        var request = SyntheticPatients.PatientView("Bundle-aortic-candidate.json", resource =>
        {
            if (resource["resourceType"]!.GetValue<string>() == "Observation" && resource["code"]!.ToJsonString().Contains("79964-3", StringComparison.Ordinal))
            {
                resource["status"] = "entered-in-error";
            }
        });

        var (_, body) = await Requests.PostAsync(_host.Server.Client, Requests.PatientView, request);

        var assessment = CardContract.AssertValid(body)[0];
        Assert.DoesNotContain("Aortic Vmax", assessment.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
