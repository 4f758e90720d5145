using GitOps.Pipelines.Images;
using GitOps.Pipelines.Oci;

namespace GitOps.Pipelines.Registries;

/// <summary>A place images are pushed to and resolved from.</summary>
public interface IRegistry
{
    /// <summary>Copies the image with <paramref name="digest"/> from a local layout into this registry as
    /// <paramref name="target"/> with every tag in <paramref name="tags"/>. Blobs first, the manifest last.</summary>
    Task<BuiltImage> PushAsync(OciLayout source, string digest, ImageReference target, IReadOnlyList<string> tags,
        CancellationToken cancellationToken = default);

    /// <summary>The manifest digest a tag points at, or null when the tag does not exist.</summary>
    Task<string?> ResolveAsync(ImageReference reference, CancellationToken cancellationToken = default);

    /// <summary>All tags of a repository.</summary>
    Task<IReadOnlyList<string>> ListTagsAsync(string repository, CancellationToken cancellationToken = default);
}
