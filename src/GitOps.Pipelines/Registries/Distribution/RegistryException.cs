using System.Net;

namespace GitOps.Pipelines.Registries.Distribution;

/// <summary>
/// A registry answered with an error: the HTTP status, the request URL (never credentials: the client puts
/// secrets only in headers) and the registry's error codes (<c>MANIFEST_UNKNOWN</c>, <c>UNAUTHORIZED</c>, …).
/// </summary>
public sealed class RegistryException(string message, HttpStatusCode? status, Uri? url, IReadOnlyList<string> codes,
    ExitCode code = ExitCode.Failure, Exception? inner = null)
    : GitOpsException(message, code, inner)
{
    /// <summary>The HTTP status, or null when no answer came (e.g. an unknown host).</summary>
    public HttpStatusCode? Status { get; } = status;

    /// <summary>The URL of the failed request.</summary>
    public Uri? Url { get; } = url;

    /// <summary>The registry's error codes, in order.</summary>
    public IReadOnlyList<string> Codes { get; } = codes;

    /// <summary>True when the registry sent <paramref name="errorCode"/>.</summary>
    public bool Has(string errorCode) => Codes.Contains(errorCode, StringComparer.Ordinal);
}

/// <summary>The error codes of the OCI distribution spec.</summary>
public static class RegistryErrorCodes
{
    /// <summary>The blob is unknown to the registry.</summary>
    public const string BlobUnknown = "BLOB_UNKNOWN";
    /// <summary>The blob upload was invalid.</summary>
    public const string BlobUploadInvalid = "BLOB_UPLOAD_INVALID";
    /// <summary>The upload session is unknown.</summary>
    public const string BlobUploadUnknown = "BLOB_UPLOAD_UNKNOWN";
    /// <summary>The digest did not match the content.</summary>
    public const string DigestInvalid = "DIGEST_INVALID";
    /// <summary>A manifest references a blob the registry does not have.</summary>
    public const string ManifestBlobUnknown = "MANIFEST_BLOB_UNKNOWN";
    /// <summary>The manifest is invalid.</summary>
    public const string ManifestInvalid = "MANIFEST_INVALID";
    /// <summary>The manifest (tag or digest) is unknown.</summary>
    public const string ManifestUnknown = "MANIFEST_UNKNOWN";
    /// <summary>The repository name is invalid.</summary>
    public const string NameInvalid = "NAME_INVALID";
    /// <summary>The repository is unknown.</summary>
    public const string NameUnknown = "NAME_UNKNOWN";
    /// <summary>The content's size did not match.</summary>
    public const string SizeInvalid = "SIZE_INVALID";
    /// <summary>Authentication is required.</summary>
    public const string Unauthorized = "UNAUTHORIZED";
    /// <summary>Access denied.</summary>
    public const string Denied = "DENIED";
    /// <summary>The operation is unsupported.</summary>
    public const string Unsupported = "UNSUPPORTED";
    /// <summary>Rate limited.</summary>
    public const string TooManyRequests = "TOOMANYREQUESTS";
}
