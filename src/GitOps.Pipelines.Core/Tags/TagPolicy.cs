using GitOps.Pipelines.Semver;

namespace GitOps.Pipelines.Tags;

/// <summary>
/// Chooses the tag to deploy from a repository's tags: filter by allow-tags and ignore-tags, then let the
/// strategy pick (one subclass per strategy). Pure: the caller lists the tags (with dates and digests as needed).
/// </summary>
public abstract class TagPolicy
{
    private protected TagPolicy(AllowTags allow, IgnoreTags ignore)
    {
        Allow = allow;
        Ignore = ignore;
    }

    /// <summary>The strategy this policy applies.</summary>
    public abstract TagStrategy Strategy { get; }

    /// <summary>Which tags may be considered.</summary>
    public AllowTags Allow { get; }

    /// <summary>Which tags are skipped.</summary>
    public IgnoreTags Ignore { get; }

    /// <summary>
    /// Builds a policy. <paramref name="constraint"/> is a semver range for <c>semver</c> and the tag to follow for
    /// <c>digest</c> (required there); other strategies take none.
    /// </summary>
    /// <exception cref="GitOpsException">An unknown strategy, a bad constraint, allow-tags or ignore-tags (exit code <see cref="ExitCode.InvalidInput"/>).</exception>
    public static TagPolicy Create(string strategy, string? constraint = null, string? allowTags = null, string? ignoreTags = null) =>
        Create(TagStrategyNames.Parse(strategy), constraint, allowTags, ignoreTags);

    /// <inheritdoc cref="Create(string, string?, string?, string?)"/>
    public static TagPolicy Create(TagStrategy strategy, string? constraint = null, string? allowTags = null, string? ignoreTags = null)
    {
        var allow = string.IsNullOrWhiteSpace(allowTags) ? AllowTags.Any : AllowTags.Parse(allowTags);
        if (allow.Problem is not null) throw new GitOpsException(allow.Problem, ExitCode.InvalidInput);
        var ignore = string.IsNullOrWhiteSpace(ignoreTags) ? IgnoreTags.None : IgnoreTags.Parse(ignoreTags);
        constraint = string.IsNullOrWhiteSpace(constraint) ? null : constraint.Trim();
        return strategy switch
        {
            TagStrategy.Semver => new SemverTagPolicy(constraint is null ? null : VersionConstraint.Parse(constraint), allow, ignore),
            TagStrategy.Digest => new DigestTagPolicy(
                constraint ?? throw new GitOpsException("the digest strategy needs the tag to follow as its constraint (e.g. --constraint latest)", ExitCode.InvalidInput),
                allow, ignore),
            _ when constraint is not null => throw new GitOpsException(
                $"the {strategy.Name()} strategy takes no constraint (got \"{constraint}\")", ExitCode.InvalidInput),
            TagStrategy.Latest => new LatestTagPolicy(allow, ignore),
            TagStrategy.Name => new NameTagPolicy(allow, ignore),
            TagStrategy.Numerical => new NumericalTagPolicy(allow, ignore),
            _ => throw new ArgumentOutOfRangeException(nameof(strategy)),
        };
    }

    /// <summary>Chooses a tag, or says why none qualifies.</summary>
    public TagSelection Select(IReadOnlyList<TagInfo> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        if (tags.Count == 0) return TagSelection.None("there are no tags to choose from");
        var allowed = tags.Where(t => Allow.Allows(t.Name)).ToList();
        if (allowed.Count == 0) return TagSelection.None($"none of {Count(tags.Count)} is allowed by allow-tags \"{Allow}\"");
        var kept = allowed.Where(t => !Ignore.Ignores(t.Name)).ToList();
        if (kept.Count == 0) return TagSelection.None($"all {Count(allowed.Count)} allowed are ignored by ignore-tags \"{Ignore}\"");
        return SelectFrom(kept);
    }

    /// <summary>
    /// The allowed, not ignored tags this strategy can rank, lowest first (for semver: all versions, the constraint is
    /// not applied; for latest: those with a creation date; for digest: the followed tag).
    /// </summary>
    public IReadOnlyList<TagInfo> Order(IEnumerable<TagInfo> tags) =>
        OrderCandidates(tags.Where(t => Allow.Allows(t.Name) && !Ignore.Ignores(t.Name)).ToList());

    /// <summary>Picks from tags that passed the filters (never empty).</summary>
    private protected abstract TagSelection SelectFrom(IReadOnlyList<TagInfo> candidates);

    /// <summary>Orders candidates ascending, dropping those this strategy cannot rank.</summary>
    private protected abstract IReadOnlyList<TagInfo> OrderCandidates(IReadOnlyList<TagInfo> candidates);

    private protected static string Count(int n) => n == 1 ? "1 tag" : $"{n} tags";
}
