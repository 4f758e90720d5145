using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GitOps.Pipelines.Builders;
using GitOps.Pipelines.Oci;
using GitOps.Pipelines.TestKit;
using GitOps.Pipelines.Tests.Oci;

namespace GitOps.Pipelines.Tests.Builders;

/// <summary>What skopeo and umoci (the tools that read OCI layouts for a living) see in our images.</summary>
public class BuiltImageWithRealToolsTests
{
    private static readonly BuiltinImageBuilder Builder = new();

    private static async Task<(ImageBuildRequest Request, BuiltImage Image)> BuildAsync(TempDir dir, params string[] tags)
    {
        var request = SampleApp.Request(SampleApp.Write(dir.Combine("src")), dir.Combine("layout"), tags);
        return (request, await Builder.BuildAsync(request));
    }

    public class Skopeo
    {
        [Fact]
        public async Task Inspect_raw_returns_our_manifest_bytes_whose_sha256_is_the_digest()
        {
            using var dir = new TempDir();
            var (request, image) = await BuildAsync(dir, "1.0.0");

            var raw = ExternalTool.Run("skopeo", "inspect", "--raw", $"oci:{request.Output.Root}:1.0.0");

            Assert.Equal(Encoding.UTF8.GetString(request.Output.ReadBlob(image.Digest)), raw.TrimEnd('\n'));
            Assert.Equal(image.Digest, "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(raw.TrimEnd('\n')))));
        }

        [Fact]
        public async Task Inspect_shows_our_digest_labels_created_platform_and_entrypoint()
        {
            using var dir = new TempDir();
            var (request, image) = await BuildAsync(dir, "1.0.0");

            using var inspect = JsonDocument.Parse(ExternalTool.Run("skopeo", "inspect", $"oci:{request.Output.Root}:1.0.0"));
            var root = inspect.RootElement;
            Assert.Equal(image.Digest, root.GetProperty("Digest").GetString());
            Assert.Equal(SampleApp.Created, root.GetProperty("Created").GetDateTimeOffset());
            Assert.Equal("amd64", root.GetProperty("Architecture").GetString());
            Assert.Equal("linux", root.GetProperty("Os").GetString());
            Assert.Equal("platform", root.GetProperty("Labels").GetProperty("team").GetString());
            Assert.Equal("https://example.test/hello", root.GetProperty("Labels").GetProperty(Annotations.Source).GetString());
            Assert.Equal(1, root.GetProperty("Layers").GetArrayLength());

            using var config = JsonDocument.Parse(ExternalTool.Run("skopeo", "inspect", "--config", $"oci:{request.Output.Root}:1.0.0"));
            var runtime = config.RootElement.GetProperty("config");
            Assert.Equal("/app/hello.sh", Assert.Single(runtime.GetProperty("Entrypoint").EnumerateArray()).GetString());
            Assert.Equal("/app", runtime.GetProperty("WorkingDir").GetString());
        }

        [Fact]
        public async Task Copy_to_another_layout_keeps_the_digest()
        {
            using var dir = new TempDir();
            var (request, image) = await BuildAsync(dir, "1.0.0");
            var copy = new OciLayout(dir.Combine("copy"));

            ExternalTool.Run("skopeo", "copy", $"oci:{request.Output.Root}:1.0.0", $"oci:{copy.Root}:copied");

            Assert.Equal(image.Digest, copy.Resolve("copied")?.Digest);
            var manifest = copy.ReadManifest(image.Digest);
            Assert.All(manifest.Layers.Append(manifest.Config), d => Assert.True(copy.HasBlob(d.Digest), d.Digest));
        }
    }

    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public class Umoci
    {
        [Fact]
        public async Task Ls_lists_every_tag()
        {
            using var dir = new TempDir();
            var (request, _) = await BuildAsync(dir, "1.0.0", "latest");

            var tags = ExternalTool.Run("umoci", "ls", "--layout", request.Output.Root).Split('\n', StringSplitOptions.RemoveEmptyEntries);

            Assert.Equal(["1.0.0", "latest"], tags.Order(StringComparer.Ordinal));
        }

        [Fact]
        public async Task Unpack_puts_the_app_files_with_their_content_and_modes_under_the_working_dir()
        {
            using var dir = new TempDir();
            var (request, _) = await BuildAsync(dir, "1.0.0");
            var bundle = dir.Combine("bundle");

            ExternalTool.Run("umoci", RootlessUnlessRoot(["unpack", "--image", $"{request.Output.Root}:1.0.0", bundle]));

            var app = Path.Combine(bundle, "rootfs", "app");
            Assert.Equal("#!/bin/sh\necho hello\n", File.ReadAllText(Path.Combine(app, "hello.sh")));
            Assert.Equal("{\"greeting\":\"hello\"}\n", File.ReadAllText(Path.Combine(app, "config", "settings.json")));
            Assert.Equal("1.0.0\n", File.ReadAllText(Path.Combine(app, ".version")));
            Assert.True((File.GetUnixFileMode(Path.Combine(app, "hello.sh")) & UnixFileMode.OtherExecute) != 0, "hello.sh is executable");
            Assert.Equal(0, (int)(File.GetUnixFileMode(Path.Combine(app, "config", "settings.json")) & (UnixFileMode)0b001_001_001));
            Assert.Equal(SampleApp.Created.UtcDateTime, File.GetLastWriteTimeUtc(Path.Combine(app, "hello.sh")));
        }

        [Fact]
        public async Task Unpack_of_an_image_on_a_base_has_the_files_of_both_layers()
        {
            using var dir = new TempDir();
            var baseSrc = dir.Combine("base-src");
            Directory.CreateDirectory(Path.Combine(baseSrc, "etc"));
            File.WriteAllText(Path.Combine(baseSrc, "etc", "os-release"), "NAME=tiny\n");
            var baseLayout = dir.Combine("base");
            await Builder.BuildAsync(SampleApp.Request(baseSrc, baseLayout, "v1") with { WorkingDir = "/" });
            var request = SampleApp.Request(SampleApp.Write(dir.Combine("src")), dir.Combine("layout"), "2.0.0") with { Base = $"oci:{baseLayout}:v1" };
            await Builder.BuildAsync(request);
            var bundle = dir.Combine("bundle");

            ExternalTool.Run("umoci", RootlessUnlessRoot(["unpack", "--image", $"{request.Output.Root}:2.0.0", bundle]));

            Assert.Equal("NAME=tiny\n", File.ReadAllText(Path.Combine(bundle, "rootfs", "etc", "os-release")));
            Assert.Equal("#!/bin/sh\necho hello\n", File.ReadAllText(Path.Combine(bundle, "rootfs", "app", "hello.sh")));
        }

        /// <summary>umoci needs root to restore ownership; other users unpack with --rootless.</summary>
        private static string[] RootlessUnlessRoot(string[] args) =>
            Environment.UserName == "root" ? args : [args[0], "--rootless", .. args[1..]];
    }
}
