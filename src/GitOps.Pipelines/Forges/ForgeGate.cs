using System.Globalization;
using System.Text.RegularExpressions;

namespace GitOps.Pipelines.Forges;

/// <summary>
/// What a hosted forge cannot hold for us, kept in the pull request itself: the gate's required approvals as a hidden
/// marker in the body, and the suite's key/value labels as <c>key:value</c> label names.
/// </summary>
public static partial class ForgeGate
{
    /// <summary>The body with the required-approvals marker set (replacing an older one).</summary>
    public static string WithRequiredApprovals(string body, int required) =>
        $"{Marker().Replace(body ?? "", "").TrimEnd()}\n\n<!-- gitops: required-approvals={required} -->";

    /// <summary>The required approvals a body's marker records; 0 without one.</summary>
    public static int RequiredApprovals(string? body) =>
        body is not null && Marker().Match(body) is { Success: true } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;

    /// <summary>The body without the marker, as the user wrote it.</summary>
    public static string WithoutMarker(string? body) => Marker().Replace(body ?? "", "").TrimEnd();

    /// <summary>Label names for key/value labels (<c>environment:staging</c>) plus plain ones, without duplicates.</summary>
    public static IReadOnlyList<string> LabelNames(IReadOnlyDictionary<string, string> labels, IEnumerable<string> plain) =>
        [.. labels.Select(l => $"{l.Key}:{l.Value}").Concat(plain).Distinct(StringComparer.Ordinal)];

    /// <summary>The key/value labels among label names: <c>key:value</c>, or GitLab's scoped <c>key::value</c>.</summary>
    public static IReadOnlyDictionary<string, string> Labels(IEnumerable<string> names)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var scoped = name.IndexOf("::", StringComparison.Ordinal);
            var (at, width) = scoped >= 0 ? (scoped, 2) : (name.IndexOf(':', StringComparison.Ordinal), 1);
            if (at > 0 && at + width < name.Length) result[name[..at]] = name[(at + width)..];
        }
        return result;
    }

    [GeneratedRegex(@"\s*<!-- gitops: required-approvals=(\d+) -->")]
    private static partial Regex Marker();
}
