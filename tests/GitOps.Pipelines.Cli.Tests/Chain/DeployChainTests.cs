using System.Security.Cryptography;
using System.Text.Json;
using GitOps.Pipelines.TestKit;

namespace GitOps.Pipelines.Cli.Tests.Chain;

/// <summary>The whole chain on the embedded defaults, through the CLI, on a sample app repo.</summary>
public class DeployChainTests : IDisposable
{
    private readonly SampleApp _app = new();

    public void Dispose() => _app.Dispose();

    private static JsonElement[] Reports(string json) => [.. JsonDocument.Parse(json).RootElement.EnumerateArray()];

    private static JsonElement Stage(JsonElement[] reports, string stage, string? env = null) =>
        reports.Last(r => r.GetProperty("stage").GetString() == stage
            && (env is null || (r.TryGetProperty("environment", out var e) && e.GetString() == env)));

    private async Task<JsonElement[]> Deploy()
    {
        var (code, output, err) = await _app.Gitops("deploy", "--output", "json");
        Assert.True(code == 0, $"deploy exited {code}\n{err}");
        return Reports(output);
    }

    private async Task<JsonElement[]> Status()
    {
        var (code, output, err) = await _app.Gitops("status", "--output", "json");
        Assert.True(code == 0, err);
        return Reports(output);
    }

    [Fact]
    public async Task Deploy_verifies_staging_at_the_new_digest_and_stops_production_at_its_gate()
    {
        var reports = await Deploy();

        var digest = Stage(reports, "Image").GetProperty("digest").GetString()!;
        Assert.Equal("merged", Stage(reports, "Gate", "staging").GetProperty("outcome").GetString());
        var verified = Stage(reports, "Verify", "staging");
        Assert.Equal("verified", verified.GetProperty("outcome").GetString());
        Assert.Equal(digest, verified.GetProperty("digest").GetString());
        var gate = Stage(reports, "Gate", "production");
        Assert.Equal("waiting", gate.GetProperty("outcome").GetString());
        Assert.Equal(2, gate.GetProperty("pullRequest").GetInt32());

        // The sync records say what each environment runs at the merged revision of the runtime repo:
        // staging the new digest, production still the seed's tag (its bump waits at the gate).
        var statuses = await Status();
        var staging = statuses.Single(s => s.GetProperty("environment").GetString() == "staging");
        var production = statuses.Single(s => s.GetProperty("environment").GetString() == "production");
        Assert.Equal("0.0.0", production.GetProperty("images")[0].GetProperty("tag").GetString());
        Assert.Equal(Run.Git(_app.RuntimeRepo, "rev-parse", "main"), staging.GetProperty("revision").GetString());
        var image = Assert.Single(staging.GetProperty("images").EnumerateArray());
        Assert.Equal(digest, image.GetProperty("digest").GetString());
        var rendered = File.ReadAllText(Path.Combine(_app.State, "sync", "staging", "manifests.yaml"));
        Assert.Contains($"image: localhost/hello:{image.GetProperty("tag").GetString()}@{digest}", rendered);
    }

