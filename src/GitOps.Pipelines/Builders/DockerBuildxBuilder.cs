using System.Globalization;
using GitOps.Pipelines.Images;
using GitOps.Pipelines.Oci;

namespace GitOps.Pipelines.Builders;

/// <summary>
/// Builds with <c>docker buildx build --output type=oci,dest=…</c> when a Docker daemon answers: the context's
/// Containerfile/Dockerfile (or a generated one), <c>SOURCE_DATE_EPOCH</c> from <see cref="ImageBuildRequest.Created"/>
/// with <c>rewrite-timestamp=true</c>, labels, no provenance or SBOM attestations; the OCI tarball is imported into the
/// request's layout. The oci exporter needs a buildx builder on the <c>docker-container</c> (or another non-<c>docker</c>) driver.
/// </summary>
public sealed class DockerBuildxBuilder : IImageBuilder
{
    private readonly string _program;
    private readonly string _baseDirectory;

    /// <summary>A builder running <paramref name="program"/> (default <c>docker</c> on PATH) for <paramref name="platforms"/>
    /// (none: the daemon's); relative <c>oci:</c> base paths resolve against <paramref name="baseDirectory"/>.</summary>
    public DockerBuildxBuilder(IReadOnlyList<OciPlatform>? platforms = null, string program = "docker", string? baseDirectory = null)
    {
        Platforms = platforms ?? [];
        _program = program;
        _baseDirectory = Path.GetFullPath(baseDirectory ?? Environment.CurrentDirectory);
    }

    /// <inheritdoc />
    public string Name => "docker";

    /// <summary>How long <see cref="CheckAsync"/> waits for <c>docker info</c> (default 30 s).</summary>
    public TimeSpan CheckTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The platforms passed to <c>--platform</c>; several give an OCI index.</summary>
    public IReadOnlyList<OciPlatform> Platforms { get; }

    /// <summary>
    /// Whether the docker CLI is installed, its daemon answers <c>docker info</c>, and the buildx plugin is there;
    /// the reason quotes what docker said when one of them is missing.
    /// </summary>
    public async Task<BuilderAvailability> CheckAsync(CancellationToken cancellationToken = default)
    {
        // A daemon socket that accepts and never answers must not hang the build.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CheckTimeout);
        BuildToolResult? info;
        try
        {
            info = await BuildTool.TryRunAsync(_program, ["info", "--format", "{{.ServerVersion}}"], cancellationToken: timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new BuilderAvailability(false, $"no Docker daemon answers ({_program} info gave no answer in {CheckTimeout.TotalSeconds:0} s)");
        }
        if (info is null) return new BuilderAvailability(false, $"{_program} is not installed");
        if (!info.Ok || string.IsNullOrWhiteSpace(info.StdOut))
            return new BuilderAvailability(false, $"no Docker daemon answers ({_program} info: {FirstLine(info.StdErr + info.StdOut)})");
        var buildx = await BuildTool.TryRunAsync(_program, ["buildx", "version"], cancellationToken: cancellationToken);
        if (buildx is not { Ok: true })
            return new BuilderAvailability(false, $"the Docker daemon {info.StdOut.Trim()} answers but buildx is missing ({FirstLine(buildx?.StdErr ?? "")})");
        return new BuilderAvailability(true, $"Docker daemon {info.StdOut.Trim()} with {buildx.StdOut.Trim()}");
    }

    /// <summary>The <c>docker buildx build</c> arguments that build <paramref name="request"/> from <paramref name="recipe"/>
    /// into the OCI tarball <paramref name="archive"/>.</summary>
    public IReadOnlyList<string> BuildArguments(ImageBuildRequest request, string recipe, string archive)
    {
        ArgumentNullException.ThrowIfNull(request);
        var epoch = request.Created.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var args = new List<string>
        {
            "buildx", "build", "--file", recipe,
            "--build-arg", $"SOURCE_DATE_EPOCH={epoch}",
            "--provenance=false", "--sbom=false",
            "--output", $"type=oci,dest={archive},rewrite-timestamp=true",
        };
        if (Platforms.Count > 0)
            args.AddRange(["--platform", string.Join(',', Platforms.Select(p => p.Variant is null ? $"{p.Os}/{p.Architecture}" : $"{p.Os}/{p.Architecture}/{p.Variant}"))]);
        foreach (var (k, v) in BuildahImageBuilder.Labels(request)) args.AddRange(["--label", $"{k}={v}"]);
        var repository = ImageReference.ParseNormalized(request.Repository) with { Tag = null, Digest = null };
        foreach (var tag in request.Tags) args.AddRange(["--tag", (repository with { Tag = tag }).ToString()]);
        args.Add(Path.GetFullPath(request.Context));
        return args;
    }

    /// <inheritdoc />
    public async Task<BuiltImage> BuildAsync(ImageBuildRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        BuiltinImageBuilder.Validate(request);
        var available = await CheckAsync(cancellationToken);
        if (!available.Available)
            throw new GitOpsException($"image.builder 'docker' cannot run here: {available.Reason}", ExitCode.InvalidInput);

        var work = Directory.CreateTempSubdirectory("gitops-docker-").FullName;
        try
        {
            var context = Path.GetFullPath(request.Context);
            var recipe = Containerfile.Find(context);
            if (recipe is null)
            {
                recipe = Path.Combine(work, "Containerfile");
                await File.WriteAllTextAsync(recipe, Containerfile.Generate(request, _baseDirectory), cancellationToken);
            }
            var archive = Path.Combine(work, "image.tar");
            await BuildTool.RunAsync(_program, BuildArguments(request, recipe, archive), cancellationToken: cancellationToken);
            var top = await OciArchive.ImportAsync(archive, request.Output, request.Tags, cancellationToken);
            var reference = ImageReference.ParseNormalized(request.Repository) with { Tag = request.Tags[0], Digest = null };
            return new BuiltImage(reference, top.Digest, [.. request.Tags]);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static string FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "no output";
}
