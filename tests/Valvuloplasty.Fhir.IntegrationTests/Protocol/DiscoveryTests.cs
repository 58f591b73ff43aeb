using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Valvuloplasty.Fhir.IntegrationTests.Infrastructure;

namespace Valvuloplasty.Fhir.IntegrationTests.Protocol;

public sealed partial class DiscoveryTests : IDisposable
{
    private static readonly HashSet<string> AllowedTokens =
    [
        "context.patientId", "context.encounterId", "context.userId", "userPractitionerId",
        "userPractitionerRoleId", "userPatientId", "userRelatedPersonId",
    ];

    private readonly CdsTestHost _host = new();

    [Fact]
    public async Task Discovery_ListsOneServicePerHook_WithKebabCaseIdsAndDescriptions()
    {
        using var services = await GetServicesAsync();

        var list = services.RootElement.GetProperty("services").EnumerateArray().ToList();
        Assert.Equal(["order-select", "order-sign", "patient-view"], list.Select(s => s.GetProperty("hook").GetString()).Order());
        foreach (var service in list)
        {
            Assert.Matches(KebabCase(), service.GetProperty("id").GetString()!);
            Assert.False(string.IsNullOrWhiteSpace(service.GetProperty("title").GetString()));
            Assert.False(string.IsNullOrWhiteSpace(service.GetProperty("description").GetString()));
        }

        Assert.Contains(list, s => s.GetProperty("id").GetString() == "valvuloplasty-patient-view");
    }

    [Fact]
    public async Task Discovery_PrefetchTemplates_UseOnlyCdsHooks2Tokens_AndTheDocumentedKeys()
    {
        using var services = await GetServicesAsync();

        foreach (var service in services.RootElement.GetProperty("services").EnumerateArray())
        {
            var prefetch = service.GetProperty("prefetch").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
            Assert.Equal(["conditions", "medications", "observations", "patient", "procedures", "riskAssessments", "serviceRequests"], prefetch.Keys.Order());
            foreach (var template in prefetch.Values)
            {
                foreach (Match token in Token().Matches(template))
                {
                    Assert.Contains(token.Groups[1].Value, AllowedTokens);
                }

                Assert.DoesNotContain("today()", template, StringComparison.Ordinal);
            }

            Assert.Equal("Patient/{{context.patientId}}", prefetch["patient"]);
            Assert.StartsWith("Observation?patient={{context.patientId}}&code=", prefetch["observations"], StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Discovery_ObservationTemplate_IsFilteredToTheCodesOfTheProfiles()
    {
        using var services = await GetServicesAsync();

        var observations = services.RootElement.GetProperty("services")[0].GetProperty("prefetch").GetProperty("observations").GetString()!;
        // Codes the aortic rules read (docs/clinical-rules.md §4), taken from profiles/ValueSet-aortic-vmax.json and -lvef.json.
        Assert.Contains("http://loinc.org|79964-3", observations, StringComparison.Ordinal);
        Assert.Contains("http://loinc.org|10230-1", observations, StringComparison.Ordinal);
        // A code no rule reads is not fetched.
        Assert.DoesNotContain("2089-1", observations, StringComparison.Ordinal);
    }

    private async Task<JsonDocument> GetServicesAsync()
    {
        var response = await _host.Client.GetAsync("/cds-services", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    public void Dispose() => _host.Dispose();

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex KebabCase();

    [GeneratedRegex("\\{\\{([^}]*)\\}\\}")]
    private static partial Regex Token();
}
