using GitOps.Pipelines.Images;

namespace GitOps.Pipelines;

// The values that flow through the chain, one way:
// ImageReference → BuiltImage → Bump → ChangeSet → PullRequest → MergeEvent → SyncRequest → DeploymentStatus.

/// <summary>An image a builder produced: where it is, its manifest digest and the tags it carries.</summary>
public sealed record BuiltImage(ImageReference Reference, string Digest, IReadOnlyList<string> Tags, string? SourceRevision = null);

/// <summary>A request to set one image in one environment to a tag and digest.</summary>
public sealed record Bump(string Environment, string Image, string? Tag, string Digest, string? SourceRevision = null);

/// <summary>One changed scalar in one file: the line it sits on, its old and new text.</summary>
public sealed record Change(string File, int Line, string Old, string New);

/// <summary>The changes an edit made; empty when the file already held the wanted values.</summary>
public sealed record ChangeSet(IReadOnlyList<Change> Changes)
{
    /// <summary>No changes.</summary>
    public static ChangeSet Empty { get; } = new([]);

    /// <summary>True when nothing changed.</summary>
    public bool IsEmpty => Changes.Count == 0;
}

/// <summary>The state of a pull (merge) request.</summary>
public enum PullRequestState
{
    /// <summary>Open, waiting at its gate.</summary>
    Open,
    /// <summary>Merged into its base branch.</summary>
    Merged,
    /// <summary>Closed without merging.</summary>
    Closed,
}

/// <summary>A pull request as the forge holds it.</summary>
public sealed record PullRequest(
    int Number,
    string Title,
    string Body,
    string Head,
    string Base,
    PullRequestState State,
    IReadOnlyList<string> Approvals,
    int RequiredApprovals,
    string? HeadSha = null,
    string? MergeCommitSha = null,
    string? Url = null,
    IReadOnlyDictionary<string, string>? Labels = null)
{
    /// <summary>True when enough approvals are in.</summary>
    public bool IsApproved => Approvals.Count >= RequiredApprovals;
}

/// <summary>A merge the forge reported: which repo and branch moved to which commit, through which PR.</summary>
public sealed record MergeEvent(string RepositoryUrl, string Branch, string Revision, int PullRequest, string? DeliveryId = null);

/// <summary>A request to bring one environment to one revision of the runtime repo.</summary>
public sealed record SyncRequest(string Environment, string Revision, string RepositoryUrl);

/// <summary>One image as deployed: name, tag and digest.</summary>
public sealed record DeployedImage(string Name, string? Tag, string? Digest);

/// <summary>What an environment runs, at which runtime-repo revision, and whether it is healthy.</summary>
public sealed record DeploymentStatus(
    string Environment,
    string Revision,
    IReadOnlyList<DeployedImage> Images,
    DateTimeOffset SyncedAt,
    string Health,
    string? Message = null);
