using Microsoft.Extensions.Options;
using Valvuloplasty.Fhir.Data.Feedback;
using Valvuloplasty.Fhir.Data.Worklist;

namespace Valvuloplasty.Fhir.IntegrationTests.Feedback;

/// <summary>
/// The same store contract against SQLite (always) and PostgreSQL (when VALVULOPLASTY_TEST_POSTGRES holds
/// a connection string; CI's .ci/run starts one). Each test gets its own database file or schema, removed afterwards.
/// </summary>
public sealed class FeedbackStoreTests : IAsyncDisposable
{
    private readonly List<string> _schemas = [];
    private readonly List<string> _files = [];

    public const string PostgresVariable = "VALVULOPLASTY_TEST_POSTGRES";
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> Providers => ["sqlite", "postgres"];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Store_SavesAndReadsBackEveryField(string provider)
    {
        var store = await CreateAsync(provider);
        var item = new FeedbackItem("valvuloplasty-order-sign", "card-1", FeedbackOutcome.Overridden, Now.AddMinutes(-3),
            [], "http://example.org/fhir/valvuloplasty-cds/CodeSystem/override-reason", "heart-team-decision", "Heart Team has already decided", "discussed", Now);

        Assert.Equal(1, await store.SaveAsync([item], TestContext.Current.CancellationToken));

        var read = Assert.Single(await store.ReadAsync(new FeedbackQuery(), TestContext.Current.CancellationToken));
        Assert.Equal(item with { AcceptedSuggestions = read.AcceptedSuggestions }, read);
        Assert.Empty(read.AcceptedSuggestions);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Store_IsIdempotentPerCardOutcomeAndTimestamp(string provider)
    {
        var store = await CreateAsync(provider);
        var accepted = Item("card-1", FeedbackOutcome.Accepted, Now);

        var first = await store.SaveAsync([accepted, accepted, Item("card-1", FeedbackOutcome.Overridden, Now)], TestContext.Current.CancellationToken);
        var again = await store.SaveAsync([accepted with { OutcomeTimestamp = Now.ToOffset(TimeSpan.FromHours(2)) }], TestContext.Current.CancellationToken);

        Assert.Equal((2, 0), (first, again));
        Assert.Equal(2, (await store.ReadAsync(new FeedbackQuery(CardUuid: "card-1"), TestContext.Current.CancellationToken)).Count);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Store_ConcurrentBatches_LoseNothing(string provider)
    {
        var store = await CreateAsync(provider);

        await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            store.SaveAsync([Item($"card-{i}", FeedbackOutcome.Accepted, Now), Item($"card-{i}", FeedbackOutcome.Overridden, Now)], TestContext.Current.CancellationToken)));

        Assert.Equal(80, (await store.ReadAsync(new FeedbackQuery(), TestContext.Current.CancellationToken)).Count);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Store_FiltersByServiceAndReceivedTime(string provider)
    {
        var store = await CreateAsync(provider);
        await store.SaveAsync(
            [
                Item("a", FeedbackOutcome.Accepted, Now) with { ServiceId = "valvuloplasty-order-sign", ReceivedAt = Now.AddDays(-2) },
                Item("b", FeedbackOutcome.Accepted, Now) with { ReceivedAt = Now },
            ],
            TestContext.Current.CancellationToken);

        var recent = await store.ReadAsync(new FeedbackQuery(Since: Now.AddDays(-1)), TestContext.Current.CancellationToken);
        var orderSign = await store.ReadAsync(new FeedbackQuery(ServiceId: "valvuloplasty-order-sign"), TestContext.Current.CancellationToken);

        Assert.Equal(["b"], recent.Select(r => r.CardUuid));
        Assert.Equal(["a"], orderSign.Select(r => r.CardUuid));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Store_LedgerAndFeedback_MakeTheAnalytics(string provider)
    {
        var store = await CreateAsync(provider);
        var card = new CardRecord(Guid.NewGuid(), "valvuloplasty-patient-view", "safety", "aortic", "candidate", ["warn-anticoagulant"], Now);
        var other = card with { CardUuid = Guid.NewGuid(), Topic = "assessment", Codes = [] };
        await store.SaveCardsAsync([card, other, card], TestContext.Current.CancellationToken);
        await store.SaveAsync(
            [
                new FeedbackItem("valvuloplasty-patient-view", card.CardUuid.ToString(), FeedbackOutcome.Overridden, Now, [], "s", "palliative-intent", "Palliative intent", null, Now),
                Item(other.CardUuid.ToString(), FeedbackOutcome.Accepted, Now),
            ],
            TestContext.Current.CancellationToken);

        var analytics = await store.AnalyticsAsync(Now.AddDays(-1), Now.AddDays(1), TestContext.Current.CancellationToken);
        var outside = await store.AnalyticsAsync(Now.AddDays(1), Now.AddDays(2), TestContext.Current.CancellationToken);

        var safety = Assert.Single(analytics.Topics, t => t.Topic == "safety");
        Assert.Equal((1, 0, 1), (safety.Issued, safety.Accepted, safety.Overridden));
        Assert.Equal(("palliative-intent", 1), (safety.TopOverrideReasons[0].Code, safety.TopOverrideReasons[0].Count));
        Assert.Equal(1.0, Assert.Single(analytics.Topics, t => t.Topic == "assessment").AcceptanceRate);
        Assert.Empty(outside.Topics);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Worklist_NoRunStored_IsNull(string provider)
    {
        var store = (IWorklistStore)await CreateAsync(provider);

        Assert.Null(await store.LatestWorklistAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Worklist_SavesAndReadsBackEveryField_OfTheRunFinishedLast(string provider)
    {
        var store = (IWorklistStore)await CreateAsync(provider);
        var aortic = new WorklistLine("p-2", "aortic", "candidate", "yes", ["risk-regurgitation", "care-return-precautions"], "Severe symptomatic AS: BAV candidate",
            [new WorklistEvidence("Aortic Vmax", 4.5m, "m/s", "2026-10-20", "Observation/vmax"), new WorklistEvidence("NYHA class", null, null, "2026-11", "Observation/nyha")],
            ["Discuss with the Heart Team."]);
        var mitral = new WorklistLine("p-1", "mitral", "insufficient-data", null, [], "Mitral stenosis: repeat echo", [], []);
        var older = new WorklistRun("run-old", Now.AddDays(-2), Now.AddDays(-2), Now.AddDays(-2), "ndjson:/old", 1, 1);
        var latest = new WorklistRun("run-new", Now.AddHours(-1), Now, Now.AddDays(-1), "bulk:https://ehr.example.org/fhir", 2, 2);

        await store.SaveWorklistAsync(latest, [aortic, mitral], TestContext.Current.CancellationToken);
        await store.SaveWorklistAsync(older, [mitral], TestContext.Current.CancellationToken);
        var stored = await store.LatestWorklistAsync(TestContext.Current.CancellationToken);

        Assert.NotNull(stored);
        Assert.Equal(latest, stored.Run);
        Assert.Equal(2, stored.Lines.Count);
        var (readMitral, readAortic) = (stored.Lines[0], stored.Lines[1]);
        Assert.Equal("p-1", readMitral.PatientId);
        Assert.Null(readMitral.BridgeToTavr);
        Assert.Equal(aortic.Codes, readAortic.Codes);
        Assert.Equal(aortic.Evidence, readAortic.Evidence);
        Assert.Equal(aortic.NextSteps, readAortic.NextSteps);
        Assert.Equal(aortic with { Codes = readAortic.Codes, Evidence = readAortic.Evidence, NextSteps = readAortic.NextSteps }, readAortic);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Worklist_PartitionsOfOneRun_AddUp_AndARerunReplacesItsLines(string provider)
    {
        var store = (IWorklistStore)await CreateAsync(provider);
        WorklistLine Line(string patient, string valve, string decision) => new(patient, valve, decision, null, [], decision, [], []);
        var first = new WorklistRun("run-1", Now.AddMinutes(-5), Now.AddMinutes(-4), Now, "ndjson:/export", 2, 3);
        var second = first with { FinishedAt = Now.AddMinutes(-3), Patients = 1, Lines = 1 };

        await store.SaveWorklistAsync(first, [Line("a", "aortic", "candidate"), Line("a", "mitral", "not-candidate"), Line("b", "aortic", "candidate")], TestContext.Current.CancellationToken);
        await store.SaveWorklistAsync(second, [Line("c", "pulmonary", "candidate")], TestContext.Current.CancellationToken);
        await store.SaveWorklistAsync(second, [Line("c", "pulmonary", "post-procedure")], TestContext.Current.CancellationToken);
        var stored = await store.LatestWorklistAsync(TestContext.Current.CancellationToken);

        Assert.NotNull(stored);
        Assert.Equal((3, 4, Now.AddMinutes(-3)), (stored.Run.Patients, stored.Run.Lines, stored.Run.FinishedAt));
        Assert.Equal(["a aortic", "a mitral", "b aortic", "c pulmonary"], stored.Lines.Select(l => $"{l.PatientId} {l.Valve}"));
        Assert.Equal("post-procedure", stored.Lines[^1].Decision);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Store_AnswersPing(string provider)
    {
        var store = await CreateAsync(provider);

        Assert.True(await store.PingAsync(TestContext.Current.CancellationToken));
    }

    private static FeedbackItem Item(string card, FeedbackOutcome outcome, DateTimeOffset at) =>
        new("valvuloplasty-patient-view", card, outcome, at, outcome == FeedbackOutcome.Accepted ? ["s-1"] : [], null, null, null, null, Now);

    private async Task<IFeedbackStore> CreateAsync(string provider)
    {
        IFeedbackStore store;
        if (provider == "postgres")
        {
            var connectionString = Environment.GetEnvironmentVariable(PostgresVariable);
            Assert.SkipWhen(string.IsNullOrWhiteSpace(connectionString),
                $"PostgreSQL store tests need {PostgresVariable} (a Npgsql connection string); .ci/run sets it.");
            var schema = $"t_{Guid.NewGuid():N}";
            _schemas.Add(schema);
            store = new PostgresFeedbackStore(Options.Create(new FeedbackStoreOptions { PostgresConnectionString = connectionString, PostgresSchema = schema }));
        }
        else
        {
            var path = Path.Combine(Path.GetTempPath(), "valvuloplasty-tests", $"{Guid.NewGuid():N}.db");
            _files.Add(path);
            store = new SqliteFeedbackStore(Options.Create(new FeedbackStoreOptions { SqlitePath = path }), Path.GetTempPath());
        }

        await store.InitializeAsync(TestContext.Current.CancellationToken);
        return store;
    }

    /// <summary>Drops the test's PostgreSQL schemas and deletes its SQLite files: a test run leaves nothing behind.</summary>
    public async ValueTask DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in _files)
        {
            foreach (var suffix in (string[])["", "-wal", "-shm"])
            {
                File.Delete(file + suffix);
            }
        }

        if (_schemas.Count == 0 || Environment.GetEnvironmentVariable(PostgresVariable) is not { Length: > 0 } connectionString)
        {
            return;
        }

        Npgsql.NpgsqlConnection.ClearAllPools();
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (var schema in _schemas)
        {
            await using var drop = connection.CreateCommand();
            drop.CommandText = $"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE";
            await drop.ExecuteNonQueryAsync();
        }
    }
}
