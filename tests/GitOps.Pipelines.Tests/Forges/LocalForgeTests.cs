using System.Text.Json;
using GitOps.Pipelines.Forges;
using GitOps.Pipelines.Git;
using GitOps.Pipelines.TestKit;

namespace GitOps.Pipelines.Tests.Forges;

public class LocalForgeTests : IDisposable
{
    private readonly TempDir _tmp = new("local-forge");
    private const string File = "overlays/staging/kustomization.yaml";

    public void Dispose() => _tmp.Dispose();

    private string Bare => _tmp.Combine("runtime.git");

    private async Task<(LocalForge Forge, RuntimeRepo Author)> SetUp()
    {
        var author = new RuntimeRepo(Bare, "main", _tmp.Combine("author"), "bot", "bot@example.test");
        await author.EnsureSeededAsync(Path.Combine(Paths.RepoRoot, "examples", "runtime"));
        var forge = new LocalForge(_tmp.Combine("forge"), new RuntimeRepo(Bare, "main", _tmp.Combine("forge", "work"), "bot", "bot@example.test"));
        return (forge, author);
    }

    private static async Task PushEdit(RuntimeRepo author, string branch, string newTag)
    {
        await author.StartBranchAsync(branch);
        author.WriteFile(File, author.ReadFile(File).Replace("\"0.0.0\"", $"\"{newTag}\""));
        await author.CommitAsync([File], $"bump to {newTag}");
        await author.PushBranchAsync(branch);
    }

    private static NewPullRequest Pr(string head, int approvals = 0) =>
        new(head, "main", $"deploy {head}", "body", approvals, new Dictionary<string, string> { ["environment"] = "staging" });

    public class OpenAsync : LocalForgeTests
    {
        [Fact]
        public async Task Reuses_the_open_pull_request_of_the_same_head_instead_of_a_duplicate()
        {
            var (forge, author) = await SetUp();
            await PushEdit(author, "gitops/staging/hello", "1.0.0");

            var first = await forge.OpenAsync(Pr("gitops/staging/hello"));
            var again = await forge.OpenAsync(Pr("gitops/staging/hello") with { Title = "updated" });
            var other = await forge.OpenAsync(Pr("gitops/production/hello"));

            Assert.Equal(1, first.Number);
            Assert.Equal(1, again.Number);
            Assert.Equal("updated", again.Title);
            Assert.Equal(2, other.Number);
            Assert.Equal(2, (await forge.ListAsync(PullRequestState.Open)).Count);
        }
    }

    public class MergeAsync : LocalForgeTests
    {
        [Fact]
        public async Task Merges_with_a_real_merge_commit_and_queues_a_github_pull_request_webhook()
        {
            var (forge, author) = await SetUp();
            await PushEdit(author, "gitops/staging/hello", "1.0.0");
            var pr = await forge.OpenAsync(Pr("gitops/staging/hello"));

            var merged = await forge.MergeAsync(pr.Number);

            Assert.Equal(PullRequestState.Merged, merged.State);
            Assert.Equal(merged.MergeCommitSha, Run.Git(Bare, "rev-parse", "main"));
            Assert.Equal(3, Run.Git(Bare, "rev-list", "--parents", "-n", "1", "main").Split(' ').Length); // a merge: two parents
            Assert.Contains("newTag: \"1.0.0\"", Run.Git(Bare, "show", $"main:{File}"));
            Assert.Equal(1, forge.Outbox.PendingCount);

            var pending = Directory.GetFiles(Path.Combine(forge.Outbox.Directory, "pending")).Single();
            using var delivery = JsonDocument.Parse(System.IO.File.ReadAllText(pending));
            Assert.Equal("pull_request", delivery.RootElement.GetProperty("event").GetString());
            using var body = JsonDocument.Parse(delivery.RootElement.GetProperty("body").GetString()!);
            var e = body.RootElement;
            Assert.Equal("closed", e.GetProperty("action").GetString());
            Assert.True(e.GetProperty("pull_request").GetProperty("merged").GetBoolean());
            Assert.Equal(merged.MergeCommitSha, e.GetProperty("pull_request").GetProperty("merge_commit_sha").GetString());
            Assert.Equal("main", e.GetProperty("pull_request").GetProperty("base").GetProperty("ref").GetString());
            Assert.Equal(forge.RepositoryUrl, e.GetProperty("repository").GetProperty("clone_url").GetString());
        }

        [Fact]
        public async Task Waits_at_the_gate_until_approved_and_pushes_nothing_before()
        {
            var (forge, author) = await SetUp();
            await PushEdit(author, "gitops/production/hello", "1.0.0");
            var before = Run.Git(Bare, "rev-parse", "main");
            var pr = await forge.OpenAsync(Pr("gitops/production/hello", approvals: 1));

            var e = await Assert.ThrowsAsync<GitOpsException>(() => forge.MergeAsync(pr.Number));

            Assert.Equal(ExitCode.GateWaiting, e.Code);
            Assert.Contains($"gitops pr approve {pr.Number}", e.Message);
            Assert.Equal(before, Run.Git(Bare, "rev-parse", "main"));
            Assert.Equal(0, forge.Outbox.PendingCount);

            await forge.ApproveAsync(pr.Number, "alice");
            var merged = await forge.MergeAsync(pr.Number);
            Assert.Equal(["alice"], merged.Approvals);
            Assert.Equal(merged.MergeCommitSha, Run.Git(Bare, "rev-parse", "main"));
        }

        [Fact]
        public async Task A_conflict_is_reported_with_the_file_and_nothing_is_pushed()
        {
            var (forge, author) = await SetUp();
            await PushEdit(author, "a", "1.0.0");
            await PushEdit(author, "b", "2.0.0");
            var first = await forge.OpenAsync(Pr("a"));
            var second = await forge.OpenAsync(Pr("b"));
            await forge.MergeAsync(first.Number);
            var tip = Run.Git(Bare, "rev-parse", "main");

            var e = await Assert.ThrowsAsync<GitOpsException>(() => forge.MergeAsync(second.Number));

            Assert.Contains("merge conflict", e.Message);
            Assert.Contains(File, e.Message);
            Assert.Equal(tip, Run.Git(Bare, "rev-parse", "main"));
            Assert.Equal(PullRequestState.Open, (await forge.GetAsync(second.Number)).State);
            Assert.Equal(1, forge.Outbox.PendingCount);
        }

        [Fact]
        public async Task An_unknown_number_is_a_clear_error()
        {
            var (forge, _) = await SetUp();

            var e = await Assert.ThrowsAsync<GitOpsException>(() => forge.MergeAsync(42));

            Assert.Contains("no pull request #42", e.Message);
        }
    }
}
