using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Valvuloplasty.Fhir.Cards;
using Valvuloplasty.Fhir.IntegrationTests.Infrastructure;

namespace Valvuloplasty.Fhir.IntegrationTests.Rules;

/// <summary>
/// What a structural cardiologist checks line by line, asserted over every synthetic patient's responses (patient-view
/// and order-sign with the valve's balloon order): citations and links only from their tables, no HTML entities,
/// numbers at clinical precision, no TAVR on mitral or pulmonary cards, no hold or bridge advice with a thrombus,
/// no stage D for an asymptomatic patient, pediatric wording for children, palliation said on BAV candidate cards.
/// The golden files hold every line; these checks keep the patterns from coming back.
/// </summary>
public sealed partial class ClinicalContentTests : IClassFixture<SharedCdsHost>
{
    private static readonly ContentTables Tables = ContentTables.Load(Path.Combine(Requests.RepoRoot, "profiles", "content"));
    private readonly SharedCdsHost _host;

    public ClinicalContentTests(SharedCdsHost host) => _host = host;

    public static TheoryData<ExpectedOutcome> Patients() => [.. SyntheticPatients.Expected];

    public static TheoryData<ExpectedOutcome> MitralAndPulmonary() => [.. SyntheticPatients.Expected.Where(p => p.Valve != "aortic")];

    public static TheoryData<ExpectedOutcome> Children() => [.. SyntheticPatients.Expected.Where(p => p.Codes.Contains("warn-pediatric-pathway"))];

    public static TheoryData<ExpectedOutcome> AdultBavCandidates() =>
        [.. SyntheticPatients.Expected.Where(p => p is { Valve: "aortic", Decision: "candidate" or "candidate-with-caution" } && !p.Codes.Contains("warn-pediatric-pathway"))];

    public static TheoryData<ExpectedOutcome> InsufficientData() => [.. SyntheticPatients.Expected.Where(p => p.Decision == "insufficient-data")];

