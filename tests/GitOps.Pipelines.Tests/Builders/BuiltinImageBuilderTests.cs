using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using GitOps.Pipelines.Builders;
using GitOps.Pipelines.Oci;
using GitOps.Pipelines.TestKit;
using GitOps.Pipelines.Tests.Oci;

namespace GitOps.Pipelines.Tests.Builders;

public class BuiltinImageBuilderTests
{
    private static readonly BuiltinImageBuilder Builder = new();

    private static string Sha256(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

    public class Reproducibility
    {
        [Fact]
        public async Task Two_builds_in_two_folders_give_the_same_digest_and_the_same_blobs()
        {
            using var one = new TempDir();
            using var two = new TempDir();
            var first = await Builder.BuildAsync(SampleApp.Request(SampleApp.Write(one.Combine("src")), one.Combine("layout")));
            var second = await Builder.BuildAsync(SampleApp.Request(SampleApp.Write(two.Combine("src")), two.Combine("layout")));

            Assert.Equal(first.Digest, second.Digest);
            var blobs1 = Directory.GetFiles(one.Combine("layout", "blobs", "sha256")).Select(Path.GetFileName).Order();
            var blobs2 = Directory.GetFiles(two.Combine("layout", "blobs", "sha256")).Select(Path.GetFileName).Order();
            Assert.Equal(blobs1, blobs2);
            Assert.Equal(3, blobs1.Count()); // layer, config, manifest
            Assert.Equal(await File.ReadAllBytesAsync(one.Combine("layout", "index.json")),
                await File.ReadAllBytesAsync(two.Combine("layout", "index.json")));
        }

        [Fact]
        public async Task Changing_a_files_content_changes_the_digest()
        {
            using var dir = new TempDir();
            var src = SampleApp.Write(dir.Combine("src"));
            var before = await Builder.BuildAsync(SampleApp.Request(src, dir.Combine("a")));

            File.WriteAllText(Path.Combine(src, "config", "settings.json"), "{\"greeting\":\"hallo\"}\n");
            var after = await Builder.BuildAsync(SampleApp.Request(src, dir.Combine("b")));

            Assert.NotEqual(before.Digest, after.Digest);
        }

        [Fact]
        public async Task Different_file_and_folder_times_do_not_change_the_digest()
        {
            using var dir = new TempDir();
            var src1 = SampleApp.Write(dir.Combine("src1"));
            var src2 = SampleApp.Write(dir.Combine("src2"));
            Directory.SetLastWriteTimeUtc(src2, new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc));
            Directory.SetLastWriteTimeUtc(Path.Combine(src2, "config"), new DateTime(1999, 1, 1, 0, 0, 0, DateTimeKind.Utc));
            File.SetLastWriteTimeUtc(Path.Combine(src2, "hello.sh"), new DateTime(2010, 10, 10, 10, 10, 10, DateTimeKind.Utc));

            var first = await Builder.BuildAsync(SampleApp.Request(src1, dir.Combine("a")));
            var second = await Builder.BuildAsync(SampleApp.Request(src2, dir.Combine("b")));

            Assert.Equal(first.Digest, second.Digest);
        }

        [Fact]
        public async Task A_different_created_time_changes_the_digest()
        {
            using var dir = new TempDir();
            var src = SampleApp.Write(dir.Combine("src"));
            var first = await Builder.BuildAsync(SampleApp.Request(src, dir.Combine("a")));
            var second = await Builder.BuildAsync(SampleApp.Request(src, dir.Combine("b")) with { Created = SampleApp.Created.AddDays(1) });

            Assert.NotEqual(first.Digest, second.Digest);
        }
    }

