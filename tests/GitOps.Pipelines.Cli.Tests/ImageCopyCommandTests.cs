using System.Text;
using System.Text.Json;
using GitOps.Pipelines.Builders;
using GitOps.Pipelines.Oci;
using GitOps.Pipelines.TestKit;
using GitOps.Pipelines.Tests.Registries;

namespace GitOps.Pipelines.Cli.Tests;

public class ImageCopyCommandTests
{
    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await Cli.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static async Task<(OciLayout Layout, string Digest)> BuildAsync(TempDir dir)
    {
        dir.Write("src/index.html", "<h1>copy me</h1>\n");
        dir.Write("src/app/run.sh", "#!/bin/sh\necho hi\n");
        var layout = new OciLayout(dir.Combine("built"));
        var built = await new BuiltinImageBuilder().BuildAsync(new ImageBuildRequest(dir.Combine("src"), "localhost/app", ["1.0.0"], "scratch",
            "/app", ["/app/app/run.sh"], new Dictionary<string, string> { ["org.example.team"] = "gitops" },
            new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), layout));
        return (layout, built.Digest);
    }

    private static string Skopeo(params string[] args)
    {
        Assert.True(TestKit.Run.OnPath("skopeo"), "skopeo is not on PATH (Debian: apt-get install skopeo)");
        var r = TestKit.Run.Process("skopeo", args);
        Assert.True(r.ExitCode == 0, $"skopeo failed: {r}");
        return r.StdOut;
    }

    public class Copy
    {
        [Fact]
        public async Task Copies_a_layout_to_the_registry_and_back_with_one_digest()
        {
            using var server = new DistributionServer();
            using var dir = new TempDir();
            var (layout, digest) = await BuildAsync(dir);

            var push = await Run("image", "copy", $"oci:{layout.Root}:1.0.0", $"docker://{server.Host}/team/app:1.0.0");
            var pull = await Run("image", "copy", $"docker://{server.Host}/team/app:1.0.0", $"oci:{dir.Combine("pulled")}:copied", "-o", "json");

            Assert.True(push.Code == 0, push.Err);
            Assert.Equal($"copied oci:{layout.Root}:1.0.0 → docker://{server.Host}/team/app:1.0.0 ({digest})", push.Out.Trim());
            using var inspect = JsonDocument.Parse(Skopeo("inspect", "--tls-verify=false", $"docker://{server.Host}/team/app:1.0.0"));
            Assert.Equal(digest, inspect.RootElement.GetProperty("Digest").GetString());
            Assert.True(pull.Code == 0, pull.Err);
            Assert.Equal(digest, JsonDocument.Parse(pull.Out).RootElement.GetProperty("digest").GetString());
            var pulled = new OciLayout(dir.Combine("pulled"));
            Assert.Equal(digest, pulled.Resolve("copied")!.Digest);
            var manifest = layout.ReadManifest(digest);
            foreach (var d in manifest.Layers.Select(l => l.Digest).Append(manifest.Config.Digest).Append(digest))
                Assert.Equal(layout.ReadBlob(d), pulled.ReadBlob(d));
            using var skopeoLayout = JsonDocument.Parse(Skopeo("inspect", $"oci:{pulled.Root}:copied"));
            Assert.Equal(digest, skopeoLayout.RootElement.GetProperty("Digest").GetString());
        }

        [Fact]
        public async Task Refuses_a_source_that_is_neither_oci_nor_docker()
        {
            var (code, _, err) = await Run("image", "copy", "https://example.test/app", "oci:/tmp/x");

            Assert.Equal(2, code);
            Assert.Contains("'https://example.test/app' is not oci:PATH[:TAG] or docker://REF", err);
        }
    }

    public class Inspect
    {
        [Fact]
        public async Task Shows_the_raw_manifest_the_config_and_a_summary()
        {
            using var server = new DistributionServer();
            using var dir = new TempDir();
            var (layout, digest) = await BuildAsync(dir);
            Assert.Equal(0, (await Run("image", "copy", $"oci:{layout.Root}:1.0.0", $"docker://{server.Host}/app:1.0.0")).Code);
            var image = $"docker://{server.Host}/app:1.0.0";

            var raw = await Run("image", "inspect", image, "--raw");
            var config = await Run("image", "inspect", image, "--config");
            var summary = await Run("image", "inspect", image, "-o", "json");

            Assert.Equal(Encoding.UTF8.GetString(layout.ReadBlob(digest)), raw.Out.TrimEnd('\n'));
            Assert.Equal(Encoding.UTF8.GetString(layout.ReadBlob(layout.ReadManifest(digest).Config.Digest)), config.Out.TrimEnd('\n'));
            var json = JsonDocument.Parse(summary.Out).RootElement;
            Assert.Equal(digest, json.GetProperty("digest").GetString());
            Assert.Equal("linux/amd64", json.GetProperty("platform").GetString());
            Assert.Equal("2026-01-02T03:04:05Z", json.GetProperty("created").GetString());
            Assert.Equal("gitops", json.GetProperty("labels").GetProperty("org.example.team").GetString());
            Assert.Equal(layout.ReadManifest(digest).Layers.Select(l => l.Digest), json.GetProperty("layers").EnumerateArray().Select(l => l.GetString()));
        }

        [Fact]
        public async Task Reports_a_tag_that_does_not_exist_with_the_registry_code()
        {
            using var server = new DistributionServer();
            using var dir = new TempDir();
            var (layout, _) = await BuildAsync(dir);
            Assert.Equal(0, (await Run("image", "copy", $"oci:{layout.Root}:1.0.0", $"docker://{server.Host}/app:1.0.0")).Code);

            var (code, _, err) = await Run("image", "inspect", $"docker://{server.Host}/app:9.9.9");

            Assert.Equal(2, code);
            Assert.Contains($"registry {server.Host}: get manifest app:9.9.9 failed with 404", err);
            Assert.Contains("MANIFEST_UNKNOWN", err);
        }
    }
}
