using System.Text.Json;
using GitOps.Pipelines.Builders;
using GitOps.Pipelines.Images;
using GitOps.Pipelines.Oci;
using GitOps.Pipelines.Registries;
using GitOps.Pipelines.Registries.Distribution;
using GitOps.Pipelines.Tags;
using GitOps.Pipelines.TestKit;
using GitOps.Pipelines.Tests.Builders;
using GitOps.Pipelines.Tests.Oci;

namespace GitOps.Pipelines.Tests.Registries;

/// <summary>Tag selection over a real registry (CNCF distribution on loopback) and over OCI layouts, through one <see cref="ITagSource"/>.</summary>
public class TagSourceTests
{
    /// <summary>Builds the sample app into <paramref name="layout"/> for <paramref name="platform"/>, created at <paramref name="created"/>.</summary>
    private static async Task<BuiltImage> Build(TempDir dir, string layout, DateTimeOffset created, OciPlatform? platform = null, string tag = "t")
    {
        var request = SampleApp.Request(SampleApp.Write(dir.Combine("src")), dir.Combine(layout), tag) with { Created = created };
        return await new BuiltinImageBuilder(platform ?? new OciPlatform("amd64", "linux")).BuildAsync(request);
    }

    private static DateTimeOffset Day(int day) => new(2026, 3, day, 12, 0, 0, TimeSpan.Zero);

    private static int Count(CountingHandler counter, string method, string pathPart) =>
        counter.Seen.Count(r => r.Method == method && r.Path.Contains(pathPart, StringComparison.Ordinal));

    public class Semver
    {
        [Fact]
        public async Task Selects_from_every_page_with_a_ping_and_one_request_per_page_and_no_manifest()
        {
            using var server = new DistributionServer();
            using var proxy = new RegistryProxy(server.Host) { PageTags = true };
            using var dir = new TempDir();
            var image = await Build(dir, "one", Day(1));
            // 60 tags: 1.0.0 … 1.0.49 and ten that are not versions; the highest version sorts in the middle, not last.
            var tags = Enumerable.Range(0, 50).Select(i => $"1.0.{i}").Concat(Enumerable.Range(0, 10).Select(i => $"build-{i}")).ToArray();
            using (var pusher = new DistributionRegistry(server.Host, options: DistributionRegistryTests.Options()))
                await pusher.PushAsync(new OciLayout(dir.Combine("one")), image.Digest, ImageReference.ParseNormalized($"{server.Host}/many"), tags);
            var counter = new CountingHandler[1];
            using var client = new RegistryClient(proxy.Host, DistributionRegistryTests.Options(counter: counter));
            using var source = new RegistryTagSource(client, "many", pageSize: 6);

            var result = await TagSelector.SelectAsync(source, TagPolicy.Create("semver", "^1"));

            Assert.Equal("1.0.49", result.Selection.Tag!.Name);
            Assert.Equal(60, result.Candidates);
            Assert.Equal(11, counter[0].Seen.Count);
            Assert.Equal(1, Count(counter[0], "GET", "/v2/") - Count(counter[0], "GET", "/tags/list"));
            Assert.Equal(10, Count(counter[0], "GET", "/tags/list"));
            Assert.Equal(0, Count(counter[0], "GET", "/manifests/") + Count(counter[0], "HEAD", "/manifests/"));
            // skopeo lists the same tags from the registry itself.
            using var skopeo = JsonDocument.Parse(ExternalTool.Run("skopeo", "list-tags", "--tls-verify=false", $"docker://{server.Host}/many"));
            Assert.Equal(60, skopeo.RootElement.GetProperty("Tags").GetArrayLength());
        }

        [Fact]
        public async Task Gives_an_empty_list_for_an_unknown_repository_so_no_tag_qualifies()
        {
            using var server = new DistributionServer();
            using var client = new RegistryClient(server.Host, DistributionRegistryTests.Options());
            using var source = new RegistryTagSource(client, "nothing");

            var result = await TagSelector.SelectAsync(source, TagPolicy.Create("semver"));

            Assert.False(result.Selection.Found);
            Assert.Equal(0, result.Candidates);
        }
    }

    public class Latest
    {
        [Fact]
        public async Task Reads_created_from_the_config_of_only_the_tags_that_pass_the_filters()
        {
            using var server = new DistributionServer();
            using var dir = new TempDir();
            var older = await Build(dir, "a", Day(1));
            var newer = await Build(dir, "b", Day(5));
            var newest = await Build(dir, "c", Day(9));
            using (var pusher = new DistributionRegistry(server.Host, options: DistributionRegistryTests.Options()))
            {
                var repo = ImageReference.ParseNormalized($"{server.Host}/dated");
                await pusher.PushAsync(new OciLayout(dir.Combine("a")), older.Digest, repo, ["main-1"]);
                await pusher.PushAsync(new OciLayout(dir.Combine("b")), newer.Digest, repo, ["main-2"]);
                await pusher.PushAsync(new OciLayout(dir.Combine("c")), newest.Digest, repo, ["main-3-debug", "pr-7"]);
            }
            var counter = new CountingHandler[1];
            using var client = new RegistryClient(server.Host, DistributionRegistryTests.Options(counter: counter));
            using var source = new RegistryTagSource(client, "dated");

            var result = await TagSelector.SelectAsync(source, TagPolicy.Create("latest", allowTags: "regexp:^main-", ignoreTags: "*-debug"));

            Assert.Equal("main-2", result.Selection.Tag!.Name);
            Assert.Equal(newer.Digest, result.Selection.Tag.Digest);
            Assert.Equal(Day(5), result.Selection.Tag.Created);
            Assert.Equal(4, result.Candidates);
            // main-1 and main-2 only: one manifest and one config each.
            Assert.Equal(2, Count(counter[0], "GET", "/manifests/"));
            Assert.Equal(2, Count(counter[0], "GET", "/blobs/"));
        }
    }

