using System.Globalization;
using System.Text.Json;
using GitOps.Pipelines.Processes;
using GitOps.Pipelines.Images;
using GitOps.Pipelines.Oci;

namespace GitOps.Pipelines.Builders;

/// <summary>
/// Builds with buildah, daemonless: <c>buildah --storage-driver vfs bud --isolation chroot</c> on the context's
/// <c>Containerfile</c>/<c>Dockerfile</c> (or one generated from the request: FROM base, COPY the context to the working
/// dir, ENTRYPOINT), with <c>--timestamp</c> from <see cref="ImageBuildRequest.Created"/> so rebuilds give one digest,
/// then <c>buildah push</c> into the request's OCI layout. Each build has its own storage under a temp folder.
/// </summary>
public sealed class BuildahImageBuilder : IImageBuilder
{
    private readonly string _program;
    private readonly string _baseDirectory;

    /// <summary>A builder running <paramref name="program"/> (default <c>buildah</c> on PATH), for <paramref name="platforms"/>
    /// when given (else the host's; several give an OCI index through <c>--manifest</c>); relative <c>oci:</c> base paths
    /// resolve against <paramref name="baseDirectory"/>.</summary>
    public BuildahImageBuilder(IReadOnlyList<OciPlatform>? platforms = null, string program = "buildah", string? baseDirectory = null)
    {
        Platforms = platforms ?? [];
        _program = program;
        _baseDirectory = Path.GetFullPath(baseDirectory ?? Environment.CurrentDirectory);
    }

    /// <inheritdoc />
    public string Name => "buildah";

    /// <summary>The platforms asked for with <c>--platform</c>; none: the host's; several: an image index.</summary>
    public IReadOnlyList<OciPlatform> Platforms { get; }

    /// <summary>Whether buildah is installed (it needs no daemon).</summary>
    public async Task<BuilderAvailability> CheckAsync(CancellationToken cancellationToken = default)
    {
        var r = await ExternalTool.TryRunAsync(_program, ["--version"], cancellationToken: cancellationToken);
        return r switch
        {
            null => new BuilderAvailability(false, $"{_program} is not installed"),
            { Ok: false } => new BuilderAvailability(false, $"{_program} --version failed: {r.StdErr.Trim()}"),
            _ => new BuilderAvailability(true, r.StdOut.Trim()),
        };
    }

    /// <summary>The Containerfile generated for a context without one (see <see cref="Containerfile.Generate"/>).</summary>
    public string GenerateRecipe(ImageBuildRequest request) => Containerfile.Generate(request, _baseDirectory);

    /// <summary>
    /// The <c>buildah … bud</c> arguments for <paramref name="request"/>: storage under <paramref name="storage"/>,
    /// the recipe <paramref name="recipe"/>, an ignore file when given, labels (with <c>org.opencontainers.image.created</c>),
    /// <c>--timestamp</c>, and the local name <paramref name="localName"/>.
    /// </summary>
    public IReadOnlyList<string> BuildArguments(ImageBuildRequest request, string storage, string recipe, string? ignoreFile, string localName)
    {
        ArgumentNullException.ThrowIfNull(request);
        var args = new List<string>(StorageArguments(storage))
        {
            "bud", "--isolation", "chroot", "--format", "oci", "--identity-label=false",
            "--timestamp", request.Created.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            "--file", recipe,
        };
        if (ignoreFile is not null) args.AddRange(["--ignorefile", ignoreFile]);
        if (Platforms.Count > 0)
            args.AddRange(["--platform", string.Join(',', Platforms.Select(BuiltinImageBuilder.Describe))]);
        foreach (var (k, v) in Labels(request)) args.AddRange(["--label", $"{k}={v}"]);
        // Several platforms: each image is added to a manifest list, pushed as an OCI index.
        args.AddRange([Platforms.Count > 1 ? "--manifest" : "--tag", localName, Path.GetFullPath(request.Context)]);
        return args;
    }

