using GitOps.Pipelines.Oci;

namespace GitOps.Pipelines.Builders;

/// <summary>What to build: the files, the base, the metadata, and where the result is written.</summary>
/// <param name="Context">Folder whose files become the application layer.</param>
/// <param name="Repository">The image's repository name (e.g. <c>hello</c>).</param>
/// <param name="Tags">Tags to give the image.</param>
/// <param name="Base">Base image: <c>scratch</c> or a reference the builder can resolve.</param>
/// <param name="WorkingDir">Where the context lands inside the image.</param>
/// <param name="Entrypoint">The image's entrypoint.</param>
/// <param name="Labels">OCI labels (source, revision, created, version and any extra).</param>
/// <param name="Created">The creation time written into the config (SOURCE_DATE_EPOCH when set).</param>
/// <param name="Output">The OCI image layout the builder writes the image into.</param>
public sealed record ImageBuildRequest(
    string Context,
    string Repository,
    IReadOnlyList<string> Tags,
    string Base,
    string WorkingDir,
    IReadOnlyList<string> Entrypoint,
    IReadOnlyDictionary<string, string> Labels,
    DateTimeOffset Created,
    OciLayout Output);

/// <summary>Builds an image into an OCI image layout.</summary>
public interface IImageBuilder
{
    /// <summary>The builder's name as written in gitops.yaml.</summary>
    string Name { get; }

    /// <summary>Builds and returns the image's manifest digest and tags.</summary>
    Task<BuiltImage> BuildAsync(ImageBuildRequest request, CancellationToken cancellationToken = default);
}