    public class Platform
    {
        private static async Task<(DistributionServer Server, BuiltImage Arm, BuiltImage AmdOnly)> Push(TempDir dir)
        {
            var server = new DistributionServer();
            var amd = await Build(dir, "multi", Day(2), tag: "amd");
            var arm = await Build(dir, "multi", Day(3), new OciPlatform("arm64", "linux", "v8"), tag: "arm");
            var layout = new OciLayout(dir.Combine("multi"));
            var index = new OciIndex(2, MediaTypes.ImageIndex,
            [
                new OciDescriptor(MediaTypes.ImageManifest, amd.Digest, layout.ReadBlob(amd.Digest).Length, Platform: new OciPlatform("amd64", "linux")),
                new OciDescriptor(MediaTypes.ImageManifest, arm.Digest, layout.ReadBlob(arm.Digest).Length, Platform: new OciPlatform("arm64", "linux", "v8")),
            ]);
            var indexBlob = layout.WriteBlob(JsonSerializer.SerializeToUtf8Bytes(index, OciJson.Canonical.OciIndex), MediaTypes.ImageIndex);
            var amdOnly = await Build(dir, "single", Day(8));
            using var pusher = new DistributionRegistry(server.Host, options: DistributionRegistryTests.Options());
            var repo = ImageReference.ParseNormalized($"{server.Host}/plat");
            await pusher.PushAsync(layout, indexBlob.Digest, repo, ["1.1.0"]);
            await pusher.PushAsync(new OciLayout(dir.Combine("single")), amdOnly.Digest, repo, ["1.2.0"]);
            return (server, arm with { Digest = indexBlob.Digest }, amdOnly);
        }

        [Fact]
        public async Task Latest_takes_the_date_of_the_platform_image_and_leaves_out_images_without_it()
        {
            using var dir = new TempDir();
            var (server, index, _) = await Push(dir);
            using var _ = server;
            using var client = new RegistryClient(server.Host, DistributionRegistryTests.Options());
            using var source = new RegistryTagSource(client, "plat");

            var arm = await TagSelector.SelectAsync(source, TagPolicy.Create("latest"), Platforms.Parse("linux/arm64/v8"));
            var amd = await TagSelector.SelectAsync(source, TagPolicy.Create("latest"), Platforms.Parse("linux/amd64"));

            Assert.Equal(("1.1.0", index.Digest, Day(3)), (arm.Selection.Tag!.Name, arm.Selection.Tag.Digest, arm.Selection.Tag.Created));
            Assert.Equal(("1.2.0", (DateTimeOffset?)Day(8)), (amd.Selection.Tag!.Name, amd.Selection.Tag.Created));
        }

        [Fact]
        public async Task Semver_passes_over_a_higher_version_that_lacks_the_platform()
        {
            using var dir = new TempDir();
            var (server, index, _) = await Push(dir);
            using var _ = server;
            var counter = new CountingHandler[1];
            using var client = new RegistryClient(server.Host, DistributionRegistryTests.Options(counter: counter));
            using var source = new RegistryTagSource(client, "plat");

            var arm = await TagSelector.SelectAsync(source, TagPolicy.Create("semver"), Platforms.Parse("linux/arm64"));
            var s390 = await TagSelector.SelectAsync(source, TagPolicy.Create("semver"), Platforms.Parse("linux/s390x"));

            Assert.Equal(("1.1.0", index.Digest), (arm.Selection.Tag!.Name, arm.Selection.Tag.Digest));
            Assert.False(s390.Selection.Found);
        }

        [Theory]
        [InlineData("linux/amd64", "amd64", "linux", null)]
        [InlineData("linux/arm64/v8", "arm64", "linux", "v8")]
        [InlineData("Linux/ARM/v7", "arm", "linux", "v7")]
        public void Parses_os_arch_and_variant(string text, string arch, string os, string? variant) =>
            Assert.Equal(new OciPlatform(arch, os, variant), Platforms.Parse(text));

        [Theory]
        [InlineData("linux")]
        [InlineData("linux/")]
        [InlineData("linux/amd64/v1/x")]
        public void Refuses_what_is_not_os_arch(string text) =>
            Assert.Equal(ExitCode.InvalidInput, Assert.Throws<GitOpsException>(() => Platforms.Parse(text)).Code);

        [Fact]
        public void Treats_arm64_without_a_variant_as_v8()
        {
            Assert.True(Platforms.Matches(new OciPlatform("arm64", "linux"), Platforms.Parse("linux/arm64/v8")));
            Assert.False(Platforms.Matches(new OciPlatform("arm", "linux", "v6"), Platforms.Parse("linux/arm/v7")));
        }
    }
}
