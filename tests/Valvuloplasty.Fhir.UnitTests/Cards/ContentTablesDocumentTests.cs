using Valvuloplasty.Fhir.UnitTests.Support;

namespace Valvuloplasty.Fhir.UnitTests.Cards;

/// <summary>
/// <c>docs/citations-and-links.md</c> is the citation and link tables as a reader sees them; it must say what the
/// JSON the cards read says. Regenerate on purpose: <c>VALVULOPLASTY_UPDATE_GOLDEN=1 dotnet test --filter ContentTablesDocument</c>.
/// </summary>
public sealed class ContentTablesDocumentTests
{
    [Fact]
    public void ContentTablesDocument_MatchesTheTablesTheCardsRead()
    {
        var path = Path.Combine(Profiles.RepoRoot, "docs", "citations-and-links.md");
        var rendered = Profiles.Content.ToMarkdown();
        if (Environment.GetEnvironmentVariable("VALVULOPLASTY_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(path, rendered);
        }

        Assert.True(File.Exists(path), $"{path} is missing: run with VALVULOPLASTY_UPDATE_GOLDEN=1.");
        Assert.Equal(rendered, File.ReadAllText(path).ReplaceLineEndings("\n"));
    }

    [Fact]
    public void ContentTablesDocument_ListsEveryCitationAndLinkWithTheLineACardPrints()
    {
        var markdown = Profiles.Content.ToMarkdown();

        Assert.All(Profiles.Content.Citations, row =>
            Assert.Contains($"| `{row.Id}` | {Valvuloplasty.Fhir.Cards.ContentTables.CitationLine(row).Replace("|", "\\|", StringComparison.Ordinal)} |", markdown, StringComparison.Ordinal));
        Assert.All(Profiles.Content.Links, row => Assert.Contains($"]({row.Url})", markdown, StringComparison.Ordinal));
    }
}
