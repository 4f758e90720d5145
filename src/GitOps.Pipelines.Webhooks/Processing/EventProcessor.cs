using System.Collections.Concurrent;
using System.Threading.Channels;
using GitOps.Pipelines.Sync;
using GitOps.Pipelines.Webhooks.Operability;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GitOps.Pipelines.Webhooks.Processing;

/// <summary>
/// The background worker that processes journaled events at least once: it first replays what the journal held at start,
/// then takes new entries. Syncs are debounced per environment: a burst becomes one trigger at the newest revision once
/// the environment was quiet for the window (at most 8 windows after the burst began), plus random jitter; image pushes go to the <see cref="IImagePushHandler"/>. Failures are retried with
/// backoff and the entry stays in the journal until every part succeeded, so a crash or a stop loses nothing.
/// </summary>
public sealed partial class EventProcessor(
    EventJournal journal,
    DeliveryRecords records,
    WebhookMetrics metrics,
    WebhookServiceOptions options,
    IServiceProvider services,
    ILogger<EventProcessor> log) : BackgroundService
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    /// <summary>A steady stream of events still triggers at least every this many debounce windows.</summary>
    private const int MaxWaitWindows = 8;

    private readonly Channel<JournalEntry> _queue = Channel.CreateUnbounded<JournalEntry>(new() { SingleReader = true });
    private readonly ConcurrentDictionary<string, int> _remaining = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PendingSync> _pending = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private volatile bool _ready;

    /// <summary>True once the journal's leftovers are queued and new entries are being taken.</summary>
    public bool IsReady => _ready;

    /// <summary>Queues an entry that is already in the journal.</summary>
    public void Enqueue(JournalEntry entry) => _queue.Writer.TryWrite(entry);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        foreach (var entry in journal.Replayed)
        {
            LogReplayed(log, entry.Id, entry.Source, entry.Event, entry.Delivery);
            Enqueue(entry);
        }
        _ready = true;
        try
        {
            await foreach (var entry in _queue.Reader.ReadAllAsync(stoppingToken))
                Dispatch(entry, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping: what is not done stays in the journal
        }
    }

    private void Dispatch(JournalEntry entry, CancellationToken stoppingToken)
    {
        var parts = entry.Syncs.Count + entry.Images.Count;
        if (parts == 0)
        {
            Done(entry, "ignored");
            return;
        }
        _remaining[entry.Id] = parts;
        foreach (var image in entry.Images)
            _ = Task.Run(() => HandleImageAsync(entry, image, stoppingToken), CancellationToken.None);
        foreach (var sync in entry.Syncs)
            Debounce(entry, sync, stoppingToken);
    }

    private void Debounce(JournalEntry entry, SyncRequest sync, CancellationToken stoppingToken)
    {
        var now = DateTimeOffset.UtcNow;
        lock (_lock)
        {
            if (_pending.TryGetValue(sync.Environment, out var pending))
            {
                pending.Latest = sync;
                pending.Waiting.Add(entry);
                pending.LastAdded = now;
                return;
            }
            var jitter = TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * options.DebounceJitter.TotalMilliseconds);
            _pending[sync.Environment] = new PendingSync(sync, [entry], now, jitter);
        }
        _ = Task.Run(() => FireAsync(sync.Environment, stoppingToken), CancellationToken.None);
    }

    /// <summary>
    /// Waits until the environment has been quiet for the window (but no longer than <see cref="MaxWaitWindows"/> windows
    /// after its first event), plus its jitter, then triggers once at the newest revision.
    /// </summary>
    private async Task FireAsync(string environment, CancellationToken stoppingToken)
    {
        try
        {
            PendingSync pending;
            while (true)
            {
                TimeSpan wait;
                lock (_lock)
                {
                    pending = _pending[environment];
                    var quiet = pending.LastAdded + options.DebounceWindow;
                    var cap = pending.FirstAdded + options.DebounceWindow * MaxWaitWindows;
                    wait = (quiet < cap ? quiet : cap) + pending.Jitter - DateTimeOffset.UtcNow;
                    if (wait <= TimeSpan.Zero)
                    {
                        _pending.Remove(environment);
                        break;
                    }
                }
                await Task.Delay(wait, stoppingToken);
            }
            var request = pending.Latest;
            if (pending.Waiting.Count > 1) LogCoalesced(log, pending.Waiting.Count, environment, request.Revision);
            await RetryAsync(pending.Waiting, $"sync {environment} to {request.Revision}", async ct =>
            {
                var trigger = services.GetService<ISyncTrigger>()
                    ?? throw new GitOpsException("no ISyncTrigger is registered to sync with");
                await trigger.TriggerAsync(request, ct);
            }, stoppingToken);
            var now = DateTimeOffset.UtcNow;
            foreach (var entry in pending.Waiting)
            {
                metrics.TriggerLatency(now - entry.ReceivedAt);
                LogSynced(log, entry.Id, entry.Delivery, environment, request.Revision);
                PartDone(entry);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping: the entries stay in the journal and are replayed on the next start
        }
    }

    private async Task HandleImageAsync(JournalEntry entry, ImagePushed image, CancellationToken stoppingToken)
    {
        try
        {
            await RetryAsync([entry], $"image push {image.Repository}:{image.Tag}", ct =>
                services.GetRequiredService<IImagePushHandler>().HandleAsync(image, ct), stoppingToken);
            PartDone(entry);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RetryAsync(IReadOnlyList<JournalEntry> entries, string what, Func<CancellationToken, Task> action, CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromMilliseconds(200);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await action(stoppingToken);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogFailed(log, e, what, attempt, backoff.TotalSeconds);
                foreach (var entry in entries)
                {
                    metrics.Processed(entry.Source, "failed");
                    records.Update(entry.Id, "retrying", DateTimeOffset.UtcNow - entry.ReceivedAt, $"{what} failed (attempt {attempt}): {e.Message}", () => Record(entry));
                }
                await Task.Delay(backoff, stoppingToken);
                backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, backoff.Ticks * 2));
            }
        }
    }

    private void PartDone(JournalEntry entry)
    {
        if (_remaining.AddOrUpdate(entry.Id, 0, (_, n) => n - 1) <= 0)
        {
            _remaining.TryRemove(entry.Id, out _);
            Done(entry, entry.Syncs.Count > 0 ? "synced" : "handled");
            if (entry.PullRequest > 0 && entry.Syncs.Count > 0)
            {
                // A merge: every environment is triggered now; watch them to healthy and report back.
                var revision = entry.Syncs[0].Revision;
                services.GetRequiredService<Reporting.DeploymentFollower>().Follow(
                    new MergeEvent(entry.Repository ?? entry.Syncs[0].RepositoryUrl, entry.Branch ?? "", revision, entry.PullRequest, entry.Delivery),
                    [.. entry.Syncs.Select(s => s.Environment)]);
            }
        }
    }

    private void Done(JournalEntry entry, string result)
    {
        journal.Complete(entry.Id);
        metrics.Processed(entry.Source, result);
        records.Update(entry.Id, result, DateTimeOffset.UtcNow - entry.ReceivedAt, null, () => Record(entry));
    }

    private static DeliveryRecord Record(JournalEntry entry) =>
        new(entry.Id, entry.ReceivedAt, entry.Source, entry.Event, entry.Delivery, entry.Repository, "replayed", TimeSpan.Zero, null);

    private sealed class PendingSync(SyncRequest latest, List<JournalEntry> waiting, DateTimeOffset firstAdded, TimeSpan jitter)
    {
        public SyncRequest Latest { get; set; } = latest;
        public List<JournalEntry> Waiting { get; } = waiting;
        public DateTimeOffset FirstAdded { get; } = firstAdded;
        public DateTimeOffset LastAdded { get; set; } = firstAdded;
        public TimeSpan Jitter { get; } = jitter;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "journal entry {Entry} replayed: {Source} {Event} delivery {Delivery}")]
    private static partial void LogReplayed(ILogger log, string entry, string source, string @event, string? delivery);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} events for {Environment} coalesced into one sync at {Revision}")]
    private static partial void LogCoalesced(ILogger log, int count, string environment, string revision);

    [LoggerMessage(Level = LogLevel.Information, Message = "journal entry {Entry} (delivery {Delivery}): synced {Environment} to {Revision}")]
    private static partial void LogSynced(ILogger log, string entry, string? delivery, string environment, string revision);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{What} failed (attempt {Attempt}); retrying in {Seconds}s; the event stays in the journal")]
    private static partial void LogFailed(ILogger log, Exception exception, string what, int attempt, double seconds);
}
