using System.Text.Json;
using GitOps.Pipelines.Cli.Tests.Chain;
using GitOps.Pipelines.TestKit;

namespace GitOps.Pipelines.Cli.Tests.WriteBack;

/// <summary>The chain with gate <c>direct</c>: the bump is committed to the deploy branch, synced and verified without a PR.</summary>
public sealed class DirectGateChainTests
{
    private static string DirectConfig =>
        File.ReadAllText(Path.Combine(Paths.RepoRoot, "gitops.yaml"))
            .Replace("    gate: pr\n    autoMerge: true\n", "    gate: direct\n", StringComparison.Ordinal);

    [Fact]
    public async Task Deploy_commits_straight_to_main_and_verifies_staging_with_no_pull_request()
    {
        Assert.Contains("gate: direct", DirectConfig);
        using var app = new SampleApp(DirectConfig);

        var (code, output, err) = await app.Gitops("deploy", "--env", "staging", "--output", "json");

        Assert.True(code == 0, $"deploy exited {code}\n{err}");
        var reports = JsonDocument.Parse(output).RootElement.EnumerateArray().ToArray();
        JsonElement Stage(string stage) => reports.First(r => r.GetProperty("stage").GetString() == stage
            && r.TryGetProperty("environment", out var e) && e.GetString() == "staging");
        var bump = Stage("Bump");
        var revision = bump.GetProperty("revision").GetString()!;
        Assert.Equal("committed", bump.GetProperty("outcome").GetString());
        Assert.Equal(revision, Run.Git(app.RuntimeRepo, "rev-parse", "main"));
        Assert.Equal("2", Run.Git(app.RuntimeRepo, "rev-list", "--count", "main")); // seed + the bump, no merge commit
        Assert.Equal("merged", Stage("Gate").GetProperty("outcome").GetString());
        Assert.False(Stage("Gate").TryGetProperty("pullRequest", out _));
        var verify = Stage("Verify");
        Assert.Equal("verified", verify.GetProperty("outcome").GetString());
        Assert.Equal(revision, verify.GetProperty("revision").GetString());
        Assert.Equal(bump.GetProperty("digest").GetString(), verify.GetProperty("digest").GetString());
        var (_, prs, _) = await app.Gitops("pr", "list", "--state", "all");
        Assert.DoesNotContain("gitops/staging/", prs);
    }
}
