using System.Globalization;
using System.Text;
using GitOps.Pipelines.Webhooks.Processing;

namespace GitOps.Pipelines.Webhooks.Operability;

/// <summary>The service's Prometheus metrics, kept by hand and written in the text exposition format (0.0.4).</summary>
public sealed class WebhookMetrics(EventJournal journal)
{
    /// <summary>The trigger-latency histogram's upper bounds, in seconds.</summary>
    public static readonly double[] LatencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private readonly Lock _lock = new();
    private readonly SortedDictionary<(string Source, string Result), long> _deliveries = new();
    private readonly SortedDictionary<(string Source, string Result), long> _processed = new();
    private readonly long[] _bucketCounts = new long[LatencyBuckets.Length];
    private long _latencyCount;
    private double _latencySum;

    /// <summary>Counts a delivery answered with <paramref name="result"/>.</summary>
    public void Delivered(string source, string result)
    {
        lock (_lock) _deliveries[(source, result)] = _deliveries.GetValueOrDefault((source, result)) + 1;
    }

    /// <summary>Counts a journaled event processed (or a processing attempt that failed).</summary>
    public void Processed(string source, string result)
    {
        lock (_lock) _processed[(source, result)] = _processed.GetValueOrDefault((source, result)) + 1;
    }

    /// <summary>Observes the time from a delivery's arrival to its sync trigger completing.</summary>
    public void TriggerLatency(TimeSpan latency)
    {
        var seconds = Math.Max(0, latency.TotalSeconds);
        lock (_lock)
        {
            _latencyCount++;
            _latencySum += seconds;
            for (var i = 0; i < LatencyBuckets.Length; i++)
                if (seconds <= LatencyBuckets[i]) _bucketCounts[i]++;
        }
    }

    /// <summary>The metrics in Prometheus text format.</summary>
    public string Render()
    {
        var s = new StringBuilder();
        lock (_lock)
        {
            s.Append("# HELP gitops_webhook_deliveries_total Deliveries answered, by source and result.\n");
            s.Append("# TYPE gitops_webhook_deliveries_total counter\n");
            foreach (var ((source, result), count) in _deliveries)
                s.Append(CultureInfo.InvariantCulture, $"gitops_webhook_deliveries_total{{source=\"{Escape(source)}\",result=\"{Escape(result)}\"}} {count}\n");
            s.Append("# HELP gitops_webhook_events_processed_total Journaled events processed by the background worker, by source and result.\n");
            s.Append("# TYPE gitops_webhook_events_processed_total counter\n");
            foreach (var ((source, result), count) in _processed)
                s.Append(CultureInfo.InvariantCulture, $"gitops_webhook_events_processed_total{{source=\"{Escape(source)}\",result=\"{Escape(result)}\"}} {count}\n");
            s.Append("# HELP gitops_webhook_trigger_latency_seconds From a delivery's arrival to its sync trigger completing.\n");
            s.Append("# TYPE gitops_webhook_trigger_latency_seconds histogram\n");
            for (var i = 0; i < LatencyBuckets.Length; i++)
                s.Append(CultureInfo.InvariantCulture, $"gitops_webhook_trigger_latency_seconds_bucket{{le=\"{LatencyBuckets[i].ToString(CultureInfo.InvariantCulture)}\"}} {_bucketCounts[i]}\n");
            s.Append(CultureInfo.InvariantCulture, $"gitops_webhook_trigger_latency_seconds_bucket{{le=\"+Inf\"}} {_latencyCount}\n");
            s.Append(CultureInfo.InvariantCulture, $"gitops_webhook_trigger_latency_seconds_sum {_latencySum.ToString("R", CultureInfo.InvariantCulture)}\n");
            s.Append(CultureInfo.InvariantCulture, $"gitops_webhook_trigger_latency_seconds_count {_latencyCount}\n");
        }
        s.Append("# HELP gitops_webhook_journal_depth Accepted events in the journal not processed yet.\n");
        s.Append("# TYPE gitops_webhook_journal_depth gauge\n");
        s.Append(CultureInfo.InvariantCulture, $"gitops_webhook_journal_depth {journal.Depth}\n");
        return s.ToString();
    }

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
