namespace GitOps.Pipelines.Sync;

/// <summary>Waiting on any <see cref="IDeploymentObserver"/> until an environment runs a revision.</summary>
public static class DeploymentObserverExtensions
{
    /// <summary>
    /// Polls until the environment reports <paramref name="revision"/> (a full or abbreviated commit id) as Healthy.
    /// Throws <see cref="GitOpsException"/> with <see cref="ExitCode.NotVerified"/> when the timeout passes, or at once
    /// when the environment is Degraded at that revision; the message says what it saw last.
    /// <paramref name="pollInterval"/> defaults to 200 ms.
    /// </summary>
    public static async Task<DeploymentStatus> WaitForRevisionAsync(this IDeploymentObserver observer, string environment,
        string revision, TimeSpan timeout, TimeSpan? pollInterval = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(observer);
        ArgumentException.ThrowIfNullOrWhiteSpace(revision);
        var delay = pollInterval ?? TimeSpan.FromMilliseconds(200);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        DeploymentStatus? last = null;
        try
        {
            while (true)
            {
                last = await observer.GetAsync(environment, deadline.Token);
                if (Reached(last, environment, revision)) return last!;
                await Task.Delay(delay, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw TimedOut(environment, revision, timeout, last);
        }
    }

    /// <summary>
    /// Like <see cref="WaitForRevisionAsync"/>, but follows the environment's watch: it answers as soon as the
    /// change arrives instead of at the next poll, and sends no request while nothing changes.
    /// </summary>
    public static async Task<DeploymentStatus> WatchForRevisionAsync(this IWatchingDeploymentObserver observer, string environment,
        string revision, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(observer);
        ArgumentException.ThrowIfNullOrWhiteSpace(revision);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        DeploymentStatus? last = null;
        try
        {
            await foreach (var status in observer.WatchAsync(environment, deadline.Token).WithCancellation(deadline.Token))
            {
                last = status;
                if (Reached(last, environment, revision)) return last!;
            }
            throw new GitOpsException($"the watch of {environment} ended before it reached revision {revision}", ExitCode.NotVerified);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw TimedOut(environment, revision, timeout, last);
        }
    }

    /// <summary>True when Healthy at the revision; throws when Degraded at it.</summary>
    private static bool Reached(DeploymentStatus? status, string environment, string revision)
    {
        if (status is null || !IsRevision(status.Revision, revision)) return false;
        if (status.Health == "Healthy") return true;
        if (status.Health == "Degraded")
            throw new GitOpsException($"{environment} is Degraded at {revision}: {status.Message}", ExitCode.NotVerified);
        return false;
    }

    private static GitOpsException TimedOut(string environment, string revision, TimeSpan timeout, DeploymentStatus? last)
    {
        var saw = last is null
            ? "it was never synced"
            : $"it last reported revision {last.Revision}, {last.Health}{(last.Message is null ? "" : $" ({last.Message})")}, synced at {last.SyncedAt:O}";
        return new GitOpsException(
            $"{environment} did not reach revision {revision} within {timeout.TotalSeconds:0.#}s: {saw}", ExitCode.NotVerified);
    }

    private static bool IsRevision(string reported, string wanted) =>
        reported.Equals(wanted, StringComparison.OrdinalIgnoreCase)
        || (wanted.Length >= 7 && reported.StartsWith(wanted, StringComparison.OrdinalIgnoreCase));
}
