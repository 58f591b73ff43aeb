using System.Text.Json;

namespace Valvuloplasty.Fhir.IntegrationTests.Infrastructure;

/// <summary>
/// A reusable checker of a CDS Hooks 2.0 hook response: the specification's card rules, the strict
/// serialisation rules of CDS_HOOKS.md (no null / empty optionals) and this service's machine-readable
/// contract (docs/clinical-rules.md §8). Returns every violation, so a failing test shows them all.
/// </summary>
public static class CardContract
{
    public const string ExtensionKey = "org.example.valvuloplasty-cds";
    public const string TopicSystem = "http://example.org/fhir/valvuloplasty-cds/CodeSystem/card-topic";

    private static readonly HashSet<string> Indicators = ["info", "warning", "critical"];
    private static readonly HashSet<string> Topics = ["assessment", "bridge-to-tavr", "education", "safety"];
    private static readonly HashSet<string> Valves = ["aortic", "mitral", "pulmonary"];
    private static readonly HashSet<string> Decisions = ["candidate", "candidate-with-caution", "not-candidate", "insufficient-data", "post-procedure"];
    private static readonly HashSet<string> Bridge = ["yes", "no", "deferred"];
    private static readonly Lazy<HashSet<string>> ItemCodes = new(LoadItemCodes);

    /// <summary>Asserts the response is spec-valid and returns its cards.</summary>
    public static IReadOnlyList<JsonElement> AssertValid(JsonDocument? response)
    {
        Assert.NotNull(response);
        var problems = Check(response.RootElement);
        Assert.True(problems.Count == 0, "Card contract violations:\n" + string.Join("\n", problems));
        return [.. response.RootElement.GetProperty("cards").EnumerateArray()];
    }

    public static List<string> Check(JsonElement root)
    {
        var problems = new List<string>();
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("cards", out var cards) || cards.ValueKind != JsonValueKind.Array)
        {
            problems.Add("$: a hook response must be an object with a 'cards' array");
            return problems;
        }

        NoEmptyOptionals(root, "$", problems);
        var index = 0;
        foreach (var card in cards.EnumerateArray())
        {
            CheckCard(card, $"cards[{index++}]", problems);
        }

