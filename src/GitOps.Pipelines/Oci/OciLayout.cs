using System.Security.Cryptography;
using System.Text.Json;

namespace GitOps.Pipelines.Oci;

/// <summary>
/// An OCI image-layout folder (the format skopeo, umoci, crane and oras read): <c>oci-layout</c>,
/// <c>blobs/sha256/…</c> and <c>index.json</c>, whose entries carry tags as
/// <c>org.opencontainers.image.ref.name</c>. Blobs are written to a temp file and renamed into place, so a
/// reader never sees half a blob; index.json is replaced atomically, last.
/// </summary>
public sealed class OciLayout
{
    private static readonly Lock IndexLock = new();

    /// <summary>Opens (without creating) the layout at <paramref name="root"/>.</summary>
    public OciLayout(string root) => Root = Path.GetFullPath(root);

    /// <summary>The layout's folder.</summary>
    public string Root { get; }

    private string IndexPath => Path.Combine(Root, "index.json");

    /// <summary>True when the folder holds a layout.</summary>
    public bool Exists => File.Exists(Path.Combine(Root, "oci-layout")) && File.Exists(IndexPath);

    /// <summary>Creates the marker, an empty index and the blobs folder when they are missing.</summary>
    public OciLayout EnsureCreated()
    {
        Directory.CreateDirectory(Path.Combine(Root, "blobs", "sha256"));
        var marker = Path.Combine(Root, "oci-layout");
        if (!File.Exists(marker))
            File.WriteAllBytes(marker, JsonSerializer.SerializeToUtf8Bytes(new OciLayoutMarker("1.0.0"), OciJson.Canonical.OciLayoutMarker));
        if (!File.Exists(IndexPath))
            WriteIndex(new OciIndex(2, MediaTypes.ImageIndex, []));
        return this;
    }

    /// <summary>The file a blob lives in.</summary>
    public string BlobPath(string digest)
    {
        var (algorithm, hex) = SplitDigest(digest);
        return Path.Combine(Root, "blobs", algorithm, hex);
    }

    /// <summary>True when the layout holds the blob.</summary>
    public bool HasBlob(string digest) => File.Exists(BlobPath(digest));

    /// <summary>Writes bytes as a blob and returns its descriptor.</summary>
    public OciDescriptor WriteBlob(ReadOnlySpan<byte> content, string mediaType)
    {
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));
        var path = BlobPath(digest);
        if (!File.Exists(path))
        {
            var tmp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
            using (var f = File.Create(tmp)) f.Write(content);
            File.Move(tmp, path, overwrite: true);
        }
        return new OciDescriptor(mediaType, digest, content.Length);
    }

    /// <summary>Copies a stream into a blob, checking it against <paramref name="expectedDigest"/> when given.</summary>
    public async Task<OciDescriptor> WriteBlobAsync(Stream content, string mediaType, string? expectedDigest = null,
        CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(Path.Combine(Root, "blobs", "sha256"));
        var tmp = Path.Combine(Root, "blobs", "sha256", Guid.NewGuid().ToString("N") + ".tmp");
        long size;
        string digest;
        try
        {
            await using (var f = File.Create(tmp))
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                var buffer = new byte[81920];
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    await f.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
                size = f.Length;
                digest = "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
            }
            if (expectedDigest is not null && expectedDigest != digest)
                throw new GitOpsException($"blob digest mismatch: expected {expectedDigest}, got {digest}");
            File.Move(tmp, BlobPath(digest), overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
        return new OciDescriptor(mediaType, digest, size);
    }

    /// <summary>Opens a blob for reading; a clear error naming the layout when it is missing.</summary>
    public Stream OpenBlob(string digest)
    {
        var path = BlobPath(digest);
        if (!File.Exists(path)) throw new GitOpsException($"blob {digest} not found in OCI layout {Root}");
        return File.OpenRead(path);
    }

    /// <summary>Reads a blob whole.</summary>
    public byte[] ReadBlob(string digest)
    {
        using var s = OpenBlob(digest);
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }

    /// <summary>Reads and parses an image manifest blob; a clear error when it is not one.</summary>
    public OciManifest ReadManifest(string digest) =>
        ParseBlob(digest, OciJson.Default.OciManifest, "image manifest");

    /// <summary>Reads and parses an image index blob (a multi-platform image).</summary>
    public OciIndex ReadImageIndex(string digest) =>
        ParseBlob(digest, OciJson.Default.OciIndex, "image index");

    /// <summary>Reads and parses an image config blob.</summary>
    public OciImageConfig ReadConfig(string digest) =>
        ParseBlob(digest, OciJson.Default.OciImageConfig, "image config");

    private T ParseBlob<T>(string digest, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string what)
    {
        try
        {
            return JsonSerializer.Deserialize(ReadBlob(digest), type)
                ?? throw new GitOpsException($"blob {digest} in {Root} is empty, not an {what}");
        }
        catch (JsonException e)
        {
            throw new GitOpsException($"blob {digest} in {Root} is not an {what}: {e.Message}", ExitCode.Failure, e);
        }
    }

    /// <summary>The layout's index.json.</summary>
    public OciIndex ReadIndex()
    {
        if (!File.Exists(IndexPath)) throw new GitOpsException($"{IndexPath}: not an OCI image layout (no index.json)");
        return JsonSerializer.Deserialize(File.ReadAllBytes(IndexPath), OciJson.Default.OciIndex)
            ?? throw new GitOpsException($"{IndexPath}: empty index");
    }

    /// <summary>The manifest tagged <paramref name="refName"/>, or null.</summary>
    public OciDescriptor? Resolve(string refName) =>
        ReadIndex().Manifests.LastOrDefault(m => m.Annotations is not null
            && m.Annotations.TryGetValue(Annotations.RefName, out var r) && r == refName);

    /// <summary>All ref names (tags) in the index.</summary>
    public IReadOnlyList<string> RefNames() =>
        [.. ReadIndex().Manifests
            .Select(m => m.Annotations is not null && m.Annotations.TryGetValue(Annotations.RefName, out var r) ? r : null)
            .OfType<string>()];

    /// <summary>Points <paramref name="refName"/> at <paramref name="manifest"/>, replacing what it pointed at.</summary>
    public void Tag(OciDescriptor manifest, string refName)
    {
        if (!HasBlob(manifest.Digest))
            throw new GitOpsException($"cannot tag {refName}: manifest {manifest.Digest} is not in {Root}");
        lock (IndexLock)
        {
            var index = ReadIndex();
            var annotations = new Dictionary<string, string>(manifest.Annotations ?? new Dictionary<string, string>())
            {
                [Annotations.RefName] = refName,
            };
            var kept = index.Manifests.Where(m => m.Annotations is null
                || !m.Annotations.TryGetValue(Annotations.RefName, out var r) || r != refName);
            WriteIndex(index with { Manifests = [.. kept, manifest with { Annotations = annotations }] });
        }
    }

    private void WriteIndex(OciIndex index)
    {
        var tmp = IndexPath + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllBytes(tmp, JsonSerializer.SerializeToUtf8Bytes(index, OciJson.Canonical.OciIndex));
        File.Move(tmp, IndexPath, overwrite: true);
    }

    private static (string Algorithm, string Hex) SplitDigest(string digest)
    {
        var colon = digest.IndexOf(':');
        if (colon <= 0 || colon == digest.Length - 1 || digest.AsSpan(colon + 1).ContainsAnyExcept("0123456789abcdef"))
            throw new GitOpsException($"invalid digest '{digest}' (expected algorithm:hex)", ExitCode.InvalidInput);
        return (digest[..colon], digest[(colon + 1)..]);
    }
}
