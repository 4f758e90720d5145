using GitOps.Pipelines.Builders;
using GitOps.Pipelines.Oci;
using GitOps.Pipelines.TestKit;

namespace GitOps.Pipelines.Tests.Builders;

/// <summary><c>builder: auto</c> on this machine: docker CLI without a daemon, buildah installed.</summary>
public class AutoImageBuilderTests
{
    private static AutoImageBuilder Auto(TextWriter log, string buildah = "buildah") =>
        new(new DockerBuildxBuilder(), new BuildahImageBuilder(program: buildah), new BuiltinImageBuilder(), log);

    [Fact]
    public async Task A_context_with_a_Containerfile_is_built_by_buildah_and_the_log_says_why()
    {
        using var dir = new TempDir();
        var src = SampleApp.Write(dir.Combine("src"));
        await File.WriteAllTextAsync(Path.Combine(src, "Containerfile"), "FROM scratch\nCOPY hello.sh /hello.sh\n");
        var log = new StringWriter();

        var image = await Auto(log).BuildAsync(SampleApp.Request(src, dir.Combine("layout")));

        Assert.StartsWith("[image] builder auto: buildah (no Docker daemon answers", log.ToString());
        Assert.Contains("buildah version", log.ToString());
        Assert.Contains("builds Containerfile)", log.ToString());
        Assert.Equal(image.Digest, new OciLayout(dir.Combine("layout")).Resolve("1.0.0")?.Digest);
    }

    [Fact]
    public async Task A_context_without_one_is_built_by_the_builtin_builder()
    {
        using var dir = new TempDir();
        var request = SampleApp.Request(SampleApp.Write(dir.Combine("src")), dir.Combine("layout"));
        var log = new StringWriter();

        var image = await Auto(log).BuildAsync(request);

        Assert.StartsWith("[image] builder auto: builtin (no Docker daemon answers", log.ToString());
        Assert.Contains("the context has no Containerfile or Dockerfile for buildah", log.ToString());
        Assert.Equal((await new BuiltinImageBuilder().BuildAsync(request with { Output = new OciLayout(dir.Combine("again")) })).Digest, image.Digest);
    }

    [Fact]
    public async Task Without_buildah_a_Dockerfile_context_falls_back_to_builtin_and_says_so()
    {
        using var dir = new TempDir();
        var src = SampleApp.Write(dir.Combine("src"));
        await File.WriteAllTextAsync(Path.Combine(src, "Dockerfile"), "FROM scratch\n");

        var (builder, reason) = await Auto(TextWriter.Null, buildah: dir.Combine("no-buildah")).ChooseAsync(src);

        Assert.Equal("builtin", builder.Name);
        Assert.EndsWith("no-buildah is not installed", reason);
    }

    public class Factory
    {
        [Theory]
        [InlineData("builtin", typeof(BuiltinImageBuilder))]
        [InlineData("buildah", typeof(BuildahImageBuilder))]
        [InlineData("docker", typeof(DockerBuildxBuilder))]
        [InlineData("dotnet", typeof(DotnetPublishContainerBuilder))]
        [InlineData("auto", typeof(AutoImageBuilder))]
        public void Each_configured_kind_makes_its_builder(string kind, Type type)
        {
            var builder = ImageBuilders.Create(kind, [], "/repo", "scratch", TextWriter.Null);

            Assert.IsType(type, builder);
            Assert.Equal(kind, builder.Name);
        }

        [Fact]
        public void Platforms_reach_the_builtin_builder()
        {
            var builder = (BuiltinImageBuilder)ImageBuilders.Create("builtin",
                [new OciPlatform("amd64", "linux"), new OciPlatform("arm64", "linux")], "/repo", "scratch", TextWriter.Null);

            Assert.Equal(["amd64", "arm64"], builder.Platforms.Select(p => p.Architecture));
        }

        [Fact]
        public void Platforms_reach_buildah()
        {
            var builder = (BuildahImageBuilder)ImageBuilders.Create("buildah",
                [new OciPlatform("amd64", "linux"), new OciPlatform("arm64", "linux")], "/repo", "scratch", TextWriter.Null);

            Assert.Equal(["amd64", "arm64"], builder.Platforms.Select(p => p.Architecture));
        }

        [Fact]
        public void The_dotnet_builder_refuses_several_platforms()
        {
            var e = Assert.Throws<GitOpsException>(() => ImageBuilders.Create("dotnet",
                [new OciPlatform("amd64", "linux"), new OciPlatform("arm64", "linux")], "/repo", "scratch", TextWriter.Null));

            Assert.Equal(ExitCode.InvalidInput, e.Code);
            Assert.Contains("builds one platform", e.Message);
        }

        [Fact]
        public void A_dotnet_base_on_a_loopback_registry_is_pulled_over_http()
        {
            var builder = (DotnetPublishContainerBuilder)ImageBuilders.Create("dotnet", [], "/repo", "127.0.0.1:5000/base:1", TextWriter.Null);
            var remote = (DotnetPublishContainerBuilder)ImageBuilders.Create("dotnet", [], "/repo", "mcr.microsoft.com/dotnet/runtime:10.0", TextWriter.Null);

            Assert.Equal(["127.0.0.1:5000"], builder.InsecureRegistries);
            Assert.Empty(remote.InsecureRegistries);
        }
    }
}
