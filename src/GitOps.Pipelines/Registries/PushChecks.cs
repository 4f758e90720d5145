using System.Text.RegularExpressions;
using GitOps.Pipelines.Images;
using GitOps.Pipelines.Oci;

namespace GitOps.Pipelines.Registries;

/// <summary>What every registry checks before a push: valid tags, and the manifest present in the source layout.</summary>
internal static partial class PushChecks
{
    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex TagPattern();

    /// <summary>The tags to write (the target's own tag first, no duplicates); throws on an invalid tag or a missing manifest.</summary>
    public static List<string> Tags(OciLayout source, string digest, ImageReference target, IReadOnlyList<string> tags)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(tags);
        var allTags = (target.Tag is null ? tags : [target.Tag, .. tags]).Distinct(StringComparer.Ordinal).ToList();
        foreach (var tag in allTags)
        {
            if (!TagPattern().IsMatch(tag))
                throw new GitOpsException($"invalid tag '{tag}' for {target.Name}", ExitCode.InvalidInput);
        }
        if (!source.HasBlob(digest))
            throw new GitOpsException($"cannot push {target}: manifest {digest} is not in {source.Root}", ExitCode.InvalidInput);
        return allTags;
    }
}
