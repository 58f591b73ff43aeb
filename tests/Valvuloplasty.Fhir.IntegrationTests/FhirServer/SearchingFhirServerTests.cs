using System.Net;
using System.Text.Json.Nodes;
using Valvuloplasty.Fhir.IntegrationTests.Infrastructure;

namespace Valvuloplasty.Fhir.IntegrationTests.FhirServer;

/// <summary>
/// The FHIR fallback against a server that implements search (Medplum's in-memory repository): the prefetch
/// templates' filters must return what the rules read. An echo study whose values are only components is found
/// because its panel code is in the observations filter (a code= search never matches a component's code).
/// </summary>
public sealed class SearchingFhirServerTests : IClassFixture<FhirSearchServer>, IDisposable
{
    private readonly FhirSearchServer _fhir;
    private readonly CdsTestHost _host = new(new Dictionary<string, string?> { ["Fhir:AllowLoopback"] = "true", ["Fhir:RequireHttps"] = "false" });

    public SearchingFhirServerTests(FhirSearchServer fhir) => _fhir = fhir;

    private async Task<IReadOnlyList<System.Text.Json.JsonElement>> HookWithoutPrefetchAsync(string patientFile)
    {
        Assert.SkipWhen(_fhir.SkipReason is not null, _fhir.SkipReason ?? string.Empty);
        await _fhir.LoadPatientAsync(patientFile);
        var request = SyntheticPatients.PatientView(patientFile);
        request.Remove("prefetch");
        request["fhirServer"] = _fhir.BaseUrl;

        var (response, body) = await Requests.PostAsync(_host.Client, Requests.PatientView, request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return CardContract.AssertValid(body);
    }

    [Theory]
    [InlineData("Bundle-aortic-echo-components.json")]  // one study Observation, values as components
    [InlineData("Bundle-aortic-echo-hasmember.json")]   // a panel and its members
    [InlineData("Bundle-aortic-candidate.json")]        // one Observation per measurement
    public async Task EchoShapes_AreFetchedByTheObservationTemplate_AndDecided(string file)
    {
        var cards = await HookWithoutPrefetchAsync(file);

        var assessment = CardContract.Contract(cards[0]);
        Assert.Equal(("assessment", "aortic", "candidate"), (assessment.Topic, assessment.Valve, assessment.Decision));
        Assert.Contains("| Aortic Vmax | 4.5 m/s |", cards[0].GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ComponentCodes_AloneWouldNotFindTheStudy_TheFilterNeedsThePanelCode()
    {
        // The same search the template makes, without the panel code: a component's code is never Observation.code.
        Assert.SkipWhen(_fhir.SkipReason is not null, _fhir.SkipReason ?? string.Empty);
        await _fhir.LoadPatientAsync("Bundle-aortic-echo-components.json");
        using var http = new HttpClient();

        var withoutPanel = JsonNode.Parse(await http.GetStringAsync($"{_fhir.BaseUrl}/Observation?patient=aortic-echo-components&code=http://loinc.org|79964-3,http://loinc.org|79962-7", TestContext.Current.CancellationToken))!;
        var withPanel = JsonNode.Parse(await http.GetStringAsync($"{_fhir.BaseUrl}/Observation?patient=aortic-echo-components&code=http://loinc.org|79964-3,http://loinc.org|34552-0", TestContext.Current.CancellationToken))!;

        Assert.Equal(0, withoutPanel["total"]!.GetValue<int>());
        Assert.Equal(1, withPanel["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task ReferencedMedication_IsRead_AndTheNoacFound()
    {
        var cards = await HookWithoutPrefetchAsync("Bundle-mitral-included-xarelto.json");

        var told = CardContract.AllCodes(cards);
        Assert.Contains("warn-noac-mitral-stenosis", told);
        Assert.DoesNotContain("warn-data-unavailable", told);
        Assert.Contains((await _fhir.RequestsAsync()), r => r.StartsWith("/fhir/Medication/mitral-included-xarelto-xarelto-20", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EveryQuery_IsFilteredByPatient_SoAnotherPatientsRecordNeverLeaksIn()
    {
        Assert.SkipWhen(_fhir.SkipReason is not null, _fhir.SkipReason ?? string.Empty);
        await _fhir.LoadPatientAsync("Bundle-mitral-candidate.json");   // another patient on the same server

        var cards = await HookWithoutPrefetchAsync("Bundle-aortic-echo-components.json");

        Assert.All(cards, c => Assert.Equal("aortic", CardContract.Contract(c).Valve));
    }

    public void Dispose() => _host.Dispose();
}
