namespace GitOps.Pipelines.Manifests;

/// <summary>
/// An image written as one string in a manifest (<c>repo[:tag][@digest]</c>): split into its parts, matched by
/// repository, and rewritten with an <see cref="ImageUpdate"/>.
/// </summary>
internal sealed record ImageString(string Repository, string? Tag, string? Digest)
{
    public static ImageString Parse(string value)
    {
        var at = value.IndexOf('@', StringComparison.Ordinal);
        var digest = at >= 0 ? value[(at + 1)..] : null;
        var rest = at >= 0 ? value[..at] : value;
        var colon = rest.LastIndexOf(':');
        return colon > rest.LastIndexOf('/')
            ? new ImageString(rest[..colon], rest[(colon + 1)..], digest)
            : new ImageString(rest, null, digest);
    }

    /// <summary>True when this image's repository is <paramref name="name"/> (docker.io's short forms count as equal).</summary>
    public bool Is(string name) => SameRepository(Repository, name);

    /// <summary>
    /// The image after <paramref name="update"/>: the new name and tag when given; the digest when given, else the
    /// old one only while the tag stays (a digest of the old tag would pin the old image).
    /// </summary>
    public ImageString With(ImageUpdate update)
    {
        var tag = update.NewTag ?? Tag;
        var digest = update.Digest ?? (update.NewTag is null || update.NewTag == Tag ? Digest : null);
        return new ImageString(update.NewName ?? Repository, tag, digest);
    }

    public override string ToString() =>
        Repository + (Tag is null ? "" : ":" + Tag) + (Digest is null ? "" : "@" + Digest);

    /// <summary>Repository names compared after docker.io normalisation (<c>nginx</c> = <c>docker.io/library/nginx</c>).</summary>
    public static bool SameRepository(string a, string b) =>
        string.Equals(Normalize(a), Normalize(b), StringComparison.Ordinal);

    private static string Normalize(string name)
    {
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        var first = slash < 0 ? "" : name[..slash];
        var hasDomain = slash >= 0 && (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost");
        if (!hasDomain) return "docker.io/" + (slash < 0 ? "library/" + name : name);
        if (first == "index.docker.io") return "docker.io" + name[slash..];
        return name;
    }
}

/// <summary>Walks a span tree.</summary>
internal static class YamlWalk
{
    /// <summary>Every node under (and including) <paramref name="node"/>, depth first, each once.</summary>
    public static IEnumerable<YamlSpanNode> All(YamlSpanNode? node)
    {
        if (node is null) yield break;
        var seen = new HashSet<YamlSpanNode>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<YamlSpanNode>();
        stack.Push(node);
        while (stack.Count > 0)
        {
            var n = stack.Pop();
            if (!seen.Add(n)) continue;
            yield return n;
            switch (n)
            {
                case YamlSpanMapping m:
                    for (var i = m.Pairs.Count - 1; i >= 0; i--) { stack.Push(m.Pairs[i].Value); stack.Push(m.Pairs[i].Key); }
                    break;
                case YamlSpanSequence s:
                    for (var i = s.Items.Count - 1; i >= 0; i--) stack.Push(s.Items[i]);
                    break;
            }
        }
    }

    /// <summary>True when <paramref name="node"/> sits inside a flow collection of <paramref name="root"/>.</summary>
    public static bool InFlow(YamlSpanNode root, YamlSpanNode node)
    {
        foreach (var n in All(root))
        {
            if (n is YamlSpanMapping { IsFlow: true } m && m.Pairs.Any(p => ReferenceEquals(p.Value, node))) return true;
            if (n is YamlSpanSequence { IsFlow: true } s && s.Items.Any(i => ReferenceEquals(i, node))) return true;
        }
        return false;
    }
}
