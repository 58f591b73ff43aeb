using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Valvuloplasty.Fhir.Data.Terminology;

namespace Valvuloplasty.Fhir.Cards;

/// <summary>One row of the citation table (<c>profiles/content/citations.json</c>).</summary>
public sealed record CitationRow(
    string Id,
    string Guideline,
    string? Section,
    string? Recommendation,
    [property: JsonPropertyName("recClass")] string? Class,
    string? Level,
    string Topic,
    Verification Verified);

/// <summary>Where a row was verified: status (verified, partial, unverified), the source and a note.</summary>
public sealed record Verification(string Status, string? Source = null, string? Where = null, string? Note = null);

/// <summary>One row of the link table (<c>profiles/content/links.json</c>).</summary>
public sealed record LinkRow(string Id, string Url, string Title, string Label, string Topic, string? Valve, string Language, string Status, string Evidence);

/// <summary>
/// The citation and link tables the cards read: one place for every guideline a card cites and every page it links.
/// Loaded at start-up from <c>profiles/content/</c>; a missing or malformed file, a citation id the rules use or a link
/// id the cards use that is not in its table stops start-up naming it.
/// </summary>
public sealed class ContentTables
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { ReadCommentHandling = JsonCommentHandling.Disallow };

    private readonly Dictionary<string, CitationRow> _citations;
    private readonly Dictionary<string, LinkRow> _links;

    public ContentTables(IReadOnlyList<CitationRow> citations, IReadOnlyDictionary<string, string> guidelines, IReadOnlyList<LinkRow> links)
    {
        ArgumentNullException.ThrowIfNull(citations);
        ArgumentNullException.ThrowIfNull(links);
        _citations = citations.ToDictionary(c => c.Id, StringComparer.Ordinal);
        _links = links.ToDictionary(l => l.Id, StringComparer.Ordinal);
        Guidelines = guidelines;
        Citations = citations;
        Links = links;

        var missingCitations = Rules.Content.Citations.All.Where(id => !_citations.ContainsKey(id)).ToList();
        var missingLinks = LinkIds.All.Where(id => !_links.ContainsKey(id)).ToList();
        var unknownGuidelines = citations.Select(c => c.Guideline).Where(g => !guidelines.ContainsKey(g)).Distinct().ToList();
        if (missingCitations.Count > 0 || missingLinks.Count > 0 || unknownGuidelines.Count > 0)
        {
            throw new TerminologyLoadException(
                $"profiles/content: citation id(s) [{string.Join(", ", missingCitations)}], link id(s) [{string.Join(", ", missingLinks)}] "
                + $"or guideline(s) [{string.Join(", ", unknownGuidelines)}] are used but not in the tables.");
        }
    }

    public IReadOnlyList<CitationRow> Citations { get; }

    public IReadOnlyList<LinkRow> Links { get; }

    /// <summary>Guideline abbreviation → full title.</summary>
    public IReadOnlyDictionary<string, string> Guidelines { get; }

    public CitationRow Citation(string id) => _citations[id];

    public LinkRow Link(string id) => _links[id];

    /// <summary>
    /// The tables as the reference page <c>docs/citations-and-links.md</c> shows them: every guideline, every citation
    /// with the line a card prints and how it was verified, every link with its title. A test keeps the page equal to this.
    /// </summary>
    public string ToMarkdown()
    {
        var md = new System.Text.StringBuilder();
        md.Append("# Citations and links\n\n")
          .Append("Generated from `profiles/content/citations.json` and `profiles/content/links.json`, the only places a card's ")
          .Append("guideline citations and links come from. Edit the JSON, then regenerate this page with ")
          .Append("`VALVULOPLASTY_UPDATE_GOLDEN=1 dotnet test tests/Valvuloplasty.Fhir.UnitTests --filter ContentTablesDocument` ")
          .Append("(a test fails while the two differ). A card prints a section, class, level or the recommendation's words only ")
          .Append("where the row's status is `verified`; an `unverified` row is cited by guideline and topic alone.\n\n")
          .Append("## Guidelines\n\n| Abbreviation | Guideline |\n|---|---|\n");
        foreach (var (key, title) in Guidelines.OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            md.Append("| ").Append(key).Append(" | ").Append(Cell(title)).Append(" |\n");
        }

        md.Append("\n## Citations\n\n| Id | Line a card prints | Status | Verified against |\n|---|---|---|---|\n");
        foreach (var row in Citations.OrderBy(c => c.Id, StringComparer.Ordinal))
        {
            var where = string.Join(" ", new[] { row.Verified.Source, row.Verified.Where, row.Verified.Note }.Where(s => !string.IsNullOrWhiteSpace(s)));
            md.Append("| `").Append(row.Id).Append("` | ").Append(Cell(CitationLine(row))).Append(" | ")
              .Append(row.Verified.Status).Append(" | ").Append(Cell(where)).Append(" |\n");
        }

        md.Append("\n## Links\n\n| Id | Title | Valve | Language | Status | Verified by |\n|---|---|---|---|---|---|\n");
        foreach (var row in Links.OrderBy(l => l.Id, StringComparer.Ordinal))
        {
            md.Append("| `").Append(row.Id).Append("` | [").Append(Cell(row.Title)).Append("](").Append(row.Url).Append(") | ")
              .Append(row.Valve ?? "any").Append(" | ").Append(row.Language).Append(" | ").Append(row.Status).Append(" | ")
              .Append(Cell(row.Evidence)).Append(" |\n");
        }

        return md.ToString();

        static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
    }

    /// <summary>
    /// A citation as a card prints it, e.g. <c>ESC21 §5.2 (class IIb, level C): balloon aortic valvotomy as a bridge …</c>:
    /// section, class and level only when the row holds them (an unverified row holds none).
    /// </summary>
    public static string CitationLine(CitationRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var grade = (row.Class, row.Level) switch
        {
            ({ } c, { } l) => $" (class {c}, level {l})",
            ({ } c, null) => $" (class {c})",
            _ => "",
        };
        return $"{row.Guideline}{(row.Section is null ? "" : " " + row.Section)}{grade}: {row.Topic}";
    }

    /// <summary>Loads <c>citations.json</c> and <c>links.json</c> from <paramref name="folder"/>.</summary>
    public static ContentTables Load(string folder)
    {
        var citations = Read<CitationFile>(folder, "citations.json");
        var links = Read<LinkFile>(folder, "links.json");
        return new ContentTables(citations.Citations, citations.Guidelines, links.Links);
    }

    private static T Read<T>(string folder, string name)
    {
        var path = Path.Combine(folder, name);
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), Json) ?? throw new TerminologyLoadException($"{name}: empty.");
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            throw new TerminologyLoadException($"profiles/content/{name} could not be read: {ex.Message}", ex);
        }
    }

    private sealed record CitationFile(IReadOnlyDictionary<string, string> Guidelines, IReadOnlyList<CitationRow> Citations);

    private sealed record LinkFile(IReadOnlyList<LinkRow> Links);
}

