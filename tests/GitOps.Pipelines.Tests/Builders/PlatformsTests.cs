using System.Text.Json;
using GitOps.Pipelines.Builders;
using GitOps.Pipelines.Images;
using GitOps.Pipelines.Oci;
using GitOps.Pipelines.Registries;
using GitOps.Pipelines.TestKit;
using GitOps.Pipelines.Tests.Oci;
using GitOps.Pipelines.Tests.Registries;

namespace GitOps.Pipelines.Tests.Builders;

/// <summary>The builtin builder for several platforms: an OCI index read back by skopeo, from a layout and from a real registry.</summary>
public class PlatformsTests
{
    private static readonly BuiltinImageBuilder TwoPlatforms = new([new OciPlatform("amd64", "linux"), new OciPlatform("arm64", "linux")]);

    private static JsonElement Json(params string[] args)
    {
        using var doc = JsonDocument.Parse(ExternalTool.Run("skopeo", args));
        return doc.RootElement.Clone();
    }

    public class Index
    {
        [Fact]
        public async Task Two_platforms_give_a_tagged_index_of_two_manifests_sharing_the_app_layer()
        {
            using var dir = new TempDir();
            var request = SampleApp.Request(SampleApp.Write(dir.Combine("src")), dir.Combine("layout"), "1.0.0", "latest");

            var image = await TwoPlatforms.BuildAsync(request);

            var raw = Json("inspect", "--raw", $"oci:{request.Output.Root}:latest");
            Assert.Equal(MediaTypes.ImageIndex, raw.GetProperty("mediaType").GetString());
            var children = raw.GetProperty("manifests").EnumerateArray().ToList();
            Assert.Equal(["amd64", "arm64"], children.Select(c => c.GetProperty("platform").GetProperty("architecture").GetString()));
            Assert.All(children, c => Assert.Equal("linux", c.GetProperty("platform").GetProperty("os").GetString()));
            Assert.Equal(image.Digest, request.Output.Resolve("1.0.0")?.Digest);
            var layers = children.Select(c => request.Output.ReadManifest(c.GetProperty("digest").GetString()!).Layers.Single().Digest).ToList();
            Assert.Single(layers.Distinct());
            Assert.Equal("https://example.test/hello", raw.GetProperty("annotations").GetProperty(Annotations.Source).GetString());
        }

        [Fact]
        public async Task Skopeo_picks_each_platforms_image_from_the_index()
        {
            using var dir = new TempDir();
            var request = SampleApp.Request(SampleApp.Write(dir.Combine("src")), dir.Combine("layout"));
            var image = await TwoPlatforms.BuildAsync(request);

            var arm = Json("--override-arch", "arm64", "--override-os", "linux", "inspect", $"oci:{request.Output.Root}:1.0.0");
            var amd = Json("--override-arch", "amd64", "--override-os", "linux", "inspect", $"oci:{request.Output.Root}:1.0.0");

            Assert.Equal("arm64", arm.GetProperty("Architecture").GetString());
            Assert.Equal("amd64", amd.GetProperty("Architecture").GetString());
            // skopeo reports the digest the tag names: the index's, for both.
            Assert.Equal(image.Digest, arm.GetProperty("Digest").GetString());
            Assert.Equal(image.Digest, amd.GetProperty("Digest").GetString());
            Assert.Equal("platform", arm.GetProperty("Labels").GetProperty("team").GetString());
        }

        [Fact]
        public async Task Two_builds_give_one_index_digest()
        {
            var (first, second) = await SampleApp.BuildTwiceAsync(TwoPlatforms);

            Assert.Equal(first.Digest, second.Digest);
        }

        [Fact]
        public async Task Each_platform_builds_on_its_own_image_from_a_base_index()
        {
            using var dir = new TempDir();
            var baseRequest = SampleApp.Request(SampleApp.Write(dir.Combine("base-src")), dir.Combine("base"), "v1");
            await TwoPlatforms.BuildAsync(baseRequest);
            var request = SampleApp.Request(SampleApp.Write(dir.Combine("src")), dir.Combine("layout")) with { Base = "oci:base:v1" };

            await new BuiltinImageBuilder([new OciPlatform("amd64", "linux"), new OciPlatform("arm64", "linux")], dir.Path).BuildAsync(request);

            var arm = Json("--override-arch", "arm64", "inspect", "--config", $"oci:{request.Output.Root}:1.0.0");
            Assert.Equal("arm64", arm.GetProperty("architecture").GetString());
            Assert.Equal(2, arm.GetProperty("rootfs").GetProperty("diff_ids").GetArrayLength());
        }

        [Fact]
        public void Platforms_parse_as_os_arch_and_variant_and_bad_ones_are_refused()
        {
            Assert.Equal(new OciPlatform("arm64", "linux", "v8"), BuiltinImageBuilder.ParsePlatform("linux/arm64/v8"));
            Assert.Equal("linux/amd64", BuiltinImageBuilder.Describe(BuiltinImageBuilder.ParsePlatform("linux/amd64")));
            Assert.Equal(ExitCode.InvalidInput, Assert.Throws<GitOpsException>(() => BuiltinImageBuilder.ParsePlatform("amd64")).Code);
            Assert.Throws<GitOpsException>(() => new BuiltinImageBuilder([new OciPlatform("amd64", "linux"), new OciPlatform("amd64", "linux")]));
        }
    }

    public class Pushed
    {
        [Fact]
        public async Task Through_the_distribution_registry_skopeo_reads_the_index_and_the_arm64_image()
        {
            using var server = new DistributionServer();
            using var dir = new TempDir();
            var request = SampleApp.Request(SampleApp.Write(dir.Combine("src")), dir.Combine("layout"));
            var image = await TwoPlatforms.BuildAsync(request);
            using var registry = new DistributionRegistry(server.Host, options: DistributionRegistryTests.Options());

            var pushed = await registry.PushAsync(request.Output, image.Digest, ImageReference.ParseNormalized($"{server.Host}/hello"), ["1.0.0"]);

            Assert.Equal(image.Digest, pushed.Digest);
            var raw = Json("inspect", "--raw", "--tls-verify=false", $"docker://{server.Host}/hello:1.0.0");
            Assert.Equal(MediaTypes.ImageIndex, raw.GetProperty("mediaType").GetString());
            Assert.Equal(2, raw.GetProperty("manifests").GetArrayLength());
            var arm = Json("--override-arch", "arm64", "inspect", "--tls-verify=false", $"docker://{server.Host}/hello:1.0.0");
            Assert.Equal("arm64", arm.GetProperty("Architecture").GetString());
        }

        [Fact]
        public async Task Into_an_oci_layout_registry_skopeo_reads_the_index()
        {
            using var dir = new TempDir();
            var request = SampleApp.Request(SampleApp.Write(dir.Combine("src")), dir.Combine("layout"));
            var image = await TwoPlatforms.BuildAsync(request);
            var registry = new OciLayoutRegistry(dir.Combine("registry"));

            await registry.PushAsync(request.Output, image.Digest, ImageReference.ParseNormalized("localhost/hello"), ["1.0.0"]);

            var target = registry.LayoutFor("localhost/hello").Root;
            var raw = Json("inspect", "--raw", $"oci:{target}:1.0.0");
            Assert.Equal(MediaTypes.ImageIndex, raw.GetProperty("mediaType").GetString());
            var arm = Json("--override-arch", "arm64", "inspect", $"oci:{target}:1.0.0");
            Assert.Equal("arm64", arm.GetProperty("Architecture").GetString());
        }
    }
}
