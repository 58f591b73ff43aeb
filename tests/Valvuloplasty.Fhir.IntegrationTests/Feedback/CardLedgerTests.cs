using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Valvuloplasty.Fhir.Data.Feedback;
using Valvuloplasty.Fhir.IntegrationTests.Infrastructure;

namespace Valvuloplasty.Fhir.IntegrationTests.Feedback;

/// <summary>The card ledger (every card returned, written off the request path) and the analytics built on it.</summary>
public sealed class CardLedgerTests
{
    private static readonly DateTimeOffset Since = DateTimeOffset.UtcNow.AddDays(-3650);
    private static readonly DateTimeOffset Until = DateTimeOffset.UtcNow.AddDays(3650);

    [Fact]
    public async Task EveryCardReturned_IsInTheLedger_AndFeedbackShowsInTheAnalytics()
    {
        using var host = new CdsTestHost();
        var (_, body) = await Requests.PostAsync(host.Client, Requests.PatientView, Requests.Example("patient-view-aortic-bav-candidate.json"));
        var cards = CardContract.AssertValid(body);
        var bridge = cards[1];
        var suggestion = bridge.GetProperty("suggestions")[0].GetProperty("uuid").GetString();
        var reason = cards[3].GetProperty("overrideReasons")[0];
        var feedback = new JsonObject
        {
            ["feedback"] = new JsonArray(
                new JsonObject
                {
                    ["card"] = bridge.GetProperty("uuid").GetString(), ["outcome"] = "accepted", ["outcomeTimestamp"] = "2026-11-28T12:01:00Z",
                    ["acceptedSuggestions"] = new JsonArray(new JsonObject { ["id"] = suggestion }),
                },
                new JsonObject
                {
                    ["card"] = cards[3].GetProperty("uuid").GetString(), ["outcome"] = "overridden", ["outcomeTimestamp"] = "2026-11-28T12:02:00Z",
                    ["overrideReason"] = new JsonObject { ["reason"] = JsonNode.Parse(reason.GetRawText()) },
                }),
        };
        await Requests.PostAsync(host.Client, "/cds-services/valvuloplasty-patient-view/feedback", feedback);
        await host.Service<CardLedger>().FlushAsync(TestContext.Current.CancellationToken);

        var analytics = await host.Service<IFeedbackStore>().AnalyticsAsync(Since, Until, TestContext.Current.CancellationToken);

        Assert.Equal(["assessment", "bridge-to-tavr", "education", "safety"], analytics.Topics.Select(t => t.Topic));
        Assert.All(analytics.Topics, t => Assert.Equal(("valvuloplasty-patient-view", 1), (t.ServiceId, t.Issued)));
        var bridgeTopic = analytics.Topics.Single(t => t.Topic == "bridge-to-tavr");
        Assert.Equal((1, 0, 1.0), (bridgeTopic.Accepted, bridgeTopic.Overridden, bridgeTopic.AcceptanceRate!.Value));
        var safety = analytics.Topics.Single(t => t.Topic == "safety");
        Assert.Equal(1, safety.Overridden);
        Assert.Equal(reason.GetProperty("code").GetString(), Assert.Single(safety.TopOverrideReasons).Code);
        Assert.Null(analytics.Topics.Single(t => t.Topic == "assessment").AcceptanceRate);
    }

    [Fact]
    public async Task AnalyticsEndpoint_ReturnsTopicsAndLedgerCounters()
    {
        using var host = new CdsTestHost();
        await Requests.PostAsync(host.Client, Requests.PatientView, Requests.Example("patient-view-aortic-bav-candidate.json"));
        await host.Service<CardLedger>().FlushAsync(TestContext.Current.CancellationToken);

        var analytics = await host.Client.GetFromJsonAsync<JsonObject>("/analytics/cards", TestContext.Current.CancellationToken);

        Assert.Equal(4, analytics!["ledgerWritten"]!.GetValue<long>());
        Assert.Equal(0, analytics["ledgerDropped"]!.GetValue<long>());
        Assert.Equal(4, analytics["topics"]!.AsArray().Count);
        Assert.Equal(1, analytics["topics"]![0]!["issued"]!.GetValue<int>());
    }

