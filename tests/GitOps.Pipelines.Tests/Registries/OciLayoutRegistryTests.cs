using System.Text.Json;
using GitOps.Pipelines.Builders;
using GitOps.Pipelines.Images;
using GitOps.Pipelines.Oci;
using GitOps.Pipelines.Registries;
using GitOps.Pipelines.TestKit;
using GitOps.Pipelines.Tests.Builders;
using GitOps.Pipelines.Tests.Oci;

namespace GitOps.Pipelines.Tests.Registries;

public class OciLayoutRegistryTests
{
    private static async Task<(OciLayout Source, BuiltImage Image)> BuildAsync(TempDir dir, string name = "build")
    {
        var request = SampleApp.Request(SampleApp.Write(dir.Combine(name + "-src")), dir.Combine(name), "local");
        return (request.Output, await new BuiltinImageBuilder().BuildAsync(request));
    }

    private static ImageReference Hello(string? tag = null) => ImageReference.ParseNormalized("localhost/hello") with { Tag = tag };

    public class PushAsync
    {
        [Fact]
        public async Task Stores_the_image_in_a_layout_per_repository_that_skopeo_reads_by_plain_tag()
        {
            using var dir = new TempDir();
            var (source, image) = await BuildAsync(dir);
            var registry = new OciLayoutRegistry(dir.Combine(".gitops", "registry"));

            var pushed = await registry.PushAsync(source, image.Digest, Hello("1.0.0"), ["1.0.0", "latest"]);

            Assert.Equal("localhost/hello:1.0.0", pushed.Reference.ToString());
            Assert.Equal(image.Digest, pushed.Digest);
            Assert.Equal(["1.0.0", "latest"], pushed.Tags);
            var layout = dir.Combine(".gitops", "registry", "localhost", "hello");
            Assert.Equal(layout, registry.LayoutFor("localhost/hello").Root);
            Assert.Equal(["1.0.0", "latest"], new OciLayout(layout).RefNames());
            using var inspect = JsonDocument.Parse(ExternalTool.Run("skopeo", "inspect", $"oci:{layout}:latest"));
            Assert.Equal(image.Digest, inspect.RootElement.GetProperty("Digest").GetString());
            var tags = ExternalTool.Run("umoci", "ls", "--layout", layout).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(["1.0.0", "latest"], tags.Order(StringComparer.Ordinal));
        }

        [Fact]
        public async Task Copies_every_blob_byte_for_byte()
        {
            using var dir = new TempDir();
            var (source, image) = await BuildAsync(dir);
            var registry = new OciLayoutRegistry(dir.Combine("registry"));

            await registry.PushAsync(source, image.Digest, Hello(), ["1.0.0"]);

            var target = registry.LayoutFor("localhost/hello");
            var manifest = source.ReadManifest(image.Digest);
            foreach (var digest in manifest.Layers.Append(manifest.Config).Select(d => d.Digest).Append(image.Digest))
                Assert.Equal(source.ReadBlob(digest), target.ReadBlob(digest));
            Assert.Empty(Directory.GetFiles(Path.Combine(target.Root, "blobs", "sha256"), "*.tmp"));
        }

        [Fact]
        public async Task Skips_blobs_the_registry_already_holds()
        {
            using var dir = new TempDir();
            var (source, image) = await BuildAsync(dir);
            var registry = new OciLayoutRegistry(dir.Combine("registry"));
            await registry.PushAsync(source, image.Digest, Hello(), ["1.0.0"]);
            var target = registry.LayoutFor("localhost/hello");
            var layer = source.ReadManifest(image.Digest).Layers[0].Digest;
            var old = new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);
            File.SetLastWriteTimeUtc(target.BlobPath(layer), old);

            await registry.PushAsync(source, image.Digest, Hello(), ["1.0.1"]);

            Assert.Equal(old, File.GetLastWriteTimeUtc(target.BlobPath(layer)));
            Assert.Equal(image.Digest, await registry.ResolveAsync(Hello("1.0.1")));
        }

        [Fact]
        public async Task Never_tags_an_image_whose_blobs_are_missing()
        {
            using var dir = new TempDir();
            var (source, image) = await BuildAsync(dir);
            var layer = source.ReadManifest(image.Digest).Layers[0].Digest;
            File.Delete(source.BlobPath(layer));
            var registry = new OciLayoutRegistry(dir.Combine("registry"));

            var e = await Assert.ThrowsAsync<GitOpsException>(() => registry.PushAsync(source, image.Digest, Hello(), ["1.0.0"]));

            Assert.Contains(layer, e.Message);
            Assert.Null(await registry.ResolveAsync(Hello("1.0.0")));
            Assert.False(registry.LayoutFor("localhost/hello").HasBlob(image.Digest), "the manifest is written last");
        }

        [Fact]
        public async Task Refuses_a_blob_whose_bytes_do_not_match_its_digest()
        {
            using var dir = new TempDir();
            var (source, image) = await BuildAsync(dir);
            var config = source.ReadManifest(image.Digest).Config.Digest;
            File.WriteAllText(source.BlobPath(config), "{\"tampered\":true}");
            var registry = new OciLayoutRegistry(dir.Combine("registry"));

            var e = await Assert.ThrowsAsync<GitOpsException>(() => registry.PushAsync(source, image.Digest, Hello(), ["1.0.0"]));

            Assert.Contains("digest mismatch", e.Message);
            Assert.False(registry.LayoutFor("localhost/hello").HasBlob(config));
            Assert.Empty(await registry.ListTagsAsync("localhost/hello"));
        }

