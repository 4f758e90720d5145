using System.Globalization;
using System.Text.RegularExpressions;
using GitOps.Pipelines.Images;
using GitOps.Pipelines.Semver;

namespace GitOps.Pipelines.Tags;

/// <summary>The commit an image is built from: what <see cref="ImageTags.Compute(GitContext, TagFlavor)"/> derives tags and labels from.</summary>
/// <param name="Sha">The full commit SHA (hex).</param>
/// <param name="Ref">The git ref built: <c>refs/heads/…</c>, <c>refs/tags/…</c>, <c>refs/pull/N/merge</c> (GitHub) or <c>refs/merge-requests/N/head</c> (GitLab).</param>
/// <param name="GitTag">A version tag on the commit when the ref is not itself a tag (e.g. from <c>git describe --exact-match</c>).</param>
/// <param name="Created">When the image is built; becomes <c>org.opencontainers.image.created</c>.</param>
/// <param name="Source">The repository URL; becomes <c>org.opencontainers.image.source</c>.</param>
public sealed record GitContext(string Sha, string Ref, string? GitTag = null, DateTimeOffset? Created = null, string? Source = null);

/// <summary>Image tags and OCI labels computed for one build, in priority order (the first tag is the primary one).</summary>
/// <param name="Tags">Tags, most specific first, without duplicates.</param>
/// <param name="Version">The value of <c>org.opencontainers.image.version</c>.</param>
/// <param name="Labels">OCI annotations/labels: source, revision, created, version.</param>
public sealed record ImageTagSet(IReadOnlyList<string> Tags, string Version, IReadOnlyDictionary<string, string> Labels)
{
    /// <summary>
    /// The most specific tag that never moves: the version of a git tag (semver or not), else the <c>sha-</c> tag
    /// (both with the flavor's prefix and suffix). Empty when the set was made by hand.
    /// </summary>
    public string Immutable { get; init; } = "";
}

/// <summary>
/// How tags are shaped, as docker/metadata-action's <c>flavor</c> and <c>type=raw</c> tags: a prefix and a suffix added
/// to every tag except <c>latest</c>, extra fixed tags, and whether a release also gets <c>latest</c>.
/// </summary>
/// <param name="Prefix">Put before every tag but <c>latest</c> (e.g. <c>app-</c>).</param>
/// <param name="Suffix">Put after every tag but <c>latest</c> (e.g. <c>-alpine</c>).</param>
/// <param name="Raw">Fixed tags added to every build (<c>type=raw,value=…</c>), after the ref tag and before the sha tag.</param>
/// <param name="Latest">Add <c>latest</c> for a release (non-prerelease) semver tag, as <c>latest=auto</c>.</param>
public sealed record TagFlavor(string Prefix = "", string Suffix = "", IReadOnlyList<string>? Raw = null, bool Latest = true)
{
    /// <summary>No prefix, no suffix, no raw tags, <c>latest</c> for releases: metadata-action's defaults.</summary>
    public static TagFlavor Default { get; } = new();
}

/// <summary>
/// Computes tags the way docker/metadata-action does: <c>{{version}}</c>, <c>{{major}}.{{minor}}</c> and
/// <c>{{major}}</c> for a semver git tag (prereleases get only <c>{{version}}</c>, and major 0 gets no
/// <c>{{major}}</c>), the branch name sanitized (<c>feature/x</c> → <c>feature-x</c>), <c>pr-N</c>,
/// <c>sha-</c> plus 7 hex digits, and <c>latest</c> for a release version.
/// </summary>
public static partial class ImageTags
{
    /// <summary>OCI label: where the source lives.</summary>
    public const string SourceLabel = "org.opencontainers.image.source";

    /// <summary>OCI label: the commit built.</summary>
    public const string RevisionLabel = "org.opencontainers.image.revision";

    /// <summary>OCI label: when the image was built (RFC 3339).</summary>
    public const string CreatedLabel = "org.opencontainers.image.created";

    /// <summary>OCI label: the version of the packaged software.</summary>
    public const string VersionLabel = "org.opencontainers.image.version";

    [GeneratedRegex("^[0-9a-fA-F]{7,64}$")]
    private static partial Regex ShaRegex();

    [GeneratedRegex("[^a-zA-Z0-9._-]+")]
    private static partial Regex UnsafeTagChars();

    [GeneratedRegex(@"^refs/(?:pull|merge-requests)/(\d+)/(?:merge|head)$")]
    private static partial Regex PullRequestRef();

    /// <summary>Computes the tags and labels for a build of <paramref name="git"/>.</summary>
    /// <param name="git">The commit and ref.</param>
    /// <param name="latest">Add <c>latest</c> for a release (non-prerelease) semver tag, as metadata-action's <c>latest=auto</c>.</param>
    /// <exception cref="GitOpsException">The SHA is not 7–64 hex digits (exit code <see cref="ExitCode.InvalidInput"/>).</exception>
    public static ImageTagSet Compute(GitContext git, bool latest = true) =>
        Compute(git, TagFlavor.Default with { Latest = latest });

