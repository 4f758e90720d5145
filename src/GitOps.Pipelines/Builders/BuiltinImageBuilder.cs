using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using GitOps.Pipelines.Images;
using GitOps.Pipelines.Oci;

namespace GitOps.Pipelines.Builders;

/// <summary>
/// The embedded builder: assembles a reproducible OCI image from a folder (one layer under the working dir)
/// onto <c>scratch</c> or a base image in an OCI layout, with no daemon and no external tool.
/// Same input, same <see cref="ImageBuildRequest.Created"/>, same platform → the same manifest digest.
/// </summary>
public sealed partial class BuiltinImageBuilder : IImageBuilder
{
    private readonly string _baseDirectory;

    /// <summary>A builder for <paramref name="platform"/> (default linux/amd64); relative base-image paths resolve
    /// against <paramref name="baseDirectory"/> (default: the current directory).</summary>
    public BuiltinImageBuilder(OciPlatform? platform = null, string? baseDirectory = null)
        : this([platform ?? new OciPlatform("amd64", "linux")], baseDirectory)
    {
    }

    /// <summary>
    /// A builder for several <paramref name="platforms"/>: one app layer, a config and manifest per platform (each on
    /// that platform's base image), and an OCI image index over them that the tags name. One platform gives a plain manifest.
    /// </summary>
    public BuiltinImageBuilder(IReadOnlyList<OciPlatform> platforms, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(platforms);
        if (platforms.Count == 0) throw new GitOpsException("the builtin builder needs at least one platform", ExitCode.InvalidInput);
        if (platforms.Distinct().Count() != platforms.Count)
            throw new GitOpsException($"platforms listed twice: {string.Join(", ", platforms.Select(Describe))}", ExitCode.InvalidInput);
        Platforms = [.. platforms];
        _baseDirectory = Path.GetFullPath(baseDirectory ?? Environment.CurrentDirectory);
    }

    /// <inheritdoc />
    public string Name => "builtin";

    /// <summary>The os/architecture written into the image config (the first of <see cref="Platforms"/>).</summary>
    public OciPlatform Platform => Platforms[0];

    /// <summary>The platforms built; more than one gives an image index.</summary>
    public IReadOnlyList<OciPlatform> Platforms { get; }

    /// <summary><c>os/arch[/variant]</c>, as <c>--platform</c> spells it.</summary>
    public static string Describe(OciPlatform platform)
    {
        ArgumentNullException.ThrowIfNull(platform);
        return platform.Variant is null ? $"{platform.Os}/{platform.Architecture}" : $"{platform.Os}/{platform.Architecture}/{platform.Variant}";
    }

    /// <summary>Parses <c>os/arch[/variant]</c> (e.g. <c>linux/arm64/v8</c>).</summary>
    public static OciPlatform ParsePlatform(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('/');
        if (parts.Length is < 2 or > 3 || parts.Any(p => p.Length == 0 || p.Any(char.IsWhiteSpace)))
            throw new GitOpsException($"platform '{text}' is not os/arch or os/arch/variant (e.g. linux/amd64, linux/arm64/v8)", ExitCode.InvalidInput);
        return new OciPlatform(parts[1], parts[0], parts.Length == 3 ? parts[2] : null);
    }

    /// <inheritdoc />
    public async Task<BuiltImage> BuildAsync(ImageBuildRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Validate(request);
        // Tar headers hold whole seconds; the config says the same instant.
        var created = DateTimeOffset.FromUnixTimeSeconds(request.Created.ToUnixTimeSeconds());
        var createdText = created.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var workingDir = "/" + string.Join('/', WorkingDirSegments(request.WorkingDir));

        var layout = request.Output.EnsureCreated();
        // An output layout inside the context (context ".", output ".gitops/…") must not swallow itself.
        var entries = LayerEntries(request.Context, request.WorkingDir, exclude: layout.Root);
        var (layer, diffId) = await WriteLayerAsync(layout, entries, created, cancellationToken);

        var manifests = new List<(OciDescriptor Descriptor, IReadOnlyDictionary<string, string> Annotations)>();
        foreach (var platform in Platforms)
            manifests.Add(await WriteManifestAsync(request, platform, layout, layer, diffId, createdText, workingDir, cancellationToken));

        var top = manifests[0].Descriptor;
        if (manifests.Count > 1)
        {
            var annotations = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var (k, v) in manifests[0].Annotations.Where(a => a.Key != "org.opencontainers.image.base.digest")) annotations[k] = v;
            var index = new OciIndex(2, MediaTypes.ImageIndex, [.. manifests.Select(m => m.Descriptor)], annotations);
            top = layout.WriteBlob(JsonSerializer.SerializeToUtf8Bytes(index, OciJson.Canonical.OciIndex), MediaTypes.ImageIndex);
        }