    private async Task<IReadOnlyList<JsonElement>> CardsAsync(ExpectedOutcome patient, bool orderSign = false)
    {
        var request = SyntheticPatients.PatientView(patient.File);
        var path = Requests.PatientView;
        if (orderSign)
        {
            var (code, display) = patient.Valve switch
            {
                "aortic" => ("92986", "Percutaneous balloon valvuloplasty; aortic valve"),
                "mitral" => ("92987", "Percutaneous balloon valvuloplasty; mitral valve"),
                _ => ("92990", "Percutaneous balloon valvuloplasty; pulmonary valve"),
            };
            request["hook"] = "order-sign";
            request["context"]!["draftOrders"] = new JsonObject
            {
                ["resourceType"] = "Bundle", ["type"] = "collection",
                ["entry"] = new JsonArray(new JsonObject
                {
                    ["resource"] = new JsonObject
                    {
                        ["resourceType"] = "ServiceRequest", ["id"] = "balloon-draft", ["status"] = "draft", ["intent"] = "order",
                        ["code"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://www.ama-assn.org/go/cpt", ["code"] = code, ["display"] = display }) },
                        ["subject"] = new JsonObject { ["reference"] = $"Patient/{patient.PatientId}" },
                    },
                }),
            };
            path = Requests.OrderSign;
        }

        var (_, body) = await Requests.PostAsync(_host.Server.Client, path, request);
        return CardContract.AssertValid(body);
    }

    private async Task<List<JsonElement>> BothHooksAsync(ExpectedOutcome patient) =>
        [.. await CardsAsync(patient), .. await CardsAsync(patient, orderSign: true)];

    private static string Text(JsonElement card) =>
        card.GetProperty("summary").GetString() + "\n" + (card.TryGetProperty("detail", out var detail) ? detail.GetString() : "");

    [Theory]
    [MemberData(nameof(Patients))]
    public async Task EveryCitation_ComesFromTheCitationTable(ExpectedOutcome patient)
    {
        var allowed = Tables.Citations.Select(ContentTables.CitationLine).ToHashSet(StringComparer.Ordinal);
        foreach (var card in await BothHooksAsync(patient))
        {
            foreach (var line in Section(card, "Guidelines"))
            {
                Assert.Contains(Unescape(line), allowed);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Patients))]
    public async Task EveryLink_ComesFromTheLinkTable(ExpectedOutcome patient)
    {
        var allowed = Tables.Links.Select(l => (l.Label, l.Url)).ToHashSet();
        foreach (var card in await BothHooksAsync(patient))
        {
            // The content links (absolute); the SMART app link is the configured launch URL (see SmartLinkTests).
            foreach (var link in (card.TryGetProperty("links", out var links) ? links.EnumerateArray() : default).Where(l => l.GetProperty("type").GetString() == "absolute"))
            {
                Assert.Contains((link.GetProperty("label").GetString()!, link.GetProperty("url").GetString()!), allowed);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Patients))]
    public async Task Markdown_CarriesPlainCharacters_NoHtmlEntities(ExpectedOutcome patient)
    {
        foreach (var card in await BothHooksAsync(patient))
        {
            Assert.DoesNotMatch(HtmlEntity(), Text(card));
        }
    }

    [Theory]
    [MemberData(nameof(Patients))]
    public async Task Numbers_AreAtClinicalPrecision(ExpectedOutcome patient)
    {
        foreach (var card in await BothHooksAsync(patient))
        {
            var text = Text(card);
            Assert.DoesNotMatch(PressureWithDecimals(), text);     // gradients and pressures are integers
            Assert.DoesNotMatch(VelocityWithTwoDecimals(), text);  // velocities to 0.1 m/s
            Assert.DoesNotMatch(AreaWithTwoDecimals(), text);      // areas to 0.1 cm² (unless a threshold needs the second)
        }
    }

    [Theory]
    [MemberData(nameof(MitralAndPulmonary))]
    public async Task MitralAndPulmonaryResponses_NeverMentionTavr(ExpectedOutcome patient)
    {
        foreach (var card in await BothHooksAsync(patient))
        {
            Assert.DoesNotContain("TAVR", Text(card), StringComparison.Ordinal);
            Assert.DoesNotContain("TAVI", Text(card), StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Patients))]
    public async Task AsymptomaticPatients_AreNeverStagedD(ExpectedOutcome patient)
    {
        foreach (var card in await BothHooksAsync(patient))
        {
            var text = Text(card);
            if (text.Contains("No symptoms recorded", StringComparison.Ordinal))
            {
                Assert.DoesNotMatch(StageD(), text);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Children))]
    public async Task Children_GoToPediatricCardiology_WithTheirOwnEducationAndGuideline(ExpectedOutcome patient)
    {
        foreach (var card in await BothHooksAsync(patient))
        {
            var text = Text(card);
            Assert.DoesNotContain("Heart Team", text, StringComparison.Ordinal);
            Assert.DoesNotContain("10 lb", text, StringComparison.Ordinal);
            Assert.DoesNotContain("ACHD", text, StringComparison.Ordinal);
            Assert.DoesNotContain("bridge to TAVR: yes", text, StringComparison.Ordinal);
        }

        Assert.Contains(await CardsAsync(patient), c => Text(c).Contains("pediatric or congenital cardiology", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(AdultBavCandidates))]
    public async Task BavCandidateCards_SayBavIsPalliationOrABridge(ExpectedOutcome patient)
    {
        var assessment = (await CardsAsync(patient)).Single(c => CardContract.Contract(c).Topic == "assessment");

        Assert.Contains("restenosis and recurrent symptoms usually follow within 6–12 months", Text(assessment), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Bundle-mitral-not-candidate.json")]
    public async Task WithAThrombus_NoCardAdvisesHoldingOrBridgingAnticoagulation(string file)
    {
        var cards = await BothHooksAsync(SyntheticPatients.Expected.Single(p => p.File == file));
        Assert.Contains(cards, c => CardContract.Contract(c).Codes.Contains("warn-la-thrombus"));

        foreach (var card in cards)
        {
            var text = Text(card);
            Assert.DoesNotMatch(HoldOrBridge(), text);
            Assert.DoesNotContain("periprocedural anticoagulation plan", text, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Contains(cards, c => Text(c).Contains("never interrupted", StringComparison.Ordinal) || Text(c).Contains("do not interrupt", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Patients))]
    public async Task NoacPlans_NeverOfferHeparinBridging(ExpectedOutcome patient)
    {
        foreach (var card in await BothHooksAsync(patient))
        {
            var text = Text(card);
            Assert.DoesNotContain("hold, bridge or continue", text, StringComparison.Ordinal);
            if (text.Contains("a NOAC is interrupted", StringComparison.Ordinal))
            {
                Assert.Contains("without heparin bridging", text, StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [MemberData(nameof(InsufficientData))]
    public async Task HeldBalloonOrders_SayHoldUntil_NextStepFirstAndRemovalSecond(ExpectedOutcome patient)
    {
        var assessment = (await CardsAsync(patient, orderSign: true)).Single(c => CardContract.Contract(c).Topic == "assessment");

        Assert.StartsWith("Hold this ", assessment.GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("not supported", Text(assessment), StringComparison.Ordinal);
        var actions = assessment.GetProperty("suggestions").EnumerateArray().Select(s => s.GetProperty("actions")[0].GetProperty("type").GetString()).ToList();
        Assert.Equal("delete", actions[^1]);
        Assert.All(actions[..^1], a => Assert.Equal("create", a));
    }

    [Theory]
    [MemberData(nameof(Patients))]
    public async Task AGuidelineLine_AppearsOncePerResponse(ExpectedOutcome patient)
    {
        foreach (var cards in new[] { await CardsAsync(patient), await CardsAsync(patient, orderSign: true) })
        {
            var lines = cards.SelectMany(c => Section(c, "Guidelines")).ToList();
            Assert.Equal(lines.Distinct(StringComparer.Ordinal).Count(), lines.Count);
        }
    }

    /// <summary>The bullet lines of a bold-headed section of a card's detail.</summary>
    private static IEnumerable<string> Section(JsonElement card, string heading)
    {
        var detail = card.TryGetProperty("detail", out var d) ? d.GetString()! : "";
        var at = detail.IndexOf($"**{heading}**", StringComparison.Ordinal);
        if (at < 0)
        {
            yield break;
        }

        foreach (var line in detail[at..].Split('\n').Skip(1).SkipWhile(l => l.Length == 0).TakeWhile(l => l.StartsWith("- ", StringComparison.Ordinal)))
        {
            yield return line[2..];
        }
    }

    private static string Unescape(string markdown) => BackslashEscape().Replace(markdown, "$1");

    [GeneratedRegex("&(?:lt|gt|amp|quot|#\\d+);")]
    private static partial Regex HtmlEntity();

    [GeneratedRegex("\\b\\d+\\.\\d+ mmHg")]
    private static partial Regex PressureWithDecimals();

    [GeneratedRegex("\\b\\d+\\.\\d{2,} m/s")]
    private static partial Regex VelocityWithTwoDecimals();

    [GeneratedRegex("\\b\\d+\\.\\d{3,} cm²")]
    private static partial Regex AreaWithTwoDecimals();

    [GeneratedRegex("stage D[123]")]
    private static partial Regex StageD();

    [GeneratedRegex("(?i)\\bhold\\b.*anticoag|\\bbridg(e|ing)\\b.*(heparin|anticoag)|hold, bridge")]
    private static partial Regex HoldOrBridge();

    [GeneratedRegex("\\\\([!-/:-@\\[-`{-~])")]
    private static partial Regex BackslashEscape();
}
