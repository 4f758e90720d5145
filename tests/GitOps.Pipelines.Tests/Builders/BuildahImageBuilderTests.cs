using System.Text.Json;
using GitOps.Pipelines.Builders;
using GitOps.Pipelines.Oci;
using GitOps.Pipelines.TestKit;
using GitOps.Pipelines.Tests.Oci;

namespace GitOps.Pipelines.Tests.Builders;

/// <summary>The buildah builder run against the real buildah (Debian), its images read back by skopeo.</summary>
public class BuildahImageBuilderTests
{
    private static readonly BuildahImageBuilder Builder = new();

    private static JsonElement Inspect(string layout, string tag, bool config = false)
    {
        ExternalTool.Require("buildah");
        var args = config ? new[] { "inspect", "--config", $"oci:{layout}:{tag}" } : new[] { "inspect", $"oci:{layout}:{tag}" };
        using var doc = JsonDocument.Parse(ExternalTool.Run("skopeo", args));
        return doc.RootElement.Clone();
    }

    public class Generated_recipe
    {
        [Fact]
        public async Task A_context_without_a_Containerfile_becomes_FROM_scratch_plus_the_files_with_labels_created_and_entrypoint()
        {
            using var dir = new TempDir();
            var request = SampleApp.Request(SampleApp.Write(dir.Combine("src")), dir.Combine("layout"), "1.0.0", "latest");

            var image = await Builder.BuildAsync(request);

            var root = Inspect(request.Output.Root, "1.0.0");
            Assert.Equal(image.Digest, root.GetProperty("Digest").GetString());
            Assert.Equal(SampleApp.Created, root.GetProperty("Created").GetDateTimeOffset());
            var labels = root.GetProperty("Labels");
            Assert.Equal("platform", labels.GetProperty("team").GetString());
            Assert.Equal("https://example.test/hello", labels.GetProperty(Annotations.Source).GetString());
            Assert.Equal("2023-11-14T22:13:20Z", labels.GetProperty(Annotations.Created).GetString());
            Assert.False(labels.TryGetProperty("io.buildah.version", out _), "the identity label would change with the buildah version");
            var runtime = Inspect(request.Output.Root, "1.0.0", config: true).GetProperty("config");
            Assert.Equal("/app/hello.sh", Assert.Single(runtime.GetProperty("Entrypoint").EnumerateArray()).GetString());
            Assert.Equal("/app", runtime.GetProperty("WorkingDir").GetString());

            var manifest = request.Output.ReadManifest(image.Digest);
            var files = SampleApp.LayerEntries(request.Output, Assert.Single(manifest.Layers).Digest)
                .Select(e => e.Name.TrimStart('.', '/').TrimEnd('/')).ToList();
            Assert.Contains("app/hello.sh", files);
            Assert.Contains("app/config/settings.json", files);
            Assert.Contains("app/.version", files);
        }

        [Fact]
        public async Task A_base_in_an_oci_layout_relative_to_the_base_directory_comes_first()
        {
            using var dir = new TempDir();
            var baseRequest = SampleApp.Request(SampleApp.Write(dir.Combine("base-src")), dir.Combine("images", "base"), "v1") with
            {
                WorkingDir = "/usr/share/base",
            };
            var baseImage = await new BuiltinImageBuilder().BuildAsync(baseRequest);
            var request = SampleApp.Request(SampleApp.Write(dir.Combine("src")), dir.Combine("layout")) with { Base = "oci:images/base:v1" };

            var image = await new BuildahImageBuilder(baseDirectory: dir.Path).BuildAsync(request);

            var layers = request.Output.ReadManifest(image.Digest).Layers;
            Assert.Equal(2, layers.Count);
            var baseFiles = SampleApp.LayerEntries(request.Output, layers[0].Digest).Select(e => e.Name.TrimStart('.', '/')).ToList();
            Assert.Contains("usr/share/base/hello.sh", baseFiles);
            Assert.Equal(baseRequest.Output.ReadConfig(baseRequest.Output.ReadManifest(baseImage.Digest).Config.Digest).RootFs.DiffIds[0],
                request.Output.ReadConfig(request.Output.ReadManifest(image.Digest).Config.Digest).RootFs.DiffIds[0]);
        }