    public class Layer
    {
        [Fact]
        public async Task Holds_the_context_under_the_working_dir_with_parents_sorted_fixed_times_and_modes()
        {
            using var dir = new TempDir();
            var request = SampleApp.Request(SampleApp.Write(dir.Combine("src")), dir.Combine("layout")) with { WorkingDir = "/srv/app" };
            var image = await Builder.BuildAsync(request);

            var manifest = request.Output.ReadManifest(image.Digest);
            var layer = Assert.Single(manifest.Layers);
            Assert.Equal(MediaTypes.LayerTarGzip, layer.MediaType);
            var entries = SampleApp.LayerEntries(request.Output, layer.Digest);

            Assert.Equal(["srv/", "srv/app/", "srv/app/.version", "srv/app/config/", "srv/app/config/settings.json", "srv/app/hello.sh"],
                entries.Select(e => e.Name));
            Assert.All(entries, e =>
            {
                Assert.Equal(SampleApp.Created, e.ModificationTime);
                Assert.Equal(0, e.Uid);
                Assert.Equal(0, e.Gid);
            });
            var modes = entries.ToDictionary(e => e.Name, e => Convert.ToString((int)e.Mode, 8));
            Assert.Equal("755", modes["srv/"]);
            Assert.Equal("755", modes["srv/app/config/"]);
            Assert.Equal("644", modes["srv/app/config/settings.json"]);
            Assert.Equal(OperatingSystem.IsWindows() ? "644" : "755", modes["srv/app/hello.sh"]);
            var settings = entries.Single(e => e.Name == "srv/app/config/settings.json");
            Assert.Equal("{\"greeting\":\"hello\"}\n", new StreamReader(settings.DataStream!).ReadToEnd());
        }

        [Fact]
        public async Task Keeps_symlinks_as_links_without_following_them()
        {
            using var dir = new TempDir();
            var src = SampleApp.Write(dir.Combine("src"));
            File.CreateSymbolicLink(Path.Combine(src, "settings.json"), "config/settings.json");
            Directory.CreateSymbolicLink(Path.Combine(src, "current"), "config");
            var request = SampleApp.Request(src, dir.Combine("layout"));

            var image = await Builder.BuildAsync(request);

            var entries = SampleApp.LayerEntries(request.Output, request.Output.ReadManifest(image.Digest).Layers[0].Digest);
            var file = entries.Single(e => e.Name == "app/settings.json");
            Assert.Equal(System.Formats.Tar.TarEntryType.SymbolicLink, file.EntryType);
            Assert.Equal("config/settings.json", file.LinkName);
            var folder = entries.Single(e => e.Name == "app/current");
            Assert.Equal(System.Formats.Tar.TarEntryType.SymbolicLink, folder.EntryType);
            Assert.Equal("config", folder.LinkName);
            Assert.DoesNotContain(entries, e => e.Name.StartsWith("app/current/", StringComparison.Ordinal));
        }

        [Fact]
        public async Task Leaves_out_an_output_layout_that_sits_inside_the_context()
        {
            using var dir = new TempDir();
            var src = SampleApp.Write(dir.Combine("src"));
            var inside = SampleApp.Request(src, Path.Combine(src, ".gitops", "build"));
            var first = await Builder.BuildAsync(inside);

            var again = await Builder.BuildAsync(inside); // the layout is full of blobs now

            Assert.Equal(first.Digest, again.Digest);
            var entries = SampleApp.LayerEntries(inside.Output, inside.Output.ReadManifest(again.Digest).Layers[0].Digest);
            Assert.Contains(entries, e => e.Name == "app/.gitops/");
            Assert.DoesNotContain(entries, e => e.Name.StartsWith("app/.gitops/build", StringComparison.Ordinal));
        }

        [Fact]
        public async Task Diff_id_is_the_sha256_of_the_uncompressed_tar()
        {
            using var dir = new TempDir();
            var request = SampleApp.Request(SampleApp.Write(dir.Combine("src")), dir.Combine("layout"));
            var image = await Builder.BuildAsync(request);

            var manifest = request.Output.ReadManifest(image.Digest);
            var config = request.Output.ReadConfig(manifest.Config.Digest);
            using var tar = new MemoryStream();
            await using (var gz = new GZipStream(request.Output.OpenBlob(manifest.Layers[0].Digest), CompressionMode.Decompress))
                await gz.CopyToAsync(tar);

            Assert.Equal([Sha256(tar.ToArray())], config.RootFs.DiffIds);
            Assert.Equal(Sha256(request.Output.ReadBlob(manifest.Layers[0].Digest)), manifest.Layers[0].Digest);
            Assert.Equal(new FileInfo(request.Output.BlobPath(manifest.Layers[0].Digest)).Length, manifest.Layers[0].Size);
        }
    }

