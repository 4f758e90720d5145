namespace GitOps.Pipelines.Webhooks.Routing;

/// <summary>Compares git repository URLs the way people write them: scheme, user, port, <c>.git</c>, trailing slash and host case do not count.</summary>
public static class RepositoryUrl
{
    /// <summary>
    /// A comparable key: <c>host/path</c> for remote URLs (https, http, ssh, git, scp-like <c>git@host:path</c>),
    /// <c>file:/full/path</c> for local paths and <c>file://</c> URLs. The path keeps its case.
    /// </summary>
    public static string Normalize(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var s = url.Trim();
        string key;
        if (s.Contains("://", StringComparison.Ordinal) && Uri.TryCreate(s, UriKind.Absolute, out var uri))
        {
            key = uri.IsFile
                ? "file:" + Path.GetFullPath(uri.LocalPath)
                : uri.Host.ToLowerInvariant() + "/" + Uri.UnescapeDataString(uri.AbsolutePath).Trim('/');
        }
        else if (ScpLike(s) is { } scp)
        {
            key = scp;
        }
        else
        {
            key = "file:" + Path.GetFullPath(s);
        }
        key = key.TrimEnd('/');
        if (key.EndsWith(".git", StringComparison.OrdinalIgnoreCase)) key = key[..^4].TrimEnd('/');
        return key;
    }

    /// <summary>True when both name the same repository.</summary>
    public static bool SameRepository(string a, string b) => Normalize(a) == Normalize(b);

    // git@github.com:owner/repo.git — a colon before any slash, and not a Windows drive letter.
    private static string? ScpLike(string s)
    {
        var colon = s.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 1) return null;
        var slash = s.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0 && slash < colon) return null;
        var host = s[..colon];
        var at = host.LastIndexOf('@');
        if (at >= 0) host = host[(at + 1)..];
        return host.ToLowerInvariant() + "/" + s[(colon + 1)..].Trim('/');
    }
}
