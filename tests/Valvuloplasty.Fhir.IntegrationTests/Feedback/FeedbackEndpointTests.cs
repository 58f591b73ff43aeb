using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Valvuloplasty.Fhir.Data.Feedback;
using Valvuloplasty.Fhir.IntegrationTests.Infrastructure;
using Valvuloplasty.Fhir.IntegrationTests.Protocol;

namespace Valvuloplasty.Fhir.IntegrationTests.Feedback;

public sealed class FeedbackEndpointTests : IDisposable
{
    private const string Path = "/cds-services/valvuloplasty-patient-view/feedback";
    private readonly CdsTestHost _host = new();

    [Fact]
    public async Task Feedback_BatchOfAcceptedAndOverridden_IsStoredWithEveryField()
    {
        var (response, body) = await Requests.PostAsync(_host.Client, Path, FeedbackBody());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, body!.RootElement.GetProperty("stored").GetInt32());
        var stored = await _host.Service<IFeedbackStore>().ReadAsync(new FeedbackQuery(), TestContext.Current.CancellationToken);
        Assert.Equal(2, stored.Count);
        var accepted = Assert.Single(stored, s => s.Outcome == FeedbackOutcome.Accepted);
        Assert.Equal(["3f6e1c2a-8b4d-4e7f-9a1c-6d5b2e0f8c47"], accepted.AcceptedSuggestions);
        Assert.Equal("valvuloplasty-patient-view", accepted.ServiceId);
        var overridden = Assert.Single(stored, s => s.Outcome == FeedbackOutcome.Overridden);
        Assert.Equal(("https://ehr.example.org/cds-hooks/override-reason", "local-reason-17"), (overridden.OverrideReasonSystem, overridden.OverrideReasonCode));
        Assert.Equal("Heart Team reviewed this last week.", overridden.UserComment);
        Assert.Equal(new DateTimeOffset(2025, 12, 11, 10, 10, 23, TimeSpan.Zero), overridden.OutcomeTimestamp);
    }

    [Fact]
    public async Task Feedback_SentTwice_IsStoredOnce()
    {
        await Requests.PostAsync(_host.Client, Path, FeedbackBody());

        var (response, body) = await Requests.PostAsync(_host.Client, Path, FeedbackBody());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal((0, 2), (body!.RootElement.GetProperty("stored").GetInt32(), body.RootElement.GetProperty("duplicates").GetInt32()));
        Assert.Equal(2, (await _host.Service<IFeedbackStore>().ReadAsync(new FeedbackQuery(), TestContext.Current.CancellationToken)).Count);
    }

    [Fact]
    public async Task Feedback_SameInstantWrittenWithAnotherOffset_IsADuplicate()
    {
        await Requests.PostAsync(_host.Client, Path, Item("c1", "accepted", "2026-11-28T10:00:00Z"));

        var (_, body) = await Requests.PostAsync(_host.Client, Path, Item("c1", "accepted", "2026-11-28T11:00:00+01:00"));

        Assert.Equal(1, body!.RootElement.GetProperty("duplicates").GetInt32());
    }

    // Every reader case is in the unit table (FeedbackReaderTests); here, that a bad batch is a 400 over HTTP and stores nothing.
    [Theory]
    [InlineData("{\"feedback\":[]}", "feedback")]
    [InlineData("{\"feedback\":[{\"card\":\"ok\",\"outcome\":\"accepted\",\"outcomeTimestamp\":\"2026-11-28T10:00:00Z\"},{\"card\":5,\"outcome\":\"accepted\",\"outcomeTimestamp\":\"2026-11-28T10:00:00Z\"}]}", "feedback[1].card")]
    public async Task Feedback_BadItem_Returns400NamingIt_AndStoresNothing(string body, string location)
    {
        var (response, outcome) = await Requests.PostAsync(_host.Client, Path, Requests.Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        HookCallTests.AssertOutcome(outcome, location);
        Assert.Empty(await _host.Service<IFeedbackStore>().ReadAsync(new FeedbackQuery(), TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("{\"feedback\":[")]
    [InlineData("not json")]
    public async Task Feedback_MalformedJson_Returns400(string body)
    {
        var (response, outcome) = await Requests.PostAsync(_host.Client, Path, Requests.Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        HookCallTests.AssertOutcome(outcome);
    }

    [Fact]
    public async Task Feedback_OverTheBodyLimit_Returns413()
    {
        using var host = new CdsTestHost(new Dictionary<string, string?> { ["CdsHooks:MaxRequestBodyBytes"] = "4096" });
        var big = "{\"feedback\":[{\"card\":\"c\",\"outcome\":\"accepted\",\"outcomeTimestamp\":\"2026-11-28T10:00:00Z\",\"x\":\"" + new string('x', 8000) + "\"}]}";

        var (response, outcome) = await Requests.PostAsync(host.Client, Path, Requests.Json(big));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        HookCallTests.AssertOutcome(outcome);
    }

    [Fact]
    public async Task Feedback_DeeplyNested_Returns400()
    {
        var deep = "{\"feedback\":[{\"card\":\"c\",\"x\":" + string.Concat(Enumerable.Repeat("[", 500)) + string.Concat(Enumerable.Repeat("]", 500)) + "}]}";

        var (response, outcome) = await Requests.PostAsync(_host.Client, Path, Requests.Json(deep));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        HookCallTests.AssertOutcome(outcome);
    }

    [Fact]
    public async Task Feedback_UnknownService_Returns404()
    {
        var (response, _) = await Requests.PostAsync(_host.Client, "/cds-services/nope/feedback", FeedbackBody());

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Feedback_NotJson_Returns415()
    {
        var (response, _) = await Requests.PostAsync(_host.Client, Path, Requests.Json(FeedbackBody().ToJsonString(), "text/plain"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task Feedback_IsReadBackAfterAHostRestart()
    {
        var databasePath = _host.DatabasePath;
        await Requests.PostAsync(_host.Client, Path, FeedbackBody());
        _host.Dispose();

        using var restarted = new CdsTestHost(databasePath: databasePath);
        var stored = await restarted.Service<IFeedbackStore>().ReadAsync(new FeedbackQuery(ServiceId: "valvuloplasty-patient-view"), TestContext.Current.CancellationToken);

        Assert.Equal(2, stored.Count);
        Assert.Contains(stored, s => s.CardUuid == "9b7c2f4e-1d3a-4e8b-a6c5-2f0d9e8b7a61" && s.Outcome == FeedbackOutcome.Overridden);
    }

    [Fact]
    public async Task Feedback_100ConcurrentPosts_Store100Rows()
    {
        var posts = Enumerable.Range(0, 100)
            .Select(i => Requests.PostAsync(_host.Client, Path, Item($"card-{i}", i % 2 == 0 ? "accepted" : "overridden", "2026-11-28T10:00:00Z")));

        var responses = await Task.WhenAll(posts);

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.Response.StatusCode));
        var stored = await _host.Service<IFeedbackStore>().ReadAsync(new FeedbackQuery(), TestContext.Current.CancellationToken);
        Assert.Equal(100, stored.Select(s => s.CardUuid).Distinct().Count());
    }

    [Fact]
    public async Task Feedback_StoreCannotWrite_Returns503_AndNothingIsAcknowledged()
    {
        using var host = new CdsTestHost(new Dictionary<string, string?> { ["Feedback:BusyTimeoutSeconds"] = "1" });
        _ = host.Client;

        // Another process holds the database's write lock.
        await using (var blocker = new SqliteConnection($"Data Source={host.DatabasePath};Pooling=False"))
        {
            await blocker.OpenAsync(TestContext.Current.CancellationToken);
            await using var lockCommand = blocker.CreateCommand();
            lockCommand.CommandText = "BEGIN EXCLUSIVE;";
            await lockCommand.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);

            var (blocked, outcome) = await Requests.PostAsync(host.Client, Path, FeedbackBody());

            Assert.Equal(HttpStatusCode.ServiceUnavailable, blocked.StatusCode);
            Assert.NotNull(blocked.Headers.RetryAfter);
            HookCallTests.AssertOutcome(outcome);
        }

        // Retried once the lock is gone: stored, and not counted twice.
        var (retried, body) = await Requests.PostAsync(host.Client, Path, FeedbackBody());
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(2, body!.RootElement.GetProperty("stored").GetInt32());
    }

    public void Dispose() => _host.Dispose();

    private static JsonObject FeedbackBody() => Requests.Fixture("feedback-accepted-and-overridden.json");

    private static JsonObject Item(string card, string outcome, string timestamp) => new()
    {
        ["feedback"] = new JsonArray(new JsonObject { ["card"] = card, ["outcome"] = outcome, ["outcomeTimestamp"] = timestamp }),
    };
}
