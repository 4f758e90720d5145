using GitOps.Pipelines.Git;
using GitOps.Pipelines.TestKit;

namespace GitOps.Pipelines.Tests.Git;

public class RuntimeRepoTests : IDisposable
{
    private readonly TempDir _tmp = new("runtime-repo");
    private static string Seed => Path.Combine(Paths.RepoRoot, "examples", "runtime");

    private RuntimeRepo Repo(string clone = "clone") =>
        new(_tmp.Combine("runtime.git"), "main", _tmp.Combine(clone), "gitops-bot", "bot@example.test");

    public void Dispose() => _tmp.Dispose();

    public class EnsureSeededAsync : RuntimeRepoTests
    {
        [Fact]
        public async Task Creates_a_bare_repo_whose_first_commit_holds_the_seed()
        {
            var repo = Repo();

            var seeded = await repo.EnsureSeededAsync(Seed);

            Assert.True(seeded);
            Assert.Equal("true", Run.Git(_tmp.Combine("runtime.git"), "rev-parse", "--is-bare-repository"));
            var files = Run.Git(_tmp.Combine("runtime.git"), "ls-tree", "-r", "--name-only", "main").Split('\n');
            Assert.Contains("overlays/staging/kustomization.yaml", files);
            Assert.Contains("base/deployment.yaml", files);
            Assert.Equal("1", Run.Git(_tmp.Combine("runtime.git"), "rev-list", "--count", "main"));
            Assert.Equal("gitops-bot", Run.Git(_tmp.Combine("runtime.git"), "log", "-1", "--format=%an", "main"));
        }

        [Fact]
        public async Task Leaves_an_existing_repo_alone()
        {
            var repo = Repo();
            await repo.EnsureSeededAsync(Seed);

            Assert.False(await repo.EnsureSeededAsync(Seed));
            Assert.Equal("1", Run.Git(_tmp.Combine("runtime.git"), "rev-list", "--count", "main"));
        }

        [Fact]
        public async Task Without_a_seed_folder_says_what_is_missing_and_creates_nothing()
        {
            var repo = Repo();

            var e = await Assert.ThrowsAsync<GitOpsException>(() => repo.EnsureSeededAsync(_tmp.Combine("no-such-seed")));

            Assert.Contains("does not exist", e.Message);
            Assert.Equal(ExitCode.InvalidInput, e.Code);
            Assert.False(Directory.Exists(_tmp.Combine("runtime.git")));
        }
    }

    public class Branches : RuntimeRepoTests
    {
        [Fact]
        public async Task A_commit_on_a_branch_is_pushed_to_that_branch_only()
        {
            var repo = Repo();
            await repo.EnsureSeededAsync(Seed);
            var tip = await repo.StartBranchAsync("gitops/staging/hello");

            var text = repo.ReadFile("overlays/staging/kustomization.yaml").Replace("\"0.0.0\"", "\"1.0.0\"");
            repo.WriteFile("overlays/staging/kustomization.yaml", text);
            var sha = await repo.CommitAsync(["overlays/staging/kustomization.yaml"], "staging: bump hello 0.0.0 → 1.0.0");
            await repo.PushBranchAsync("gitops/staging/hello");

            var bare = _tmp.Combine("runtime.git");
            Assert.Equal(sha, Run.Git(bare, "rev-parse", "gitops/staging/hello"));
            Assert.Equal(tip, Run.Git(bare, "rev-parse", "main"));
            Assert.Contains("newTag: \"1.0.0\"", Run.Git(bare, "show", "gitops/staging/hello:overlays/staging/kustomization.yaml"));
            Assert.Equal("overlays/staging/kustomization.yaml", Run.Git(bare, "diff", "--name-only", "main", "gitops/staging/hello"));
        }

        [Fact]
        public async Task Starting_a_branch_again_discards_local_leftovers()
        {
            var repo = Repo();
            await repo.EnsureSeededAsync(Seed);
            await repo.StartBranchAsync("b");
            repo.WriteFile("overlays/staging/kustomization.yaml", "garbage");
            File.WriteAllText(Path.Combine(repo.WorkDir, "stray.txt"), "x");

            await repo.StartBranchAsync("b");

            Assert.DoesNotContain("garbage", repo.ReadFile("overlays/staging/kustomization.yaml"));
            Assert.False(File.Exists(Path.Combine(repo.WorkDir, "stray.txt")));
        }
    }

    public class FullPath : RuntimeRepoTests
    {
        [Fact]
        public async Task Refuses_a_path_outside_the_repo()
        {
            var repo = Repo();
            await repo.EnsureSeededAsync(Seed);
            await repo.StartBranchAsync("b");

            var e = Assert.Throws<GitOpsException>(() => repo.FullPath("../outside.yaml"));

            Assert.Contains("outside the runtime repo", e.Message);
        }

        [Fact]
        public async Task Names_the_missing_file_and_the_branch()
        {
            var repo = Repo();
            await repo.EnsureSeededAsync(Seed);
            await repo.StartBranchAsync("b");

            var e = Assert.Throws<GitOpsException>(() => repo.ReadFile("overlays/qa/kustomization.yaml"));

            Assert.Contains("overlays/qa/kustomization.yaml", e.Message);
            Assert.Contains("main", e.Message);
        }
    }

}

public class GitCliTests
{
    [Fact]
    public void Credentials_in_urls_are_masked_in_messages() =>
        Assert.Equal("git push https://bot:***@git.example/x.git failed",
            GitCli.Mask("git push https://bot:s3cr3t@git.example/x.git failed"));
}
