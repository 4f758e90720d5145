using System.Globalization;
using System.Security;
using System.Text;
using GitOps.Pipelines.Images;
using GitOps.Pipelines.Oci;

namespace GitOps.Pipelines.Builders;

/// <summary>
/// Builds with the .NET SDK, no Dockerfile: <c>dotnet publish PROJECT -t:PublishContainer</c> with
/// <c>ContainerArchiveOutputPath</c> (an OCI-layout tarball, <c>ContainerImageFormat=OCI</c>), the configured base image
/// pulled from its registry (<c>ContainerBaseImage</c>), the tags (<c>ContainerImageTags</c>), the working dir, and
/// labels and entrypoint as <c>ContainerLabel</c>/<c>ContainerAppCommand</c> items; the tarball is imported into the
/// request's layout. The build context is the project's folder (or the .csproj itself).
/// </summary>
public sealed class DotnetPublishContainerBuilder : IImageBuilder
{
    private readonly string _program;

    /// <summary>
    /// A builder running <paramref name="program"/> (default <c>dotnet</c>) for <paramref name="platform"/> (default
    /// linux/amd64); base images from <paramref name="insecureRegistries"/> (host:port) are pulled over plain HTTP.
    /// </summary>
    public DotnetPublishContainerBuilder(OciPlatform? platform = null, IReadOnlyList<string>? insecureRegistries = null, string program = "dotnet")
    {
        Platform = platform ?? new OciPlatform("amd64", "linux");
        InsecureRegistries = insecureRegistries ?? [];
        _program = program;
    }

    /// <inheritdoc />
    public string Name => "dotnet";

    /// <summary>The platform built (as a runtime identifier: linux/amd64 → linux-x64).</summary>
    public OciPlatform Platform { get; }

    /// <summary>Registries (host:port) the SDK may reach over plain HTTP (<c>DOTNET_CONTAINER_INSECURE_REGISTRIES</c>).</summary>
    public IReadOnlyList<string> InsecureRegistries { get; }

    /// <summary>The .NET runtime identifier for <see cref="Platform"/>.</summary>
    public string RuntimeIdentifier => (Platform.Os, Platform.Architecture) switch
    {
        (var os, "amd64") => $"{os}-x64",
        (var os, "arm64") => $"{os}-arm64",
        (var os, "arm") => $"{os}-arm",
        (var os, var arch) => throw new GitOpsException($"the dotnet builder has no runtime identifier for {os}/{arch}", ExitCode.InvalidInput),
    };

    /// <summary>The one project in the context folder (or the context itself when it is a project file).</summary>
    public static string FindProject(string context)
    {
        if (File.Exists(context) && context.EndsWith("proj", StringComparison.OrdinalIgnoreCase)) return Path.GetFullPath(context);
        if (!Directory.Exists(context))
            throw new GitOpsException($"build context '{context}' is neither a project file nor a folder", ExitCode.InvalidInput);
        var projects = Directory.GetFiles(context, "*.*proj").Where(p => p.EndsWith(".csproj", StringComparison.Ordinal)
            || p.EndsWith(".fsproj", StringComparison.Ordinal) || p.EndsWith(".vbproj", StringComparison.Ordinal)).ToList();
        return projects.Count == 1 ? Path.GetFullPath(projects[0])
            : throw new GitOpsException(
                $"the dotnet builder needs one project in '{context}', found {(projects.Count == 0 ? "none" : string.Join(", ", projects.Select(Path.GetFileName)))}",
                ExitCode.InvalidInput);
    }

