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

    /// <summary>
    /// The key routes are matched by, with Argo CD's webhook rules (<c>GetWebURLRegex</c>): like <see cref="Normalize"/>, and
    /// for remote URLs also case-insensitive, a port after an scp-like host ignored, <c>ssh.</c> and <c>altssh.</c> host
    /// prefixes dropped, and a user name starting with <c>-</c> refused. Null when the URL names no repository.
    /// </summary>
    public static string? MatchKey(string? url)
    {
        if (string.IsNullOrWhiteSpace(url)) return null;
        var s = url.Trim();
        var schemeEnd = s.IndexOf("://", StringComparison.Ordinal);
        var authority = schemeEnd >= 0 ? s[(schemeEnd + 3)..] : s;
        var at = authority.IndexOf('@', StringComparison.Ordinal);
        var slash = authority.IndexOf('/', StringComparison.Ordinal);
        if (at >= 0 && (slash < 0 || at < slash) && authority.StartsWith('-')) return null;
        var key = Normalize(s);
        if (key.StartsWith("file:", StringComparison.Ordinal)) return key;
        var firstSlash = key.IndexOf('/', StringComparison.Ordinal);
        if (firstSlash < 0) return null;
        var host = key[..firstSlash];
        var path = key[(firstSlash + 1)..];
        // scp-like with a port: git@host:22:org/repo
        var colon = path.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0 && path[..colon].All(char.IsAsciiDigit)) path = path[(colon + 1)..].TrimStart('/');
        foreach (var prefix in (string[])["ssh.", "altssh."])
            if (host.StartsWith(prefix, StringComparison.Ordinal)) host = host[prefix.Length..];
        if (path.Length == 0) return null;
        return (host + "/" + path).ToLowerInvariant();
    }

    /// <summary>True when a URL from a webhook and a route's URL name the same repository by <see cref="MatchKey"/>.</summary>
    public static bool Matches(string? webhookUrl, string? routeUrl) =>
        MatchKey(webhookUrl) is { } a && MatchKey(routeUrl) is { } b && a == b;

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
