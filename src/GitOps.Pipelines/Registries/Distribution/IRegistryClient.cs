using GitOps.Pipelines.Oci;

namespace GitOps.Pipelines.Registries.Distribution;

/// <summary>A manifest as a registry served it: the exact bytes, their media type and digest.</summary>
/// <param name="Bytes">The manifest bytes, unchanged.</param>
/// <param name="MediaType">The media type (Content-Type, parameters dropped).</param>
/// <param name="Digest">The digest (Docker-Content-Digest, checked against the bytes).</param>
public sealed record ManifestContent(byte[] Bytes, string MediaType, string Digest);

/// <summary>One page of tags and the link to the next page.</summary>
/// <param name="Tags">The tags on this page.</param>
/// <param name="Next">The next page's URL (from the <c>Link</c> header), or null on the last page.</param>
public sealed record TagPage(IReadOnlyList<string> Tags, Uri? Next);

/// <summary>
/// A client of one OCI Distribution registry (<c>/v2/</c> API): every method maps to one endpoint of the
/// distribution spec (see docs/images.md). Failures throw <see cref="RegistryException"/> carrying the registry's
/// error codes, the HTTP status and the URL.
/// </summary>
public interface IRegistryClient
{
    /// <summary>The registry host (and port), e.g. <c>ghcr.io</c> or <c>127.0.0.1:5000</c>.</summary>
    string Registry { get; }

    /// <summary><c>GET /v2/</c>: checks the registry answers and the credentials (if any) are accepted.</summary>
    Task PingAsync(CancellationToken cancellationToken = default);

    /// <summary><c>GET /v2/NAME/tags/list?n=&amp;last=</c>: one page of tags (or <paramref name="next"/>, a link from a previous page).</summary>
    Task<TagPage> ListTagsPageAsync(string repository, int? pageSize = null, string? last = null, Uri? next = null,
        CancellationToken cancellationToken = default);

    /// <summary>Every tag of <paramref name="repository"/>, following <c>Link</c> headers page by page.</summary>
    Task<IReadOnlyList<string>> ListTagsAsync(string repository, int? pageSize = null, CancellationToken cancellationToken = default);

    /// <summary><c>HEAD /v2/NAME/manifests/REF</c>: the manifest's descriptor, or null when the registry does not have it.</summary>
    Task<OciDescriptor?> HeadManifestAsync(string repository, string reference, CancellationToken cancellationToken = default);

    /// <summary><c>GET /v2/NAME/manifests/REF</c> accepting OCI index/manifest and Docker list/manifest.</summary>
    Task<ManifestContent> GetManifestAsync(string repository, string reference, CancellationToken cancellationToken = default);

    /// <summary><c>PUT /v2/NAME/manifests/REF</c>; returns the digest the registry stored (checked against the bytes).</summary>
    Task<string> PutManifestAsync(string repository, string reference, byte[] manifest, string mediaType,
        CancellationToken cancellationToken = default);

    /// <summary><c>HEAD /v2/NAME/blobs/DIGEST</c>: the blob's size, or null when the registry does not have it.</summary>
    Task<long?> HeadBlobAsync(string repository, string digest, CancellationToken cancellationToken = default);

    /// <summary><c>GET /v2/NAME/blobs/DIGEST</c>: the blob's content (the caller checks its digest).</summary>
    Task<Stream> GetBlobAsync(string repository, string digest, CancellationToken cancellationToken = default);

    /// <summary><c>POST /v2/NAME/blobs/uploads/?mount=DIGEST&amp;from=OTHER</c>: true when mounted, false when the registry wants an upload.</summary>
    Task<bool> MountBlobAsync(string repository, string digest, string fromRepository, CancellationToken cancellationToken = default);

    /// <summary>Uploads a blob: <c>POST</c> then one <c>PUT ?digest=</c> (monolithic), or <c>PATCH</c> chunks of
    /// <paramref name="chunkSize"/> bytes then <c>PUT</c> when a chunk size is given.</summary>
    /// <param name="repository">The repository.</param>
    /// <param name="digest">The blob's digest.</param>
    /// <param name="size">The blob's size in bytes.</param>
    /// <param name="open">Opens the content (again on a retry).</param>
    /// <param name="chunkSize">Chunk size for a chunked upload; null for monolithic.</param>
    /// <param name="cancellationToken">Cancels the upload.</param>
    Task UploadBlobAsync(string repository, string digest, long size, Func<Stream> open, int? chunkSize = null,
        CancellationToken cancellationToken = default);
}
