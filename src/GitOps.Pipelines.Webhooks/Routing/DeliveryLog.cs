namespace GitOps.Pipelines.Webhooks.Routing;

/// <summary>Remembers recent delivery ids (bounded, oldest forgotten first) so a replayed delivery deploys once.</summary>
public sealed class DeliveryLog(int capacity)
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly LinkedList<string> _order = new();

    /// <summary>True the first time an id is seen (the caller handles it); false for a replay.</summary>
    public bool TryBegin(string deliveryId)
    {
        lock (_lock)
        {
            if (!_seen.Add(deliveryId)) return false;
            _order.AddLast(deliveryId);
            while (_order.Count > capacity)
            {
                _seen.Remove(_order.First!.Value);
                _order.RemoveFirst();
            }
            return true;
        }
    }

    /// <summary>Forgets an id whose handling failed, so GitHub's redelivery is tried again.</summary>
    public void Forget(string deliveryId)
    {
        lock (_lock)
        {
            if (_seen.Remove(deliveryId)) _order.Remove(deliveryId);
        }
    }
}