    public class ConfigAndManifest
    {
        [Fact]
        public async Task Carry_created_platform_entrypoint_working_dir_labels_and_history()
        {
            using var dir = new TempDir();
            var request = SampleApp.Request(SampleApp.Write(dir.Combine("src")), dir.Combine("layout"));
            var image = await new BuiltinImageBuilder(new OciPlatform("arm64", "linux")).BuildAsync(request);

            var manifest = request.Output.ReadManifest(image.Digest);
            Assert.Equal(MediaTypes.ImageManifest, manifest.MediaType);
            Assert.Equal(MediaTypes.ImageConfig, manifest.Config.MediaType);
            var config = request.Output.ReadConfig(manifest.Config.Digest);
            Assert.Equal("2023-11-14T22:13:20Z", config.Created);
            Assert.Equal("arm64", config.Architecture);
            Assert.Equal("linux", config.Os);
            Assert.Equal(["/app/hello.sh"], config.Config.Entrypoint);
            Assert.Equal("/app", config.Config.WorkingDir);
            Assert.Equal(new Dictionary<string, string>
            {
                [Annotations.Created] = "2023-11-14T22:13:20Z",
                [Annotations.Revision] = "0123456789abcdef0123456789abcdef01234567",
                [Annotations.Source] = "https://example.test/hello",
                ["team"] = "platform",
            }, config.Config.Labels);
            var history = Assert.Single(config.History!);
            Assert.Equal("2023-11-14T22:13:20Z", history.Created);
            Assert.Equal("2023-11-14T22:13:20Z", manifest.Annotations![Annotations.Created]);
            Assert.Equal("https://example.test/hello", manifest.Annotations[Annotations.Source]);
            Assert.False(manifest.Annotations.ContainsKey("team"));
        }

        [Fact]
        public async Task Tags_every_requested_tag_in_the_index_and_returns_the_first()
        {
            using var dir = new TempDir();
            var request = SampleApp.Request(SampleApp.Write(dir.Combine("src")), dir.Combine("layout"), "1.0.0", "latest", "sha-0123456");
            var image = await Builder.BuildAsync(request);

            Assert.Equal("localhost/hello:1.0.0", image.Reference.ToString());
            Assert.Equal(["1.0.0", "latest", "sha-0123456"], image.Tags);
            Assert.Equal(["1.0.0", "latest", "sha-0123456"], request.Output.RefNames());
            Assert.All(request.Output.ReadIndex().Manifests, m => Assert.Equal(image.Digest, m.Digest));
            Assert.Equal(Sha256(request.Output.ReadBlob(image.Digest)), image.Digest);
        }

        [Fact]
        public async Task Writes_compact_json_with_media_types_spelled_as_other_tools_write_them()
        {
            using var dir = new TempDir();
            var request = SampleApp.Request(SampleApp.Write(dir.Combine("src")), dir.Combine("layout"));
            var image = await Builder.BuildAsync(request);

            var manifest = System.Text.Encoding.UTF8.GetString(request.Output.ReadBlob(image.Digest));
            var index = File.ReadAllText(Path.Combine(request.Output.Root, "index.json"));

            Assert.StartsWith("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",", manifest);
            Assert.Contains("\"application/vnd.oci.image.layer.v1.tar+gzip\"", manifest);
            Assert.Contains("\"application/vnd.oci.image.index.v1+json\"", index);
            Assert.DoesNotContain("\\u", manifest + index);
        }

        [Fact]
        public async Task Rebuilding_a_tag_moves_it_to_the_new_image()
        {
            using var dir = new TempDir();
            var src = SampleApp.Write(dir.Combine("src"));
            var output = dir.Combine("layout");
            await Builder.BuildAsync(SampleApp.Request(src, output, "latest"));
            File.WriteAllText(Path.Combine(src, ".version"), "1.0.1\n");

            var second = await Builder.BuildAsync(SampleApp.Request(src, output, "latest"));

            var entry = Assert.Single(new OciLayout(output).ReadIndex().Manifests);
            Assert.Equal(second.Digest, entry.Digest);
        }
    }

