using System.Text.Json;
using GitOps.Pipelines.Images;
using GitOps.Pipelines.Oci;
using GitOps.Pipelines.Registries;
using GitOps.Pipelines.Tests.Registries;
using GitOps.Pipelines.TestKit;

namespace GitOps.Pipelines.Cli.Tests;

public class TagsSelectCommandTests
{
    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await Cli.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    public class From_a_tag_list
    {
        [Fact]
        public async Task Semver_prints_the_highest_version_within_the_constraint()
        {
            var (code, output, err) = await Run("tags", "select", "--tags", "1.0.0,1.9.0,v1.10.0,2.0.0,latest", "--constraint", "^1");
            Assert.Equal(0, code);
            Assert.Equal("", err);
            Assert.Equal("v1.10.0", output.Trim());
        }

        [Fact]
        public async Task Allow_and_ignore_tags_filter_the_candidates()
        {
            var (code, output, _) = await Run("tags", "select", "--strategy", "name", "--tags", "2024-01-01,2024-03-01,2024-02-01-debug,main",
                "--allow-tags", "regexp:^\\d{4}-", "--ignore-tags", "*-debug");
            Assert.Equal(0, code);
            Assert.Equal("2024-03-01", output.Trim());
        }

        [Fact]
        public async Task Json_output_says_what_and_why()
        {
            var (code, output, _) = await Run("tags", "select", "--tags", "1.0.0,1.1.0", "-o", "json");
            Assert.Equal(0, code);
            var json = JsonDocument.Parse(output).RootElement;
            Assert.Equal("semver", json.GetProperty("strategy").GetString());
            Assert.Equal("1.1.0", json.GetProperty("tag").GetString());
            Assert.Equal(2, json.GetProperty("candidates").GetInt32());
            Assert.Contains("highest semantic version", json.GetProperty("reason").GetString(), StringComparison.Ordinal);
        }

        [Fact]
        public async Task No_qualifying_tag_is_exit_code_3_with_the_reason()
        {
            var (code, output, err) = await Run("tags", "select", "--tags", "1.0.0,2.0.0", "--constraint", "~3.1");
            Assert.Equal(3, code);
            Assert.Equal("", output);
            Assert.StartsWith("error: no tag qualifies:", err, StringComparison.Ordinal);
            Assert.Contains("~3.1", err, StringComparison.Ordinal);
        }

        [Fact]
        public async Task Latest_without_creation_dates_is_exit_code_3()
        {
            var (code, _, err) = await Run("tags", "select", "--strategy", "latest", "--tags", "a,b");
            Assert.Equal(3, code);
            Assert.Contains("creation date", err, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("--strategy", "newest")]
        [InlineData("--constraint", ">= bar")]
        [InlineData("--allow-tags", "regexp:[a-")]
        [InlineData("--allow-tags", "everything")]
        [InlineData("--tags", "ok,not a tag")]
        public async Task Bad_input_is_exit_code_2(string option, string value)
        {
            var args = option == "--tags" ? new[] { "tags", "select", option, value } : ["tags", "select", "--tags", "1.0.0", option, value];
            var (code, output, err) = await Run(args);
            Assert.Equal(2, code);
            Assert.Equal("", output);
            Assert.StartsWith("error: ", err, StringComparison.Ordinal);
        }

        [Fact]
        public async Task Neither_tags_nor_image_is_exit_code_2()
        {
            var (code, _, err) = await Run("tags", "select");
            Assert.Equal(2, code);
            Assert.Contains("--tags", err, StringComparison.Ordinal);
        }
    }

    public sealed class From_an_oci_layout : IDisposable
    {
        private readonly TempDir _dir = new("tags-select");
        private readonly OciLayout _layout;

        public From_an_oci_layout() => _layout = new OciLayout(_dir.Combine("layout")).EnsureCreated();

        public void Dispose() => _dir.Dispose();

        // An image whose config says when it was created, tagged with the given ref names.
        private OciDescriptor Image(string created, params string[] refNames)
        {
            var config = new OciImageConfig(created, "amd64", "linux", new OciRuntimeConfig(Cmd: [created]), new OciRootFs("layers", []));
            var configDescriptor = _layout.WriteBlob(JsonSerializer.SerializeToUtf8Bytes(config, OciJson.Default.OciImageConfig), MediaTypes.ImageConfig);
            var manifest = new OciManifest(2, MediaTypes.ImageManifest, configDescriptor, []);
            var descriptor = _layout.WriteBlob(JsonSerializer.SerializeToUtf8Bytes(manifest, OciJson.Default.OciManifest), MediaTypes.ImageManifest);
            foreach (var refName in refNames) _layout.Tag(descriptor, refName);
            return descriptor;
        }

        [Fact]
        public async Task Latest_picks_the_most_recently_created_plain_tag()
        {
            Image("2026-01-03T00:00:00Z", "old-but-high-9.9.9");
            var newest = Image("2026-03-01T00:00:00Z", "build-42");
            Image("2026-02-01T00:00:00Z", "build-41");
            var (code, output, _) = await Run("tags", "select", "--strategy", "latest", "--image", $"oci:{_layout.Root}", "-o", "json");
            Assert.Equal(0, code);
            var json = JsonDocument.Parse(output).RootElement;
            Assert.Equal("build-42", json.GetProperty("tag").GetString());
            Assert.Equal(newest.Digest, json.GetProperty("digest").GetString());
            Assert.Equal(DateTimeOffset.Parse("2026-03-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
                json.GetProperty("created").GetDateTimeOffset());
        }

        [Fact]
        public async Task Repository_qualified_ref_names_are_filtered_by_repo()
        {
            Image("2026-01-01T00:00:00Z", "localhost/hello:1.2.3", "localhost/other:9.0.0");
            Image("2026-01-02T00:00:00Z", "localhost/hello:1.3.0");
            var (code, output, _) = await Run("tags", "select", "--image", $"oci:{_layout.Root}:localhost/hello");
            Assert.Equal(0, code);
            Assert.Equal("1.3.0", output.Trim());
        }

        [Fact]
        public async Task Several_repositories_without_repo_is_exit_code_2()
        {
            Image("2026-01-01T00:00:00Z", "localhost/hello:1.2.3", "localhost/other:9.0.0");
            var (code, _, err) = await Run("tags", "select", "--image", $"oci:{_layout.Root}");
            Assert.Equal(2, code);
            Assert.Contains("localhost/hello", err, StringComparison.Ordinal);
        }

        [Fact]
        public async Task A_single_repository_needs_no_repo()
        {
            Image("2026-01-01T00:00:00Z", "localhost/hello:1.2.3", "localhost/hello:1.4.0");
            var (code, output, _) = await Run("tags", "select", "--image", $"oci:{_layout.Root}");
            Assert.Equal(0, code);
            Assert.Equal("1.4.0", output.Trim());
        }

        [Fact]
        public async Task Digest_follows_a_mutable_tag()
        {
            Image("2026-01-01T00:00:00Z", "latest-old");
            var current = Image("2026-01-02T00:00:00Z", "stable");
            var (code, output, _) = await Run("tags", "select", "--strategy", "digest", "--constraint", "stable", "--image", $"oci:{_layout.Root}");
            Assert.Equal(0, code);
            Assert.Equal($"stable@{current.Digest}", output.Trim());
        }

        [Fact]
        public async Task A_multi_platform_index_takes_the_date_of_its_first_image_and_a_missing_blob_has_none()
        {
            var image = Image("2026-05-01T00:00:00Z");
            var index = new OciIndex(2, MediaTypes.ImageIndex, [image with { Platform = new OciPlatform("amd64", "linux") }]);
            var indexDescriptor = _layout.WriteBlob(JsonSerializer.SerializeToUtf8Bytes(index, OciJson.Default.OciIndex), MediaTypes.ImageIndex);
            _layout.Tag(indexDescriptor, "multi");
            var dangling = new OciDescriptor(MediaTypes.ImageManifest, "sha256:" + new string('0', 64), 2);
            Image("2026-04-01T00:00:00Z", "single");
            // OciLayout.Tag refuses a missing manifest, so write the dangling entry the way another tool might have.
            var indexPath = Path.Combine(_layout.Root, "index.json");
            var current = JsonSerializer.Deserialize(File.ReadAllBytes(indexPath), OciJson.Default.OciIndex)!;
            var danglingTagged = dangling with { Annotations = new Dictionary<string, string> { [Annotations.RefName] = "gone" } };
            File.WriteAllBytes(indexPath, JsonSerializer.SerializeToUtf8Bytes(current with { Manifests = [.. current.Manifests, danglingTagged] }, OciJson.Default.OciIndex));

            var (code, output, _) = await Run("tags", "select", "--strategy", "latest", "--image", $"oci:{_layout.Root}", "-o", "json");
            Assert.Equal(0, code);
            var json = JsonDocument.Parse(output).RootElement;
            Assert.Equal("multi", json.GetProperty("tag").GetString());
            Assert.Equal(indexDescriptor.Digest, json.GetProperty("digest").GetString());
            Assert.Equal(3, json.GetProperty("candidates").GetInt32());
        }

        [Fact]
        public async Task A_folder_that_is_not_a_layout_is_exit_code_2()
        {
            Directory.CreateDirectory(_dir.Combine("empty"));
            var (code, _, err) = await Run("tags", "select", "--image", $"oci:{_dir.Combine("empty")}");
            Assert.Equal(2, code);
            Assert.Contains("not an OCI image layout", err, StringComparison.Ordinal);
        }

        [Fact]
        public async Task Tags_and_image_together_is_exit_code_2()
        {
            var (code, _, err) = await Run("tags", "select", "--tags", "1.0.0", "--image", $"oci:{_layout.Root}");
            Assert.Equal(2, code);
            Assert.Contains("not both", err, StringComparison.Ordinal);
        }
    }

    public sealed class From_a_registry : IDisposable
    {
        private readonly TempDir _dir = new("tags-select-registry");
        private readonly DistributionServer _server = new();

        public void Dispose()
        {
            _server.Dispose();
            _dir.Dispose();
        }

        // Pushes an image created at `created` to the registry under each tag.
        private async Task<string> Push(string created, params string[] tags)
        {
            var layout = new OciLayout(_dir.Combine("layout-" + created[..10])).EnsureCreated();
            var config = new OciImageConfig(created, "amd64", "linux", new OciRuntimeConfig(Cmd: [created]), new OciRootFs("layers", []));
            var configDescriptor = layout.WriteBlob(JsonSerializer.SerializeToUtf8Bytes(config, OciJson.Default.OciImageConfig), MediaTypes.ImageConfig);
            var manifest = new OciManifest(2, MediaTypes.ImageManifest, configDescriptor, []);
            var descriptor = layout.WriteBlob(JsonSerializer.SerializeToUtf8Bytes(manifest, OciJson.Default.OciManifest), MediaTypes.ImageManifest);
            using var registry = new DistributionRegistry(_server.Host);
            await registry.PushAsync(layout, descriptor.Digest, ImageReference.ParseNormalized($"{_server.Host}/team/app"), tags);
            return descriptor.Digest;
        }

        [Fact]
        public async Task Semver_reads_the_tags_through_the_registry()
        {
            await Push("2026-01-01T00:00:00Z", "1.2.0", "1.10.0", "2.0.0-rc.1", "latest");

            var (code, output, err) = await Run("tags", "select", "--image", $"docker://{_server.Host}/team/app", "--constraint", ">=1.0", "--page-size", "2");

            Assert.True(code == 0, err);
            Assert.Equal("1.10.0", output.Trim());
        }

        [Fact]
        public async Task Latest_reports_the_digest_and_created_of_a_plain_registry_reference()
        {
            await Push("2026-01-01T00:00:00Z", "build-1");
            var newest = await Push("2026-02-01T00:00:00Z", "build-2");

            var (code, output, err) = await Run("tags", "select", "--strategy", "latest", "--image", $"{_server.Host}/team/app", "--platform", "linux/amd64", "-o", "json");

            Assert.True(code == 0, err);
            var json = JsonDocument.Parse(output).RootElement;
            Assert.Equal(("build-2", newest), (json.GetProperty("tag").GetString(), json.GetProperty("digest").GetString()));
            Assert.Equal(2, json.GetProperty("candidates").GetInt32());
        }

        [Fact]
        public async Task No_image_for_the_platform_is_exit_code_3()
        {
            await Push("2026-01-01T00:00:00Z", "1.0.0");

            var (code, _, err) = await Run("tags", "select", "--image", $"docker://{_server.Host}/team/app", "--platform", "linux/arm64/v8");

            Assert.Equal(3, code);
            Assert.Contains("no tag qualifies", err, StringComparison.Ordinal);
            Assert.Contains("1 without linux/arm64/v8 left out", err, StringComparison.Ordinal);
        }
    }
}
