using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Valvuloplasty.Fhir.IntegrationTests.Infrastructure;

namespace Valvuloplasty.Fhir.IntegrationTests.Rules;

/// <summary>
/// Golden cards: for every synthetic patient, the cards of patient-view and of order-sign with a balloon order for
/// the patient's valve, written as a cardiologist reads them (summary, indicator, the detail markdown verbatim,
/// suggestions with their resources, links, override reasons, the contract) into
/// <c>tests/Valvuloplasty.Fhir.IntegrationTests/Golden/&lt;patient&gt;.md</c>. The files are reviewed line by line
/// and checked in; any change to what a card says shows as a diff and fails this test until the golden file is
/// updated on purpose: <c>VALVULOPLASTY_UPDATE_GOLDEN=1 dotnet test --filter GoldenCardTests</c>.
/// Each hook's whole response is also kept as sent (uuids replaced), so the comparison is byte-for-byte on the wire.
/// </summary>
public sealed class GoldenCardTests : IClassFixture<GoldenCardTests.Host>
{
    private static readonly string Folder = Path.Combine(Requests.RepoRoot, "tests", "Valvuloplasty.Fhir.IntegrationTests", "Golden");
    private readonly Host _host;

    public GoldenCardTests(Host host) => _host = host;

    /// <summary>The SMART app's launch URL in the golden cards: fixed, so the files do not depend on the test's port.</summary>
    public const string SmartLaunchUrl = "https://valvuloplasty.example.org/smart/launch.html";

    /// <summary>One host for the golden cards, configured with <see cref="SmartLaunchUrl"/>.</summary>
    public sealed class Host : IDisposable
    {
        public CdsTestHost Server { get; } = new(new Dictionary<string, string?> { ["Smart:LaunchUrl"] = SmartLaunchUrl });

        public void Dispose() => Server.Dispose();
    }

    public static TheoryData<ExpectedOutcome> Patients() => [.. SyntheticPatients.Expected];

    /// <summary>The balloon procedure of each valve, as a drafted order (CPT).</summary>
    private static readonly Dictionary<string, (string Code, string Display)> BalloonOrders = new(StringComparer.Ordinal)
    {
        ["aortic"] = ("92986", "Percutaneous balloon valvuloplasty; aortic valve"),
        ["mitral"] = ("92987", "Percutaneous balloon valvuloplasty; mitral valve"),
        ["pulmonary"] = ("92990", "Percutaneous balloon valvuloplasty; pulmonary valve"),
    };

