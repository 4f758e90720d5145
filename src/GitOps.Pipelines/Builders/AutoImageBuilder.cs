using GitOps.Pipelines.Oci;

namespace GitOps.Pipelines.Builders;

/// <summary>
/// <c>builder: auto</c>: picks what the machine has, per build, and says which and why: docker when a daemon answers,
/// else buildah when it is installed and the context has a Containerfile or Dockerfile, else the builtin assembler.
/// </summary>
public sealed class AutoImageBuilder : IImageBuilder
{
    private readonly DockerBuildxBuilder _docker;
    private readonly BuildahImageBuilder _buildah;
    private readonly IImageBuilder _builtin;
    private readonly TextWriter _log;

    /// <summary>Chooses among <paramref name="docker"/>, <paramref name="buildah"/> and <paramref name="builtin"/> (built for
    /// the same platforms), logging the choice to <paramref name="log"/>.</summary>
    public AutoImageBuilder(DockerBuildxBuilder docker, BuildahImageBuilder buildah, IImageBuilder builtin, TextWriter log)
    {
        _docker = docker;
        _buildah = buildah;
        _builtin = builtin;
        _log = log;
    }

    /// <inheritdoc />
    public string Name => "auto";

    /// <summary>The builder <c>auto</c> takes for <paramref name="context"/>, and why.</summary>
    public async Task<(IImageBuilder Builder, string Reason)> ChooseAsync(string context, CancellationToken cancellationToken = default)
    {
        var docker = await _docker.CheckAsync(cancellationToken);
        if (docker.Available) return (_docker, docker.Reason);

        var recipe = Containerfile.Find(context);
        if (recipe is null)
            return (_builtin, $"{docker.Reason}; the context has no {string.Join(" or ", Containerfile.Names)} for buildah");
        var buildah = await _buildah.CheckAsync(cancellationToken);
        return buildah.Available
            ? (_buildah, $"{docker.Reason}; {buildah.Reason} builds {Path.GetFileName(recipe)}")
            : (_builtin, $"{docker.Reason}; {buildah.Reason}");
    }

    /// <inheritdoc />
    public async Task<BuiltImage> BuildAsync(ImageBuildRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (builder, reason) = await ChooseAsync(request.Context, cancellationToken);
        _log.WriteLine($"[image] builder auto: {builder.Name} ({reason})");
        return await builder.BuildAsync(request, cancellationToken);
    }
}

/// <summary>Makes the builder gitops.yaml's <c>image.builder</c> names.</summary>
public static class ImageBuilders
{
    /// <summary>
    /// The builder <paramref name="kind"/> (builtin, buildah, docker, dotnet, auto) for <paramref name="platforms"/> (none:
    /// linux/amd64 for builtin and dotnet, the host's for buildah and docker); relative paths resolve against
    /// <paramref name="baseDirectory"/>; <c>auto</c> logs its choice to <paramref name="log"/>.
    /// </summary>
    public static IImageBuilder Create(string kind, IReadOnlyList<OciPlatform> platforms, string baseDirectory, string baseImage, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(platforms);
        var one = platforms.Count switch
        {
            0 => null,
            1 => platforms[0],
            _ when kind is "dotnet" =>
                throw new GitOpsException($"image.builder 'dotnet' builds one platform; use 'builtin', 'buildah' or 'docker' for {platforms.Count}", ExitCode.InvalidInput),
            _ => null,
        };
        IImageBuilder Builtin() => platforms.Count == 0 ? new BuiltinImageBuilder(baseDirectory: baseDirectory) : new BuiltinImageBuilder(platforms, baseDirectory);
        return kind switch
        {
            "builtin" => Builtin(),
            "buildah" => new BuildahImageBuilder(platforms, baseDirectory: baseDirectory),
            "docker" => new DockerBuildxBuilder(platforms, baseDirectory: baseDirectory),
            "dotnet" => new DotnetPublishContainerBuilder(one, LoopbackRegistry(baseImage)),
            "auto" => new AutoImageBuilder(new DockerBuildxBuilder(platforms, baseDirectory: baseDirectory),
                new BuildahImageBuilder(platforms, baseDirectory: baseDirectory), Builtin(), log),
            _ => throw new GitOpsException($"image.builder '{kind}' is not one of builtin, buildah, docker, dotnet, auto", ExitCode.InvalidInput),
        };
    }

    /// <summary>A base image on a loopback registry (localhost, 127.x) is pulled over plain HTTP, as docker does.</summary>
    private static string[] LoopbackRegistry(string baseImage)
    {
        if (baseImage == "scratch" || baseImage.StartsWith("oci:", StringComparison.Ordinal)) return [];
        var host = baseImage.Split('/')[0];
        var name = host.Split(':')[0];
        return name is "localhost" || name.StartsWith("127.", StringComparison.Ordinal) ? [host] : [];
    }
}