    /// <summary>Computes the tags and labels for a build of <paramref name="git"/>, shaped by <paramref name="flavor"/>.</summary>
    /// <exception cref="GitOpsException">The SHA is not 7–64 hex digits, or a raw tag or a prefixed/suffixed tag is not a
    /// valid tag (exit code <see cref="ExitCode.InvalidInput"/>).</exception>
    public static ImageTagSet Compute(GitContext git, TagFlavor flavor)
    {
        ArgumentNullException.ThrowIfNull(git);
        ArgumentNullException.ThrowIfNull(flavor);
        if (!ShaRegex().IsMatch(git.Sha))
            throw new GitOpsException($"commit SHA \"{git.Sha}\" is not 7 to 64 hex digits", ExitCode.InvalidInput);

        var tags = new List<string>();
        string? version = null;

        var versionTag = git.Ref.StartsWith("refs/tags/", StringComparison.Ordinal) ? git.Ref["refs/tags/".Length..] : git.GitTag;
        var semver = versionTag is null ? null : ParseGitTagVersion(versionTag);
        if (semver is not null)
        {
            version = Sanitize(semver.ToString());
            tags.Add(version);
            if (!semver.IsPrerelease)
            {
                tags.Add(string.Create(CultureInfo.InvariantCulture, $"{semver.Major}.{semver.Minor}"));
                if (semver.Major > 0) tags.Add(semver.Major.ToString(CultureInfo.InvariantCulture));
            }
        }

        string? refTag = null;
        if (git.Ref.StartsWith("refs/heads/", StringComparison.Ordinal))
            refTag = Sanitize(git.Ref["refs/heads/".Length..]);
        else if (git.Ref.StartsWith("refs/tags/", StringComparison.Ordinal) && semver is null)
            refTag = Sanitize(git.Ref["refs/tags/".Length..]);
        else if (PullRequestRef().Match(git.Ref) is { Success: true } pr)
            refTag = "pr-" + pr.Groups[1].Value;
        if (refTag is { Length: > 0 })
        {
            tags.Add(refTag);
            version ??= refTag;
        }

        var immutable = semver is not null ? tags[0]
            : git.Ref.StartsWith("refs/tags/", StringComparison.Ordinal) && refTag is { Length: > 0 } ? refTag
            : null;
        foreach (var raw in flavor.Raw ?? [])
        {
            if (!ReferenceGrammar.AnchoredTag.IsMatch(raw))
                throw new GitOpsException($"raw tag '{raw}' is not a valid tag (letters, digits, '_', '.', '-'; at most 128)", ExitCode.InvalidInput);
            tags.Add(raw);
        }

        var shaTag = "sha-" + git.Sha[..7].ToLowerInvariant();
        tags.Add(shaTag);
        version ??= shaTag;
        immutable ??= shaTag;

        tags = [.. tags.Select(t => Flavored(t, flavor))];
        version = Flavored(version, flavor);
        immutable = Flavored(immutable, flavor);
        if (flavor.Latest && semver is { IsPrerelease: false }) tags.Add("latest");

        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            [RevisionLabel] = git.Sha,
            [VersionLabel] = version,
        };
        if (git.Created is { } created)
            labels[CreatedLabel] = created.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        if (!string.IsNullOrEmpty(git.Source)) labels[SourceLabel] = git.Source;

        return new ImageTagSet(tags.Distinct(StringComparer.Ordinal).ToList(), version, labels) { Immutable = immutable };
    }

    private static string Flavored(string tag, TagFlavor flavor)
    {
        if (flavor.Prefix.Length == 0 && flavor.Suffix.Length == 0) return tag;
        var shaped = flavor.Prefix + tag + flavor.Suffix;
        if (!ReferenceGrammar.AnchoredTag.IsMatch(shaped))
            throw new GitOpsException($"tag '{shaped}' (prefix '{flavor.Prefix}', suffix '{flavor.Suffix}') is not a valid tag", ExitCode.InvalidInput);
        return shaped;
    }

    /// <summary>
    /// Makes a valid image tag out of any text: runs of characters other than letters, digits, <c>.</c>, <c>_</c>
    /// and <c>-</c> become <c>-</c>; a leading <c>.</c> or <c>-</c> is dropped; at most 128 characters.
    /// </summary>
    public static string Sanitize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tag = UnsafeTagChars().Replace(text, "-").TrimStart('.', '-');
        if (tag.Length > 128) tag = tag[..128];
        return ReferenceGrammar.AnchoredTag.IsMatch(tag) ? tag : "";
    }

    // metadata-action reads git tags as semver with an optional leading "v" and all three numbers.
    private static SemanticVersion? ParseGitTagVersion(string tag)
    {
        var text = tag.StartsWith('v') || tag.StartsWith('V') ? tag[1..] : tag;
        return SemanticVersion.TryParseStrict(text, out var v) ? v : null;
    }
}