        [Fact]
        public async Task Every_tag_names_the_pushed_digest_in_the_layout()
        {
            using var dir = new TempDir();
            var request = SampleApp.Request(SampleApp.Write(dir.Combine("src")), dir.Combine("layout"), "1.0.0", "1.0", "latest");

            var image = await Builder.BuildAsync(request);

            Assert.Equal(["1.0.0", "1.0", "latest"], image.Tags);
            foreach (var tag in image.Tags)
                Assert.Equal(image.Digest, Inspect(request.Output.Root, tag).GetProperty("Digest").GetString());
        }

        [Fact]
        public async Task Two_builds_with_one_timestamp_give_one_digest()
        {
            var (first, second) = await SampleApp.BuildTwiceAsync(Builder);

            Assert.Equal(first.Digest, second.Digest);
        }

        [Fact]
        public async Task An_output_layout_inside_the_context_is_not_copied_into_the_image()
        {
            using var dir = new TempDir();
            var src = SampleApp.Write(dir.Combine("src"));
            var request = SampleApp.Request(src, Path.Combine(src, ".gitops", "build"));

            var image = await Builder.BuildAsync(request);

            var manifest = request.Output.ReadManifest(image.Digest);
            var files = SampleApp.LayerEntries(request.Output, Assert.Single(manifest.Layers).Digest).Select(e => e.Name).ToList();
            Assert.Contains(files, f => f.EndsWith("hello.sh", StringComparison.Ordinal));
            // As with the builtin builder, the layout's (empty) parent folder stays; nothing of the layout does.
            Assert.DoesNotContain(files, f => f.Contains(".gitops/build", StringComparison.Ordinal));
        }
    }

    public class Platforms
    {
        private static readonly BuildahImageBuilder TwoPlatforms = new([new OciPlatform("amd64", "linux"), new OciPlatform("arm64", "linux")]);

        [Fact]
        public async Task Two_platforms_give_a_tagged_index_whose_arm64_image_skopeo_picks()
        {
            using var dir = new TempDir();
            var request = SampleApp.Request(SampleApp.Write(dir.Combine("src")), dir.Combine("layout"), "1.0.0", "latest");

            var image = await TwoPlatforms.BuildAsync(request);

            using var raw = JsonDocument.Parse(ExternalTool.Run("skopeo", "inspect", "--raw", $"oci:{request.Output.Root}:latest"));
            Assert.Equal(MediaTypes.ImageIndex, raw.RootElement.GetProperty("mediaType").GetString());
            Assert.Equal(["amd64", "arm64"], raw.RootElement.GetProperty("manifests").EnumerateArray()
                .Select(m => m.GetProperty("platform").GetProperty("architecture").GetString()).Order());
            Assert.Equal(image.Digest, request.Output.Resolve("1.0.0")?.Digest);
            using var arm = JsonDocument.Parse(ExternalTool.Run("skopeo", "--override-arch", "arm64", "inspect", $"oci:{request.Output.Root}:1.0.0"));
            Assert.Equal("arm64", arm.RootElement.GetProperty("Architecture").GetString());
            Assert.Equal("platform", arm.RootElement.GetProperty("Labels").GetProperty("team").GetString());
        }

        [Fact]
        public async Task Two_builds_give_one_index_digest()
        {
            var (first, second) = await SampleApp.BuildTwiceAsync(TwoPlatforms);

            Assert.Equal(first.Digest, second.Digest);
        }

        [Fact]
        public void Several_platforms_build_into_a_manifest_list_and_push_it_all()
        {
            var args = TwoPlatforms.BuildArguments(SampleApp.Request("/ctx", "/out"), "/s", "/r", null, "localhost/gitops-build:1.0.0");
            var push = TwoPlatforms.PushArguments("/s", "/d", "localhost/gitops-build:1.0.0", "oci:/out:1.0.0");

            Assert.Equal("linux/amd64,linux/arm64", args[args.ToList().IndexOf("--platform") + 1]);
            Assert.Equal(["--manifest", "localhost/gitops-build:1.0.0", "/ctx"], args.TakeLast(3));
            Assert.Equal(["manifest", "push", "--all"], push.Skip(6).Take(3));
        }
    }

