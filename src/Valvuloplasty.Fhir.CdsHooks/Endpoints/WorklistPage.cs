using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Valvuloplasty.Fhir.Data.Worklist;

namespace Valvuloplasty.Fhir.CdsHooks.Endpoints;

/// <summary>
/// The worklist as one HTML page rendered on the server: the run, a bar chart of lines per valve and decision (inline
/// SVG), and a table of every line, sortable and filterable by a small script. Everything from the store (patient ids,
/// summaries, evidence, even valve and decision words) is foreign data and is HTML-encoded. The style and script are
/// inline and allowed by their SHA-256 hashes in the page's Content-Security-Policy, so no markup that slipped into the
/// page could run a script, and the page works wherever the host runs (static files are served only with the sandbox).
/// </summary>
internal static class WorklistPage
{
    public const string ContentType = "text/html; charset=utf-8";

    private const string Title = "Worklist lines per valve and decision";

    // Chart geometry (SVG user units): a label column, then bars scaled to the largest count.
    private const int ChartWidth = 640;
    private const int LabelWidth = 190;
    private const int BarArea = 380;
    private const int ValveHeader = 24;
    private const int RowHeight = 24;
    private const int BarHeight = 16;
    private const int GroupGap = 10;

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Encodes what HTML treats as markup (&lt; &gt; &amp; quotes) and leaves other Unicode readable.</summary>
    private static readonly HtmlEncoder Html = HtmlEncoder.Create(UnicodeRanges.All);

    private static readonly string Style = Resource("WorklistPage.css");
    private static readonly string Script = Resource("WorklistPage.js");

