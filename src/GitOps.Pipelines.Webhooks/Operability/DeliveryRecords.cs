namespace GitOps.Pipelines.Webhooks.Operability;

/// <summary>One delivery as the status page lists it.</summary>
/// <param name="Id">The record's id (the journal entry's id when the delivery was journaled).</param>
/// <param name="ReceivedAt">When it arrived.</param>
/// <param name="Source">The receiver: <c>github</c>, <c>gitlab</c>, <c>registry/harbor</c>, ….</param>
/// <param name="Event">The event name.</param>
/// <param name="Delivery">The sender's delivery id.</param>
/// <param name="Repository">The repository it was about, when known.</param>
/// <param name="Result">What came of it: <c>synced</c>, <c>queued</c>, <c>ignored</c>, <c>duplicate</c>, <c>unauthorized</c>, ….</param>
/// <param name="Latency">Time to the answer, or for queued events to the end of processing.</param>
/// <param name="Detail">Why, for ignored and failed deliveries.</param>
public sealed record DeliveryRecord(
    string Id, DateTimeOffset ReceivedAt, string Source, string Event, string? Delivery, string? Repository,
    string Result, TimeSpan Latency, string? Detail);

/// <summary>The most recent deliveries, newest first, bounded; queued ones are updated when processed.</summary>
public sealed class DeliveryRecords(int capacity)
{
    private readonly Lock _lock = new();
    private readonly LinkedList<DeliveryRecord> _recent = new();

    /// <summary>The recent deliveries, newest first.</summary>
    public IReadOnlyList<DeliveryRecord> Recent
    {
        get { lock (_lock) return [.. _recent]; }
    }

    /// <summary>Adds a delivery.</summary>
    public void Add(DeliveryRecord record)
    {
        lock (_lock)
        {
            _recent.AddFirst(record);
            while (_recent.Count > capacity) _recent.RemoveLast();
        }
    }

    /// <summary>Updates a delivery's result (a queued event processed or failing); adds it when it has scrolled off or was replayed.</summary>
    public void Update(string id, string result, TimeSpan latency, string? detail, Func<DeliveryRecord> create)
    {
        lock (_lock)
        {
            for (var node = _recent.First; node is not null; node = node.Next)
            {
                if (node.Value.Id != id) continue;
                node.Value = node.Value with { Result = result, Latency = latency, Detail = detail };
                return;
            }
        }
        Add(create() with { Result = result, Latency = latency, Detail = detail });
    }
}
