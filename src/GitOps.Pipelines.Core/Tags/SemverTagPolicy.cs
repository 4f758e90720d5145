using GitOps.Pipelines.Semver;

namespace GitOps.Pipelines.Tags;

/// <summary>
/// The highest semantic version (loose parsing: <c>v1.2</c> counts), within a constraint when one is given.
/// Tags that are not versions are skipped; prereleases only count when the constraint names one.
/// </summary>
public sealed class SemverTagPolicy : TagPolicy
{
    // Without a constraint, every release qualifies (prereleases do not, as in Image Updater).
    private static readonly VersionConstraint AnyRelease = VersionConstraint.Parse(">=0.0.0");

    internal SemverTagPolicy(VersionConstraint? constraint, AllowTags allow, IgnoreTags ignore) : base(allow, ignore) =>
        Constraint = constraint;

    /// <inheritdoc />
    public override TagStrategy Strategy => TagStrategy.Semver;

    /// <summary>The range a tag must satisfy, or null for any release.</summary>
    public VersionConstraint? Constraint { get; }

    private protected override TagSelection SelectFrom(IReadOnlyList<TagInfo> candidates)
    {
        var versions = Versions(candidates);
        if (versions.Count == 0) return TagSelection.None($"none of {Count(candidates.Count)} is a semantic version");
        var constraint = Constraint ?? AnyRelease;
        var fitting = versions.Where(v => constraint.Check(v.Version)).ToList();
        if (fitting.Count == 0)
        {
            var what = Constraint is null ? "is a release (prereleases need a constraint that names one)" : $"satisfies \"{Constraint.Original}\"";
            return TagSelection.None($"none of {versions.Count} semantic version(s) {what}");
        }
        var best = Sort(fitting)[^1];
        var within = Constraint is null ? "" : $" satisfying \"{Constraint.Original}\"";
        return new TagSelection(best.Tag, $"highest semantic version{within} among {Count(candidates.Count)}");
    }

    private protected override IReadOnlyList<TagInfo> OrderCandidates(IReadOnlyList<TagInfo> candidates) =>
        Sort(Versions(candidates)).Select(v => v.Tag).ToList();

    private static List<(TagInfo Tag, SemanticVersion Version)> Versions(IEnumerable<TagInfo> tags) =>
        tags.Select(t => (Tag: t, Version: SemanticVersion.TryParse(t.Name, out var v) ? v : null))
            .Where(x => x.Version is not null)
            .Select(x => (x.Tag, x.Version!))
            .ToList();

    // Equal versions (v2.0 and v2.0.0) fall back to the tag name, so the order does not depend on the input's.
    private static List<(TagInfo Tag, SemanticVersion Version)> Sort(IEnumerable<(TagInfo Tag, SemanticVersion Version)> versions) =>
        versions.OrderBy(x => x.Version).ThenBy(x => x.Tag.Name, StringComparer.Ordinal).ToList();
}
