using Valvuloplasty.Fhir.CdsHooks.Security;
using Valvuloplasty.Fhir.Data.Feedback;

namespace Valvuloplasty.Fhir.IntegrationTests.ScaleOut;

/// <summary>
/// Replicas share the JWT replay cache and start-up migrations through PostgreSQL: a jti used on one replica is
/// refused on every other, first use is decided once however many requests race, and replicas starting together
/// create the schema without tripping over each other.
/// </summary>
public sealed class SharedReplayCacheTests
{
    private const string Issuer = "https://ehr.example.org";
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task JtiRecordedByOneReplica_IsReplayedOnAnother()
    {
        await using var scope = PostgresSchemaScope.Create();
        await InitializeAsync(scope);
        await using var first = new PostgresJtiReplayCache(scope.Options);
        await using var second = new PostgresJtiReplayCache(scope.Options);
        var ct = TestContext.Current.CancellationToken;

        Assert.True(await first.TryRecordAsync(Issuer, "jti-1", Now.AddMinutes(5), Now, ct));
        Assert.False(await second.TryRecordAsync(Issuer, "jti-1", Now.AddMinutes(5), Now, ct));
        Assert.False(await first.TryRecordAsync(Issuer, "jti-1", Now.AddMinutes(5), Now, ct));
        // The same id from another issuer is another token.
        Assert.True(await second.TryRecordAsync("https://other-ehr.example.org", "jti-1", Now.AddMinutes(5), Now, ct));
    }

    [Fact]
    public async Task ExpiredIds_ArePurged_AndMayBeUsedAgain()
    {
        await using var scope = PostgresSchemaScope.Create();
        await InitializeAsync(scope);
        await using var cache = new PostgresJtiReplayCache(scope.Options);
        var ct = TestContext.Current.CancellationToken;

        Assert.True(await cache.TryRecordAsync(Issuer, "short", Now.AddMinutes(1), Now, ct));
        Assert.True(await cache.TryRecordAsync(Issuer, "long", Now.AddMinutes(10), Now, ct));
        // Once its token has expired, the id no longer blocks (nothing can replay an expired token).
        Assert.True(await cache.TryRecordAsync(Issuer, "short", Now.AddMinutes(7), Now.AddMinutes(2), ct));

        Assert.Equal(1, await cache.PurgeExpiredAsync(Now.AddMinutes(8), ct));
        Assert.Equal(1, await scope.CountAsync("SELECT count(*) FROM {schema}.jti_replay"));
        Assert.Equal(1, await cache.PurgeExpiredAsync(Now.AddMinutes(11), ct));
        Assert.Equal(0, await scope.CountAsync("SELECT count(*) FROM {schema}.jti_replay"));
    }

    [Fact]
    public async Task ExpiredIds_ArePurgedOpportunistically_ByALaterRequest()
    {
        await using var scope = PostgresSchemaScope.Create();
        await InitializeAsync(scope);
        await using var cache = new PostgresJtiReplayCache(scope.Options);
        var ct = TestContext.Current.CancellationToken;
        for (var i = 0; i < 5; i++)
        {
            Assert.True(await cache.TryRecordAsync(Issuer, $"old-{i}", Now.AddMinutes(5), Now, ct));
        }

        // An hour later the first request purges what expired; only its own id remains.
        Assert.True(await cache.TryRecordAsync(Issuer, "new", Now.AddHours(1).AddMinutes(5), Now.AddHours(1), ct));

        Assert.Equal(1, await scope.CountAsync("SELECT count(*) FROM {schema}.jti_replay"));
    }

    [Fact]
    public async Task ConcurrentFirstUse_ExactlyOneWins()
    {
        await using var scope = PostgresSchemaScope.Create();
        await InitializeAsync(scope);
        var caches = Enumerable.Range(0, 4).Select(_ => new PostgresJtiReplayCache(scope.Options)).ToArray();
        try
        {
            using var start = new ManualResetEventSlim();
            var attempts = Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
            {
                start.Wait(TestContext.Current.CancellationToken);
                return await caches[i % caches.Length].TryRecordAsync(Issuer, "raced", Now.AddMinutes(5), Now, TestContext.Current.CancellationToken);
            })).ToArray();
            start.Set();

            var results = await Task.WhenAll(attempts);

            Assert.Equal(1, results.Count(won => won));
        }
        finally
        {
            foreach (var cache in caches)
            {
                await cache.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Migrations_RunConcurrentlyFromFiveReplicas_OnAFreshSchema()
    {
        await using var scope = PostgresSchemaScope.Create();
        var stores = Enumerable.Range(0, 5).Select(_ => new PostgresFeedbackStore(scope.Options)).ToArray();
        try
        {
            await Task.WhenAll(stores.Select(s => Task.Run(() => s.InitializeAsync(TestContext.Current.CancellationToken))));

            Assert.All(await Task.WhenAll(stores.Select(s => s.PingAsync(TestContext.Current.CancellationToken))), Assert.True);
            // Feedback, ledger, worklist and the replay cache: one schema, one database.
            Assert.Equal(5, await scope.CountAsync(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = '" + scope.Schema + "' AND table_name IN ('feedback', 'card_ledger', 'worklist_runs', 'worklist_lines', 'jti_replay')"));
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    private static async Task InitializeAsync(PostgresSchemaScope scope)
    {
        await using var store = new PostgresFeedbackStore(scope.Options);
        await store.InitializeAsync(TestContext.Current.CancellationToken);
    }
}
