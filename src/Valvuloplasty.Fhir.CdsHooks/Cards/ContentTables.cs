using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Valvuloplasty.Fhir.Data.Terminology;

namespace Valvuloplasty.Fhir.CdsHooks.Cards;

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

        var missingCitations = Rules.Rules.Citations.All.Where(id => !_citations.ContainsKey(id)).ToList();
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
