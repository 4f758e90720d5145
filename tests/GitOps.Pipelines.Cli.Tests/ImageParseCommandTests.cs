using System.Text.Json;

namespace GitOps.Pipelines.Cli.Tests;

public class ImageParseCommandTests
{
    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await Cli.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task A_docker_hub_short_name_is_normalized_with_latest()
    {
        var (code, output, err) = await Run("image", "parse", "ubuntu");
        Assert.Equal(0, code);
        Assert.Equal("", err);
        Assert.Contains("domain:     docker.io", output, StringComparison.Ordinal);
        Assert.Contains("path:       library/ubuntu", output, StringComparison.Ordinal);
        Assert.Contains("tag:        (none)", output, StringComparison.Ordinal);
        Assert.Contains("normalized: docker.io/library/ubuntu:latest", output, StringComparison.Ordinal);
        Assert.Contains("familiar:   ubuntu", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_output_has_every_part()
    {
        const string Digest = "sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
        var (code, output, _) = await Run("image", "parse", $"[::1]:5000/team/app:1.2@{Digest}", "--output", "json");
        Assert.Equal(0, code);
        var json = JsonDocument.Parse(output).RootElement;
        Assert.Equal("[::1]:5000", json.GetProperty("domain").GetString());
        Assert.Equal("team/app", json.GetProperty("path").GetString());
        Assert.Equal("[::1]:5000/team/app", json.GetProperty("repository").GetString());
        Assert.Equal("1.2", json.GetProperty("tag").GetString());
        Assert.Equal(Digest, json.GetProperty("digest").GetString());
        Assert.Equal($"[::1]:5000/team/app:1.2@{Digest}", json.GetProperty("normalized").GetString());
        Assert.Equal("[::1]:5000/team/app", json.GetProperty("familiarName").GetString());
    }

    [Fact]
    public async Task Json_output_writes_null_for_a_missing_tag()
    {
        var (_, output, _) = await Run("image", "parse", "index.docker.io/library/redis", "-o", "json");
        var json = JsonDocument.Parse(output).RootElement;
        Assert.Equal(JsonValueKind.Null, json.GetProperty("tag").ValueKind);
        Assert.Equal("docker.io/library/redis:latest", json.GetProperty("normalized").GetString());
        Assert.Equal("redis", json.GetProperty("familiarName").GetString());
    }

    [Theory]
    [InlineData("docker/Docker", "must be lowercase")]
    [InlineData("aa/asdf$$^/aa", "invalid reference format")]
    [InlineData("repo@sha256:abc", "invalid reference format")]
    [InlineData("repo@sha256:ffffffffffffffffffffffffffffffffff", "invalid checksum digest length")]
    [InlineData("dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c", "64-byte hexadecimal")]
    public async Task An_invalid_reference_is_exit_code_2_with_the_reason_on_stderr(string reference, string reason)
    {
        var (code, output, err) = await Run("image", "parse", reference);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.StartsWith("error: ", err, StringComparison.Ordinal);
        Assert.Contains(reason, err, StringComparison.Ordinal);
        Assert.Contains(reference, err, StringComparison.Ordinal);
    }
}
