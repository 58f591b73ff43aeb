using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using System.Text.Unicode;
using Hl7.Fhir.Model;
using Valvuloplasty.Fhir.Cards;
using Valvuloplasty.Fhir.CdsHooks.Hosting;
using Valvuloplasty.Fhir.CdsHooks.Sandbox;
using Valvuloplasty.Fhir.CdsHooks.Security;
using Valvuloplasty.Fhir.Data.Worklist;
using Valvuloplasty.Fhir.Rules.Engine;
using Valvuloplasty.Fhir.Rules.Facts;

namespace Valvuloplasty.Fhir.CdsHooks.Endpoints;

/// <summary>
/// The latest population worklist run stored by <c>worklist scan … --store</c>: <c>GET /worklist/runs/latest</c> as JSON
/// and <c>GET /worklist</c> as one server-rendered HTML page (chart, sortable and filterable table). Protected like
/// <c>/analytics</c> (an EHR JWT when authentication is on, the same CORS policy), since the lines name patients.
/// </summary>
public static class WorklistEndpoints
{
    /// <summary>What both routes say when no run is stored, and how to store one.</summary>
    public const string NoRunMessage =
        "No worklist run has been stored. Create one with the worklist program: worklist scan --ndjson DIR --out FILE --store CONNECTION, " +
        "where CONNECTION is this service's feedback database (the SQLite file of Feedback:SqlitePath, or the PostgreSQL connection string " +
        "of Feedback:PostgresConnectionString); this page then shows the run stored last.";

    public static IEndpointRouteBuilder MapWorklist(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;

        // Links to a patient's cards go to the sandbox page, which exists only in Development with the sandbox on.
        var sandboxLinks = services.GetRequiredService<IHostEnvironment>().IsDevelopment() && services.SandboxEnabled();

        var group = endpoints.MapGroup("/worklist").RequireCdsClient(services);
        group.MapGet("/runs/latest", Latest);
        group.MapGet("", (HttpContext context, IWorklistStore store, CancellationToken cancellationToken) =>
            Page(context, store, sandboxLinks, cancellationToken));
        return endpoints;
    }

    private static async Task<IResult> Latest(HttpContext context, IWorklistStore store, CancellationToken cancellationToken)
    {
        var stored = await store.LatestWorklistAsync(cancellationToken);
        NoStore(context.Response);
        if (stored is null)
        {
            return OperationOutcomes.Result(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotFound, NoRunMessage);
        }

        var response = new WorklistResponse(stored.Run, WorklistCounts.Of(stored.Lines), stored.Lines);
        return JsonResults.Ok(WorklistJson.Serialize(response));
    }

    private static async Task<IResult> Page(HttpContext context, IWorklistStore store, bool sandboxLinks, CancellationToken cancellationToken)
    {
        var stored = await store.LatestWorklistAsync(cancellationToken);
        NoStore(context.Response);
        WorklistPage.ApplySecurityHeaders(context.Response);

        // No run: the same 404 as the JSON route, explained as a page a browser shows.
        return stored is null
            ? TypedResults.Content(WorklistPage.RenderEmpty(NoRunMessage), WorklistPage.ContentType, statusCode: StatusCodes.Status404NotFound)
            : TypedResults.Content(
                WorklistPage.Render(stored, WorklistCounts.Of(stored.Lines), sandboxLinks ? SandboxLink(context.Request) : null),
                WorklistPage.ContentType);
    }

    /// <summary>The sandbox page for one patient (it reads <c>?patient=</c>, chooses the patient and runs patient-view).</summary>
    private static Func<string, string> SandboxLink(HttpRequest request)
    {
        var root = request.PathBase.Value + "/";
        return patientId => $"{root}?patient={Uri.EscapeDataString(patientId)}";
    }

    /// <summary>Worklist lines name patients: no cache, shared or private, keeps them.</summary>
    private static void NoStore(HttpResponse response) => response.Headers.CacheControl = "no-store";
}

/// <summary>The body of <c>GET /worklist/runs/latest</c>.</summary>
public sealed record WorklistResponse(WorklistRun Run, IReadOnlyList<WorklistCount> Counts, IReadOnlyList<WorklistLine> Lines);

/// <summary>How many lines of a run have this valve and decision.</summary>
public sealed record WorklistCount(string Valve, string Decision, int Count);

/// <summary>Counts per valve and decision, in the order the rules define (valves, then decisions); anything else after, by name.</summary>
public static class WorklistCounts
{
    private static readonly string[] Valves = [.. Enum.GetValues<Valve>().Select(CardText.ValveName)];
    private static readonly string[] Decisions = [.. Enum.GetValues<Decision>().Select(CardText.Wire)];

    public static IReadOnlyList<WorklistCount> Of(IEnumerable<WorklistLine> lines) =>
        [.. lines.GroupBy(l => (l.Valve, l.Decision))
            .Select(g => new WorklistCount(g.Key.Valve, g.Key.Decision, g.Count()))
            .OrderBy(c => ValveRank(c.Valve)).ThenBy(c => c.Valve, StringComparer.Ordinal)
            .ThenBy(c => DecisionRank(c.Decision)).ThenBy(c => c.Decision, StringComparer.Ordinal)];

    /// <summary>The valve's place in the rules' order; valves the rules do not name come last.</summary>
    public static int ValveRank(string valve) => Rank(Valves, valve);

    /// <summary>The decision's place in the rules' order (candidate first); decisions the rules do not name come last.</summary>
    public static int DecisionRank(string decision) => Rank(Decisions, decision);

    /// <summary>True for a decision the rules make (so it may name a CSS class).</summary>
    public static bool IsKnownDecision(string decision) => Decisions.Contains(decision, StringComparer.Ordinal);

    private static int Rank(string[] order, string value)
    {
        var index = Array.IndexOf(order, value);
        return index < 0 ? order.Length : index;
    }
}

/// <summary>
/// The worklist's JSON: camelCase like every API answer of the service, and empty lists kept (<c>codes: []</c>), so a
/// client reads one shape. Characters that are markup in HTML stay escaped (patient ids and summaries are foreign data
/// and this body could end up in a page); other Unicode is written as is.
/// </summary>
internal static class WorklistJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.Create(UnicodeRanges.All),
        TypeInfoResolver = WorklistJsonContext.Default,
    };

    public static byte[] Serialize(WorklistResponse response) =>
        JsonSerializer.SerializeToUtf8Bytes(response, (JsonTypeInfo<WorklistResponse>)Options.GetTypeInfo(typeof(WorklistResponse)));
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(WorklistResponse))]
internal sealed partial class WorklistJsonContext : JsonSerializerContext;
