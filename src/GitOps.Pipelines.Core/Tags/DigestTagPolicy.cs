namespace GitOps.Pipelines.Tags;

/// <summary>Follows a mutable tag (e.g. <c>latest</c>): chooses that tag and reports the digest it points at now.</summary>
public sealed class DigestTagPolicy : TagPolicy
{
    internal DigestTagPolicy(string followedTag, AllowTags allow, IgnoreTags ignore) : base(allow, ignore) =>
        FollowedTag = followedTag;

    /// <inheritdoc />
    public override TagStrategy Strategy => TagStrategy.Digest;

    /// <summary>The tag whose digest is tracked.</summary>
    public string FollowedTag { get; }

    private protected override TagSelection SelectFrom(IReadOnlyList<TagInfo> candidates)
    {
        var tag = candidates.FirstOrDefault(t => t.Name == FollowedTag);
        if (tag is null) return TagSelection.None($"tag \"{FollowedTag}\" is not among the {Count(candidates.Count)} considered");
        if (string.IsNullOrEmpty(tag.Digest)) return TagSelection.None($"the digest of tag \"{FollowedTag}\" is not known");
        return new TagSelection(tag, $"tag \"{FollowedTag}\" points at {tag.Digest}");
    }

    private protected override IReadOnlyList<TagInfo> OrderCandidates(IReadOnlyList<TagInfo> candidates) =>
        candidates.Where(t => t.Name == FollowedTag).ToList();
}
