using System.Text;
using System.Text.Json;
using Valvuloplasty.Fhir.CdsHooks.Protocol;
using Valvuloplasty.Fhir.Data.Feedback;

namespace Valvuloplasty.Fhir.UnitTests.Protocol;

/// <summary>
/// The feedback reader as a table: each body either yields its items or names, by location, every problem; a bad
/// item fails the whole batch (nothing half-stored). Malformed JSON is the caller's 400 (a JsonException).
/// </summary>
public sealed class FeedbackReaderTests
{
    private static readonly DateTimeOffset Received = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);

    private const string Accepted = """{"card":"c1","outcome":"accepted","outcomeTimestamp":"2026-11-28T10:00:00Z"}""";
    private const string Overridden = """{"card":"c2","outcome":"overridden","outcomeTimestamp":"2026-11-28T10:00:00Z"}""";

    private static (IReadOnlyList<FeedbackItem> Items, IReadOnlyList<RequestIssue> Issues) Read(string body, int maxItems = 500) =>
        FeedbackReader.Read(Encoding.UTF8.GetBytes(body), "valvuloplasty-patient-view", maxItems, 64, Received);

    public static TheoryData<string, string, string> Invalid() => new()
    {
        // name, body, the location named
        { "body is an array", "[]", "$" },
        { "body is a string", "\"feedback\"", "$" },
        { "no feedback member", "{}", "feedback" },
        { "feedback is an object", """{"feedback":{}}""", "feedback" },
        { "feedback is null", """{"feedback":null}""", "feedback" },
        { "feedback is empty", """{"feedback":[]}""", "feedback" },
        { "an item is a number", """{"feedback":[1]}""", "feedback[0]" },
        { "card missing", """{"feedback":[{"outcome":"accepted","outcomeTimestamp":"2026-11-28T10:00:00Z"}]}""", "feedback[0].card" },
        { "card is a number", """{"feedback":[{"card":5,"outcome":"accepted","outcomeTimestamp":"2026-11-28T10:00:00Z"}]}""", "feedback[0].card" },
        { "card is empty", """{"feedback":[{"card":"","outcome":"accepted","outcomeTimestamp":"2026-11-28T10:00:00Z"}]}""", "feedback[0].card" },
        { "outcome unknown", """{"feedback":[{"card":"c","outcome":"maybe","outcomeTimestamp":"2026-11-28T10:00:00Z"}]}""", "feedback[0].outcome" },
        { "outcome missing", """{"feedback":[{"card":"c","outcomeTimestamp":"2026-11-28T10:00:00Z"}]}""", "feedback[0].outcome" },
        { "outcome in capitals", """{"feedback":[{"card":"c","outcome":"ACCEPTED","outcomeTimestamp":"2026-11-28T10:00:00Z"}]}""", "feedback[0].outcome" },
        { "timestamp missing", """{"feedback":[{"card":"c","outcome":"accepted"}]}""", "feedback[0].outcomeTimestamp" },
        { "timestamp not a date", """{"feedback":[{"card":"c","outcome":"accepted","outcomeTimestamp":"yesterday"}]}""", "feedback[0].outcomeTimestamp" },
        { "timestamp a date without time", """{"feedback":[{"card":"c","outcome":"accepted","outcomeTimestamp":"2026-11-28"}]}""", "feedback[0].outcomeTimestamp" },
        { "timestamp a number", """{"feedback":[{"card":"c","outcome":"accepted","outcomeTimestamp":1732780800}]}""", "feedback[0].outcomeTimestamp" },
        { "accepted with an override reason", """{"feedback":[{"card":"c","outcome":"accepted","outcomeTimestamp":"2026-11-28T10:00:00Z","overrideReason":{}}]}""", "feedback[0].overrideReason" },
        { "overridden with accepted suggestions", """{"feedback":[{"card":"c","outcome":"overridden","outcomeTimestamp":"2026-11-28T10:00:00Z","acceptedSuggestions":[{"id":"s"}]}]}""", "feedback[0].acceptedSuggestions" },
        { "accepted suggestions not an array", """{"feedback":[{"card":"c","outcome":"accepted","outcomeTimestamp":"2026-11-28T10:00:00Z","acceptedSuggestions":{"id":"s"}}]}""", "feedback[0].acceptedSuggestions" },
        { "a suggestion without id", """{"feedback":[{"card":"c","outcome":"accepted","outcomeTimestamp":"2026-11-28T10:00:00Z","acceptedSuggestions":[{}]}]}""", "feedback[0].acceptedSuggestions[0].id" },
        { "a suggestion that is a string", """{"feedback":[{"card":"c","outcome":"accepted","outcomeTimestamp":"2026-11-28T10:00:00Z","acceptedSuggestions":["s"]}]}""", "feedback[0].acceptedSuggestions[0]" },
        { "override reason not an object", """{"feedback":[{"card":"c","outcome":"overridden","outcomeTimestamp":"2026-11-28T10:00:00Z","overrideReason":"busy"}]}""", "feedback[0].overrideReason" },
        { "reason not a Coding", """{"feedback":[{"card":"c","outcome":"overridden","outcomeTimestamp":"2026-11-28T10:00:00Z","overrideReason":{"reason":"busy"}}]}""", "feedback[0].overrideReason.reason" },
        { "reason without code", """{"feedback":[{"card":"c","outcome":"overridden","outcomeTimestamp":"2026-11-28T10:00:00Z","overrideReason":{"reason":{"system":"s"}}}]}""", "feedback[0].overrideReason.reason.code" },
        { "the second item bad", "{\"feedback\":[" + Accepted + ",{\"card\":5}]}", "feedback[1].card" },
        { "more items than allowed", "{\"feedback\":[" + Accepted + "," + Accepted + "," + Accepted + "]}", "feedback" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void BadBody_NamesTheLocation_AndYieldsNoItem(string name, string body, string location)
    {
        var (items, issues) = Read(body, maxItems: 2);

        Assert.Empty(items);
        Assert.True(issues.Any(i => i.Location == location), $"{name}: {string.Join(", ", issues.Select(i => i.Location))}");
    }

    [Theory]
    [InlineData("{\"feedback\":[")]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("{\"feedback\":[]} trailing")]
    public void MalformedJson_IsTheCallersJsonException(string body) =>
        Assert.ThrowsAny<JsonException>(() => Read(body));

    [Fact]
    public void GoodBatch_ReadsEveryField()
    {
        var body = """
            {"feedback":[
              {"card":"c1","outcome":"accepted","outcomeTimestamp":"2026-11-28T11:00:00+01:00","acceptedSuggestions":[{"id":"s1"},{"id":"s2"}]},
              {"card":"c2","outcome":"overridden","outcomeTimestamp":"2026-11-28T10:00:00Z",
               "overrideReason":{"reason":{"system":"http://example.org/r","code":"busy","display":"Too busy"},"userComment":"later"}},
              {"card":"c3","outcome":"overridden","outcomeTimestamp":"2026-11-28T10:00:00Z"}
            ], "extension": {"ignored": true}}
            """;

        var (items, issues) = Read(body);

        Assert.Empty(issues);
        Assert.Equal(3, items.Count);
        Assert.Equal(new FeedbackItem("valvuloplasty-patient-view", "c1", FeedbackOutcome.Accepted, new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero), items[0].AcceptedSuggestions, null, null, null, null, Received), items[0]);
        Assert.Equal(["s1", "s2"], items[0].AcceptedSuggestions);
        Assert.Equal(("http://example.org/r", "busy", "Too busy", "later"), (items[1].OverrideReasonSystem, items[1].OverrideReasonCode, items[1].OverrideReasonDisplay, items[1].UserComment));
        Assert.Equal((FeedbackOutcome.Overridden, (string?)null), (items[2].Outcome, items[2].OverrideReasonCode));
    }

    [Fact]
    public void OverriddenAndAccepted_SameCard_AreTwoItems() =>
        Assert.Equal(2, Read("{\"feedback\":[" + Accepted + "," + Overridden.Replace("c2", "c1", StringComparison.Ordinal) + "]}").Items.Count);
}
