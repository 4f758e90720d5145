using GitOps.Pipelines.Oci;

namespace GitOps.Pipelines.Builders;

/// <summary>A base image read from an OCI image layout: its manifest, config and where its blobs are.</summary>
/// <param name="Layout">The layout holding the image's blobs.</param>
/// <param name="Digest">The manifest digest.</param>
/// <param name="Manifest">The image manifest.</param>
/// <param name="Config">The image config.</param>
public sealed record BaseImage(OciLayout Layout, string Digest, OciManifest Manifest, OciImageConfig Config)
{
    /// <summary>
    /// Opens <c>oci:PATH[:TAG]</c> (PATH relative to <paramref name="baseDirectory"/>). Without a tag the layout
    /// must hold exactly one image. An image index is narrowed to the manifest for <paramref name="platform"/>.
    /// </summary>
    public static BaseImage Open(string spec, string baseDirectory, OciPlatform platform)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(platform);
        if (!spec.StartsWith("oci:", StringComparison.Ordinal) || spec.Length == 4)
            throw new GitOpsException(
                $"base image '{spec}' is not supported by the builtin builder: use 'scratch' or 'oci:PATH:TAG'", ExitCode.InvalidInput);

        var (path, tag) = SplitPathAndTag(spec[4..]);
        var layout = new OciLayout(Path.GetFullPath(path, baseDirectory));
        if (!layout.Exists)
            throw new GitOpsException($"base image '{spec}': {layout.Root} is not an OCI image layout", ExitCode.InvalidInput);

        OciDescriptor descriptor;
        if (tag is not null)
        {
            descriptor = layout.Resolve(tag)
                ?? throw new GitOpsException($"base image '{spec}': no tag '{tag}' in {layout.Root} (tags: {string.Join(", ", layout.RefNames())})",
                    ExitCode.InvalidInput);
        }
        else
        {
            var all = layout.ReadIndex().Manifests;
            if (all.Count != 1)
                throw new GitOpsException($"base image '{spec}': {layout.Root} holds {all.Count} images; name one with ':TAG'", ExitCode.InvalidInput);
            descriptor = all[0];
        }

        if (descriptor.MediaType is MediaTypes.ImageIndex or MediaTypes.DockerManifestList)
        {
            var index = layout.ReadImageIndex(descriptor.Digest);
            descriptor = index.Manifests.FirstOrDefault(m => m.Platform is { } p
                    && p.Os == platform.Os && p.Architecture == platform.Architecture
                    && (platform.Variant is null || p.Variant == platform.Variant))
                ?? throw new GitOpsException($"base image '{spec}' has no {platform.Os}/{platform.Architecture} image", ExitCode.InvalidInput);
        }
        if (descriptor.MediaType is not (MediaTypes.ImageManifest or MediaTypes.DockerManifest))
            throw new GitOpsException($"base image '{spec}': unsupported manifest media type '{descriptor.MediaType}'", ExitCode.InvalidInput);

        var manifest = layout.ReadManifest(descriptor.Digest);
        var config = layout.ReadConfig(manifest.Config.Digest);
        if (config.Os != platform.Os || config.Architecture != platform.Architecture)
            throw new GitOpsException(
                $"base image '{spec}' is {config.Os}/{config.Architecture}, the build targets {platform.Os}/{platform.Architecture}",
                ExitCode.InvalidInput);
        if (config.RootFs.DiffIds.Count != manifest.Layers.Count)
            throw new GitOpsException($"base image '{spec}': config lists {config.RootFs.DiffIds.Count} diff ids for {manifest.Layers.Count} layers");
        return new BaseImage(layout, descriptor.Digest, manifest, config);
    }

    /// <summary>Splits <c>PATH[:TAG]</c> at the last colon that is followed by a tag rather than more path.</summary>
    private static (string Path, string? Tag) SplitPathAndTag(string s)
    {
        var colon = s.LastIndexOf(':');
        if (colon <= 0 || s.AsSpan(colon + 1).IndexOfAny('/', '\\') >= 0 || colon == s.Length - 1)
            return (s, null);
        return (s[..colon], s[(colon + 1)..]);
    }
}