    /// <summary>The <c>dotnet publish</c> arguments that build <paramref name="project"/> into the OCI tarball
    /// <paramref name="archive"/>, with the items in <paramref name="itemsFile"/> (labels, entrypoint).</summary>
    public IReadOnlyList<string> BuildArguments(ImageBuildRequest request, string project, string archive, string itemsFile)
    {
        ArgumentNullException.ThrowIfNull(request);
        var repository = ImageReference.ParseNormalized(request.Repository);
        var args = new List<string>
        {
            "publish", project, "--configuration", "Release", "--nologo",
            "-t:PublishContainer",
            $"-p:RuntimeIdentifier={RuntimeIdentifier}", "-p:SelfContained=false",
            $"-p:ContainerArchiveOutputPath={archive}",
            "-p:ContainerImageFormat=OCI",
            $"-p:ContainerRepository={repository.Path}",
            $"-p:ContainerImageTags=\"{string.Join(';', request.Tags)}\"",
            $"-p:ContainerWorkingDirectory={request.WorkingDir}",
            // The SDK's created label is the wall clock; ours is the request's (SOURCE_DATE_EPOCH).
            "-p:ContainerGenerateLabelsImageCreated=false",
            $"-p:CustomAfterMicrosoftCommonTargets={itemsFile}",
        };
        if (request.Base != "scratch")
        {
            if (request.Base.StartsWith("oci:", StringComparison.Ordinal))
                throw new GitOpsException($"base image '{request.Base}': the dotnet builder pulls its base from a registry (host/repo:tag)", ExitCode.InvalidInput);
            args.Add($"-p:ContainerBaseImage={request.Base}");
        }
        return args;
    }

    /// <summary>An MSBuild file adding the request's labels (and <c>org.opencontainers.image.created</c>) and entrypoint as items.</summary>
    public static string ItemsFile(ImageBuildRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var text = new StringBuilder("<Project>\n  <ItemGroup>\n");
        foreach (var (k, v) in BuildahImageBuilder.Labels(request))
            text.Append(CultureInfo.InvariantCulture, $"    <ContainerLabel Include=\"{Escape(k)}\" Value=\"{Escape(v)}\" />\n");
        foreach (var part in request.Entrypoint)
            text.Append(CultureInfo.InvariantCulture, $"    <ContainerAppCommand Include=\"{Escape(part)}\" />\n");
        text.Append("  </ItemGroup>\n");
        if (request.Entrypoint.Count > 0)
            text.Append("  <PropertyGroup>\n    <ContainerAppCommandInstruction>Entrypoint</ContainerAppCommandInstruction>\n  </PropertyGroup>\n");
        return text.Append("</Project>\n").ToString();
    }

    // XML-escaped, then MSBuild-escaped (% $ @ ' ; ? * have meanings in item specs).
    private static string Escape(string s)
    {
        var msbuild = new StringBuilder();
        foreach (var c in s)
            msbuild.Append(c is '%' or '$' or '@' or '\'' or ';' or '?' or '*' ? $"%{(int)c:X2}" : c.ToString());
        return SecurityElement.Escape(msbuild.ToString());
    }

    /// <inheritdoc />
    public async Task<BuiltImage> BuildAsync(ImageBuildRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var project = FindProject(request.Context);
        BuiltinImageBuilder.Validate(request with { Context = Path.GetDirectoryName(project)! });
        if (!BuildTool.OnPath(_program))
            throw new GitOpsException($"image.builder 'dotnet': {_program} is not installed (the .NET SDK)", ExitCode.InvalidInput);

        var work = Directory.CreateTempSubdirectory("gitops-dotnet-").FullName;
        try
        {
            var itemsFile = Path.Combine(work, "gitops.containers.targets");
            await File.WriteAllTextAsync(itemsFile, ItemsFile(request), cancellationToken);
            var archive = Path.Combine(work, "image.tar");
            var environment = new Dictionary<string, string> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" };
            if (InsecureRegistries.Count > 0) environment["DOTNET_CONTAINER_INSECURE_REGISTRIES"] = string.Join(',', InsecureRegistries);
            var r = await BuildTool.TryRunAsync(_program, BuildArguments(request, project, archive, itemsFile), Path.GetDirectoryName(project),
                environment, cancellationToken) ?? throw new GitOpsException($"{_program} could not be started");
            if (!r.Ok)
            {
                // MSBuild reports errors on stdout.
                var errors = r.StdOut.Split('\n').Where(l => l.Contains(": error ", StringComparison.Ordinal)).Select(l => l.Trim()).Distinct().ToList();
                throw new GitOpsException($"dotnet publish -t:PublishContainer {project} failed (exit {r.ExitCode}): " +
                    (errors.Count > 0 ? string.Join("; ", errors) : (r.StdErr + r.StdOut).Trim()));
            }
            var top = await OciArchive.ImportAsync(archive, request.Output, request.Tags, cancellationToken);
            var reference = ImageReference.ParseNormalized(request.Repository) with { Tag = request.Tags[0], Digest = null };
            return new BuiltImage(reference, top.Digest, [.. request.Tags]);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
