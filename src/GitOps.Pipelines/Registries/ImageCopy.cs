using System.Text.Json;
using GitOps.Pipelines.Images;
using GitOps.Pipelines.Oci;
using GitOps.Pipelines.Registries.Distribution;

namespace GitOps.Pipelines.Registries;

/// <summary>
/// Where an image is, as skopeo and crane users write it: <c>oci:PATH[:TAG]</c> (an OCI image layout folder) or
/// <c>docker://REF</c> (a registry; a bare <c>REF</c> means the same).
/// </summary>
/// <param name="LayoutPath">The layout folder (full path) for <c>oci:</c>, else null.</param>
/// <param name="Tag">The layout's tag for <c>oci:</c> (null: the layout's only image).</param>
/// <param name="Reference">The registry reference for <c>docker://</c>, else null.</param>
public sealed record ImageLocation(string? LayoutPath, string? Tag, ImageReference? Reference)
{
    /// <summary>Parses <c>oci:PATH[:TAG]</c>, <c>docker://REF</c> or a bare <c>REF</c>; PATH relative to <paramref name="baseDir"/>.</summary>
    public static ImageLocation Parse(string text, string baseDir)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(baseDir);
        if (text.StartsWith("oci:", StringComparison.Ordinal))
        {
            var rest = text["oci:".Length..];
            var colon = rest.LastIndexOf(':');
            // A colon followed by a path separator is part of the path (C:\ on Windows), not a tag.
            var (path, tag) = colon > 0 && rest.IndexOfAny(['/', '\\'], colon) < 0 ? (rest[..colon], rest[(colon + 1)..]) : (rest, null);
            if (path.Length == 0) throw new GitOpsException($"'{text}': oci:PATH[:TAG] needs a folder", ExitCode.InvalidInput);
            if (tag is { Length: 0 }) tag = null;
            return new ImageLocation(Path.GetFullPath(path, Path.GetFullPath(baseDir)), tag, null);
        }
        var reference = text.StartsWith("docker://", StringComparison.Ordinal) ? text["docker://".Length..] : text;
        if (text.Contains("://", StringComparison.Ordinal) && !text.StartsWith("docker://", StringComparison.Ordinal))
            throw new GitOpsException($"'{text}' is not oci:PATH[:TAG] or docker://REF", ExitCode.InvalidInput);
        if (!ImageReference.TryParseNormalized(reference, out var parsed))
            throw new GitOpsException($"'{text}' is not oci:PATH[:TAG] or docker://REF (invalid image reference)", ExitCode.InvalidInput);
        return new ImageLocation(null, null, parsed.WithDefaultTag());
    }

    /// <inheritdoc />
    public override string ToString() => Reference is { } r ? "docker://" + r : $"oci:{LayoutPath}" + (Tag is null ? "" : ":" + Tag);
}

/// <summary>What an image copy did.</summary>
/// <param name="Source">Where the image came from.</param>
/// <param name="Destination">Where it went.</param>
/// <param name="Digest">The manifest (or index) digest, the same on both sides.</param>
/// <param name="MediaType">The manifest's media type.</param>
public sealed record ImageCopyResult(string Source, string Destination, string Digest, string MediaType);

/// <summary>A manifest, config and raw bytes of one image, for <c>gitops image inspect</c>.</summary>
/// <param name="Location">Where the image is.</param>
/// <param name="Digest">The manifest digest.</param>
/// <param name="MediaType">The manifest media type.</param>
/// <param name="Raw">The manifest bytes, exactly as stored.</param>
/// <param name="Platforms">For an index: each child's digest and platform.</param>
/// <param name="Config">The image config bytes (of the platform image for an index), or null.</param>
/// <param name="Layers">The layer descriptors (of the platform image for an index).</param>
public sealed record ImageInspection(string Location, string Digest, string MediaType, byte[] Raw,
    IReadOnlyList<OciDescriptor> Platforms, byte[]? Config, IReadOnlyList<OciDescriptor> Layers);

/// <summary>
/// Copies images between OCI layouts and registries, and reads them for inspection. A registry source is fetched
/// into a staging layout (blobs checked against their digests); a registry destination gets a
/// <see cref="DistributionRegistry"/> push (blobs it has are skipped, the manifest last).
/// </summary>
public sealed class ImageCopier(RegistryClientOptions? options = null)
{
    private readonly RegistryClientOptions _options = options ?? new RegistryClientOptions();

