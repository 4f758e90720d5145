using System.Globalization;
using GitOps.Pipelines.Builders;
using GitOps.Pipelines.Git;
using GitOps.Pipelines.Tags;

namespace GitOps.Pipelines.Deploy;

/// <summary>
/// The app repo's commit the image is built from: revision, branch, an exact semver tag if any, its URL and the
/// time used as the image's creation time (SOURCE_DATE_EPOCH when set, else the commit time, so the same commit
/// builds the same digest).
/// </summary>
public sealed record AppSource(string Revision, string? Branch, string? GitTag, string Url, DateTimeOffset Created, int? PullRequest = null)
{
    /// <summary>Reads the git state of <paramref name="directory"/> (and CI variables for PR numbers).</summary>
    public static async Task<AppSource> ReadAsync(string directory, CancellationToken cancellationToken = default)
    {
        var git = new GitCli(directory);
        var head = await git.TryRunAsync(["rev-parse", "HEAD"], cancellationToken);
        if (!head.Ok)
            throw new GitOpsException($"{directory} is not a git repository with a commit; the image's revision label and sha tag come from it", ExitCode.InvalidInput);
        var revision = head.StdOut.Trim();
        var branch = (await git.TryRunAsync(["symbolic-ref", "--short", "-q", "HEAD"], cancellationToken)).StdOut.Trim();
        var tag = (await git.TryRunAsync(["describe", "--tags", "--exact-match", "HEAD"], cancellationToken)).StdOut.Trim();
        var remote = (await git.TryRunAsync(["remote", "get-url", "origin"], cancellationToken)).StdOut.Trim();
        var commitTime = long.Parse((await git.RunAsync(["log", "-1", "--format=%ct", "HEAD"], cancellationToken)).Trim(), CultureInfo.InvariantCulture);
        var created = SourceDateEpoch.FromEnvironment(DateTimeOffset.FromUnixTimeSeconds(commitTime));
        var pr = int.TryParse(Environment.GetEnvironmentVariable("CI_MERGE_REQUEST_IID"), out var n) ? n : (int?)null;
        return new AppSource(revision, branch.Length == 0 ? Environment.GetEnvironmentVariable("GITHUB_REF_NAME") : branch,
            tag.Length == 0 ? null : tag, GitCli.Mask(remote.Length == 0 ? new Uri(Path.GetFullPath(directory)).AbsoluteUri : remote),
            created, pr);
    }

    /// <summary>
    /// The image's tags and OCI labels, docker/metadata-action style, ordered so the first tag is immutable: the
    /// version of a git tag, else <c>sha-</c> and 7 hex digits. Bumps write that one as newTag (and pin the digest).
    /// <paramref name="flavor"/> (gitops.yaml <c>image.tagging</c>) adds a prefix, a suffix and raw tags.
    /// </summary>
    public ImageTagSet TagSet(TagFlavor? flavor = null)
    {
        var gitRef = GitTag is not null ? $"refs/tags/{GitTag}"
            : PullRequest is int n ? $"refs/pull/{n}/merge"
            : Branch is { Length: > 0 } b ? $"refs/heads/{b}"
            : "HEAD";
        var set = ImageTags.Compute(new GitContext(Revision, gitRef, null, Created, Url), flavor ?? TagFlavor.Default);
        var primary = set.Immutable;
        return set with { Tags = [primary, .. set.Tags.Where(t => t != primary)] };
    }
}
