using GitOps.Pipelines.Configuration;
using GitOps.Pipelines.Deploy;
using GitOps.Pipelines.Oci;
using GitOps.Pipelines.TestKit;
using GitOps.Pipelines.Tests.Oci;

namespace GitOps.Pipelines.Tests.Builders;

/// <summary>gitops.yaml's builder, platforms and tagging taken through DeployerFactory to a built image.</summary>
public class ConfiguredBuildTests
{
    private static async Task<(GitOpsConfig Config, string Sha)> AppRepoAsync(TempDir dir, string imageYaml)
    {
        SampleApp.Write(dir.Combine("app"));
        await File.WriteAllTextAsync(dir.Combine("gitops.yaml"), "image:\n  name: localhost/hello\n  context: app\n" + imageYaml);
        foreach (var args in new[]
                 {
                     new[] { "init", "-q", "-b", "main" }, ["-c", "user.name=t", "-c", "user.email=t@t", "add", "."],
                     ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "app"],
                 })
            ExternalTool.Run("git", ["-C", dir.Path, .. args]);
        return (GitOpsConfigLoader.Load(dir.Combine("gitops.yaml")), ExternalTool.Run("git", "-C", dir.Path, "rev-parse", "HEAD").Trim());
    }

    [Fact]
    public async Task Builder_auto_with_a_Containerfile_builds_with_buildah_tagged_by_the_flavor()
    {
        using var dir = new TempDir();
        var (config, sha) = await AppRepoAsync(dir, "  builder: auto\n  tagging:\n    prefix: web-\n    raw: [stable]\n");
        await File.WriteAllTextAsync(dir.Combine("app", "Containerfile"), "FROM scratch\nCOPY hello.sh /app/hello.sh\n");
        var log = new StringWriter();
        await using var webhooks = new FixedWebhookEndpoint(new Uri("http://127.0.0.1:9/"), "s");

        var report = await DeployerFactory.Create(config, webhooks, log).BuildAsync();

        Assert.Contains("[image] builder auto: buildah (", log.ToString());
        var layout = new OciLayout(Path.Combine(config.Resolve(config.StateDir), "build"));
        Assert.Equal($"localhost/hello:web-sha-{sha[..7]}", report.Image);
        Assert.Equal(report.Digest, layout.Resolve("web-stable")?.Digest);
        Assert.Equal(report.Digest, layout.Resolve("web-main")?.Digest);
    }

    [Fact]
    public async Task Builtin_with_two_platforms_builds_an_index()
    {
        using var dir = new TempDir();
        var (config, sha) = await AppRepoAsync(dir, "  builder: builtin\n  platforms: [linux/amd64, linux/arm64]\n");
        await using var webhooks = new FixedWebhookEndpoint(new Uri("http://127.0.0.1:9/"), "s");

        var report = await DeployerFactory.Create(config, webhooks, TextWriter.Null).BuildAsync();

        var layout = new OciLayout(Path.Combine(config.Resolve(config.StateDir), "build"));
        var top = layout.Resolve($"sha-{sha[..7]}");
        Assert.Equal(report.Digest, top?.Digest);
        Assert.Equal(MediaTypes.ImageIndex, top?.MediaType);
        Assert.Equal(["amd64", "arm64"], layout.ReadImageIndex(top!.Digest).Manifests.Select(m => m.Platform?.Architecture));
    }
}
