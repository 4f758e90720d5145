using System.Text.RegularExpressions;
using GitOps.Pipelines.Images;
using GitOps.Pipelines.Oci;

namespace GitOps.Pipelines.Registries;

/// <summary>
/// The embedded default registry: one OCI image layout per repository under a root folder
/// (<c>ROOT/localhost/hello</c> for <c>localhost/hello</c>; a port's colon becomes '_'), tags stored as plain
/// <c>org.opencontainers.image.ref.name</c> values, so <c>skopeo inspect oci:ROOT/localhost/hello:TAG</c> works.
/// </summary>
public sealed partial class OciLayoutRegistry : IRegistry
{
    /// <summary>A registry rooted at <paramref name="root"/> (created on first push).</summary>
    public OciLayoutRegistry(string root) => Root = Path.GetFullPath(root);

    /// <summary>The registry's root folder.</summary>
    public string Root { get; }

    /// <summary>The layout that holds <paramref name="repository"/> (a name like <c>localhost/hello</c>), existing or not.</summary>
    public OciLayout LayoutFor(string repository) => LayoutFor(ImageReference.ParseNormalized(repository));

    private OciLayout LayoutFor(ImageReference reference)
    {
        var domain = reference.Domain.Replace(':', '_');
        if (!DomainPattern().IsMatch(domain))
            throw new GitOpsException($"invalid registry host '{reference.Domain}' in '{reference}'", ExitCode.InvalidInput);
        var components = reference.Path.Split('/');
        if (components.Any(c => !ComponentPattern().IsMatch(c)))
            throw new GitOpsException($"invalid repository name '{reference.Path}' in '{reference}' (lowercase letters, digits, '.', '_', '-')",
                ExitCode.InvalidInput);
        return new OciLayout(Path.Combine([Root, domain, .. components]));
    }

    [GeneratedRegex("^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(_[0-9]+)?$")]
    private static partial Regex DomainPattern();

    [GeneratedRegex("^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*$")]
    private static partial Regex ComponentPattern();

    /// <inheritdoc />
    public async Task<BuiltImage> PushAsync(OciLayout source, string digest, ImageReference target, IReadOnlyList<string> tags,
        CancellationToken cancellationToken = default)
    {
        var allTags = PushChecks.Tags(source, digest, target, tags);

        var layout = LayoutFor(target).EnsureCreated();
        var mediaType = ManifestMediaType(source, digest);
        var referenced = new List<OciDescriptor>();
        await CopyTreeAsync(source, layout, new OciDescriptor(mediaType, digest, new FileInfo(source.BlobPath(digest)).Length),
            referenced, cancellationToken);

        // Never tag a manifest with a hole in it: every blob it reaches must be here before the index changes.
        var missing = referenced.Where(d => !layout.HasBlob(d.Digest)).Select(d => d.Digest).ToList();
        if (missing.Count > 0)
            throw new GitOpsException($"push of {target} incomplete: {string.Join(", ", missing)} missing in {layout.Root}");

        var manifest = referenced[^1];
        foreach (var tag in allTags) layout.Tag(manifest, tag);
        return new BuiltImage(target with { Tag = allTags.FirstOrDefault(), Digest = null }, digest, allTags);
    }

    /// <inheritdoc />
    public Task<string?> ResolveAsync(ImageReference reference, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var layout = LayoutFor(reference);
        if (!layout.Exists) return Task.FromResult<string?>(null);
        if (reference.Digest is not null)
        {
            var known = layout.HasBlob(reference.Digest)
                && (reference.Tag is null || layout.Resolve(reference.Tag)?.Digest == reference.Digest);
            return Task.FromResult(known ? reference.Digest : null);
        }
        return Task.FromResult(layout.Resolve(reference.Tag ?? "latest")?.Digest);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> ListTagsAsync(string repository, CancellationToken cancellationToken = default)
    {
        var layout = LayoutFor(repository);
        IReadOnlyList<string> tags = layout.Exists
            ? [.. layout.RefNames().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]
            : [];
        return Task.FromResult(tags);
    }

    private static string ManifestMediaType(OciLayout source, string digest)
    {
        var listed = source.Exists ? source.ReadIndex().Manifests.FirstOrDefault(m => m.Digest == digest) : null;
        if (listed is not null) return listed.MediaType;
        using var doc = System.Text.Json.JsonDocument.Parse(source.ReadBlob(digest));
        return doc.RootElement.TryGetProperty("mediaType", out var m) && m.GetString() is { } s ? s : MediaTypes.ImageManifest;
    }

    /// <summary>Copies what <paramref name="node"/> refers to (children first), then the node itself;
    /// records every descriptor reached, <paramref name="node"/> last.</summary>
    private static async Task CopyTreeAsync(OciLayout from, OciLayout to, OciDescriptor node, List<OciDescriptor> reached,
        CancellationToken cancellationToken)
    {
        switch (node.MediaType)
        {
            case MediaTypes.ImageIndex or MediaTypes.DockerManifestList:
                foreach (var child in from.ReadImageIndex(node.Digest).Manifests)
                    await CopyTreeAsync(from, to, child, reached, cancellationToken);
                break;
            case MediaTypes.ImageManifest or MediaTypes.DockerManifest:
                var manifest = from.ReadManifest(node.Digest);
                foreach (var blob in (IEnumerable<OciDescriptor>)[manifest.Config, .. manifest.Layers])
                {
                    await CopyBlobAsync(from, to, blob, cancellationToken);
                    reached.Add(blob);
                }
                break;
            default:
                throw new GitOpsException($"cannot push {node.Digest}: unsupported manifest media type '{node.MediaType}'", ExitCode.InvalidInput);
        }
        await CopyBlobAsync(from, to, node, cancellationToken);
        reached.Add(node with { Annotations = null });
    }

    private static async Task CopyBlobAsync(OciLayout from, OciLayout to, OciDescriptor blob, CancellationToken cancellationToken)
    {
        if (to.HasBlob(blob.Digest)) return;
        await using var stream = from.OpenBlob(blob.Digest);
        var written = await to.WriteBlobAsync(stream, blob.MediaType, blob.Digest, cancellationToken);
        if (written.Size != blob.Size)
            throw new GitOpsException($"blob {blob.Digest} is {written.Size} bytes, its descriptor says {blob.Size}");
    }
}