    public class BaseImages
    {
        [Fact]
        public async Task Appends_the_app_layer_to_the_base_layers_and_inherits_its_config()
        {
            using var dir = new TempDir();
            var baseLayout = new OciLayout(dir.Combine("base"));
            var baseSrc = dir.Combine("base-src");
            Directory.CreateDirectory(baseSrc);
            File.WriteAllText(Path.Combine(baseSrc, "os-release"), "NAME=tiny\n");
            var baseRequest = SampleApp.Request(baseSrc, baseLayout.Root, "v1") with
            {
                WorkingDir = "/etc",
                Entrypoint = [],
                Labels = new Dictionary<string, string> { ["team"] = "base", ["base.only"] = "yes" },
            };
            var baseImage = await Builder.BuildAsync(baseRequest);
            var baseTag = WithEnvAndUser(baseLayout, baseImage.Digest);

            var request = SampleApp.Request(SampleApp.Write(dir.Combine("src")), dir.Combine("app")) with { Base = $"oci:{baseLayout.Root}:{baseTag}" };
            var image = await Builder.BuildAsync(request);

            var baseManifest = baseLayout.ReadManifest(baseLayout.Resolve(baseTag)!.Digest);
            var manifest = request.Output.ReadManifest(image.Digest);
            Assert.Equal(2, manifest.Layers.Count);
            Assert.Equal(baseManifest.Layers[0], manifest.Layers[0]);
            Assert.True(request.Output.HasBlob(manifest.Layers[0].Digest), "base layer copied into the output layout");
            var config = request.Output.ReadConfig(manifest.Config.Digest);
            var baseConfig = baseLayout.ReadConfig(baseManifest.Config.Digest);
            Assert.Equal(2, config.RootFs.DiffIds.Count);
            Assert.Equal(baseConfig.RootFs.DiffIds[0], config.RootFs.DiffIds[0]);
            Assert.Equal(["PATH=/usr/local/bin:/usr/bin:/bin"], config.Config.Env);
            Assert.Equal("65532", config.Config.User);
            Assert.Null(config.Config.Cmd); // the new entrypoint drops the base's default arguments
            Assert.Equal("platform", config.Config.Labels!["team"]);
            Assert.Equal("yes", config.Config.Labels["base.only"]);
            Assert.Equal(2, config.History!.Count);
            Assert.Equal(baseLayout.Resolve(baseTag)!.Digest, manifest.Annotations!["org.opencontainers.image.base.digest"]);
        }

        [Fact]
        public async Task Resolves_a_relative_base_path_against_the_builders_base_directory()
        {
            using var dir = new TempDir();
            await Builder.BuildAsync(SampleApp.Request(SampleApp.Write(dir.Combine("src")), dir.Combine("images", "base"), "v1"));

            var request = SampleApp.Request(dir.Combine("src"), dir.Combine("app")) with { Base = "oci:images/base:v1" };
            var image = await new BuiltinImageBuilder(baseDirectory: dir.Path).BuildAsync(request);

            Assert.Equal(2, request.Output.ReadManifest(image.Digest).Layers.Count);
        }