        [Fact]
        public async Task Keeps_repositories_apart_including_hosts_with_ports()
        {
            using var dir = new TempDir();
            var (source1, image1) = await BuildAsync(dir, "one");
            var (source2, image2) = await BuildAsync(dir, "two");
            var registry = new OciLayoutRegistry(dir.Combine("registry"));

            await registry.PushAsync(source1, image1.Digest, Hello(), ["1.0.0"]);
            await registry.PushAsync(source2, image2.Digest, ImageReference.ParseNormalized("localhost:5000/team/api:2.0.0"), []);

            Assert.Equal(["1.0.0"], await registry.ListTagsAsync("localhost/hello"));
            Assert.Equal(["2.0.0"], await registry.ListTagsAsync("localhost:5000/team/api"));
            Assert.True(Directory.Exists(dir.Combine("registry", "localhost_5000", "team", "api", "blobs")));
            Assert.Null(await registry.ResolveAsync(ImageReference.ParseNormalized("localhost:5000/team/api:1.0.0")));
        }

        [Fact]
        public async Task Rejects_a_repository_name_that_would_leave_the_root()
        {
            using var dir = new TempDir();
            var (source, image) = await BuildAsync(dir);
            var registry = new OciLayoutRegistry(dir.Combine("registry"));

            var e = await Assert.ThrowsAsync<GitOpsException>(() =>
                registry.PushAsync(source, image.Digest, new ImageReference("localhost", "team/../../escape"), ["1.0.0"]));

            Assert.Equal(ExitCode.InvalidInput, e.Code);
            Assert.False(Directory.Exists(dir.Combine("escape")));
        }

        [Fact]
        public async Task Pushes_an_image_skopeo_copied_into_a_layout()
        {
            using var dir = new TempDir();
            var (source, image) = await BuildAsync(dir);
            var copied = dir.Combine("copied");
            ExternalTool.Run("skopeo", "copy", $"oci:{source.Root}:local", $"oci:{copied}:v1");
            var registry = new OciLayoutRegistry(dir.Combine("registry"));

            await registry.PushAsync(new OciLayout(copied), image.Digest, Hello("v1"), []);

            var raw = ExternalTool.Run("skopeo", "inspect", "--raw", $"oci:{registry.LayoutFor("localhost/hello").Root}:v1");
            Assert.Equal(System.Text.Encoding.UTF8.GetString(source.ReadBlob(image.Digest)), raw.TrimEnd('\n'));
        }
    }

    public class ResolveAsync
    {
        [Fact]
        public async Task Gives_the_digest_of_a_tag_and_null_for_unknown_tags_and_repositories()
        {
            using var dir = new TempDir();
            var (source, image) = await BuildAsync(dir);
            var registry = new OciLayoutRegistry(dir.Combine("registry"));
            await registry.PushAsync(source, image.Digest, Hello(), ["1.0.0"]);

            Assert.Equal(image.Digest, await registry.ResolveAsync(Hello("1.0.0")));
            Assert.Null(await registry.ResolveAsync(Hello("9.9.9")));
            Assert.Null(await registry.ResolveAsync(ImageReference.ParseNormalized("localhost/other:1.0.0")));
            Assert.Equal(image.Digest, await registry.ResolveAsync(Hello() with { Digest = image.Digest }));
            Assert.Null(await registry.ResolveAsync(Hello() with { Digest = "sha256:" + new string('0', 64) }));
        }

        [Fact]
        public async Task Follows_a_tag_that_was_moved()
        {
            using var dir = new TempDir();
            var (source1, image1) = await BuildAsync(dir, "one");
            var src2 = SampleApp.Write(dir.Combine("two-src"));
            File.WriteAllText(Path.Combine(src2, ".version"), "2.0.0\n");
            var request2 = SampleApp.Request(src2, dir.Combine("two"), "local");
            var image2 = await new BuiltinImageBuilder().BuildAsync(request2);
            var registry = new OciLayoutRegistry(dir.Combine("registry"));

            await registry.PushAsync(source1, image1.Digest, Hello(), ["latest"]);
            await registry.PushAsync(request2.Output, image2.Digest, Hello(), ["latest"]);

            Assert.NotEqual(image1.Digest, image2.Digest);
            Assert.Equal(image2.Digest, await registry.ResolveAsync(Hello("latest")));
            Assert.Equal(["latest"], await registry.ListTagsAsync("localhost/hello"));
        }
    }

    public class ListTagsAsync
    {
        [Fact]
        public async Task Lists_tags_in_lexical_order_and_nothing_for_an_unknown_repository()
        {
            using var dir = new TempDir();
            var (source, image) = await BuildAsync(dir);
            var registry = new OciLayoutRegistry(dir.Combine("registry"));
            await registry.PushAsync(source, image.Digest, Hello(), ["b", "a", "C", "1.0.0"]);

            Assert.Equal(["1.0.0", "C", "a", "b"], await registry.ListTagsAsync("localhost/hello"));
            Assert.Empty(await registry.ListTagsAsync("localhost/nothing"));
        }
    }
}
