using GitOps.Pipelines.Cli.Tests.Chain;
using GitOps.Pipelines.TestKit;

namespace GitOps.Pipelines.Cli.Tests.WriteBack;

/// <summary><c>gitops rollback</c> and <c>gitops promote --to</c> on the sample app's runtime repo and local forge.</summary>
public sealed class RollbackAndPromoteTests
{
    private const string D1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    private const string D2 = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
    private const string Staging = "overlays/staging/kustomization.yaml";
    private const string Production = "overlays/production/kustomization.yaml";

    private static async Task<int> ScriptedBump(SampleApp app, string path, string tag, string digest)
    {
        var err = new StringWriter();
        var code = await Cli.RunAsync(["bump", "--runtime-repo", app.RuntimeRepo, "--path", path, "--image", "localhost/hello",
            "--tag", tag, "--digest", digest, "--cache-dir", app.Combine("script-cache")], new StringWriter(), err);
        Assert.True(code == 0, err.ToString());
        return code;
    }

    [Fact]
    public async Task Rollback_without_history_says_there_is_nothing_to_go_back_to()
    {
        using var app = new SampleApp();

        var (code, _, err) = await app.Gitops("rollback", "--env", "staging");

        Assert.Equal(2, code);
        Assert.Contains($"rollback: {Staging} has no earlier version to go back to on main", err);
        Assert.Equal("1", Run.Git(app.RuntimeRepo, "rev-list", "--count", "main"));
    }

    [Fact]
    public async Task Rollback_opens_a_pr_restoring_the_previous_image_and_an_auto_merge_gate_merges_it()
    {
        using var app = new SampleApp();
        await app.Gitops("rollback", "--env", "staging"); // seeds the runtime repo (and finds nothing to roll back)
        await ScriptedBump(app, Staging, "1.0.0", D1);
        var good = Run.Git(app.RuntimeRepo, "rev-parse", "main");
        await ScriptedBump(app, Staging, "2.0.0", D2);

        var (code, output, err) = await app.Gitops("rollback", "--env", "staging");

        Assert.True(code == 0, err);
        Assert.Contains("Rollback committed", output);
        Assert.Contains("Gate    merged", output);
        Assert.Equal(Run.Git(app.RuntimeRepo, "show", $"{good}:{Staging}"), Run.Git(app.RuntimeRepo, "show", $"main:{Staging}"));
        Assert.Contains("Merge pull request #1 from gitops/staging/rollback", Run.Git(app.RuntimeRepo, "log", "-1", "--format=%B", "main"));
        var state = File.ReadAllText(Path.Combine(app.State, "state", "chain.json"));
        Assert.Contains(D1, state);
    }

    [Fact]
    public async Task Rollback_to_a_tag_restores_that_revision_and_waits_at_an_approval_gate()
    {
        using var app = new SampleApp();
        await app.Gitops("rollback", "--env", "production");
        await ScriptedBump(app, Production, "1.0.0", D1);
        Run.Git(app.RuntimeRepo, "tag", "release-1", "main");
        await ScriptedBump(app, Production, "2.0.0", D2);
        await ScriptedBump(app, Staging, "2.0.0", D2);
        var main = Run.Git(app.RuntimeRepo, "rev-parse", "main");

        var (code, _, err) = await app.Gitops("rollback", "--env", "production", "--to", "release-1");

        Assert.True(code == 4, $"{code} {err}"); // the PR waits for its approval
        Assert.Equal(main, Run.Git(app.RuntimeRepo, "rev-parse", "main"));
        var restored = Run.Git(app.RuntimeRepo, "show", $"gitops/production/rollback:{Production}");
        Assert.Contains("newTag: \"1.0.0\"", restored);
        Assert.Contains(D1, restored);
        Assert.Contains("newTag: \"2.0.0\"", Run.Git(app.RuntimeRepo, "show", $"gitops/production/rollback:{Staging}"));
        var (_, list, _) = await app.Gitops("pr", "list");
        Assert.Contains("gitops/production/rollback → main", list);
    }

    [Fact]
    public async Task Rollback_to_a_revision_that_does_not_exist_is_named()
    {
        using var app = new SampleApp();

        var (code, _, err) = await app.Gitops("rollback", "--env", "staging", "--to", "no-such-tag");

        Assert.Equal(2, code);
        Assert.Contains("rollback: 'no-such-tag' names no commit or tag", err);
    }

    [Fact]
    public async Task Promote_to_an_environment_refuses_a_source_that_is_not_verified_healthy()
    {
        using var app = new SampleApp();

        var (code, _, err) = await app.Gitops("promote", "--from", "staging", "--to", "production");

        Assert.Equal(5, code);
        Assert.Contains("cannot promote from staging: it is not verified healthy", err);
        Assert.False(Directory.Exists(app.RuntimeRepo));
    }

    [Fact]
    public async Task Promote_to_a_named_environment_bumps_only_it_with_the_verified_digest()
    {
        var config = File.ReadAllText(Path.Combine(Paths.RepoRoot, "gitops.yaml")).Replace("sync:\n",
            "  - name: qa\n    path: overlays/qa\n    editor: kustomize\n    gate: pr\n    approvals: 1\nsync:\n", StringComparison.Ordinal);
        using var app = new SampleApp(config);
        var qa = app.Combine("examples", "runtime", "overlays", "qa");
        Directory.CreateDirectory(qa);
        File.WriteAllText(Path.Combine(qa, "kustomization.yaml"),
            File.ReadAllText(app.Combine("examples", "runtime", "overlays", "production", "kustomization.yaml")).Replace("hello-production", "hello-qa", StringComparison.Ordinal));
        var (deployed, _, deployErr) = await app.Gitops("deploy", "--env", "staging");
        Assert.True(deployed == 0, deployErr);
        var state = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(app.State, "state", "chain.json")));
        var digest = state.RootElement.GetProperty("pushed").GetProperty("digest").GetString()!;
        var (_, before, _) = await app.Gitops("pr", "list");

        var (code, output, err) = await app.Gitops("promote", "--from", "staging", "--to", "qa");

        Assert.True(code == 0, err);
        Assert.Contains("Gate    waiting", output);
        Assert.DoesNotContain("gitops/qa/", before);
        var (_, after, _) = await app.Gitops("pr", "list");
        Assert.Contains("gitops/qa/hello → main", after);
        Assert.Equal(before.Split('\n').Count(l => l.Contains("gitops/production/", StringComparison.Ordinal)),
            after.Split('\n').Count(l => l.Contains("gitops/production/", StringComparison.Ordinal))); // production untouched
        Assert.Contains($"digest: {digest}", Run.Git(app.RuntimeRepo, "show", "gitops/qa/hello:overlays/qa/kustomization.yaml"));
        Assert.DoesNotContain(digest, Run.Git(app.RuntimeRepo, "show", "main:overlays/qa/kustomization.yaml"));
    }

    [Fact]
    public async Task Promote_to_itself_or_an_unknown_environment_is_refused()
    {
        using var app = new SampleApp();

        var self = await app.Gitops("promote", "--from", "staging", "--to", "staging");
        var unknown = await app.Gitops("promote", "--from", "staging", "--to", "qa");

        Assert.Equal(2, self.Code);
        Assert.Contains("cannot promote staging to itself", self.Err);
        Assert.Equal(2, unknown.Code);
        Assert.Contains("no environment 'qa'", unknown.Err);
    }
}
