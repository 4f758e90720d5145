using GitOps.Pipelines.Images;

namespace GitOps.Pipelines.Tags;

/// <summary>A tag found among an OCI image layout's ref names, and the ref name it came from.</summary>
/// <param name="Tag">The tag, e.g. <c>1.2.3</c>.</param>
/// <param name="RefName">The <c>org.opencontainers.image.ref.name</c> as written, e.g. <c>localhost/hello:1.2.3</c>.</param>
public sealed record TagRefName(string Tag, string RefName);

/// <summary>
/// Which ref names of an OCI image layout are tags of a repository. Ref names are either plain tags (<c>1.2.3</c>)
/// or repository-qualified references (<c>localhost/hello:1.2.3</c>); anything else is ignored.
/// </summary>
public static class TagRefNames
{
    /// <summary>
    /// With <paramref name="repository"/>, the tags of the qualified ref names of that repository (compared after
    /// Docker normalization, so <c>hello</c> is <c>docker.io/library/hello</c>). Without, the plain tags; or, when
    /// there are none, the qualified ref names of the layout's only repository.
    /// </summary>
    /// <exception cref="GitOpsException">The repository is not a name, or it is needed to choose among several (exit code <see cref="ExitCode.InvalidInput"/>).</exception>
    public static IReadOnlyList<TagRefName> Select(IEnumerable<string> refNames, string? repository = null)
    {
        ArgumentNullException.ThrowIfNull(refNames);
        var plain = new List<TagRefName>();
        var qualified = new List<(string Repository, TagRefName Tag)>();
        foreach (var refName in refNames.Distinct(StringComparer.Ordinal))
        {
            if (ReferenceGrammar.AnchoredTag.IsMatch(refName))
                plain.Add(new TagRefName(refName, refName));
            else if (ImageReference.TryParseNormalized(refName, out var r) && r.Tag is not null)
                qualified.Add((r.Name, new TagRefName(r.Tag, refName)));
        }

        if (repository is not null)
        {
            if (!ImageReference.TryParseNormalized(repository, out var wanted) || wanted.Tag is not null || wanted.Digest is not null)
                throw new GitOpsException($"\"{repository}\" is not a repository name", ExitCode.InvalidInput);
            return qualified.Where(q => q.Repository == wanted.Name).Select(q => q.Tag).ToList();
        }
        if (plain.Count > 0 || qualified.Count == 0) return plain;
        var repositories = qualified.Select(q => q.Repository).Distinct(StringComparer.Ordinal).ToList();
        if (repositories.Count > 1)
            throw new GitOpsException(
                $"the layout holds several repositories ({string.Join(", ", repositories)}); name one", ExitCode.InvalidInput);
        return qualified.Select(q => q.Tag).ToList();
    }
}
