using System.Collections.Concurrent;
using System.Net;
using System.Text.RegularExpressions;
using GitOps.Pipelines.Images;
using GitOps.Pipelines.Oci;
using GitOps.Pipelines.Registries.Distribution;

namespace GitOps.Pipelines.Registries;

/// <summary>
/// A registry that speaks the OCI Distribution API (Docker Hub, GHCR, GitLab, ACR, Harbor, CNCF distribution).
/// The image's repository is its name on <see cref="Host"/>: <c>docker://HOST/PREFIX</c> puts <c>hello</c> at
/// <c>HOST/PREFIX/hello</c>; a name already on HOST keeps its path. Push: every blob is checked with HEAD, the
/// missing ones uploaded in parallel (bounded), each manifest only after all it references, tags last.
/// </summary>
public sealed partial class DistributionRegistry : IRegistry, IDisposable
{
    private readonly ConcurrentDictionary<string, RegistryClient> _clients = new(StringComparer.OrdinalIgnoreCase);
    private readonly RegistryClientOptions _options;

    /// <summary>A registry at <paramref name="host"/> (with port), putting repositories under <paramref name="prefix"/> (may be empty).</summary>
    public DistributionRegistry(string host, string prefix = "", RegistryClientOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        ArgumentNullException.ThrowIfNull(prefix);
        Host = host;
        Prefix = prefix.Trim('/');
        _options = options ?? new RegistryClientOptions();
    }

    /// <summary>The registry host, e.g. <c>ghcr.io</c> or <c>127.0.0.1:5000</c>.</summary>
    public string Host { get; }

    /// <summary>The path prepended to image names not already on <see cref="Host"/> (e.g. <c>acme</c>), or empty.</summary>
    public string Prefix { get; }

    /// <summary>Layers uploaded at the same time.</summary>
    public int MaxParallelUploads { get; init; } = 4;

    /// <summary>
    /// Repositories on <see cref="Host"/> to mount missing blobs from before uploading them (e.g. the base image's
    /// repository): a mounted blob costs one request and no bytes.
    /// </summary>
    public IReadOnlyList<string> MountFrom { get; init; } = [];

    /// <summary>The client for <see cref="Host"/>.</summary>
    public IRegistryClient Client => ClientFor(Host);

    private RegistryClient ClientFor(string host) => _clients.GetOrAdd(host, h => new RegistryClient(h, _options));

