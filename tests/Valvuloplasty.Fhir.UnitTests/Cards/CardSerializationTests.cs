using System.Text;
using System.Text.Json;
using Valvuloplasty.Fhir.Cards;
using Valvuloplasty.Fhir.CdsHooks.Protocol;
using Valvuloplasty.Fhir.Rules.Engine;
using Valvuloplasty.Fhir.Rules.Facts;
using Valvuloplasty.Fhir.UnitTests.Support;

namespace Valvuloplasty.Fhir.UnitTests.Cards;

public sealed class CardSerializationTests
{
    [Fact]
    public void Serialize_OmitsNullsEmptyStringsAndEmptyCollections_ButKeepsCardsAndCodes()
    {
        var card = new Card
        {
            Uuid = Guid.NewGuid(),
            Summary = "s",
            Detail = "",
            Indicator = CardIndicator.Info,
            Source = new CardSource("label", Url: ""),
            Suggestions = [],
            Links = [],
            Extension = new CardExtension(new ValvuloplastyContract("mitral", "not-candidate", null, [])),
        };

        var json = Encoding.UTF8.GetString(CdsJson.Serialize(new CdsResponse([card])));
        var empty = Encoding.UTF8.GetString(CdsJson.Serialize(new CdsResponse([])));

        Assert.DoesNotContain("null", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("suggestions", json, StringComparison.Ordinal);
        Assert.DoesNotContain("links", json, StringComparison.Ordinal);
        Assert.DoesNotContain("bridgeToTavr", json, StringComparison.Ordinal);
        Assert.Contains("\"codes\":[]", json, StringComparison.Ordinal);
        Assert.Contains("\"indicator\":\"info\"", json, StringComparison.Ordinal);
        Assert.Equal("{\"cards\":[]}", empty);
    }

    [Fact]
    public void Serialize_AnalyticsWithoutCards_StillListsItsTopics()
    {
        var json = Encoding.UTF8.GetString(CdsJson.Serialize(new AnalyticsResponse(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(1), 0, 0, [])));

        Assert.Contains("\"topics\":[]", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Serialize_EnumsAreLowercaseWireValues()
    {
        var card = new Card
        {
            Uuid = Guid.NewGuid(),
            Summary = "s",
            Indicator = CardIndicator.Critical,
            Source = new CardSource("l"),
            SelectionBehavior = SelectionBehavior.AtMostOne,
            Suggestions = [new Suggestion { Label = "x", Uuid = Guid.NewGuid(), Actions = [new SuggestionAction { Type = ActionType.Delete, Description = "d", ResourceId = "ServiceRequest/1" }] }],
            Links = [new CardLink("l", "https://example.org", LinkType.Absolute)],
        };

        using var json = JsonDocument.Parse(CdsJson.Serialize(new CdsResponse([card])));
        var written = json.RootElement.GetProperty("cards")[0];

        Assert.Equal("critical", written.GetProperty("indicator").GetString());
        Assert.Equal("at-most-one", written.GetProperty("selectionBehavior").GetString());
        Assert.Equal("delete", written.GetProperty("suggestions")[0].GetProperty("actions")[0].GetProperty("type").GetString());
        Assert.Equal("absolute", written.GetProperty("links")[0].GetProperty("type").GetString());
    }

    [Fact]
    public void Summary_IsAlwaysUnder140Characters()
    {
        Assert.Equal(139, CardRenderer.Summary(new string('x', 400)).Length);
        Assert.Equal("short", CardRenderer.Summary("short"));
    }

    [Fact]
    public void Markdown_EscapesHtmlAndMarkdownFromTheRecord()
    {
        var escaped = Markdown.Escape("<script>alert(1)</script> **bold** | [link](x)");

        Assert.DoesNotContain("<script>", escaped, StringComparison.Ordinal);
        Assert.Contains("\\<script\\>", escaped, StringComparison.Ordinal);
        Assert.DoesNotContain("&lt;", escaped, StringComparison.Ordinal);
        Assert.Contains("\\*\\*bold\\*\\*", escaped, StringComparison.Ordinal);
        Assert.Contains("\\|", escaped, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Valve.Aortic, "aortic")]
    [InlineData(Valve.Mitral, "mitral")]
    [InlineData(Valve.Pulmonary, "pulmonary")]
    public void Render_WithALaunchUrl_TheAssessmentCardLinksToTheSmartApp_WithoutOne_ItDoesNot(Valve valve, string name)
    {
        var facts = new FactsBuilder().Stenosis(valve, confirmed: false).Build();
        var evaluation = RuleCatalog.Evaluate(facts, [], HookKind.PatientView, FactsBuilder.AsOf, new RuleOptions());

        var linked = Profiles.Renderer.Render(evaluation, "Patient/p1", new Uri("https://apps.example.org/smart/launch.html"))[0];
        var unlinked = Profiles.Renderer.Render(evaluation, "Patient/p1")[0];

        var smart = Assert.Single(linked.Links!, l => l.Type == LinkType.Smart);
        Assert.Equal("https://apps.example.org/smart/launch.html", smart.Url);
        Assert.Equal(CardRenderer.SmartLinkLabel, smart.Label);
        Assert.Equal($"{{\"valve\":\"{name}\"}}", smart.AppContext);
        Assert.DoesNotContain(unlinked.Links ?? [], l => l.Type == LinkType.Smart);
    }

    [Fact]
    public void Render_ConditionNameWithHtml_IsEscapedInTheDetail()
    {
        var facts = new FactsBuilder().Stenosis(Valve.Aortic, confirmed: false).Build();
        facts = facts with { Stenoses = [facts.Stenoses[0] with { Display = "<img src=x onerror=alert(1)>" }] };
        var evaluation = RuleCatalog.Evaluate(facts, [], HookKind.PatientView, FactsBuilder.AsOf, new RuleOptions());

        var card = Profiles.Renderer.Render(evaluation, "Patient/p1")[0];

        // Escaped as markdown (a backslash before '<'), never as an HTML entity: the text shows literally.
        Assert.DoesNotContain("<img", card.Detail!.Replace("\\<img", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("\\<img src=x onerror=alert(1)\\>", card.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("&lt;", card.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_OrderSignOnAContraindicatedBalloonOrder_IsCritical_WithADeleteSuggestion()
    {
        var facts = new FactsBuilder().Stenosis(Valve.Aortic).SevereAorticEcho().Nyha("III").Sts(9m).Regurgitation(Valve.Aortic, SeverityGrade.Severe).Build();
        var order = FactsBuilder.Draft(ProcedureKind.BalloonAorticValvuloplasty);
        var evaluation = RuleCatalog.Evaluate(facts, [order], HookKind.OrderSign, FactsBuilder.AsOf, new RuleOptions());

        var card = Profiles.Renderer.Render(evaluation, "Patient/p1")[0];

        Assert.Equal(CardIndicator.Critical, card.Indicator);
        var delete = Assert.Single(card.Suggestions!, s => s.Actions![0].Type == ActionType.Delete);
        Assert.Equal(order.Source, delete.Actions![0].ResourceId);
        Assert.NotEmpty(card.OverrideReasons!);
        Assert.Equal(SelectionBehavior.Any, card.SelectionBehavior);
    }

    [Fact]
    public void Render_OrderSelectOnAContraindicatedBalloonOrder_IsWarning()
    {
        var facts = new FactsBuilder().Stenosis(Valve.Aortic).SevereAorticEcho().Regurgitation(Valve.Aortic, SeverityGrade.Severe).Build();
        var evaluation = RuleCatalog.Evaluate(facts, [FactsBuilder.Draft(ProcedureKind.BalloonAorticValvuloplasty)], HookKind.OrderSelect, FactsBuilder.AsOf, new RuleOptions());

        Assert.Equal(CardIndicator.Warning, Profiles.Renderer.Render(evaluation, "Patient/p1")[0].Indicator);
    }
}