        foreach (var tag in request.Tags) layout.Tag(top, tag);

        var reference = ImageReference.ParseNormalized(request.Repository) with { Tag = request.Tags[0], Digest = null };
        return new BuiltImage(reference, top.Digest, [.. request.Tags]);
    }

    /// <summary>Writes one platform's config and manifest over the shared app layer (and that platform's base layers).</summary>
    private async Task<(OciDescriptor Descriptor, IReadOnlyDictionary<string, string> Annotations)> WriteManifestAsync(
        ImageBuildRequest request, OciPlatform platform, OciLayout layout, OciDescriptor layer, string diffId, string createdText,
        string workingDir, CancellationToken cancellationToken)
    {
        var baseImage = request.Base == "scratch" ? null : BaseImage.Open(request.Base, _baseDirectory, platform);

        if (baseImage is not null)
        {
            foreach (var baseLayer in baseImage.Manifest.Layers)
                await CopyBlobAsync(baseImage.Layout, layout, baseLayer, cancellationToken);
        }


        var baseConfig = baseImage?.Config.Config ?? new OciRuntimeConfig();
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in baseConfig.Labels ?? new Dictionary<string, string>()) labels[k] = v;
        foreach (var (k, v) in request.Labels) labels[k] = v;
        labels[Annotations.Created] = createdText;

        var entrypointSet = request.Entrypoint.Count > 0;
        var config = new OciImageConfig(
            Created: createdText,
            Architecture: platform.Architecture,
            Os: platform.Os,
            Config: baseConfig with
            {
                Entrypoint = entrypointSet ? [.. request.Entrypoint] : baseConfig.Entrypoint,
                // As in a Dockerfile: a new entrypoint drops the base image's default arguments.
                Cmd = entrypointSet ? null : baseConfig.Cmd,
                WorkingDir = workingDir,
                Labels = labels,
            },
            RootFs: new OciRootFs("layers", [.. baseImage?.Config.RootFs.DiffIds ?? [], diffId]),
            History:
            [
                .. baseImage?.Config.History ?? [],
                new OciHistory(createdText, $"gitops builtin: copy build context to {workingDir}"),
            ]);
        var configDescriptor = layout.WriteBlob(JsonSerializer.SerializeToUtf8Bytes(config, OciJson.Canonical.OciImageConfig),
            MediaTypes.ImageConfig);

        var annotations = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in labels.Where(l => l.Key.StartsWith("org.opencontainers.image.", StringComparison.Ordinal)))
            annotations[k] = v;
        if (baseImage is not null) annotations["org.opencontainers.image.base.digest"] = baseImage.Digest;

        var manifest = new OciManifest(2, MediaTypes.ImageManifest, configDescriptor,
            [.. baseImage?.Manifest.Layers ?? [], layer], annotations);
        var manifestDescriptor = layout.WriteBlob(JsonSerializer.SerializeToUtf8Bytes(manifest, OciJson.Canonical.OciManifest),
            MediaTypes.ImageManifest) with { Platform = platform };

        return (manifestDescriptor, annotations);

    }

    internal static void Validate(ImageBuildRequest request)
    {
        if (!Directory.Exists(request.Context))
            throw new GitOpsException($"build context '{request.Context}' is not a folder", ExitCode.InvalidInput);
        if (request.Tags.Count == 0)
            throw new GitOpsException($"building {request.Repository}: at least one tag is needed", ExitCode.InvalidInput);
        foreach (var tag in request.Tags)
        {
            if (!TagPattern().IsMatch(tag))
                throw new GitOpsException($"invalid tag '{tag}' (letters, digits, '_', '.', '-'; at most 128; not starting with '.' or '-')",
                    ExitCode.InvalidInput);
        }
        if (request.Created < DateTimeOffset.UnixEpoch)
            throw new GitOpsException($"created time {request.Created:O} is before 1970", ExitCode.InvalidInput);
    }

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex TagPattern();

    private static string[] WorkingDirSegments(string workingDir)
    {
        var segments = workingDir.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Any(s => s is "." or ".."))
            throw new GitOpsException($"working dir '{workingDir}' must be an absolute path without '.' or '..'", ExitCode.InvalidInput);
        return segments;
    }

    /// <summary>The working dir's parent folders, then every folder, file and symlink in the context beneath it,
    /// except the folder <paramref name="exclude"/>.</summary>
    internal static List<LayerEntry> LayerEntries(string context, string workingDir, string? exclude = null)
    {
        const int DirMode = 0b111_101_101, FileMode = 0b110_100_100, ExecMode = 0b111_101_101, LinkMode = 0b111_111_111;
        var prefix = "";
        var entries = new List<LayerEntry>();
        foreach (var segment in WorkingDirSegments(workingDir))
        {
            prefix = prefix.Length == 0 ? segment : prefix + "/" + segment;
            entries.Add(new LayerEntry(prefix, LayerEntryKind.Directory, DirMode));
        }

        var root = Path.GetFullPath(context);
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var dir = pending.Pop();
            foreach (var path in Directory.EnumerateFileSystemEntries(dir, "*", new EnumerationOptions { AttributesToSkip = 0 }))
            {
                if (exclude is not null && string.Equals(Path.TrimEndingDirectorySeparator(path),
                        Path.TrimEndingDirectorySeparator(exclude), StringComparison.Ordinal))
                    continue;
                var relative = Path.GetRelativePath(root, path).Replace('\\', '/');
                var name = prefix.Length == 0 ? relative : prefix + "/" + relative;
                var info = new FileInfo(path);
                if (info.LinkTarget is { } target)
                {
                    entries.Add(new LayerEntry(name, LayerEntryKind.Symlink, LinkMode, LinkTarget: target));
                }
                else if (info.Attributes.HasFlag(FileAttributes.Directory))
                {
                    entries.Add(new LayerEntry(name, LayerEntryKind.Directory, DirMode));
                    pending.Push(path);
                }
                else if (info.Exists)
                {
                    entries.Add(new LayerEntry(name, LayerEntryKind.File, IsExecutable(path) ? ExecMode : FileMode, SourcePath: path));
                }
            }
        }
        return entries;
    }

    private static bool IsExecutable(string path) =>
        !OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & UnixFileMode.UserExecute) != 0;

    /// <summary>Writes the tar to a temp file (hashing it for the diff id), gzips it into a second one and stores that.</summary>
    private static async Task<(OciDescriptor Layer, string DiffId)> WriteLayerAsync(OciLayout layout, List<LayerEntry> entries,
        DateTimeOffset mtime, CancellationToken cancellationToken)
    {
        var tar = Path.Combine(layout.Root, "blobs", "sha256", Guid.NewGuid().ToString("N") + ".tar.tmp");
        var gz = Path.ChangeExtension(tar, ".gz.tmp");
        try
        {
            await using (var tarFile = File.Create(tar))
                await ReproducibleTar.WriteAsync(tarFile, entries, mtime, cancellationToken);
            string diffId;
            await using (var tarFile = File.OpenRead(tar))
                diffId = "sha256:" + Convert.ToHexStringLower(await SHA256.HashDataAsync(tarFile, cancellationToken));
            await using (var tarFile = File.OpenRead(tar))
            await using (var gzFile = File.Create(gz))
                await ReproducibleGzip.CompressAsync(tarFile, gzFile, cancellationToken);
            await using var compressed = File.OpenRead(gz);
            var layer = await layout.WriteBlobAsync(compressed, MediaTypes.LayerTarGzip, cancellationToken: cancellationToken);
            return (layer, diffId);
        }
        finally
        {
            File.Delete(tar);
            File.Delete(gz);
        }
    }

    private static async Task CopyBlobAsync(OciLayout from, OciLayout to, OciDescriptor blob, CancellationToken cancellationToken)
    {
        if (to.HasBlob(blob.Digest)) return;
        await using var source = from.OpenBlob(blob.Digest);
        await to.WriteBlobAsync(source, blob.MediaType, blob.Digest, cancellationToken);
    }
}
