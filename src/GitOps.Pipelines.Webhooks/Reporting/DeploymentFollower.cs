using System.Collections.Concurrent;
using GitOps.Pipelines.Sync;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GitOps.Pipelines.Webhooks.Reporting;

/// <summary>
/// Closes the loop after a merge triggered its environments: reports each one pending, watches it (the observer's
/// watch when it has one, else its poll) until synced and healthy at the merged revision or
/// <see cref="WebhookServiceOptions.VerifyTimeout"/> passes, reports success, failure or error with the reason, then
/// comments a summary on the pull/merge request. Does nothing unless an <see cref="IDeploymentReporter"/> and an
/// <see cref="IDeploymentObserver"/> are registered. One merge (revision and PR) is followed once, however often it is delivered
/// (unless a trigger failed: the redelivery the 502 asks for is followed again).
/// </summary>
public sealed partial class DeploymentFollower(
    IServiceProvider services,
    WebhookServiceOptions options,
    IHostApplicationLifetime lifetime,
    ILogger<DeploymentFollower> log)
{
    private const int Remembered = 1000;
    private readonly ConcurrentDictionary<string, Task> _following = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();
    private readonly Lock _lock = new();
    private readonly LinkedList<EnvironmentReport> _recent = new();

    /// <summary>The latest report per environment and revision, newest first (for the status page).</summary>
    public IReadOnlyList<EnvironmentReport> Recent
    {
        get { lock (_lock) return [.. _recent]; }
    }

    /// <summary>The follow of every merge still being watched (tests and shutdown wait on them).</summary>
    public Task IdleAsync() => Task.WhenAll(_following.Values);

    /// <summary>
    /// Starts following <paramref name="merge"/> in the background: <paramref name="triggered"/> are watched,
    /// <paramref name="failed"/> (environment → why the trigger failed) are reported as errors at once.
    /// </summary>
    public void Follow(MergeEvent merge, IReadOnlyList<string> triggered, IReadOnlyDictionary<string, string>? failed = null)
    {
        ArgumentNullException.ThrowIfNull(merge);
        ArgumentNullException.ThrowIfNull(triggered);
        if (services.GetService<IDeploymentReporter>() is not { } reporter) return;
        var key = $"{merge.Revision}#{merge.PullRequest}";
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_following.TryAdd(key, started.Task)) return;
        _order.Enqueue(key);
        while (_order.Count > Remembered && _order.TryDequeue(out var old))
        {
            if (_following.TryGetValue(old, out var t) && t.IsCompleted) _following.TryRemove(old, out _);
        }
        _ = Task.Run(async () =>
        {
            try
            {
                await FollowAsync(reporter, merge, triggered, failed ?? new Dictionary<string, string>(), lifetime.ApplicationStopping);
            }
            finally
            {
                // A merge whose trigger failed was answered 502, so the forge redelivers it: that one is followed anew.
                if (failed is { Count: > 0 }) _following.TryRemove(key, out _);
                started.TrySetResult();
            }
        }, CancellationToken.None);
    }

    private async Task FollowAsync(IDeploymentReporter reporter, MergeEvent merge, IReadOnlyList<string> triggered,
        IReadOnlyDictionary<string, string> failed, CancellationToken stopping)
    {
        try
        {
            var watched = triggered.Select(async environment =>
            {
                await SendAsync(reporter, merge, new EnvironmentReport(environment, merge.Revision, ReportState.Pending,
                    $"triggered; waiting for {environment} to be synced and healthy at {Short(merge.Revision)}"), stopping);
                var final = await WatchAsync(environment, merge.Revision, stopping);
                await SendAsync(reporter, merge, final, stopping);
                return final;
            }).ToList();
            var errors = failed.Select(f => new EnvironmentReport(f.Key, merge.Revision, ReportState.Error, $"the sync could not be triggered: {f.Value}")).ToList();
            foreach (var error in errors) await SendAsync(reporter, merge, error, stopping);
            var reports = (await Task.WhenAll(watched)).Concat(errors).ToList();
            if (merge.PullRequest > 0 && reports.Count > 0)
            {
                try
                {
                    await reporter.SummarizeAsync(merge, reports, stopping);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogReportFailed(log, e, "the summary comment", merge.Revision);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // stopping: what was not reported yet stays pending on the forge
        }
    }

    private async Task<EnvironmentReport> WatchAsync(string environment, string revision, CancellationToken stopping)
    {
        var observer = services.GetService<IDeploymentObserver>();
        if (observer is null)
            return new EnvironmentReport(environment, revision, ReportState.Error, "no deployment observer is configured to verify it");
        try
        {
            var status = observer is IWatchingDeploymentObserver watching
                ? await watching.WatchForRevisionAsync(environment, revision, options.VerifyTimeout, stopping)
                : await observer.WaitForRevisionAsync(environment, revision, options.VerifyTimeout, options.VerifyPollInterval, stopping);
            return new EnvironmentReport(environment, revision, ReportState.Success,
                $"{environment} is synced and {status.Health} at {Short(revision)}", status);
        }
        catch (GitOpsException e) when (e.Code == ExitCode.NotVerified)
        {
            // Degraded, a failed sync operation, or the timeout: the deployment failed; the message says which.
            return new EnvironmentReport(environment, revision, ReportState.Failure, e.Message, await LastAsync(observer, environment));
        }
        catch (Exception e) when (e is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            // The API down, RBAC forbidden, an unknown target: the service could not verify.
            return new EnvironmentReport(environment, revision, ReportState.Error, $"could not verify {environment}: {e.Message}");
        }
    }

    private static async Task<DeploymentStatus?> LastAsync(IDeploymentObserver observer, string environment)
    {
        try
        {
            return await observer.GetAsync(environment);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return null;
        }
    }

    private async Task SendAsync(IDeploymentReporter reporter, MergeEvent merge, EnvironmentReport report, CancellationToken stopping)
    {
        lock (_lock)
        {
            for (var node = _recent.First; node is not null; node = node.Next)
            {
                if (node.Value.Environment == report.Environment && node.Value.Revision == report.Revision)
                {
                    _recent.Remove(node);
                    break;
                }
            }
            _recent.AddFirst(report);
            while (_recent.Count > options.RecentDeliveries) _recent.RemoveLast();
        }
        LogReport(log, report.Environment, report.Revision, DeploymentSummary.Word(report.State), report.Description);
        try
        {
            await reporter.ReportAsync(merge, report, stopping);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A forge that refuses the report does not change what happened; it is logged (never with the token).
            LogReportFailed(log, e, $"the {DeploymentSummary.Word(report.State)} status of {report.Environment}", merge.Revision);
        }
    }

    private static string Short(string revision) => revision.Length > 12 ? revision[..12] : revision;

    [LoggerMessage(Level = LogLevel.Information, Message = "deployment of {Environment} at {Revision}: {State}: {Description}")]
    private static partial void LogReport(ILogger log, string environment, string revision, string state, string description);

    [LoggerMessage(Level = LogLevel.Warning, Message = "reporting {What} for {Revision} failed")]
    private static partial void LogReportFailed(ILogger log, Exception exception, string what, string revision);
}