    [Fact]
    public async Task AnalyticsEndpoint_ShowsTheServicesDisplayForItsReasons_TheEhrsForOthers_AndNoReasonGiven()
    {
        using var host = new CdsTestHost();
        var (_, body) = await Requests.PostAsync(host.Client, Requests.PatientView, Requests.Example("patient-view-aortic-bav-candidate.json"));
        var cards = CardContract.AssertValid(body);
        JsonObject Overridden(int card, JsonObject? reason) => new()
        {
            ["card"] = cards[card].GetProperty("uuid").GetString(), ["outcome"] = "overridden", ["outcomeTimestamp"] = "2026-11-28T12:02:00Z",
            ["overrideReason"] = reason is null ? null : new JsonObject { ["reason"] = reason },
        };
        var feedback = new JsonObject
        {
            ["feedback"] = new JsonArray(
                // The service's own code, sent back without its display (as the public sandbox does).
                Overridden(0, new JsonObject { ["system"] = "http://example.org/fhir/valvuloplasty-cds/CodeSystem/override-reason", ["code"] = "palliative-intent" }),
                Overridden(1, null),
                Overridden(3, new JsonObject { ["system"] = "https://ehr.example.org/reasons", ["code"] = "r-17", ["display"] = "Discussed at MDT" })),
        };
        foreach (var item in feedback["feedback"]!.AsArray().Select(i => i!.AsObject()).Where(i => i["overrideReason"] is null))
        {
            item.Remove("overrideReason");
        }

        var (stored, _) = await Requests.PostAsync(host.Client, "/cds-services/valvuloplasty-patient-view/feedback", feedback);
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        await host.Service<CardLedger>().FlushAsync(TestContext.Current.CancellationToken);

        var analytics = await host.Client.GetFromJsonAsync<JsonObject>("/analytics/cards", TestContext.Current.CancellationToken);

        var reasons = analytics!["topics"]!.AsArray().ToDictionary(t => t!["topic"]!.GetValue<string>(), t => t!["topOverrideReasons"]!.AsArray());
        var assessment = Assert.Single(reasons["assessment"])!;
        Assert.Equal(("palliative-intent", "Palliative intent"), (assessment["code"]!.GetValue<string>(), assessment["display"]!.GetValue<string>()));
        var bridge = Assert.Single(reasons["bridge-to-tavr"])!;
        Assert.Null(bridge["code"]);
        Assert.Equal("no reason given", bridge["display"]!.GetValue<string>());
        Assert.Equal("Discussed at MDT", Assert.Single(reasons["safety"])!["display"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("?since=yesterday")]
    [InlineData("?since=2026-11-28T00:00:00Z&until=2026-11-01T00:00:00Z")]
    public async Task AnalyticsEndpoint_BadPeriod_Returns400(string query)
    {
        using var host = new CdsTestHost();

        var response = await host.Client.GetAsync("/analytics/cards" + query, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task BurstOf1000HookCalls_LosesNoCard()
    {
        using var host = new CdsTestHost();
        var request = Requests.Example("patient-view-aortic-bav-candidate.json");
        var issued = 0;
        using var gate = new SemaphoreSlim(16);

        await Task.WhenAll(Enumerable.Range(0, 1000).Select(async _ =>
        {
            await gate.WaitAsync(TestContext.Current.CancellationToken);
            try
            {
                var (response, body) = await Requests.PostAsync(host.Client, Requests.PatientView, request);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Interlocked.Add(ref issued, body!.RootElement.GetProperty("cards").GetArrayLength());
            }
            finally
            {
                gate.Release();
            }
        }));
        var ledger = host.Service<CardLedger>();
        await ledger.FlushAsync(TestContext.Current.CancellationToken);

        var analytics = await host.Service<IFeedbackStore>().AnalyticsAsync(Since, Until, TestContext.Current.CancellationToken);
        Assert.Equal(4000, issued);
        Assert.Equal(0, ledger.Dropped);
        Assert.Equal(issued, ledger.Written);
        Assert.Equal(issued, analytics.Topics.Sum(t => t.Issued));
    }

    [Fact]
    public async Task FullQueue_DropsAndCounts_NeverBlocksAHook()
    {
        using var host = new CdsTestHost(new Dictionary<string, string?>
        {
            ["Ledger:QueueCapacity"] = "4",
            ["Ledger:BatchSize"] = "1",
            ["Feedback:BusyTimeoutSeconds"] = "2",
        });
        var request = Requests.Example("patient-view-aortic-bav-candidate.json");
        _ = host.Client;
        var issued = 0;

        // The store is locked by another process, so the writer is stuck and the queue fills up.
        await using (var blocker = new SqliteConnection($"Data Source={host.DatabasePath};Pooling=False"))
        {
            await blocker.OpenAsync(TestContext.Current.CancellationToken);
            await using var lockCommand = blocker.CreateCommand();
            lockCommand.CommandText = "BEGIN EXCLUSIVE;";
            await lockCommand.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            for (var i = 0; i < 10; i++)
            {
                var (response, body) = await Requests.PostAsync(host.Client, Requests.PatientView, request);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                issued += body!.RootElement.GetProperty("cards").GetArrayLength();
            }

            // A hook that waited for the stuck writer would wait out its 2-second busy timeout, three times.
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"hooks waited for the ledger: {watch.Elapsed}");
        }

        var ledger = host.Service<CardLedger>();
        await ledger.FlushAsync(TestContext.Current.CancellationToken);

        Assert.True(ledger.Dropped > 0);
        Assert.Equal(issued, ledger.Dropped + ledger.Written);
    }
}