    [Theory]
    [MemberData(nameof(Patients))]
    public async Task Cards_MatchTheReviewedGoldenFile(ExpectedOutcome patient)
    {
        var text = new StringBuilder();
        text.Append("# ").Append(patient.PatientId).Append("\n\n").Append(patient.Why).Append('\n');

        var patientView = SyntheticPatients.PatientView(patient.File);
        await AppendAsync(text, "patient-view", Requests.PatientView, patientView);

        var (code, display) = BalloonOrders[patient.Valve];
        var orderSign = patientView.DeepClone().AsObject();
        orderSign["hook"] = "order-sign";
        var order = new JsonObject
        {
            ["resourceType"] = "ServiceRequest", ["id"] = "balloon-draft", ["status"] = "draft", ["intent"] = "order",
            ["code"] = new JsonObject
            {
                ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://www.ama-assn.org/go/cpt", ["code"] = code, ["display"] = display }),
                ["text"] = display,
            },
            ["subject"] = new JsonObject { ["reference"] = $"Patient/{patient.PatientId}" },
        };
        orderSign["context"]!["draftOrders"] = new JsonObject
        {
            ["resourceType"] = "Bundle", ["type"] = "collection", ["entry"] = new JsonArray(new JsonObject { ["resource"] = order }),
        };
        await AppendAsync(text, $"order-sign, balloon order drafted (CPT {code})", Requests.OrderSign, orderSign);

        var golden = Path.Combine(Folder, $"{patient.PatientId}.md");
        var actual = text.ToString();
        if (Environment.GetEnvironmentVariable("VALVULOPLASTY_UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(Folder);
            await File.WriteAllTextAsync(golden, actual, TestContext.Current.CancellationToken);
            return;
        }

        Assert.True(File.Exists(golden), $"No golden file {golden}: run with VALVULOPLASTY_UPDATE_GOLDEN=1 and review it.");
        var expected = (await File.ReadAllTextAsync(golden, TestContext.Current.CancellationToken)).ReplaceLineEndings("\n");
        Assert.True(expected == actual, $"The cards of {patient.PatientId} changed. Review the diff (VALVULOPLASTY_UPDATE_GOLDEN=1 rewrites {golden}):\n{FirstDifference(expected, actual)}");
    }

    [Fact]
    public void EveryGoldenFile_BelongsToASyntheticPatient()
    {
        var patients = SyntheticPatients.Expected.Select(p => $"{p.PatientId}.md").ToHashSet(StringComparer.Ordinal);

        Assert.All(Directory.EnumerateFiles(Folder, "*.md").Select(Path.GetFileName), file => Assert.Contains(file!, patients));
    }

    private async Task AppendAsync(StringBuilder text, string title, string path, JsonObject request)
    {
        var (response, body) = await Requests.PostAsync(_host.Server.Client, path, request);
        text.Append("\n## ").Append(title).Append("\n\n");
        text.Append("HTTP ").Append((int)response.StatusCode).Append('\n');
        var cards = CardContract.AssertValid(body);
        if (cards.Count == 0)
        {
            text.Append("\n(no cards)\n");
        }

        var number = 0;
        foreach (var card in cards)
        {
            Card(text, card, ++number);
        }

        // The response exactly as sent, generated uuids aside: any change to the wire bytes shows here too.
        var wire = System.Text.RegularExpressions.Regex.Replace(body!.RootElement.GetRawText(),
            "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<uuid>");
        text.Append("\nwire (uuids replaced):\n\n```json\n").Append(wire).Append("\n```\n");
    }

    private static void Card(StringBuilder text, JsonElement card, int number)
    {
        var (topic, valve, decision, bridge, codes) = CardContract.Contract(card);
        text.Append("\n### Card ").Append(number.ToString(CultureInfo.InvariantCulture)).Append(": ").Append(topic)
            .Append(" · ").Append(card.GetProperty("indicator").GetString())
            .Append(" · ").Append(valve).Append(" · ").Append(decision);
        if (bridge is not null)
        {
            text.Append(" · bridge to TAVR ").Append(bridge);
        }

        text.Append("\n\n");
        text.Append("source: ").Append(card.GetProperty("source").GetProperty("label").GetString())
            .Append(" (").Append(card.GetProperty("source").GetProperty("topic").GetProperty("display").GetString()).Append(")\n");
        text.Append("codes: ").Append(codes.Length == 0 ? "(none)" : string.Join(", ", codes)).Append('\n');
        text.Append("summary: ").Append(card.GetProperty("summary").GetString()).Append("\n\n");
        text.Append("```markdown\n").Append(card.TryGetProperty("detail", out var detail) ? detail.GetString() : "(no detail)").Append("\n```\n");

        if (card.TryGetProperty("suggestions", out var suggestions))
        {
            text.Append("\nsuggestions (").Append(card.GetProperty("selectionBehavior").GetString()).Append("):\n");
            foreach (var suggestion in suggestions.EnumerateArray())
            {
                text.Append("- ").Append(suggestion.GetProperty("label").GetString());
                if (suggestion.TryGetProperty("isRecommended", out var recommended) && recommended.GetBoolean())
                {
                    text.Append(" (recommended)");
                }

                text.Append('\n');
                foreach (var action in suggestion.GetProperty("actions").EnumerateArray())
                {
                    text.Append("  - ").Append(action.GetProperty("type").GetString()).Append(": ").Append(action.GetProperty("description").GetString());
                    if (action.TryGetProperty("resourceId", out var id))
                    {
                        text.Append(" [").Append(id.GetString()).Append(']');
                    }

                    if (action.TryGetProperty("resource", out var resource))
                    {
                        text.Append("\n    ").Append(resource.GetRawText());
                    }

                    text.Append('\n');
                }
            }
        }

        if (card.TryGetProperty("links", out var links))
        {
            text.Append("\nlinks:\n");
            foreach (var link in links.EnumerateArray())
            {
                text.Append("- [").Append(link.GetProperty("label").GetString()).Append("](").Append(link.GetProperty("url").GetString()).Append(") ")
                    .Append(link.GetProperty("type").GetString());
                if (link.TryGetProperty("appContext", out var context))
                {
                    text.Append(" appContext=").Append(context.GetString());
                }

                text.Append('\n');
            }
        }

        if (card.TryGetProperty("overrideReasons", out var reasons))
        {
            text.Append("\noverride reasons: ").Append(string.Join("; ", reasons.EnumerateArray().Select(r => r.GetProperty("display").GetString()))).Append('\n');
        }
    }

    private static string FirstDifference(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        for (var i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            var left = i < e.Length ? e[i] : "(end of file)";
            var right = i < a.Length ? a[i] : "(end of file)";
            if (left != right)
            {
                return $"line {i + 1}:\n- golden: {left}\n+ actual: {right}";
            }
        }

        return "(no line differs)";
    }
}
