using System.Text.Json;
using GitOps.Pipelines.TestKit;
using GitOps.Pipelines.Tests.Registries;

namespace GitOps.Pipelines.Cli.Tests.Chain;

/// <summary>The chain pushing to the real CNCF distribution (<c>image.registry: docker://…</c>) instead of an OCI layout.</summary>
public sealed class RegistryChainTests : IDisposable
{
    private readonly DistributionServer _server = new();
    private readonly SampleApp _app;

    public RegistryChainTests()
    {
        var config = File.ReadAllText(Path.Combine(Paths.RepoRoot, "gitops.yaml"));
        Assert.Contains("  registry: oci:.gitops/registry\n", config, StringComparison.Ordinal);
        _app = new SampleApp(config.Replace("  registry: oci:.gitops/registry\n",
            $"  registry: docker://{_server.Host}/team\n  insecureRegistries: [\"{_server.Host}\"]\n", StringComparison.Ordinal));
    }

    public void Dispose()
    {
        _app.Dispose();
        _server.Dispose();
    }

    [Fact]
    public async Task Deploy_pushes_under_the_prefix_and_the_bump_writes_the_pushed_repository_and_digest()
    {
        var (code, output, err) = await _app.Gitops("deploy", "--output", "json");

        Assert.True(code == 0, $"deploy exited {code}\n{err}");
        var reports = JsonDocument.Parse(output).RootElement.EnumerateArray().ToList();
        var digest = reports.Last(r => r.GetProperty("stage").GetString() == "Push").GetProperty("digest").GetString()!;
        var pushedRepository = $"{_server.Host}/team/hello";
        var kustomization = Run.Git(_app.RuntimeRepo, "show", "main:overlays/staging/kustomization.yaml");
        Assert.Contains($"newName: {pushedRepository}", kustomization, StringComparison.Ordinal);
        Assert.Contains($"digest: {digest}", kustomization, StringComparison.Ordinal);
        var rendered = File.ReadAllText(Path.Combine(_app.State, "sync", "staging", "manifests.yaml"));
        Assert.Matches($@"image: {System.Text.RegularExpressions.Regex.Escape(pushedRepository)}:[^@\s]+@{digest}", rendered);
        var tag = System.Text.RegularExpressions.Regex.Match(rendered, $@"image: [^:]+:\d+/team/hello:([^@\s]+)@").Groups[1].Value;
        var inspect = Run.Process("skopeo", ["inspect", "--tls-verify=false", $"docker://{pushedRepository}:{tag}"]);
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        Assert.Equal(digest, JsonDocument.Parse(inspect.StdOut).RootElement.GetProperty("Digest").GetString());
        Assert.Equal("verified", reports.Last(r => r.GetProperty("stage").GetString() == "Verify").GetProperty("outcome").GetString());

        // A second deploy finds the entry by the pushed repository: nothing to bump, no new entry.
        var (again, _, err2) = await _app.Gitops("deploy", "--output", "json");
        Assert.True(again == 0, err2);
        Assert.Equal(kustomization, Run.Git(_app.RuntimeRepo, "show", "main:overlays/staging/kustomization.yaml"));
    }
}
