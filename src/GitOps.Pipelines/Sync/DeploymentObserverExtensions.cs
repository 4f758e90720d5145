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
                if (last is not null && IsRevision(last.Revision, revision))
                {
                    if (last.Health == "Healthy") return last;
                    if (last.Health == "Degraded")
                        throw new GitOpsException(
                            $"{environment} is Degraded at {revision}: {last.Message}", ExitCode.NotVerified);
                }
                await Task.Delay(delay, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var saw = last is null
                ? "it was never synced"
                : $"it last reported revision {last.Revision}, {last.Health}{(last.Message is null ? "" : $" ({last.Message})")}, synced at {last.SyncedAt:O}";
            throw new GitOpsException(
                $"{environment} did not reach revision {revision} within {timeout.TotalSeconds:0.#}s: {saw}", ExitCode.NotVerified);
        }
    }

    private static bool IsRevision(string reported, string wanted) =>
        reported.Equals(wanted, StringComparison.OrdinalIgnoreCase)
        || (wanted.Length >= 7 && reported.StartsWith(wanted, StringComparison.OrdinalIgnoreCase));
}