/// <summary>The ids of the link table the cards use; the table must hold each.</summary>
public static class LinkIds
{
    public const string AorticStenosis = "aortic-stenosis";
    public const string MitralStenosis = "mitral-stenosis";
    public const string PulmonaryStenosis = "pulmonary-stenosis";
    public const string AorticRegurgitation = "aortic-regurgitation";
    public const string MitralRegurgitation = "mitral-regurgitation";
    public const string PulmonaryRegurgitation = "pulmonary-regurgitation";
    public const string BalloonValvuloplasty = "balloon-valvuloplasty";
    public const string CatheterizationDischarge = "catheterization-discharge";
    public const string ValveTreatment = "valve-treatment";
    public const string Tavr = "tavr";
    public const string Arrhythmia = "arrhythmia";
    public const string Stroke = "stroke";
    public const string Bleeding = "bleeding";
    public const string CardiacTamponade = "cardiac-tamponade";
    public const string BloodThinners = "blood-thinners";
    public const string Warfarin = "warfarin";

    public static readonly IReadOnlyList<string> All =
    [
        AorticStenosis, MitralStenosis, PulmonaryStenosis, AorticRegurgitation, MitralRegurgitation, PulmonaryRegurgitation,
        BalloonValvuloplasty, CatheterizationDischarge, ValveTreatment, Tavr, Arrhythmia, Stroke, Bleeding, CardiacTamponade,
        BloodThinners, Warfarin,
    ];
}

/// <summary>Registers the tables, read from the profiles folder's <c>content/</c> at start-up.</summary>
public static class ContentTablesServiceCollectionExtensions
{
    public static IServiceCollection AddContentTables(this IServiceCollection services) =>
        services.AddSingleton(provider => ContentTables.Load(Path.Combine(provider.GetRequiredService<IOptions<TerminologyOptions>>().Value.ResolvedPath, "content")));
}
