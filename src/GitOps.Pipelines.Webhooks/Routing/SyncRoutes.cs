using System.Text;
using System.Text.RegularExpressions;
using GitOps.Pipelines.Semver;

namespace GitOps.Pipelines.Webhooks.Routing;

/// <summary>The configured routes, matched by repository (Argo CD's URL rules), revision and changed paths.</summary>
public sealed class SyncRoutes(IReadOnlyList<WebhookRoute> routes)
{
    /// <summary>The environments to sync for a merge, in route order, each once.</summary>
    /// <param name="repositoryUrls">Every URL the forge gave for the repository (clone, html, ssh).</param>
    /// <param name="branch">The branch merged into.</param>
    public IReadOnlyList<string> EnvironmentsFor(IEnumerable<string> repositoryUrls, string branch) =>
        EnvironmentsFor(repositoryUrls, branch, changedPaths: null);

    /// <summary>The environments to sync for a push of <paramref name="pushedRef"/>, in route order, each once.</summary>
    /// <param name="repositoryUrls">Every URL the forge gave for the repository.</param>
    /// <param name="pushedRef">The pushed branch or tag, short or as <c>refs/heads/…</c> / <c>refs/tags/…</c>.</param>
    /// <param name="changedPaths">The files the push changed; null when unknown (then path globs do not filter).</param>
    /// <param name="touchedHead">The push moved the repository's default branch.</param>
    public IReadOnlyList<string> EnvironmentsFor(IEnumerable<string> repositoryUrls, string pushedRef, IReadOnlyCollection<string>? changedPaths, bool touchedHead = false)
    {
        var keys = repositoryUrls.Select(RepositoryUrl.MatchKey).OfType<string>().ToHashSet(StringComparer.Ordinal);
        return routes
            .Where(r => RevisionMatch.Changed(r.Branch, pushedRef, touchedHead)
                        && RepositoryUrl.MatchKey(r.RepositoryUrl) is { } key && keys.Contains(key)
                        && PathsMatch(r.Paths, changedPaths))
            .SelectMany(r => r.Environments)
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    private static bool PathsMatch(IReadOnlyList<string>? globs, IReadOnlyCollection<string>? changed) =>
        globs is not { Count: > 0 } || changed is null || changed.Any(path => globs.Any(g => Glob.IsMatch(g, path)));
}

/// <summary>Argo CD's rule for whether a pushed revision concerns a target revision (<c>sourceRevisionHasChanged</c>).</summary>
public static class RevisionMatch
{
    /// <summary>
    /// True when a push of <paramref name="pushed"/> changes what <paramref name="target"/> tracks: an empty target tracks
    /// the default branch (<paramref name="touchedHead"/>); <c>refs/heads/</c> and <c>refs/tags/</c> do not count on either
    /// side (branches and tags are not told apart); a semver constraint target (<c>1.*</c>) matches a pushed version it allows.
    /// </summary>
    public static bool Changed(string? target, string pushed, bool touchedHead)
    {
        ArgumentNullException.ThrowIfNull(pushed);
        var t = Short(target ?? "");
        var p = Short(pushed);
        if (t.Length == 0 || t == "HEAD") return touchedHead;
        if (t.IndexOfAny(['*', 'x', 'X', '^', '~', '>', '<', '=', '|', ' ']) >= 0 && t.Any(char.IsAsciiDigit)
            && VersionConstraint.TryParse(t, out var constraint) && SemanticVersion.TryParse(p, out var version))
            return constraint.Check(version);
        return t == p;
    }

    /// <summary>A ref without <c>refs/heads/</c> or <c>refs/tags/</c>.</summary>
    public static string Short(string reference) =>
        reference.StartsWith("refs/heads/", StringComparison.Ordinal) ? reference["refs/heads/".Length..]
        : reference.StartsWith("refs/tags/", StringComparison.Ordinal) ? reference["refs/tags/".Length..]
        : reference;
}

/// <summary>Path globs: <c>**</c> any number of folders, <c>*</c> and <c>?</c> within one path segment.</summary>
public static class Glob
{
    /// <summary>True when <paramref name="path"/> (relative, <c>/</c>-separated) matches <paramref name="glob"/>.</summary>
    public static bool IsMatch(string glob, string path)
    {
        var pattern = new StringBuilder("^");
        var g = glob.Trim().TrimStart('/');
        for (var i = 0; i < g.Length; i++)
        {
            var c = g[i];
            if (c == '*' && i + 1 < g.Length && g[i + 1] == '*')
            {
                i++;
                if (i + 1 < g.Length && g[i + 1] == '/') { i++; pattern.Append("(?:.*/)?"); }
                else pattern.Append(".*");
            }
            else if (c == '*') pattern.Append("[^/]*");
            else if (c == '?') pattern.Append("[^/]");
            else pattern.Append(Regex.Escape(c.ToString()));
        }
        pattern.Append('$');
        return Regex.IsMatch(path.TrimStart('/'), pattern.ToString(), RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
    }
}