    public class Own_recipe
    {
        [Fact]
        public async Task The_contexts_Containerfile_is_built_and_the_request_labels_are_added()
        {
            using var dir = new TempDir();
            var src = SampleApp.Write(dir.Combine("src"));
            await File.WriteAllTextAsync(Path.Combine(src, "Containerfile"),
                "FROM scratch\nCOPY hello.sh /srv/hello.sh\nLABEL from=containerfile\nENTRYPOINT [\"/srv/hello.sh\"]\n");
            var request = SampleApp.Request(src, dir.Combine("layout"));

            var image = await Builder.BuildAsync(request);

            var labels = Inspect(request.Output.Root, "1.0.0").GetProperty("Labels");
            Assert.Equal("containerfile", labels.GetProperty("from").GetString());
            Assert.Equal("platform", labels.GetProperty("team").GetString());
            var runtime = Inspect(request.Output.Root, "1.0.0", config: true).GetProperty("config");
            Assert.Equal("/srv/hello.sh", Assert.Single(runtime.GetProperty("Entrypoint").EnumerateArray()).GetString());
            var files = SampleApp.LayerEntries(request.Output, Assert.Single(request.Output.ReadManifest(image.Digest).Layers).Digest)
                .Select(e => e.Name.TrimStart('.', '/')).ToList();
            Assert.Contains("srv/hello.sh", files);
            Assert.DoesNotContain(files, f => f.EndsWith("settings.json", StringComparison.Ordinal));
        }

        [Fact]
        public async Task A_broken_Containerfile_fails_with_buildahs_own_words()
        {
            using var dir = new TempDir();
            var src = SampleApp.Write(dir.Combine("src"));
            await File.WriteAllTextAsync(Path.Combine(src, "Containerfile"), "FROM scratch\nCOPY missing.txt /missing.txt\n");

            var e = await Assert.ThrowsAsync<GitOpsException>(() => Builder.BuildAsync(SampleApp.Request(src, dir.Combine("layout"))));

            Assert.StartsWith("buildah ", e.Message);
            Assert.Contains("missing.txt", e.Message);
            Assert.Contains("exit ", e.Message);
        }
    }

    public class Availability
    {
        [Fact]
        public async Task Installed_buildah_reports_its_version()
        {
            var available = await Builder.CheckAsync();

            Assert.True(available.Available, available.Reason);
            Assert.Contains("buildah version", available.Reason);
        }

        [Fact]
        public async Task A_missing_buildah_is_not_available_and_building_says_to_install_it()
        {
            using var dir = new TempDir();
            var missing = new BuildahImageBuilder(program: dir.Combine("no-such-buildah"));

            var available = await missing.CheckAsync();
            var e = await Assert.ThrowsAsync<GitOpsException>(() =>
                missing.BuildAsync(SampleApp.Request(SampleApp.Write(dir.Combine("src")), dir.Combine("layout"))));

            Assert.False(available.Available);
            Assert.Contains("not installed", available.Reason);
            Assert.Contains("apt-get install buildah", e.Message);
            Assert.Equal(ExitCode.InvalidInput, e.Code);
        }
    }

    public class Arguments
    {
        [Fact]
        public void Bud_runs_chroot_isolated_on_vfs_in_its_own_storage_with_the_timestamp_labels_and_platform()
        {
            var builder = new BuildahImageBuilder([new OciPlatform("arm64", "linux")]);
            var request = SampleApp.Request("/ctx", "/out");

            var args = builder.BuildArguments(request, "/work/s", "/work/Containerfile", null, "localhost/gitops-build:1.0.0");

            Assert.Equal(["--root", "/work/s/root", "--runroot", "/work/s/run", "--storage-driver", "vfs", "bud", "--isolation", "chroot"],
                args.Take(9));
            Assert.Equal("1700000000", args[args.ToList().IndexOf("--timestamp") + 1]);
            Assert.Equal("linux/arm64", args[args.ToList().IndexOf("--platform") + 1]);
            Assert.Contains("team=platform", args);
            Assert.Contains($"{Annotations.Created}=2023-11-14T22:13:20Z", args);
            Assert.Equal(["--tag", "localhost/gitops-build:1.0.0", "/ctx"], args.TakeLast(3));
        }

        [Fact]
        public void The_generated_recipe_copies_the_context_to_the_working_dir_with_an_exec_form_entrypoint()
        {
            var recipe = new BuildahImageBuilder(baseDirectory: "/repo").GenerateRecipe(
                SampleApp.Request("/ctx", "/out") with { Base = "oci:base/layout:1", Entrypoint = ["/app/hello", "--port", "8080"] });

            Assert.Equal("FROM oci:/repo/base/layout:1\nCOPY [\".\",\"/app\"]\nWORKDIR /app\nENTRYPOINT [\"/app/hello\",\"--port\",\"8080\"]\n", recipe);
        }
    }
}
