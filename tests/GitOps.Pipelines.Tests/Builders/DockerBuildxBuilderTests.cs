using GitOps.Pipelines.Builders;
using GitOps.Pipelines.Oci;
using GitOps.Pipelines.TestKit;
using GitOps.Pipelines.Tests.Oci;

namespace GitOps.Pipelines.Tests.Builders;

/// <summary>
/// The docker builder on a machine with the docker CLI and no daemon (this one): it says why it cannot run, and the
/// command line it would run is checked argument by argument.
/// </summary>
public class DockerBuildxBuilderTests
{
    public class Availability
    {
        [Fact]
        public async Task Without_a_daemon_it_is_not_available_and_quotes_docker()
        {
            ExternalTool.Require("docker");
            var daemon = TestKit.Run.Process("docker", ["info", "--format", "{{.ServerVersion}}"]);
            Assert.True(daemon.ExitCode != 0, "a Docker daemon answers here; this test describes a machine without one");

            var available = await new DockerBuildxBuilder().CheckAsync();

            Assert.False(available.Available);
            Assert.StartsWith("no Docker daemon answers (docker info: ", available.Reason);
            Assert.Contains("Cannot connect to the Docker daemon", available.Reason);
        }

        [Fact]
        public async Task Without_the_cli_it_is_not_installed()
        {
            using var dir = new TempDir();

            var available = await new DockerBuildxBuilder(program: dir.Combine("no-such-docker")).CheckAsync();

            Assert.False(available.Available);
            Assert.EndsWith("is not installed", available.Reason);
        }

        [Fact]
        [System.Runtime.Versioning.SupportedOSPlatform("linux")]
        public async Task A_daemon_that_never_answers_is_not_available_after_the_timeout()
        {
            using var dir = new TempDir();
            var docker = dir.Combine("docker");
            await File.WriteAllTextAsync(docker, "#!/bin/sh\nexec sleep 30\n");
            File.SetUnixFileMode(docker, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var watch = System.Diagnostics.Stopwatch.StartNew();

            var available = await new DockerBuildxBuilder(program: docker) { CheckTimeout = TimeSpan.FromSeconds(1) }.CheckAsync();

            Assert.False(available.Available);
            Assert.EndsWith("info gave no answer in 1 s)", available.Reason);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}");
        }

        [Fact]
        public async Task Building_without_a_daemon_fails_with_the_reason_and_writes_nothing()
        {
            using var dir = new TempDir();
            var request = SampleApp.Request(SampleApp.Write(dir.Combine("src")), dir.Combine("layout"));

            var e = await Assert.ThrowsAsync<GitOpsException>(() => new DockerBuildxBuilder().BuildAsync(request));

            Assert.StartsWith("image.builder 'docker' cannot run here: no Docker daemon answers", e.Message);
            Assert.Equal(ExitCode.InvalidInput, e.Code);
            Assert.False(request.Output.Exists);
        }
    }

    public class Arguments
    {
        [Fact]
        public void Buildx_writes_an_oci_tarball_with_rewritten_timestamps_labels_tags_and_platforms()
        {
            var builder = new DockerBuildxBuilder([new OciPlatform("amd64", "linux"), new OciPlatform("arm64", "linux", "v8")]);
            var request = SampleApp.Request("/ctx", "/out", "1.0.0", "latest");

            var args = builder.BuildArguments(request, "/ctx/Dockerfile", "/work/w/image.tar");

            Assert.Equal(
            [
                "buildx", "build", "--file", "/ctx/Dockerfile",
                "--build-arg", "SOURCE_DATE_EPOCH=1700000000",
                "--provenance=false", "--sbom=false",
                "--output", "type=oci,dest=/work/w/image.tar,rewrite-timestamp=true",
                "--platform", "linux/amd64,linux/arm64/v8",
                "--label", "org.opencontainers.image.created=2023-11-14T22:13:20Z",
                "--label", "org.opencontainers.image.revision=0123456789abcdef0123456789abcdef01234567",
                "--label", "org.opencontainers.image.source=https://example.test/hello",
                "--label", "team=platform",
                "--tag", "localhost/hello:1.0.0",
                "--tag", "localhost/hello:latest",
                "/ctx",
            ], args);
        }

        [Fact]
        public void Without_platforms_the_daemon_chooses()
        {
            var args = new DockerBuildxBuilder().BuildArguments(SampleApp.Request("/ctx", "/out"), "/r", "/a.tar");

            Assert.DoesNotContain("--platform", args);
        }
    }
}

/// <summary>Importing OCI tarballs (docker buildx's output) made by the real skopeo.</summary>
public class OciArchiveTests
{
    [Fact]
    public async Task An_oci_archive_lands_in_the_layout_with_every_tag_and_all_blobs()
    {
        using var dir = new TempDir();
        var request = SampleApp.Request(SampleApp.Write(dir.Combine("src")), dir.Combine("built"));
        var image = await new BuiltinImageBuilder().BuildAsync(request);
        var archive = dir.Combine("image.tar");
        ExternalTool.Run("skopeo", "copy", $"oci:{request.Output.Root}:1.0.0", $"oci-archive:{archive}:1.0.0");
        var output = new OciLayout(dir.Combine("out"));

        var top = await OciArchive.ImportAsync(archive, output, ["1.0.0", "latest"]);

        Assert.Equal(image.Digest, top.Digest);
        Assert.Equal(image.Digest, output.Resolve("latest")?.Digest);
        Assert.Equal(image.Digest, ExternalTool.Run("skopeo", "inspect", "--format", "{{.Digest}}", $"oci:{output.Root}:latest").Trim());
    }

    [Fact]
    public async Task A_file_that_is_not_a_layout_tarball_is_refused()
    {
        using var dir = new TempDir();
        var archive = dir.Combine("image.tar");
        await File.WriteAllTextAsync(dir.Combine("hello.txt"), "hi");
        ExternalTool.Run("tar", "-cf", archive, "-C", dir.Path, "hello.txt");

        var e = await Assert.ThrowsAsync<GitOpsException>(() => OciArchive.ImportAsync(archive, new OciLayout(dir.Combine("out")), ["x"]));

        Assert.Contains("is not an OCI image layout", e.Message);
    }
}