    /// <summary>Only this page's own style and script run; nothing is loaded from anywhere, no form posts, no framing.</summary>
    private static readonly string ContentSecurityPolicy =
        $"default-src 'none'; script-src '{Hash(Script)}'; style-src '{Hash(Style)}'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static void ApplySecurityHeaders(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
    }

    /// <summary>The page for a stored run. <paramref name="sandboxLink"/> (Development only) gives a patient's sandbox URL.</summary>
    public static string Render(StoredWorklist stored, IReadOnlyList<WorklistCount> counts, Func<string, string>? sandboxLink)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(counts);
        var run = stored.Run;
        var page = new StringBuilder(16_384 + (stored.Lines.Count * 1_024));
        Head(page);
        page.Append("<header>\n<h1 data-testid=\"worklist-heading\">Worklist: run of ").Append(Time(run.FinishedAt)).Append("</h1>\n")
            .Append("<dl class=\"run\" data-testid=\"worklist-run\">\n");
        Fact(page, "Finished", "finished", Time(run.FinishedAt));
        Fact(page, "As of", "as-of", $"<time datetime=\"{Date(run.AsOf)}\">{Date(run.AsOf)}</time>");
        Fact(page, "Source", "source", $"<code>{Html.Encode(run.Source)}</code>");
        Fact(page, "Patients", "patients", run.Patients.ToString(Invariant));
        Fact(page, "Lines", "lines", run.Lines.ToString(Invariant));
        Fact(page, "Run", "id", $"<code>{Html.Encode(run.Id)}</code>");
        page.Append("</dl>\n<p class=\"muted\">Decision support, not a medical device: each line is what the service's cards say for that ")
            .Append("patient and valve on the as-of date. Confirm with the Heart Team.</p>\n</header>\n<main>\n");

        page.Append("<section class=\"panel\" aria-labelledby=\"chart-heading\">\n<h2 id=\"chart-heading\">").Append(Title).Append("</h2>\n");
        if (counts.Count == 0)
        {
            page.Append("<p data-testid=\"worklist-chart-empty\">This run listed no patient.</p>\n");
        }
        else
        {
            Chart(page, counts);
        }

        page.Append("</section>\n");
        Table(page, stored.Lines, counts, sandboxLink);
        page.Append("</main>\n<script>").Append(Script).Append("</script>\n</body>\n</html>\n");
        return page.ToString();
    }

    /// <summary>The page when no run is stored: what is missing and how to store a run.</summary>
    public static string RenderEmpty(string message)
    {
        var page = new StringBuilder(8_192);
        Head(page);
        page.Append("<header>\n<h1 data-testid=\"worklist-heading\">Worklist</h1>\n</header>\n<main>\n<section class=\"panel\">\n")
            .Append("<p data-testid=\"worklist-empty\">").Append(Html.Encode(message)).Append("</p>\n</section>\n</main>\n</body>\n</html>\n");
        return page.ToString();
    }

    private static void Head(StringBuilder page) =>
        page.Append("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"referrer\" content=\"no-referrer\">\n")
            .Append("<title>Valvuloplasty.Fhir worklist</title>\n<link rel=\"icon\" href=\"data:,\">\n")
            .Append("<style>").Append(Style).Append("</style>\n</head>\n<body>\n");

    private static void Fact(StringBuilder page, string label, string field, string encodedValue) =>
        page.Append("<div><dt>").Append(label).Append("</dt><dd data-field=\"").Append(field).Append("\">").Append(encodedValue).Append("</dd></div>\n");

    /// <summary>
    /// Horizontal bars grouped by valve: the valve's name, then one bar per decision with its name and count as text.
    /// <c>role="img"</c> hides the parts from assistive technology, so the label says every count in words.
    /// </summary>
    private static void Chart(StringBuilder page, IReadOnlyList<WorklistCount> counts)
    {
        var valves = counts.GroupBy(c => c.Valve).ToList();
        var height = valves.Sum(v => ValveHeader + (v.Count() * RowHeight) + GroupGap);
        var largest = counts.Max(c => c.Count);
        var label = Title + ". " + string.Join(" ", valves.Select(v =>
            $"{v.Key}: {string.Join(", ", v.Select(c => $"{c.Decision} {c.Count.ToString(Invariant)}"))}."));

        page.Append(Invariant, $"<svg class=\"chart\" data-testid=\"worklist-chart\" role=\"img\" aria-label=\"{Html.Encode(label)}\" ")
            .Append(Invariant, $"width=\"{ChartWidth}\" height=\"{height}\" viewBox=\"0 0 {ChartWidth} {height}\" xmlns=\"http://www.w3.org/2000/svg\">\n")
            .Append("<title>").Append(Title).Append("</title>\n");
        var y = 0;
        foreach (var valve in valves)
        {
            var name = Html.Encode(valve.Key);
            page.Append(Invariant, $"<g data-testid=\"chart-valve\" data-valve=\"{name}\">\n")
                .Append(Invariant, $"<text class=\"chart-valve\" x=\"0\" y=\"{y + 17}\">{name}</text>\n");
            y += ValveHeader;
            foreach (var count in valve)
            {
                var decision = Html.Encode(count.Decision);
                var width = Math.Max(2, (int)Math.Round((double)BarArea * count.Count / largest));
                var text = count.Count.ToString(Invariant);
                page.Append(Invariant, $"<g data-testid=\"chart-bar\" data-valve=\"{name}\" data-decision=\"{decision}\" data-count=\"{text}\">")
                    .Append(Invariant, $"<title>{name}, {decision}: {text} {(count.Count == 1 ? "line" : "lines")}</title>")
                    .Append(Invariant, $"<text x=\"{LabelWidth - 8}\" y=\"{y + 16}\" text-anchor=\"end\">{decision}</text>")
                    .Append(Invariant, $"<rect class=\"bar {DecisionClass(count.Decision)}\" x=\"{LabelWidth}\" y=\"{y + 4}\" width=\"{width}\" height=\"{BarHeight}\"/>")
                    .Append(Invariant, $"<text data-testid=\"chart-count\" x=\"{LabelWidth + width + 6}\" y=\"{y + 16}\">{text}</text></g>\n");
                y += RowHeight;
            }

            page.Append("</g>\n");
            y += GroupGap;
        }

        page.Append("</svg>\n");
    }

    private static void Table(StringBuilder page, IReadOnlyList<WorklistLine> lines, IReadOnlyList<WorklistCount> counts, Func<string, string>? sandboxLink)
    {
        page.Append("<section class=\"panel\" aria-labelledby=\"lines-heading\">\n<h2 id=\"lines-heading\">Lines</h2>\n<div class=\"controls\">\n")
            .Append("<div><label for=\"worklist-filter\">Filter</label>")
            .Append("<input id=\"worklist-filter\" data-testid=\"worklist-filter\" type=\"search\" autocomplete=\"off\" placeholder=\"Patient, code, summary, evidence…\"></div>\n")
            .Append("<div><label for=\"worklist-group\">Valve and decision</label><select id=\"worklist-group\" data-testid=\"worklist-group\">\n")
            .Append("<option value=\"\">All valves and decisions</option>\n");
        foreach (var valve in counts.GroupBy(c => c.Valve))
        {
            var name = Html.Encode(valve.Key);
            page.Append(Invariant, $"<optgroup label=\"{name}\">\n<option value=\"{name}|\" data-valve=\"{name}\">{name}: all ({valve.Sum(c => c.Count).ToString(Invariant)})</option>\n");
            foreach (var count in valve)
            {
                var decision = Html.Encode(count.Decision);
                page.Append(Invariant, $"<option value=\"{name}|{decision}\" data-valve=\"{name}\" data-decision=\"{decision}\">{name}: {decision} ({count.Count.ToString(Invariant)})</option>\n");
            }

            page.Append("</optgroup>\n");
        }

        page.Append("</select></div>\n<p id=\"worklist-shown\" class=\"muted\" data-testid=\"worklist-shown\" aria-live=\"polite\"></p>\n</div>\n")
            .Append("<div class=\"table-wrap\">\n<table id=\"worklist-table\" data-testid=\"worklist-table\">\n")
            .Append("<caption>One line per patient and valve. Sort by a column header; filter by text or by valve and decision.</caption>\n<thead>\n<tr>");
        foreach (var (header, field) in Columns)
        {
            page.Append(Invariant, $"<th scope=\"col\" data-field=\"{field}\"><button type=\"button\" data-testid=\"sort-{field}\">{header}</button></th>");
        }

        page.Append("</tr>\n</thead>\n<tbody>\n");
        foreach (var line in lines)
        {
            Row(page, line, sandboxLink);
        }

        page.Append("</tbody>\n</table>\n</div>\n<p id=\"worklist-none\" data-testid=\"worklist-none\" hidden>No line matches the filter.</p>\n</section>\n");
    }

    private static readonly (string Header, string Field)[] Columns =
    [
        ("Patient", "patient"), ("Valve", "valve"), ("Decision", "decision"), ("Bridge to TAVR", "bridge"), ("Codes", "codes"),
        ("Summary", "summary"), ("Evidence", "evidence"), ("Next steps", "next-steps"),
    ];

    private static void Row(StringBuilder page, WorklistLine line, Func<string, string>? sandboxLink)
    {
        var patient = Html.Encode(line.PatientId);
        var valve = Html.Encode(line.Valve);
        var decision = Html.Encode(line.Decision);
        page.Append(Invariant, $"<tr data-testid=\"worklist-row\" data-patient-id=\"{patient}\" data-valve=\"{valve}\" data-decision=\"{decision}\">\n");

        page.Append(Invariant, $"<td data-field=\"patient\" data-sort=\"{patient}\">");
        if (sandboxLink is not null)
        {
            page.Append(Invariant, $"<a href=\"{Html.Encode(sandboxLink(line.PatientId))}\" data-testid=\"sandbox-link\" title=\"Open this patient's cards in the sandbox page\">{patient}</a>");
        }
        else
        {
            page.Append(patient);
        }

        // Valves and decisions sort in the rules' order (candidate first), not alphabetically.
        page.Append("</td>\n")
            .Append(Invariant, $"<td data-field=\"valve\" data-sort=\"{WorklistCounts.ValveRank(line.Valve)}\">{valve}</td>\n")
            .Append(Invariant, $"<td data-field=\"decision\" data-sort=\"{WorklistCounts.DecisionRank(line.Decision)}\">{decision}</td>\n")
            .Append("<td data-field=\"bridge\">").Append(Html.Encode(line.BridgeToTavr ?? string.Empty)).Append("</td>\n")
            .Append("<td data-field=\"codes\" class=\"codes\">");
        foreach (var code in line.Codes)
        {
            page.Append("<code>").Append(Html.Encode(code)).Append("</code> ");
        }

        page.Append("</td>\n<td data-field=\"summary\">").Append(Html.Encode(line.Summary)).Append("</td>\n<td data-field=\"evidence\">");
        List(page, line.Evidence.Select(Evidence));
        page.Append("</td>\n<td data-field=\"next-steps\">");
        List(page, line.NextSteps);
        page.Append("</td>\n</tr>\n");
    }

    /// <summary>One measurement as the card's evidence table shows it: name, value and unit, date.</summary>
    private static string Evidence(WorklistEvidence evidence)
    {
        var value = string.Join(' ', new[] { evidence.Value?.ToString(Invariant), evidence.Unit }.Where(part => !string.IsNullOrEmpty(part)));
        return value.Length == 0 ? $"{evidence.Name} ({evidence.Date})" : $"{evidence.Name}: {value} ({evidence.Date})";
    }

    private static void List(StringBuilder page, IEnumerable<string> items)
    {
        var any = false;
        foreach (var item in items)
        {
            page.Append(any ? "" : "<ul>").Append("<li>").Append(Html.Encode(item)).Append("</li>");
            any = true;
        }

        page.Append(any ? "</ul>" : "");
    }

    /// <summary>A colour class only for a decision the rules make: a stored word never becomes a class name of its own.</summary>
    private static string DecisionClass(string decision) =>
        WorklistCounts.IsKnownDecision(decision) ? "decision-" + decision : "decision-other";

    private static string Time(DateTimeOffset at) =>
        $"<time datetime=\"{at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", Invariant)}\">{at.UtcDateTime.ToString("yyyy-MM-dd HH:mm", Invariant)} UTC</time>";

    private static string Date(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd", Invariant);

    private static string Hash(string inline) => "sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(inline)));

    private static string Resource(string name)
    {
        using var stream = typeof(WorklistPage).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The embedded resource {name} is missing from the build.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
