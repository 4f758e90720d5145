namespace GitOps.Pipelines.Tags;

/// <summary>A tag of an image as a policy sees it: its name, and when known, when the image was created and its digest.</summary>
/// <param name="Name">The tag, e.g. <c>1.2.3</c>.</param>
/// <param name="Created">When the image the tag points at was built (the image config's <c>created</c>).</param>
/// <param name="Digest">The manifest digest the tag points at.</param>
public sealed record TagInfo(string Name, DateTimeOffset? Created = null, string? Digest = null)
{
    /// <summary>
    /// True when both tags stand for the same image, as Image Updater compares them: by digest when both have one,
    /// by name when neither has, and never when only one has a digest.
    /// </summary>
    public bool IsSameImage(TagInfo other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var mine = !string.IsNullOrEmpty(Digest);
        var theirs = !string.IsNullOrEmpty(other.Digest);
        if (mine && theirs) return Digest == other.Digest;
        return !mine && !theirs && Name == other.Name;
    }
}

/// <summary>What a <see cref="TagPolicy"/> chose: the tag, or why none qualifies.</summary>
/// <param name="Tag">The chosen tag, or null.</param>
/// <param name="Reason">Why this tag (or why none): one line for a human.</param>
public sealed record TagSelection(TagInfo? Tag, string Reason)
{
    /// <summary>True when a tag was chosen.</summary>
    public bool Found => Tag is not null;

    internal static TagSelection None(string reason) => new(null, reason);
}
