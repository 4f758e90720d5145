namespace GitOps.Pipelines.Tags;

/// <summary>The last tag in ordinal (byte) order, Image Updater's <c>alphabetical</c>: suits date-stamped tags like <c>2024-05-01</c>.</summary>
public sealed class NameTagPolicy : TagPolicy
{
    internal NameTagPolicy(AllowTags allow, IgnoreTags ignore) : base(allow, ignore)
    {
    }

    /// <inheritdoc />
    public override TagStrategy Strategy => TagStrategy.Name;

    private protected override TagSelection SelectFrom(IReadOnlyList<TagInfo> candidates) =>
        new(OrderCandidates(candidates)[^1], $"last by name among {Count(candidates.Count)}");

    private protected override IReadOnlyList<TagInfo> OrderCandidates(IReadOnlyList<TagInfo> candidates) =>
        candidates.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
}
