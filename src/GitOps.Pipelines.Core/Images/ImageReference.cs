namespace GitOps.Pipelines.Images;

/// <summary>
/// A container image reference: [domain/]path[:tag][@digest], by the docker/distribution grammar.
/// (First cut: the full grammar and its case table land with the references work.)
/// </summary>
public sealed record ImageReference(string Domain, string Path, string? Tag = null, string? Digest = null)
{
    /// <summary>The repository name: domain/path, or path alone when there is no domain.</summary>
    public string Name => Domain.Length == 0 ? Path : $"{Domain}/{Path}";

    /// <summary>Parses with Docker's normalization (<c>ubuntu</c> → <c>docker.io/library/ubuntu:latest</c>'s name).</summary>
    public static ImageReference ParseNormalized(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        string? digest = null, tag = null;
        var at = s.IndexOf('@');
        if (at >= 0) { digest = s[(at + 1)..]; s = s[..at]; }
        var slash = s.LastIndexOf('/');
        var colon = s.LastIndexOf(':');
        if (colon > slash) { tag = s[(colon + 1)..]; s = s[..colon]; }
        var first = s.IndexOf('/');
        string domain, path;
        if (first > 0 && (s[..first].Contains('.') || s[..first].Contains(':') || s[..first] == "localhost"))
        {
            domain = s[..first];
            path = s[(first + 1)..];
        }
        else
        {
            domain = "docker.io";
            path = first < 0 ? "library/" + s : s;
        }
        if (path.Length == 0) throw new GitOpsException($"invalid reference format: '{s}'", ExitCode.InvalidInput);
        return new ImageReference(domain, path, tag, digest);
    }

    /// <summary>This reference with another tag.</summary>
    public ImageReference WithTag(string tag) => this with { Tag = tag };

    /// <summary>This reference with a digest.</summary>
    public ImageReference WithDigest(string digest) => this with { Digest = digest };

    /// <inheritdoc />
    public override string ToString() =>
        Name + (Tag is null ? "" : ":" + Tag) + (Digest is null ? "" : "@" + Digest);
}