    /// <inheritdoc />
    public async Task<BuiltImage> BuildAsync(ImageBuildRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        BuiltinImageBuilder.Validate(request);
        if (!ExternalTool.OnPath(_program))
            throw new GitOpsException($"image.builder 'buildah': {_program} is not installed (Debian: apt-get install buildah)", ExitCode.InvalidInput);

        var layout = request.Output.EnsureCreated();
        var work = Directory.CreateTempSubdirectory("gitops-buildah-").FullName;
        try
        {
            var storage = Path.Combine(work, "storage");
            var context = Path.GetFullPath(request.Context);
            var recipe = Containerfile.Find(context);
            if (recipe is null)
            {
                recipe = Path.Combine(work, "Containerfile");
                await File.WriteAllTextAsync(recipe, GenerateRecipe(request), cancellationToken);
            }
            var ignoreFile = await IgnoreFileAsync(context, layout.Root, work, cancellationToken);

            var localName = "localhost/gitops-build:" + request.Tags[0];
            await ExternalTool.RunAsync(_program, BuildArguments(request, storage, recipe, ignoreFile, localName),
                cancellationToken: cancellationToken);
            var digestFile = Path.Combine(work, "digest");
            await ExternalTool.RunAsync(_program, PushArguments(storage, digestFile, localName, $"oci:{layout.Root}:{request.Tags[0]}"),
                cancellationToken: cancellationToken);

            var digest = (await File.ReadAllTextAsync(digestFile, cancellationToken)).Trim();
            var descriptor = layout.Resolve(request.Tags[0]);
            if (descriptor is null || descriptor.Digest != digest)
                throw new GitOpsException($"buildah pushed {digest} but {layout.Root} tags {request.Tags[0]} as {descriptor?.Digest ?? "nothing"}");
            if (Platforms.Count > 1)
            {
                descriptor = InPlatformOrder(layout, descriptor);
                digest = descriptor.Digest;
            }
            foreach (var tag in request.Tags) layout.Tag(descriptor, tag);

            var reference = ImageReference.ParseNormalized(request.Repository) with { Tag = request.Tags[0], Digest = null };
            return new BuiltImage(reference, digest, [.. request.Tags]);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); }
            catch (IOException) { /* best effort: a temp folder */ }
            catch (UnauthorizedAccessException) { /* best effort: a temp folder */ }
        }
    }

    /// <summary>
    /// buildah builds several platforms concurrently and lists them in the order they finish; the index is rewritten
    /// in the order the platforms were given, so two builds of one input give one index digest.
    /// </summary>
    private OciDescriptor InPlatformOrder(OciLayout layout, OciDescriptor index)
    {
        var content = layout.ReadImageIndex(index.Digest);
        var order = Platforms.Select(BuiltinImageBuilder.Describe).ToList();
        var sorted = content.Manifests
            .OrderBy(m => m.Platform is null ? int.MaxValue : order.IndexOf(BuiltinImageBuilder.Describe(m.Platform)))
            .ToList();
        if (sorted.SequenceEqual(content.Manifests)) return index;
        var blob = layout.WriteBlob(JsonSerializer.SerializeToUtf8Bytes(content with { Manifests = sorted }, OciJson.Canonical.OciIndex), index.MediaType);
        return blob with { Annotations = index.Annotations, Platform = index.Platform };
    }

    /// <summary>The <c>buildah push</c> (one platform) or <c>buildah manifest push --all</c> (several) arguments.</summary>
    public IReadOnlyList<string> PushArguments(string storage, string digestFile, string localName, string destination) =>
        Platforms.Count > 1
            ? [.. StorageArguments(storage), "manifest", "push", "--all", "--quiet", "--format", "oci", "--digestfile", digestFile, localName, destination]
            : [.. StorageArguments(storage), "push", "--quiet", "--format", "oci", "--digestfile", digestFile, localName, destination];

    private static string[] StorageArguments(string storage) =>
        ["--root", Path.Combine(storage, "root"), "--runroot", Path.Combine(storage, "run"), "--storage-driver", "vfs"];

    /// <summary>The request's labels plus <c>org.opencontainers.image.created</c>, sorted.</summary>
    internal static SortedDictionary<string, string> Labels(ImageBuildRequest request)
    {
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in request.Labels) labels[k] = v;
        labels[Annotations.Created] = DateTimeOffset.FromUnixTimeSeconds(request.Created.ToUnixTimeSeconds())
            .UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        return labels;
    }

    /// <summary>
    /// When the output layout is inside the context (context ".", output ".gitops/…"), an ignore file that keeps it out of
    /// the image, carrying over the context's own .containerignore/.dockerignore; otherwise null.
    /// </summary>
    private static async Task<string?> IgnoreFileAsync(string context, string output, string work, CancellationToken cancellationToken)
    {
        var relative = Path.GetRelativePath(context, output);
        if (relative == "." || relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative)) return null;
        var lines = new List<string>();
        var own = new[] { ".containerignore", ".dockerignore" }.Select(f => Path.Combine(context, f)).FirstOrDefault(File.Exists);
        if (own is not null) lines.AddRange(await File.ReadAllLinesAsync(own, cancellationToken));
        lines.Add(relative.Replace('\\', '/'));
        var path = Path.Combine(work, "ignore");
        await File.WriteAllLinesAsync(path, lines, cancellationToken);
        return path;
    }
}
