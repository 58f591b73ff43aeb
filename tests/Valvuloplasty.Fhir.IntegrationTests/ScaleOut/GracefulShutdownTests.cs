using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Valvuloplasty.Fhir.Data.Feedback;
using Valvuloplasty.Fhir.Data.Worklist;
using Valvuloplasty.Fhir.IntegrationTests.Infrastructure;

namespace Valvuloplasty.Fhir.IntegrationTests.ScaleOut;

/// <summary>
/// Stopping a replica: readiness is false at once while requests are still served for the drain delay, then the port
/// closes, and the card ledger's queue is written before the process ends.
/// </summary>
public sealed class GracefulShutdownTests
{
    [Fact]
    public async Task Stopping_TurnsReadinessOff_WhileRequestsStillSucceedDuringTheDrain()
    {
        using var host = new CdsTestHost(new Dictionary<string, string?> { ["Hosting:ShutdownDrainSeconds"] = "3" });
        var ct = TestContext.Current.CancellationToken;
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/health/ready", ct)).StatusCode);

        var stopped = host.Service<IHost>().StopAsync(CancellationToken.None);
        using var fresh = new HttpClient { BaseAddress = host.Client.BaseAddress };

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await fresh.GetAsync("/health/ready", ct)).StatusCode);
        var (hook, body) = await Requests.PostAsync(fresh, Requests.PatientView, Requests.Example("patient-view-aortic-bav-candidate.json"));
        Assert.Equal(HttpStatusCode.OK, hook.StatusCode);
        Assert.NotEmpty(CardContract.AssertValid(body));
        Assert.False(stopped.IsCompleted, "the host stopped before its drain delay");

        await stopped.WaitAsync(TimeSpan.FromSeconds(20), ct);
        using var afterwards = new HttpClient { BaseAddress = host.Client.BaseAddress };
        await Assert.ThrowsAsync<HttpRequestException>(() => afterwards.GetAsync("/health/ready", ct));
    }

    [Fact]
    public async Task Stopping_WritesTheLedgerQueue_BeforeTheHostEnds()
    {
        // The ledger's writes are held back until stopping begins, so every card is still queued when the stop starts.
        using var host = new CdsTestHost
        {
            ServiceOverrides = services => services.Replace(ServiceDescriptor.Singleton<IFeedbackStore>(provider => new HeldLedgerStore(
                new SqliteFeedbackStore(provider.GetRequiredService<IOptions<FeedbackStoreOptions>>(), provider.GetRequiredService<IHostEnvironment>().ContentRootPath),
                provider.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping))),
        };
        var issued = 0;
        for (var i = 0; i < 5; i++)
        {
            var (response, body) = await Requests.PostAsync(host.Client, Requests.PatientView, Requests.Example("patient-view-aortic-bav-candidate.json"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            issued += CardContract.AssertValid(body).Count;
        }

        var ledger = host.Service<CardLedger>();
        Assert.Equal(0, ledger.Written);

        await host.Service<IHost>().StopAsync(TestContext.Current.CancellationToken);

        Assert.Equal(issued, ledger.Written);
        var store = new SqliteFeedbackStore(Options.Create(new FeedbackStoreOptions { SqlitePath = host.DatabasePath }), Path.GetTempPath());
        var analytics = await store.AnalyticsAsync(DateTimeOffset.UtcNow.AddYears(-10), DateTimeOffset.UtcNow.AddYears(10), TestContext.Current.CancellationToken);
        Assert.Equal(issued, analytics.Topics.Sum(t => t.Issued));
    }

    /// <summary>The SQLite store, with card-ledger writes waiting until the host begins to stop.</summary>
    private sealed class HeldLedgerStore(SqliteFeedbackStore inner, CancellationToken stopping) : IFeedbackStore, IWorklistStore
    {
        public Task InitializeAsync(CancellationToken cancellationToken) => inner.InitializeAsync(cancellationToken);

        public Task<int> SaveAsync(IReadOnlyList<FeedbackItem> items, CancellationToken cancellationToken) => inner.SaveAsync(items, cancellationToken);

        public Task<IReadOnlyList<FeedbackItem>> ReadAsync(FeedbackQuery query, CancellationToken cancellationToken) => inner.ReadAsync(query, cancellationToken);

        public async Task SaveCardsAsync(IReadOnlyList<CardRecord> cards, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, stopping).ContinueWith(_ => { }, TaskScheduler.Default);
            await inner.SaveCardsAsync(cards, cancellationToken);
        }

        public Task<CardAnalytics> AnalyticsAsync(DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken) =>
            inner.AnalyticsAsync(since, until, cancellationToken);

        public Task<bool> PingAsync(CancellationToken cancellationToken) => inner.PingAsync(cancellationToken);

        public Task SaveWorklistAsync(WorklistRun run, IReadOnlyList<WorklistLine> lines, CancellationToken cancellationToken) =>
            inner.SaveWorklistAsync(run, lines, cancellationToken);

        public Task<StoredWorklist?> LatestWorklistAsync(CancellationToken cancellationToken) => inner.LatestWorklistAsync(cancellationToken);
    }
}
