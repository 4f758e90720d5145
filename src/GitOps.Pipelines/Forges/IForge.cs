namespace GitOps.Pipelines.Forges;

/// <summary>What to open: a branch already pushed, the base it merges into, title, body, the gate's approvals.</summary>
public sealed record NewPullRequest(string Head, string Base, string Title, string Body, int RequiredApprovals,
    IReadOnlyDictionary<string, string> Labels);

/// <summary>The pull/merge request lifecycle on a forge: the review gate.</summary>
public interface IForge
{
    /// <summary>Opens a pull request, or returns the open one with the same head (never a duplicate).</summary>
    Task<PullRequest> OpenAsync(NewPullRequest request, CancellationToken cancellationToken = default);

    /// <summary>A pull request by number; a clear error when there is none.</summary>
    Task<PullRequest> GetAsync(int number, CancellationToken cancellationToken = default);

    /// <summary>Pull requests, newest first, optionally only those in one state.</summary>
    Task<IReadOnlyList<PullRequest>> ListAsync(PullRequestState? state = null, CancellationToken cancellationToken = default);

    /// <summary>Records an approval by <paramref name="reviewer"/>.</summary>
    Task<PullRequest> ApproveAsync(int number, string reviewer, CancellationToken cancellationToken = default);

    /// <summary>Merges when the gate allows; throws with <see cref="ExitCode.GateWaiting"/> when it does not.</summary>
    Task<PullRequest> MergeAsync(int number, CancellationToken cancellationToken = default);

    /// <summary>Closes without merging.</summary>
    Task<PullRequest> CloseAsync(int number, CancellationToken cancellationToken = default);
}
