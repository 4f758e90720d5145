using System.Formats.Tar;
using GitOps.Pipelines.Oci;

namespace GitOps.Pipelines.Builders;

/// <summary>
/// Imports an OCI image-layout tarball (what <c>docker buildx build --output type=oci</c> and <c>skopeo copy … oci-archive:</c>
/// write) into an <see cref="OciLayout"/>, so every builder's result lands in the same place.
/// </summary>
public static class OciArchive
{
    /// <summary>
    /// Copies the archive's blobs into <paramref name="output"/> (checking each digest) and tags its one top-level
    /// manifest or index with every tag in <paramref name="tags"/>; returns that descriptor.
    /// </summary>
    public static async Task<OciDescriptor> ImportAsync(string archive, OciLayout output, IReadOnlyList<string> tags,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(tags);
        if (!File.Exists(archive)) throw new GitOpsException($"OCI archive {archive} does not exist");
        var work = Directory.CreateTempSubdirectory("gitops-oci-archive-").FullName;
        try
        {
            try
            {
                await TarFile.ExtractToDirectoryAsync(archive, work, overwriteFiles: false, cancellationToken);
            }
            catch (InvalidDataException e)
            {
                throw new GitOpsException($"{archive} is not a tar archive: {e.Message}", inner: e);
            }
            var source = new OciLayout(work);
            if (!source.Exists) throw new GitOpsException($"{archive} is not an OCI image layout (no oci-layout and index.json)");
            // One image, perhaps listed once per tag (the .NET SDK does that).
            var manifests = source.ReadIndex().Manifests;
            if (manifests.Select(m => m.Digest).Distinct().Count() != 1)
                throw new GitOpsException($"{archive} holds {manifests.Select(m => m.Digest).Distinct().Count()} images; one was expected");
            var top = manifests[0] with
            {
                Annotations = null,
                // An empty "platform": {} says nothing; keep a platform only when it names os and architecture.
                Platform = manifests[0].Platform is { Os.Length: > 0, Architecture.Length: > 0 } p ? p : null,
            };

            output.EnsureCreated();
            foreach (var file in Directory.EnumerateFiles(Path.Combine(work, "blobs"), "*", SearchOption.AllDirectories))
            {
                var digest = Path.GetFileName(Path.GetDirectoryName(file)) + ":" + Path.GetFileName(file);
                if (output.HasBlob(digest)) continue;
                await using var blob = File.OpenRead(file);
                await output.WriteBlobAsync(blob, "application/octet-stream", digest, cancellationToken);
            }
            foreach (var tag in tags) output.Tag(top, tag);
            return top;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
