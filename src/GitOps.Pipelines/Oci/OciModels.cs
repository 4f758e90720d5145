using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace GitOps.Pipelines.Oci;

/// <summary>OCI media types used by the suite.</summary>
public static class MediaTypes
{
    /// <summary>An OCI image index (several manifests, e.g. one per platform).</summary>
    public const string ImageIndex = "application/vnd.oci.image.index.v1+json";
    /// <summary>An OCI image manifest.</summary>
    public const string ImageManifest = "application/vnd.oci.image.manifest.v1+json";
    /// <summary>An OCI image configuration.</summary>
    public const string ImageConfig = "application/vnd.oci.image.config.v1+json";
    /// <summary>A gzip-compressed tar layer.</summary>
    public const string LayerTarGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
    /// <summary>An uncompressed tar layer.</summary>
    public const string LayerTar = "application/vnd.oci.image.layer.v1.tar";
    /// <summary>A Docker image manifest, schema 2.</summary>
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    /// <summary>A Docker manifest list (the Docker form of an image index).</summary>
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
}

/// <summary>Annotation keys from the OCI image spec.</summary>
public static class Annotations
{
    /// <summary>The tag of a manifest in an OCI image layout's index.json.</summary>
    public const string RefName = "org.opencontainers.image.ref.name";
    /// <summary>The URL of the image's source code.</summary>
    public const string Source = "org.opencontainers.image.source";
    /// <summary>The source revision (commit) the image was built from.</summary>
    public const string Revision = "org.opencontainers.image.revision";
    /// <summary>When the image was built, RFC 3339.</summary>
    public const string Created = "org.opencontainers.image.created";
    /// <summary>The version of the packaged software.</summary>
    public const string Version = "org.opencontainers.image.version";
}

/// <summary>An OCI platform: os/architecture[/variant].</summary>
public sealed record OciPlatform(
    [property: JsonPropertyName("architecture")] string Architecture,
    [property: JsonPropertyName("os")] string Os,
    [property: JsonPropertyName("variant"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Variant = null);

/// <summary>An OCI content descriptor.</summary>
public sealed record OciDescriptor(
    [property: JsonPropertyName("mediaType")] string MediaType,
    [property: JsonPropertyName("digest")] string Digest,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("annotations"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    IReadOnlyDictionary<string, string>? Annotations = null,
    [property: JsonPropertyName("platform"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    OciPlatform? Platform = null);

/// <summary>An OCI image index (also the layout's index.json).</summary>
public sealed record OciIndex(
    [property: JsonPropertyName("schemaVersion")] int SchemaVersion,
    [property: JsonPropertyName("mediaType"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? MediaType,
    [property: JsonPropertyName("manifests")] IReadOnlyList<OciDescriptor> Manifests,
    [property: JsonPropertyName("annotations"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    IReadOnlyDictionary<string, string>? Annotations = null);

/// <summary>An OCI image manifest.</summary>
public sealed record OciManifest(
    [property: JsonPropertyName("schemaVersion")] int SchemaVersion,
    [property: JsonPropertyName("mediaType")] string MediaType,
    [property: JsonPropertyName("config")] OciDescriptor Config,
    [property: JsonPropertyName("layers")] IReadOnlyList<OciDescriptor> Layers,
    [property: JsonPropertyName("annotations"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    IReadOnlyDictionary<string, string>? Annotations = null);

/// <summary>The runtime part of an image config.</summary>
public sealed record OciRuntimeConfig(
    [property: JsonPropertyName("Entrypoint"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Entrypoint = null,
    [property: JsonPropertyName("Cmd"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Cmd = null,
    [property: JsonPropertyName("Env"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Env = null,
    [property: JsonPropertyName("WorkingDir"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? WorkingDir = null,
    [property: JsonPropertyName("User"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? User = null,
    [property: JsonPropertyName("Labels"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, string>? Labels = null);

/// <summary>The root filesystem's layer diff ids.</summary>
public sealed record OciRootFs(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("diff_ids")] IReadOnlyList<string> DiffIds);

/// <summary>One history entry of an image config.</summary>
public sealed record OciHistory(
    [property: JsonPropertyName("created"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Created = null,
    [property: JsonPropertyName("created_by"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? CreatedBy = null,
    [property: JsonPropertyName("empty_layer"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool EmptyLayer = false);

/// <summary>An OCI image configuration.</summary>
public sealed record OciImageConfig(
    [property: JsonPropertyName("created"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Created,
    [property: JsonPropertyName("architecture")] string Architecture,
    [property: JsonPropertyName("os")] string Os,
    [property: JsonPropertyName("config")] OciRuntimeConfig Config,
    [property: JsonPropertyName("rootfs")] OciRootFs RootFs,
    [property: JsonPropertyName("history"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<OciHistory>? History = null);

/// <summary>The oci-layout marker file.</summary>
public sealed record OciLayoutMarker([property: JsonPropertyName("imageLayoutVersion")] string ImageLayoutVersion);

/// <summary>Source-generated JSON for the OCI types (compact, as registries and digests expect).</summary>
[JsonSourceGenerationOptions(WriteIndented = false)]
[JsonSerializable(typeof(OciIndex))]
[JsonSerializable(typeof(OciManifest))]
[JsonSerializable(typeof(OciImageConfig))]
[JsonSerializable(typeof(OciLayoutMarker))]
public sealed partial class OciJson : JsonSerializerContext
{
    /// <summary>
    /// The context to write with: escapes only what JSON requires, so media types read <c>+json</c> (not
    /// <c>\u002Bjson</c>) as other OCI tools write them. Bytes stay deterministic either way.
    /// </summary>
    public static OciJson Canonical { get; } =
        new(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}
