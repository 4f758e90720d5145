namespace GitOps.Pipelines.Tags;

/// <summary>The most recently created image (Image Updater's <c>newest-build</c>); equal dates fall back to the tag name.</summary>
public sealed class LatestTagPolicy : TagPolicy
{
    internal LatestTagPolicy(AllowTags allow, IgnoreTags ignore) : base(allow, ignore)
    {
    }

    /// <inheritdoc />
    public override TagStrategy Strategy => TagStrategy.Latest;

    private protected override TagSelection SelectFrom(IReadOnlyList<TagInfo> candidates)
    {
        var ordered = OrderCandidates(candidates);
        if (ordered.Count == 0)
            return TagSelection.None($"none of {Count(candidates.Count)} has a creation date, which the latest strategy needs");
        var best = ordered[^1];
        return new TagSelection(best, $"most recently created ({best.Created:O}) among {Count(candidates.Count)}");
    }

    // Tags without a creation date cannot be ranked by date, so they are left out.
    private protected override IReadOnlyList<TagInfo> OrderCandidates(IReadOnlyList<TagInfo> candidates) =>
        candidates.Where(t => t.Created is not null)
            .OrderBy(t => t.Created!.Value)
            .ThenBy(t => t.Name, StringComparer.Ordinal)
            .ToList();
}
