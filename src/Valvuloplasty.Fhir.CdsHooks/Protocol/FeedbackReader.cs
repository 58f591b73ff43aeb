using System.Globalization;
using System.Text.Json;
using Valvuloplasty.Fhir.Data.Feedback;

namespace Valvuloplasty.Fhir.CdsHooks.Protocol;

/// <summary>
/// Reads <c>{"feedback":[...]}</c> (CDS Hooks 2.0 §Feedback). Every item is checked; a bad item makes
/// the whole request 400 with one issue per problem, named by its index, so nothing is half-stored.
/// </summary>
public static class FeedbackReader
{
    public static (IReadOnlyList<FeedbackItem> Items, IReadOnlyList<RequestIssue> Issues) Read(
        ReadOnlySpan<byte> body, string serviceId, int maxItems, int maxDepth, DateTimeOffset receivedAt)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = maxDepth });
        var issues = new List<RequestIssue>();
        var items = new List<FeedbackItem>();
        if (!reader.Read())
        {
            throw new JsonException("The request body is empty.");
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return ([], [new RequestIssue("$", "The feedback body must be a JSON object with a 'feedback' array.")]);
        }

        var sawFeedback = false;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            reader.Read();
            if (name != "feedback")
            {
                reader.Skip();
                continue;
            }

            sawFeedback = true;
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                issues.Add(new RequestIssue("feedback", "feedback must be an array."));
                reader.Skip();
                continue;
            }

            var index = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (index >= maxItems)
                {
                    issues.Add(new RequestIssue("feedback", $"At most {maxItems} feedback items are accepted per request."));
                    reader.Skip();
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        reader.Skip();
                    }

                    break;
                }

                if (ReadItem(ref reader, $"feedback[{index}]", serviceId, receivedAt, issues) is { } item)
                {
                    items.Add(item);
                }

                index++;
            }
        }

        if (reader.Read())
        {
            throw new JsonException("Unexpected data after the feedback object.");
        }

        if (!sawFeedback)
        {
            issues.Add(new RequestIssue("feedback", "feedback is required."));
        }
        else if (items.Count == 0 && issues.Count == 0)
        {
            issues.Add(new RequestIssue("feedback", "feedback must hold at least one item."));
        }

        return (issues.Count == 0 ? items : [], issues);
    }

    private static FeedbackItem? ReadItem(ref Utf8JsonReader reader, string at, string serviceId, DateTimeOffset receivedAt, List<RequestIssue> issues)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            issues.Add(new RequestIssue(at, $"{at} must be an object."));
            reader.Skip();
            return null;
        }

        var before = issues.Count;
        string? card = null, outcome = null, timestamp = null, reasonSystem = null, reasonCode = null, reasonDisplay = null, comment = null;
        var accepted = new List<string>();
        var sawAccepted = false;
        var sawOverride = false;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "card":
                    card = String(ref reader, $"{at}.card", issues);
                    break;
                case "outcome":
                    outcome = String(ref reader, $"{at}.outcome", issues);
                    break;
                case "outcomeTimestamp":
                    timestamp = String(ref reader, $"{at}.outcomeTimestamp", issues);
                    break;
                case "acceptedSuggestions":
                    sawAccepted = true;
                    ReadAcceptedSuggestions(ref reader, $"{at}.acceptedSuggestions", accepted, issues);
                    break;
                case "overrideReason":
                    sawOverride = true;
                    ReadOverrideReason(ref reader, $"{at}.overrideReason", issues, out reasonSystem, out reasonCode, out reasonDisplay, out comment);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        if (card is null && issues.All(i => i.Location != $"{at}.card"))
        {
            issues.Add(new RequestIssue($"{at}.card", $"{at}.card (the card's uuid) is required."));
        }

        FeedbackOutcome? parsedOutcome = outcome switch
        {
            "accepted" => FeedbackOutcome.Accepted,
            "overridden" => FeedbackOutcome.Overridden,
            _ => null,
        };
        if (parsedOutcome is null && issues.All(i => i.Location != $"{at}.outcome"))
        {
            issues.Add(new RequestIssue($"{at}.outcome", $"{at}.outcome must be 'accepted' or 'overridden'."));
        }

        DateTimeOffset when = default;
        if (timestamp is null)
        {
            if (issues.All(i => i.Location != $"{at}.outcomeTimestamp"))
            {
                issues.Add(new RequestIssue($"{at}.outcomeTimestamp", $"{at}.outcomeTimestamp is required."));
            }
        }
        else if (!DateTimeOffset.TryParse(timestamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out when) || !timestamp.Contains('T', StringComparison.Ordinal))
        {
            issues.Add(new RequestIssue($"{at}.outcomeTimestamp", $"{at}.outcomeTimestamp must be an ISO 8601 date-time."));
        }

        if (parsedOutcome == FeedbackOutcome.Accepted && sawOverride)
        {
            issues.Add(new RequestIssue($"{at}.overrideReason", $"{at}.overrideReason is only allowed when the outcome is 'overridden'."));
        }

        if (parsedOutcome == FeedbackOutcome.Overridden && sawAccepted)
        {
            issues.Add(new RequestIssue($"{at}.acceptedSuggestions", $"{at}.acceptedSuggestions is only allowed when the outcome is 'accepted'."));
        }

        if (issues.Count > before)
        {
            return null;
        }

        return new FeedbackItem(serviceId, card!, parsedOutcome!.Value, when, accepted, reasonSystem, reasonCode, reasonDisplay, comment, receivedAt);
    }

    private static void ReadAcceptedSuggestions(ref Utf8JsonReader reader, string at, List<string> accepted, List<RequestIssue> issues)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            issues.Add(new RequestIssue(at, $"{at} must be an array of {{\"id\": ...}} objects."));
            reader.Skip();
            return;
        }

        var index = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var here = $"{at}[{index++}]";
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                issues.Add(new RequestIssue(here, $"{here} must be an object with an id."));
                reader.Skip();
                continue;
            }

            string? id = null;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var name = reader.GetString();
                reader.Read();
                if (name == "id")
                {
                    id = String(ref reader, $"{here}.id", issues);
                }
                else
                {
                    reader.Skip();
                }
            }

            if (id is null)
            {
                if (issues.All(i => i.Location != $"{here}.id"))
                {
                    issues.Add(new RequestIssue($"{here}.id", $"{here}.id is required."));
                }
            }
            else
            {
                accepted.Add(id);
            }
        }
    }

    private static void ReadOverrideReason(
        ref Utf8JsonReader reader, string at, List<RequestIssue> issues,
        out string? system, out string? code, out string? display, out string? comment)
    {
        system = code = display = comment = null;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            issues.Add(new RequestIssue(at, $"{at} must be an object."));
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            reader.Read();
            if (name == "userComment")
            {
                comment = String(ref reader, $"{at}.userComment", issues, 4000);
            }
            else if (name == "reason")
            {
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    issues.Add(new RequestIssue($"{at}.reason", $"{at}.reason must be a Coding object."));
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var member = reader.GetString();
                    reader.Read();
                    switch (member)
                    {
                        case "system":
                            system = String(ref reader, $"{at}.reason.system", issues);
                            break;
                        case "code":
                            code = String(ref reader, $"{at}.reason.code", issues);
                            break;
                        case "display":
                            display = String(ref reader, $"{at}.reason.display", issues);
                            break;
                        default:
                            reader.Skip();
                            break;
                    }
                }

                if (code is null && issues.All(i => i.Location != $"{at}.reason.code"))
                {
                    issues.Add(new RequestIssue($"{at}.reason.code", $"{at}.reason.code is required in a reason Coding."));
                }
            }
            else
            {
                reader.Skip();
            }
        }
    }

    private static string? String(ref Utf8JsonReader reader, string at, List<RequestIssue> issues, int maxLength = CdsRequestReader.MaxShortString)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            issues.Add(new RequestIssue(at, $"{at} must be a string."));
            reader.Skip();
            return null;
        }

        var value = reader.GetString()!;
        if (value.Length == 0 || value.Length > maxLength)
        {
            issues.Add(new RequestIssue(at, $"{at} must be 1 to {maxLength} characters."));
            return null;
        }

        return value;
    }
}
