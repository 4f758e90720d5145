using System.Globalization;
using System.Text.RegularExpressions;

namespace GitOps.Pipelines.Tags;

/// <summary>The highest number, for tags that are build numbers or timestamps (<c>42</c>, <c>1700000000</c>, <c>3.5</c>), like Flux's numerical policy.</summary>
public sealed partial class NumericalTagPolicy : TagPolicy
{
    internal NumericalTagPolicy(AllowTags allow, IgnoreTags ignore) : base(allow, ignore)
    {
    }

    /// <inheritdoc />
    public override TagStrategy Strategy => TagStrategy.Numerical;

    [GeneratedRegex(@"^[0-9]+(?:\.[0-9]+)?$")]
    private static partial Regex NumberRegex();

    private protected override TagSelection SelectFrom(IReadOnlyList<TagInfo> candidates)
    {
        var ordered = OrderCandidates(candidates);
        return ordered.Count == 0
            ? TagSelection.None($"none of {Count(candidates.Count)} is a number")
            : new TagSelection(ordered[^1], $"highest number among {Count(candidates.Count)}");
    }

    // Equal numbers (7 and 07) fall back to the tag name.
    private protected override IReadOnlyList<TagInfo> OrderCandidates(IReadOnlyList<TagInfo> candidates) =>
        candidates.Select(t => (Tag: t, Number: Number(t.Name)))
            .Where(x => x.Number is not null)
            .OrderBy(x => x.Number)
            .ThenBy(x => x.Tag.Name, StringComparer.Ordinal)
            .Select(x => x.Tag)
            .ToList();

    private static decimal? Number(string tag) =>
        NumberRegex().IsMatch(tag) && decimal.TryParse(tag, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) ? n : null;
}