        return problems;
    }

    /// <summary>The contract of one card: (topic, valve, decision, bridgeToTavr or null, codes).</summary>
    public static (string Topic, string Valve, string Decision, string? Bridge, string[] Codes) Contract(JsonElement card)
    {
        var extension = card.GetProperty("extension").GetProperty(ExtensionKey);
        return (
            card.GetProperty("source").GetProperty("topic").GetProperty("code").GetString()!,
            extension.GetProperty("valve").GetString()!,
            extension.GetProperty("decision").GetString()!,
            extension.TryGetProperty("bridgeToTavr", out var bridge) ? bridge.GetString() : null,
            [.. extension.GetProperty("codes").EnumerateArray().Select(c => c.GetString()!)]);
    }

    /// <summary>Every item code the response conveys (the union over its cards).</summary>
    public static HashSet<string> AllCodes(IEnumerable<JsonElement> cards) => [.. cards.SelectMany(c => Contract(c).Codes)];

    private static bool SmartContextValve(string context, out string? valve)
    {
        valve = null;
        try
        {
            using var json = JsonDocument.Parse(context);
            valve = json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("valve", out var v) ? v.GetString() : null;
            return valve is not null;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static void CheckCard(JsonElement card, string at, List<string> problems)
    {
        if (!Guid.TryParse(Str(card, "uuid"), out _))
        {
            problems.Add($"{at}.uuid: required, a UUID");
        }

        var summary = Str(card, "summary");
        if (string.IsNullOrWhiteSpace(summary) || summary.Length >= 140)
        {
            problems.Add($"{at}.summary: required, under 140 characters (was {summary?.Length ?? 0})");
        }

        var indicator = Str(card, "indicator");
        if (indicator is null || !Indicators.Contains(indicator))
        {
            problems.Add($"{at}.indicator: must be info|warning|critical (was '{indicator}')");
        }

        if (!card.TryGetProperty("source", out var source) || string.IsNullOrWhiteSpace(Str(source, "label")))
        {
            problems.Add($"{at}.source.label: required");
        }
        else if (!source.TryGetProperty("topic", out var topic) || Str(topic, "system") != TopicSystem || !Topics.Contains(Str(topic, "code") ?? ""))
        {
            problems.Add($"{at}.source.topic: must be a Coding from {TopicSystem}");
        }

        if (card.TryGetProperty("suggestions", out var suggestions))
        {
            if (Str(card, "selectionBehavior") is not ("at-most-one" or "any"))
            {
                problems.Add($"{at}.selectionBehavior: required with suggestions, at-most-one|any");
            }

            var i = 0;
            foreach (var suggestion in suggestions.EnumerateArray())
            {
                CheckSuggestion(suggestion, $"{at}.suggestions[{i++}]", problems);
            }
        }

        if (card.TryGetProperty("links", out var links))
        {
            var i = 0;
            foreach (var link in links.EnumerateArray())
            {
                var here = $"{at}.links[{i++}]";
                var type = Str(link, "type");
                if (string.IsNullOrWhiteSpace(Str(link, "label")) || type is not ("absolute" or "smart"))
                {
                    problems.Add($"{here}: label and type absolute|smart required");
                }

                if (!Uri.TryCreate(Str(link, "url"), UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http"))
                {
                    problems.Add($"{here}.url: must be an absolute http(s) URL");
                }

                if (type == "absolute" && link.TryGetProperty("appContext", out _))
                {
                    problems.Add($"{here}.appContext: only for smart links");
                }

                if (type == "smart")
                {
                    // Our smart link: on assessment cards only, appContext a string holding JSON that names the card's valve.
                    var context = link.TryGetProperty("appContext", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
                    var topic = card.TryGetProperty("source", out var cardSource) && cardSource.TryGetProperty("topic", out var t) ? Str(t, "code") : null;
                    var valve = card.TryGetProperty("extension", out var extension) && extension.TryGetProperty(ExtensionKey, out var contract) ? Str(contract, "valve") : null;
                    if (topic != "assessment")
                    {
                        problems.Add($"{here}: the SMART app link belongs on assessment cards only");
                    }

                    if (context is null || !SmartContextValve(context, out var contextValve) || contextValve != valve)
                    {
                        problems.Add($"{here}.appContext: a string of JSON naming the card's valve ({{\"valve\":\"{valve}\"}})");
                    }
                }
            }
        }

        if (indicator is "warning" or "critical" && !card.TryGetProperty("overrideReasons", out _))
        {
            problems.Add($"{at}.overrideReasons: required on warning and critical cards (docs/clinical-rules.md §8)");
        }

        if (card.TryGetProperty("overrideReasons", out var reasons))
        {
            foreach (var reason in reasons.EnumerateArray())
            {
                if (string.IsNullOrWhiteSpace(Str(reason, "code")) || string.IsNullOrWhiteSpace(Str(reason, "display")))
                {
                    problems.Add($"{at}.overrideReasons: each Coding needs code and display");
                }
            }
        }

        CheckExtension(card, at, problems);
    }

    private static void CheckSuggestion(JsonElement suggestion, string at, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(Str(suggestion, "label")) || !Guid.TryParse(Str(suggestion, "uuid"), out _))
        {
            problems.Add($"{at}: label and uuid required");
        }

        if (!suggestion.TryGetProperty("actions", out var actions))
        {
            return;
        }

        var i = 0;
        foreach (var action in actions.EnumerateArray())
        {
            var here = $"{at}.actions[{i++}]";
            var type = Str(action, "type");
            if (type is not ("create" or "update" or "delete") || string.IsNullOrWhiteSpace(Str(action, "description")))
            {
                problems.Add($"{here}: type create|update|delete and description required");
            }

            if (type is "create" or "update" && (!action.TryGetProperty("resource", out var resource) || Str(resource, "resourceType") is null))
            {
                problems.Add($"{here}.resource: a full FHIR resource is required for {type}");
            }

            if (type is "create" && action.TryGetProperty("resource", out var created) && created.TryGetProperty("subject", out var subject)
                && Str(subject, "reference")?.StartsWith("Patient/", StringComparison.Ordinal) != true)
            {
                problems.Add($"{here}.resource.subject: must reference the patient");
            }

            if (type == "delete" && string.IsNullOrWhiteSpace(Str(action, "resourceId")))
            {
                problems.Add($"{here}.resourceId: required for delete");
            }
        }
    }

    private static void CheckExtension(JsonElement card, string at, List<string> problems)
    {
        if (!card.TryGetProperty("extension", out var extension) || !extension.TryGetProperty(ExtensionKey, out var contract))
        {
            problems.Add($"{at}.extension['{ExtensionKey}']: required on every card");
            return;
        }

        var valve = Str(contract, "valve");
        if (valve is null || !Valves.Contains(valve))
        {
            problems.Add($"{at}.extension.valve: aortic|mitral|pulmonary");
        }

        if (!Decisions.Contains(Str(contract, "decision") ?? ""))
        {
            problems.Add($"{at}.extension.decision: a docs/clinical-rules.md §1 decision");
        }

        var hasBridge = contract.TryGetProperty("bridgeToTavr", out var bridge);
        if (valve == "aortic" && (!hasBridge || !Bridge.Contains(bridge.GetString() ?? "")))
        {
            problems.Add($"{at}.extension.bridgeToTavr: yes|no|deferred on aortic cards");
        }

        if (valve is "mitral" or "pulmonary" && hasBridge)
        {
            problems.Add($"{at}.extension.bridgeToTavr: aortic only");
        }

        if (!contract.TryGetProperty("codes", out var codes) || codes.ValueKind != JsonValueKind.Array)
        {
            problems.Add($"{at}.extension.codes: an array, always present");
            return;
        }

        foreach (var code in codes.EnumerateArray())
        {
            if (!ItemCodes.Value.Contains(code.GetString() ?? ""))
            {
                problems.Add($"{at}.extension.codes: '{code}' is not in CodeSystem card-item-codes");
            }
        }
    }

    /// <summary>No null, "", [] or {} anywhere, except the top-level cards array and the contract's codes.</summary>
    private static void NoEmptyOptionals(JsonElement element, string at, List<string> problems)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    var here = $"{at}.{property.Name}";
                    var value = property.Value;
                    var exempt = here == "$.cards" || property.Name == "codes";
                    if (value.ValueKind == JsonValueKind.Null
                        || (value.ValueKind == JsonValueKind.String && value.GetString()!.Length == 0)
                        || (!exempt && value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == 0)
                        || (value.ValueKind == JsonValueKind.Object && !value.EnumerateObject().Any()))
                    {
                        problems.Add($"{here}: empty optional members must be omitted");
                    }

                    NoEmptyOptionals(value, here, problems);
                }

                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    NoEmptyOptionals(item, $"{at}[{i++}]", problems);
                }

                break;
        }
    }

    private static string? Str(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static HashSet<string> LoadItemCodes()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Requests.RepoRoot, "profiles", "CodeSystem-card-item-codes.json")));
        return [.. doc.RootElement.GetProperty("concept").EnumerateArray().Select(c => c.GetProperty("code").GetString()!)];
    }
}