        [Fact]
        public async Task Fails_clearly_on_a_missing_tag_a_missing_layout_or_a_foreign_scheme()
        {
            using var dir = new TempDir();
            var src = SampleApp.Write(dir.Combine("src"));
            await Builder.BuildAsync(SampleApp.Request(src, dir.Combine("base"), "v1"));

            var noTag = await Assert.ThrowsAsync<GitOpsException>(() =>
                Builder.BuildAsync(SampleApp.Request(src, dir.Combine("o1")) with { Base = $"oci:{dir.Combine("base")}:v2" }));
            Assert.Equal(ExitCode.InvalidInput, noTag.Code);
            Assert.Contains("no tag 'v2'", noTag.Message);
            Assert.Contains("v1", noTag.Message);

            var noLayout = await Assert.ThrowsAsync<GitOpsException>(() =>
                Builder.BuildAsync(SampleApp.Request(src, dir.Combine("o2")) with { Base = $"oci:{dir.Combine("nothing")}:v1" }));
            Assert.Contains("not an OCI image layout", noLayout.Message);

            var docker = await Assert.ThrowsAsync<GitOpsException>(() =>
                Builder.BuildAsync(SampleApp.Request(src, dir.Combine("o3")) with { Base = "docker.io/library/alpine:3.20" }));
            Assert.Equal(ExitCode.InvalidInput, docker.Code);
            Assert.Contains("oci:PATH:TAG", docker.Message);
        }

        [Fact]
        public async Task Refuses_a_base_for_another_architecture()
        {
            using var dir = new TempDir();
            var src = SampleApp.Write(dir.Combine("src"));
            await new BuiltinImageBuilder(new OciPlatform("arm64", "linux")).BuildAsync(SampleApp.Request(src, dir.Combine("base"), "v1"));

            var e = await Assert.ThrowsAsync<GitOpsException>(() =>
                Builder.BuildAsync(SampleApp.Request(src, dir.Combine("app")) with { Base = $"oci:{dir.Combine("base")}:v1" }));
            Assert.Contains("linux/arm64", e.Message);
        }

        /// <summary>Gives the base image an Env, a User and a Cmd (as a distro image has) under a new tag.</summary>
        private static string WithEnvAndUser(OciLayout layout, string digest)
        {
            var manifest = layout.ReadManifest(digest);
            var config = layout.ReadConfig(manifest.Config.Digest);
            config = config with
            {
                Config = config.Config with { Env = ["PATH=/usr/local/bin:/usr/bin:/bin"], User = "65532", Cmd = ["/bin/sh"] },
            };
            var configDescriptor = layout.WriteBlob(JsonSerializer.SerializeToUtf8Bytes(config, OciJson.Canonical.OciImageConfig), MediaTypes.ImageConfig);
            var manifestDescriptor = layout.WriteBlob(
                JsonSerializer.SerializeToUtf8Bytes(manifest with { Config = configDescriptor }, OciJson.Canonical.OciManifest),
                MediaTypes.ImageManifest);
            layout.Tag(manifestDescriptor, "with-env");
            return "with-env";
        }
    }

    public class Validation
    {
        [Theory]
        [InlineData(".hidden")]
        [InlineData("has space")]
        [InlineData("a:b")]
        public async Task Rejects_an_invalid_tag(string tag)
        {
            using var dir = new TempDir();
            var e = await Assert.ThrowsAsync<GitOpsException>(() =>
                Builder.BuildAsync(SampleApp.Request(SampleApp.Write(dir.Combine("src")), dir.Combine("layout"), tag)));
            Assert.Equal(ExitCode.InvalidInput, e.Code);
            Assert.False(File.Exists(dir.Combine("layout", "index.json")), "nothing written");
        }

        [Fact]
        public async Task Rejects_a_missing_context_and_a_working_dir_that_climbs()
        {
            using var dir = new TempDir();
            var missing = await Assert.ThrowsAsync<GitOpsException>(() =>
                Builder.BuildAsync(SampleApp.Request(dir.Combine("nope"), dir.Combine("layout"))));
            Assert.Contains("not a folder", missing.Message);

            var climb = await Assert.ThrowsAsync<GitOpsException>(() =>
                Builder.BuildAsync(SampleApp.Request(SampleApp.Write(dir.Combine("src")), dir.Combine("layout")) with { WorkingDir = "/app/../etc" }));
            Assert.Equal(ExitCode.InvalidInput, climb.Code);
        }
    }
}