    /// <summary>The platform picked from an index when inspecting its config.</summary>
    public OciPlatform Platform { get; init; } = new("amd64", "linux");

    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/>.</summary>
    public async Task<ImageCopyResult> CopyAsync(ImageLocation source, ImageLocation destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        string? staging = null;
        try
        {
            OciLayout layout;
            OciDescriptor root;
            if (source.LayoutPath is { } path)
            {
                layout = new OciLayout(path);
                root = ResolveInLayout(layout, source.Tag, source.ToString());
            }
            else
            {
                staging = Path.Combine(Path.GetTempPath(), "gitops-copy-" + Guid.NewGuid().ToString("N")[..12]);
                layout = new OciLayout(staging).EnsureCreated();
                root = await FetchAsync(source.Reference!, layout, cancellationToken);
            }

            if (destination.Reference is { } target)
            {
                using var registry = new DistributionRegistry(target.Domain, options: _options);
                await registry.PushAsync(layout, root.Digest, target with { Digest = null }, [], cancellationToken);
            }
            else
            {
                var into = new OciLayout(destination.LayoutPath!).EnsureCreated();
                await CopyTreeAsync(layout, into, root, cancellationToken);
                into.Tag(root with { Annotations = null, Platform = null }, destination.Tag ?? source.Tag ?? source.Reference?.Tag ?? ImageReference.DefaultTag);
            }
            return new ImageCopyResult(source.ToString(), destination.ToString(), root.Digest, root.MediaType);
        }
        finally
        {
            if (staging is not null && Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>Reads the manifest (and the config of the image, or of <see cref="Platform"/>'s image in an index).</summary>
    public async Task<ImageInspection> InspectAsync(ImageLocation location, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(location);
        Func<string, Task<byte[]>> blob;
        Func<string, Task<byte[]>> childManifest;
        byte[] raw;
        OciDescriptor root;
        RegistryClient? client = null;
        try
        {
            if (location.LayoutPath is { } path)
            {
                var layout = new OciLayout(path);
                root = ResolveInLayout(layout, location.Tag, location.ToString());
                raw = layout.ReadBlob(root.Digest);
                blob = d => Task.FromResult(layout.ReadBlob(d));
                childManifest = blob;
            }
            else
            {
                var r = location.Reference!;
                client = new RegistryClient(r.Domain, _options);
                var repository = r.Path;
                var manifest = await client.GetManifestAsync(repository, r.Digest ?? r.Tag ?? ImageReference.DefaultTag, cancellationToken);
                raw = manifest.Bytes;
                root = new OciDescriptor(manifest.MediaType, manifest.Digest, raw.Length);
                childManifest = async d => (await client.GetManifestAsync(repository, d, cancellationToken)).Bytes;
                blob = async d =>
                {
                    await using var s = await client.GetBlobAsync(repository, d, cancellationToken);
                    using var m = new MemoryStream();
                    await s.CopyToAsync(m, cancellationToken);
                    return m.ToArray();
                };
            }
            IReadOnlyList<OciDescriptor> platforms = [];
            var image = raw;
            if (root.MediaType is MediaTypes.ImageIndex or MediaTypes.DockerManifestList)
            {
                platforms = Deserialize(raw, OciJson.Default.OciIndex, root.Digest).Manifests;
                var pick = platforms.FirstOrDefault(m => m.Platform is { } p && p.Os == Platform.Os && p.Architecture == Platform.Architecture)
                    ?? platforms.FirstOrDefault();
                image = pick is null ? [] : await childManifest(pick.Digest);
            }
            if (image.Length == 0) return new ImageInspection(location.ToString(), root.Digest, root.MediaType, raw, platforms, null, []);
            var parsed = Deserialize(image, OciJson.Default.OciManifest, root.Digest);
            var config = await blob(parsed.Config.Digest);
            return new ImageInspection(location.ToString(), root.Digest, root.MediaType, raw, platforms, config, parsed.Layers);
        }
        finally
        {
            client?.Dispose();
        }
    }

    private static T Deserialize<T>(byte[] bytes, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string digest)
    {
        try
        {
            return JsonSerializer.Deserialize(bytes, type) ?? throw new GitOpsException($"manifest {digest} is empty");
        }
        catch (JsonException e)
        {
            throw new GitOpsException($"manifest {digest} is not valid JSON: {e.Message}", ExitCode.Failure, e);
        }
    }

    private static OciDescriptor ResolveInLayout(OciLayout layout, string? tag, string what)
    {
        if (!layout.Exists) throw new GitOpsException($"{what}: {layout.Root} is not an OCI image layout", ExitCode.InvalidInput);
        if (tag is not null)
            return layout.Resolve(tag) ?? throw new GitOpsException($"{what}: no image tagged '{tag}' in {layout.Root}", ExitCode.InvalidInput);
        var all = layout.ReadIndex().Manifests;
        return all.Count == 1 ? all[0]
            : throw new GitOpsException($"{what}: {layout.Root} holds {all.Count} images; name one with oci:PATH:TAG", ExitCode.InvalidInput);
    }

    /// <summary>Fetches <paramref name="reference"/> and everything it references into <paramref name="layout"/>.</summary>
    private async Task<OciDescriptor> FetchAsync(ImageReference reference, OciLayout layout, CancellationToken cancellationToken)
    {
        using var client = new RegistryClient(reference.Domain, _options);
        var manifest = await client.GetManifestAsync(reference.Path, reference.Digest ?? reference.Tag ?? ImageReference.DefaultTag, cancellationToken);
        var root = new OciDescriptor(manifest.MediaType, manifest.Digest, manifest.Bytes.Length);
        await FetchTreeAsync(client, reference.Path, root, manifest.Bytes, layout, cancellationToken);
        return root;
    }

    private static async Task FetchTreeAsync(RegistryClient client, string repository, OciDescriptor node, byte[] bytes, OciLayout layout,
        CancellationToken cancellationToken)
    {
        switch (node.MediaType)
        {
            case MediaTypes.ImageIndex or MediaTypes.DockerManifestList:
                foreach (var child in Deserialize(bytes, OciJson.Default.OciIndex, node.Digest).Manifests)
                {
                    var content = await client.GetManifestAsync(repository, child.Digest, cancellationToken);
                    await FetchTreeAsync(client, repository, child, content.Bytes, layout, cancellationToken);
                }
                break;
            case MediaTypes.ImageManifest or MediaTypes.DockerManifest:
                var manifest = Deserialize(bytes, OciJson.Default.OciManifest, node.Digest);
                await Parallel.ForEachAsync(manifest.Layers.Prepend(manifest.Config).DistinctBy(d => d.Digest),
                    new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (blob, ct) =>
                    {
                        if (layout.HasBlob(blob.Digest)) return;
                        await using var stream = await client.GetBlobAsync(repository, blob.Digest, ct);
                        var written = await layout.WriteBlobAsync(stream, blob.MediaType, blob.Digest, ct);
                        if (written.Size != blob.Size)
                            throw new GitOpsException($"blob {blob.Digest} from {client.Registry}/{repository} is {written.Size} bytes, its descriptor says {blob.Size}");
                    });
                break;
            default:
                throw new GitOpsException($"cannot copy {node.Digest}: unsupported manifest media type '{node.MediaType}'", ExitCode.InvalidInput);
        }
        var stored = layout.WriteBlob(bytes, node.MediaType);
        if (stored.Digest != node.Digest)
            throw new GitOpsException($"manifest {node.Digest} from {client.Registry}/{repository} hashes to {stored.Digest}");
    }

    private static async Task CopyTreeAsync(OciLayout from, OciLayout to, OciDescriptor node, CancellationToken cancellationToken)
    {
        IEnumerable<OciDescriptor> blobs = [];
        switch (node.MediaType)
        {
            case MediaTypes.ImageIndex or MediaTypes.DockerManifestList:
                foreach (var child in from.ReadImageIndex(node.Digest).Manifests) await CopyTreeAsync(from, to, child, cancellationToken);
                break;
            case MediaTypes.ImageManifest or MediaTypes.DockerManifest:
                var manifest = from.ReadManifest(node.Digest);
                blobs = manifest.Layers.Prepend(manifest.Config);
                break;
            default:
                throw new GitOpsException($"cannot copy {node.Digest}: unsupported manifest media type '{node.MediaType}'", ExitCode.InvalidInput);
        }
        foreach (var blob in blobs.Append(node))
        {
            if (to.HasBlob(blob.Digest)) continue;
            await using var stream = from.OpenBlob(blob.Digest);
            await to.WriteBlobAsync(stream, blob.MediaType, blob.Digest, cancellationToken);
        }
    }
}