    [Fact]
    public async Task The_pushed_image_is_what_skopeo_reads_from_the_registry_layout()
    {
        var reports = await Deploy();
        var digest = Stage(reports, "Image").GetProperty("digest").GetString()!;
        var sha = Run.Git(_app.Root, "rev-parse", "HEAD");

        var raw = Run.Process("skopeo", ["inspect", "--raw", $"oci:{Path.Combine(_app.State, "registry", "localhost", "hello")}:sha-{sha[..7]}"]);

        Assert.True(raw.ExitCode == 0, raw.ToString());
        Assert.Equal(digest, "sha256:" + Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(raw.StdOut.TrimEnd('\n')))));
        var config = Run.Process("skopeo", ["inspect", $"oci:{Path.Combine(_app.State, "registry", "localhost", "hello")}:sha-{sha[..7]}"]);
        using var labels = JsonDocument.Parse(config.StdOut);
        Assert.Equal(sha, labels.RootElement.GetProperty("Labels").GetProperty("org.opencontainers.image.revision").GetString());
    }

    [Fact]
    public async Task The_bump_changes_only_the_image_lines_and_names_image_old_new_and_digest_in_its_commit()
    {
        var reports = await Deploy();
        var digest = Stage(reports, "Image").GetProperty("digest").GetString()!;
        var repo = _app.RuntimeRepo;

        var diff = Run.Git(repo, "diff", "--unified=0", "main~1", "main", "--", "overlays/staging/kustomization.yaml");
        var changed = diff.Split('\n').Where(l => (l.StartsWith('+') || l.StartsWith('-')) && !l.StartsWith("+++") && !l.StartsWith("---")).ToArray();
        var sha7 = Run.Git(_app.Root, "rev-parse", "--short=7", "HEAD");

        Assert.Equal(["-    newTag: \"0.0.0\"", $"+    newTag: \"sha-{sha7}\"", $"+    digest: {digest}"], changed);
        Assert.Contains("# the name used in base/deployment.yaml", Run.Git(repo, "show", "main:overlays/staging/kustomization.yaml"));
        var message = Run.Git(repo, "log", "-1", "--format=%B", "main^2");
        Assert.Contains($"staging: bump localhost/hello 0.0.0 → sha-{sha7}", message);
        Assert.Contains(digest, message);
    }

    [Fact]
    public async Task A_second_deploy_with_nothing_changed_is_a_no_op_with_no_new_pr()
    {
        await Deploy();
        var runtimeTip = Run.Git(_app.RuntimeRepo, "rev-parse", "main");

        var again = await Deploy();

        Assert.Equal("unchanged", Stage(again, "Push").GetProperty("outcome").GetString());
        Assert.Equal("unchanged", Stage(again, "Bump", "staging").GetProperty("outcome").GetString());
        Assert.Equal("pending", Stage(again, "Bump", "production").GetProperty("outcome").GetString());
        Assert.Equal(2, Stage(again, "Gate", "production").GetProperty("pullRequest").GetInt32());
        Assert.Equal(runtimeTip, Run.Git(_app.RuntimeRepo, "rev-parse", "main"));
        var (_, list, _) = await _app.Gitops("pr", "list", "--state", "all", "--output", "json");
        Assert.Equal(2, JsonDocument.Parse(list).RootElement.GetArrayLength());
    }

    [Fact]
    public async Task After_approval_deploy_merges_syncs_and_verifies_production_at_the_same_digest()
    {
        var first = await Deploy();
        var digest = Stage(first, "Image").GetProperty("digest").GetString()!;
        var (approve, _, approveErr) = await _app.Gitops("pr", "approve", "2", "--reviewer", "alice");
        Assert.True(approve == 0, approveErr);

        var second = await Deploy();

        Assert.Equal("merged", Stage(second, "Gate", "production").GetProperty("outcome").GetString());
        var verified = Stage(second, "Verify", "production");
        Assert.Equal(digest, verified.GetProperty("digest").GetString());
        var statuses = await Status();
        Assert.Equal(["staging", "production"], statuses.Select(s => s.GetProperty("environment").GetString()));
        Assert.All(statuses, s => Assert.Equal(digest, s.GetProperty("images")[0].GetProperty("digest").GetString()));
    }

    [Fact]
    public async Task A_new_app_commit_deploys_a_new_digest_to_staging_and_updates_the_waiting_production_pr()
    {
        var first = await Deploy();
        _app.WriteApp("hello v2");
        _app.Commit("second commit");

        var second = await Deploy();

        var newDigest = Stage(second, "Image").GetProperty("digest").GetString()!;
        Assert.NotEqual(Stage(first, "Image").GetProperty("digest").GetString(), newDigest);
        Assert.Equal(newDigest, Stage(second, "Verify", "staging").GetProperty("digest").GetString());
        Assert.Equal(3, Stage(second, "Gate", "staging").GetProperty("pullRequest").GetInt32());
        Assert.Equal(2, Stage(second, "Gate", "production").GetProperty("pullRequest").GetInt32());
        Assert.Contains(newDigest, Run.Git(_app.RuntimeRepo, "show", "gitops/production/hello:overlays/production/kustomization.yaml"));
    }

    [Fact]
    public async Task Pr_merge_refuses_a_pr_waiting_for_approval_with_exit_code_4()
    {
        await Deploy();
        var tip = Run.Git(_app.RuntimeRepo, "rev-parse", "main");

        var (code, _, err) = await _app.Gitops("pr", "merge", "2");

        Assert.Equal(4, code);
        Assert.Contains("needs 1 approval", err);
        Assert.Equal(tip, Run.Git(_app.RuntimeRepo, "rev-parse", "main"));
    }
}