    /// <summary>Where <paramref name="image"/> lives in this registry: its repository path on <see cref="Host"/>.</summary>
    public string RepositoryOf(ImageReference image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Domain.Equals(Host, StringComparison.OrdinalIgnoreCase)) return image.Path;
        var path = image.Domain == ImageReference.DefaultDomain ? image.FamiliarName : image.Path;
        return Prefix.Length == 0 ? path : $"{Prefix}/{path}";
    }

    /// <inheritdoc />
    public async Task<BuiltImage> PushAsync(OciLayout source, string digest, ImageReference target, IReadOnlyList<string> tags,
        CancellationToken cancellationToken = default)
    {
        var allTags = PushChecks.Tags(source, digest, target, tags);
        var repository = RepositoryOf(target);
        var client = Client;
        // Fails early and clearly on an unknown host or refused credentials, and learns the auth scheme once.
        await client.PingAsync(cancellationToken);
        var root = new OciDescriptor(ManifestMediaType(source, digest), digest, new FileInfo(source.BlobPath(digest)).Length);
        await PushTreeAsync(client, source, repository, root, byDigest: allTags.Count == 0, cancellationToken);
        // Tags last: a tag never points at a manifest whose blobs are not all there.
        var bytes = source.ReadBlob(digest);
        foreach (var tag in allTags) await client.PutManifestAsync(repository, tag, bytes, root.MediaType, cancellationToken);
        var pushed = new ImageReference(Host, repository, allTags.FirstOrDefault());
        return new BuiltImage(pushed, digest, allTags);
    }

    /// <summary>Pushes what <paramref name="node"/> references (children first), then <paramref name="node"/> by digest when asked.</summary>
    private async Task PushTreeAsync(IRegistryClient client, OciLayout source, string repository, OciDescriptor node, bool byDigest,
        CancellationToken cancellationToken)
    {
        switch (node.MediaType)
        {
            case MediaTypes.ImageIndex or MediaTypes.DockerManifestList:
                foreach (var child in source.ReadImageIndex(node.Digest).Manifests)
                    await PushTreeAsync(client, source, repository, child, byDigest: true, cancellationToken);
                break;
            case MediaTypes.ImageManifest or MediaTypes.DockerManifest:
                var manifest = source.ReadManifest(node.Digest);
                var blobs = new List<OciDescriptor> { manifest.Config };
                blobs.AddRange(manifest.Layers);
                await Parallel.ForEachAsync(blobs.DistinctBy(b => b.Digest),
                    new ParallelOptions { MaxDegreeOfParallelism = MaxParallelUploads, CancellationToken = cancellationToken },
                    async (blob, ct) => await PushBlobAsync(client, source, repository, blob, MountFrom, ct));
                break;
            default:
                throw new GitOpsException($"cannot push {node.Digest}: unsupported manifest media type '{node.MediaType}'", ExitCode.InvalidInput);
        }
        if (byDigest)
            await client.PutManifestAsync(repository, node.Digest, source.ReadBlob(node.Digest), node.MediaType, cancellationToken);
    }

    private static async Task PushBlobAsync(IRegistryClient client, OciLayout source, string repository, OciDescriptor blob,
        IReadOnlyList<string> mountFrom, CancellationToken cancellationToken)
    {
        if (await client.HeadBlobAsync(repository, blob.Digest, cancellationToken) is not null) return;
        foreach (var from in mountFrom.Where(f => f != repository))
        {
            if (await client.MountBlobAsync(repository, blob.Digest, from, cancellationToken)) return;
        }
        var path = source.BlobPath(blob.Digest);
        if (!File.Exists(path)) throw new GitOpsException($"blob {blob.Digest} not found in OCI layout {source.Root}");
        var size = new FileInfo(path).Length;
        if (size != blob.Size) throw new GitOpsException($"blob {blob.Digest} is {size} bytes, its descriptor says {blob.Size}");
        await client.UploadBlobAsync(repository, blob.Digest, size, () => File.OpenRead(path), cancellationToken: cancellationToken);
    }

    private static string ManifestMediaType(OciLayout source, string digest)
    {
        var listed = source.Exists ? source.ReadIndex().Manifests.FirstOrDefault(m => m.Digest == digest) : null;
        if (listed is not null) return listed.MediaType;
        using var doc = System.Text.Json.JsonDocument.Parse(source.ReadBlob(digest));
        return doc.RootElement.TryGetProperty("mediaType", out var m) && m.GetString() is { } s ? s : MediaTypes.ImageManifest;
    }

    /// <inheritdoc />
    public async Task<string?> ResolveAsync(ImageReference reference, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var found = await Client.HeadManifestAsync(RepositoryOf(reference), reference.Digest ?? reference.Tag ?? ImageReference.DefaultTag,
            cancellationToken);
        if (found is null) return null;
        if (reference.Digest is not null && reference.Tag is not null)
        {
            var tagged = await Client.HeadManifestAsync(RepositoryOf(reference), reference.Tag, cancellationToken);
            return tagged?.Digest == reference.Digest ? reference.Digest : null;
        }
        return found.Digest;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> ListTagsAsync(string repository, CancellationToken cancellationToken = default)
    {
        var reference = ImageReference.ParseNormalized(repository);
        try
        {
            // Sorted here too: the spec asks registries for lexical order, but distribution 2.x does not sort.
            var tags = await Client.ListTagsAsync(RepositoryOf(reference), cancellationToken: cancellationToken);
            return [.. tags.Order(StringComparer.Ordinal)];
        }
        catch (RegistryException e) when (e.Status == HttpStatusCode.NotFound && e.Has(RegistryErrorCodes.NameUnknown))
        {
            return [];
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var client in _clients.Values) client.Dispose();
    }
}
