using System.Text.Json;
using GitOps.Pipelines.Builders;
using GitOps.Pipelines.Images;
using GitOps.Pipelines.Oci;
using GitOps.Pipelines.Registries;
using GitOps.Pipelines.TestKit;
using GitOps.Pipelines.Tests.Oci;
using GitOps.Pipelines.Tests.Registries;

namespace GitOps.Pipelines.Tests.Builders;

/// <summary>
/// The dotnet builder run with the real .NET SDK: a console project published as a container onto a small base image
/// that the test first pushes to a real CNCF registry on loopback; the result read back by skopeo.
/// </summary>
public class DotnetPublishContainerBuilderTests
{
    private static string WriteProject(string folder)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "hello.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <EnableSdkContainerSupport>true</EnableSdkContainerSupport>
              </PropertyGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(folder, "Program.cs"), "System.Console.WriteLine(\"hello\");\n");
        return folder;
    }

    private static JsonElement Json(params string[] args)
    {
        using var doc = JsonDocument.Parse(ExternalTool.Run("skopeo", args));
        return doc.RootElement.Clone();
    }

    [Fact]
    public async Task Publishes_onto_a_base_from_the_local_registry_with_tags_labels_working_dir_and_entrypoint()
    {
        using var server = new DistributionServer();
        using var dir = new TempDir();
        var baseRequest = SampleApp.Request(SampleApp.Write(dir.Combine("base-src")), dir.Combine("base")) with
        {
            WorkingDir = "/usr/share/base", Entrypoint = [], Tags = ["1"],
        };
        var baseImage = await new BuiltinImageBuilder().BuildAsync(baseRequest);
        using (var registry = new DistributionRegistry(server.Host, options: DistributionRegistryTests.Options()))
            await registry.PushAsync(baseRequest.Output, baseImage.Digest, ImageReference.ParseNormalized($"{server.Host}/base"), ["1"]);
        var request = SampleApp.Request(WriteProject(dir.Combine("app")), dir.Combine("layout"), "1.0.0", "latest") with
        {
            Base = $"{server.Host}/base:1", Entrypoint = ["dotnet", "/app/hello.dll"],
        };

        var image = await new DotnetPublishContainerBuilder(insecureRegistries: [server.Host]).BuildAsync(request);

        foreach (var tag in request.Tags) Assert.Equal(image.Digest, request.Output.Resolve(tag)?.Digest);
        var inspect = Json("inspect", $"oci:{request.Output.Root}:1.0.0");
        Assert.Equal(image.Digest, inspect.GetProperty("Digest").GetString());
        var labels = inspect.GetProperty("Labels");
        Assert.Equal("platform", labels.GetProperty("team").GetString());
        Assert.Equal("2023-11-14T22:13:20Z", labels.GetProperty(Annotations.Created).GetString());
        Assert.Equal($"{server.Host}/base:1", labels.GetProperty("org.opencontainers.image.base.name").GetString());
        var manifest = request.Output.ReadManifest(image.Digest);
        Assert.Equal(baseRequest.Output.ReadManifest(baseImage.Digest).Layers[0].Digest, manifest.Layers[0].Digest);
        Assert.True(manifest.Layers.Count >= 2, "the base layer and the app layer");
        var config = Json("inspect", "--config", $"oci:{request.Output.Root}:1.0.0").GetProperty("config");
        Assert.Equal("/app", config.GetProperty("WorkingDir").GetString());
        Assert.Equal(["dotnet", "/app/hello.dll"], config.GetProperty("Entrypoint").EnumerateArray().Select(e => e.GetString()));
        var appFiles = SampleApp.LayerEntries(request.Output, manifest.Layers[^1].Digest).Select(e => e.Name.TrimStart('.', '/')).ToList();
        Assert.Contains("app/hello.dll", appFiles);
    }

    [Fact]
    public async Task A_base_the_registry_does_not_have_fails_with_the_sdks_error()
    {
        using var server = new DistributionServer();
        using var dir = new TempDir();
        var request = SampleApp.Request(WriteProject(dir.Combine("app")), dir.Combine("layout")) with { Base = $"{server.Host}/nothing:1" };

        var e = await Assert.ThrowsAsync<GitOpsException>(() =>
            new DotnetPublishContainerBuilder(insecureRegistries: [server.Host]).BuildAsync(request));

        Assert.StartsWith("dotnet publish -t:PublishContainer ", e.Message);
        Assert.Contains("error", e.Message);
        Assert.Contains("nothing", e.Message);
        Assert.False(request.Output.Exists);
    }

    [Fact]
    public async Task A_context_without_one_project_is_invalid_input()
    {
        using var dir = new TempDir();
        var request = SampleApp.Request(SampleApp.Write(dir.Combine("src")), dir.Combine("layout"));

        var e = await Assert.ThrowsAsync<GitOpsException>(() => new DotnetPublishContainerBuilder().BuildAsync(request));

        Assert.Equal(ExitCode.InvalidInput, e.Code);
        Assert.Contains("needs one project", e.Message);
    }

    [Fact]
    public void The_command_line_writes_an_oci_archive_with_repository_tags_base_and_platform()
    {
        var builder = new DotnetPublishContainerBuilder(new OciPlatform("arm64", "linux"));
        var request = SampleApp.Request("/ctx", "/out", "1.0.0", "latest") with { Base = "127.0.0.1:5000/base:1" };

        var args = builder.BuildArguments(request, "/ctx/hello.csproj", "/w/image.tar", "/w/items.targets");

        Assert.Equal(["publish", "/ctx/hello.csproj", "--configuration", "Release", "--nologo", "-t:PublishContainer"], args.Take(6));
        Assert.Contains("-p:RuntimeIdentifier=linux-arm64", args);
        Assert.Contains("-p:ContainerArchiveOutputPath=/w/image.tar", args);
        Assert.Contains("-p:ContainerImageFormat=OCI", args);
        Assert.Contains("-p:ContainerRepository=hello", args);
        Assert.Contains("-p:ContainerImageTags=\"1.0.0;latest\"", args);
        Assert.Contains("-p:ContainerBaseImage=127.0.0.1:5000/base:1", args);
        Assert.Contains("-p:CustomAfterMicrosoftCommonTargets=/w/items.targets", args);
    }

    [Fact]
    public void Labels_are_items_escaped_for_xml_and_msbuild()
    {
        var request = SampleApp.Request("/ctx", "/out") with { Labels = new Dictionary<string, string> { ["note"] = "a;b <c> 100%" } };

        var items = DotnetPublishContainerBuilder.ItemsFile(request);

        Assert.Contains("<ContainerLabel Include=\"note\" Value=\"a%3Bb &lt;c&gt; 100%25\" />", items);
        Assert.Contains("<ContainerAppCommand Include=\"/app/hello.sh\" />", items);
    }
}
