using System.ComponentModel.DataAnnotations;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Valvuloplasty.Fhir.Data.Feedback;

/// <summary>Configuration section <c>Ledger</c>: the card ledger's queue.</summary>
public sealed class LedgerOptions
{
    public const string SectionName = "Ledger";

    /// <summary>Cards waiting to be written; when full, new cards are dropped (and counted), never waited for.</summary>
    [Range(1, 10_000_000)]
    public int QueueCapacity { get; set; } = 20_000;

    /// <summary>Most cards written in one transaction.</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 500;
}

/// <summary>
/// Records every card the service returns (uuid, service, topic, valve, decision, codes, time; no patient
/// data) in the feedback store, off the request path: a hook only enqueues into a bounded channel; one
/// background writer stores batches. A full queue drops the card and counts it; a hook never waits.
/// On shutdown the queue is drained.
/// </summary>
public sealed class CardLedger : BackgroundService
{
    private readonly Channel<CardRecord> _queue;
    private readonly IFeedbackStore _store;
    private readonly int _batchSize;
    private readonly ILogger<CardLedger> _logger;
    private long _pending;
    private long _dropped;
    private long _written;

    public CardLedger(IFeedbackStore store, IOptions<LedgerOptions> options, ILogger<CardLedger> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _logger = logger;
        _batchSize = options.Value.BatchSize;
        _queue = Channel.CreateBounded<CardRecord>(new BoundedChannelOptions(options.Value.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });
    }

    /// <summary>Cards dropped because the queue was full or the store kept failing.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Cards written to the store.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Enqueues a card without waiting; false (and counted) when the queue is full.</summary>
    public bool TryRecord(CardRecord card)
    {
        Interlocked.Increment(ref _pending);
        if (_queue.Writer.TryWrite(card))
        {
            return true;
        }

        Interlocked.Decrement(ref _pending);
        Interlocked.Increment(ref _dropped);
        return false;
    }

    /// <summary>Waits until every card enqueued so far is written or dropped.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        while (Interlocked.Read(ref _pending) > 0)
        {
            await Task.Delay(10, cancellationToken);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        if (ExecuteTask is { } running)
        {
            await running.WaitAsync(cancellationToken);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<CardRecord>(_batchSize);
        // Not tied to stoppingToken: on shutdown the writer is completed and the queue drained.
        while (await _queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < _batchSize && _queue.Reader.TryRead(out var card))
            {
                batch.Add(card);
            }

            await WriteAsync(batch);
            Interlocked.Add(ref _pending, -batch.Count);
            batch.Clear();
        }
    }

    private async Task WriteAsync(List<CardRecord> batch)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _store.SaveCardsAsync(batch, CancellationToken.None);
                Interlocked.Add(ref _written, batch.Count);
                return;
            }
            catch (FeedbackStoreUnavailableException ex) when (attempt < 3)
            {
                Log.LedgerRetry(_logger, ex, batch.Count, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt));
            }
            catch (FeedbackStoreUnavailableException ex)
            {
                Log.LedgerDropped(_logger, ex, batch.Count);
                Interlocked.Add(ref _dropped, batch.Count);
                return;
            }
        }
    }
}
