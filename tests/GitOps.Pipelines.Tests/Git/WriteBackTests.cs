using GitOps.Pipelines.Git;
using GitOps.Pipelines.TestKit;

namespace GitOps.Pipelines.Tests.Git;

/// <summary>The runtime repo over a real git:// remote: partial and sparse clones, the cache, commits and push safety.</summary>
public sealed class WriteBackTests : IDisposable
{
    private readonly TempDir _tmp = new("write-back");
    private readonly GitDaemon _daemon;

    public WriteBackTests()
    {
        Directory.CreateDirectory(_tmp.Combine("served"));
        _daemon = new GitDaemon(_tmp.Combine("served"));
    }

    public void Dispose()
    {
        _daemon.Dispose();
        _tmp.Dispose();
    }

    private static Dictionary<string, string> Apps(int count)
    {
        var files = new Dictionary<string, string> { ["README.md"] = "runtime\n" };
        for (var i = 0; i < count; i++)
            files[$"apps/app{i}/kustomization.yaml"] = $"resources:\n- deployment.yaml\nimages:\n- name: ghcr.io/acme/app{i}\n  newTag: \"1.0.0\"\n";
        return files;
    }

    private RuntimeRepo Clone(string url, string name, string? committer = null) =>
        new(url, "main", _tmp.Combine(name), "gitops-bot", "bot@example.test")
        {
            CommitterName = committer,
            CommitterEmail = committer is null ? null : $"{committer}@example.test",
        };

    // One direct bump as the Deployer makes it: edit the fresh file, return what to commit.
    private static Func<CancellationToken, Task<(IReadOnlyList<string>, string)?>> SetTag(RuntimeRepo repo, string file, string tag) => _ =>
    {
        var text = repo.ReadFile(file);
        var edited = System.Text.RegularExpressions.Regex.Replace(text, "newTag: \"[^\"]*\"", $"newTag: \"{tag}\"");
        if (edited == text) return Task.FromResult<(IReadOnlyList<string>, string)?>(null);
        repo.WriteFile(file, edited);
        return Task.FromResult<(IReadOnlyList<string>, string)?>(([file], $"bump {file} to {tag}"));
    };

    [Fact]
    public async Task A_remote_is_cloned_partially_and_sparsely_and_the_clone_is_reused()
    {
        var bare = _daemon.CreateRepo("runtime.git", Apps(3));
        var repo = Clone(_daemon.Url("runtime.git"), "cache");
        repo.SparsePaths = ["apps/app1"];

        await repo.StartBranchAsync("main");

        Assert.Equal("blob:none", Run.Git(repo.WorkDir, "config", "remote.origin.partialclonefilter"));
        Assert.Equal("true", Run.Git(repo.WorkDir, "config", "core.sparseCheckout"));
        Assert.True(File.Exists(Path.Combine(repo.WorkDir, "apps", "app1", "kustomization.yaml")));
        Assert.False(Directory.Exists(Path.Combine(repo.WorkDir, "apps", "app0")));
        File.WriteAllText(Path.Combine(repo.WorkDir, ".git", "cache-marker"), "kept");

        // A commit lands on the remote meanwhile; the next run fetches it into the same clone.
        var other = Clone(_daemon.Url("runtime.git"), "other");
        await other.CommitToBranchAsync(SetTag(other, "apps/app1/kustomization.yaml", "1.1.0"));
        await repo.StartBranchAsync("main");

        Assert.True(File.Exists(Path.Combine(repo.WorkDir, ".git", "cache-marker")));
        Assert.Contains("newTag: \"1.1.0\"", repo.ReadFile("apps/app1/kustomization.yaml"));
        Assert.Equal(Run.Git(bare, "rev-parse", "main"), Run.Git(repo.WorkDir, "rev-parse", "HEAD"));
    }

    [Fact]
    public async Task The_author_and_committer_are_the_configured_ones()
    {
        var bare = _daemon.CreateRepo("runtime.git", Apps(1));
        var repo = Clone(_daemon.Url("runtime.git"), "cache", committer: "release-train");

        var pushed = await repo.CommitToBranchAsync(SetTag(repo, "apps/app0/kustomization.yaml", "2.0.0"));

        Assert.NotNull(pushed);
        Assert.Equal("gitops-bot <bot@example.test>|release-train <release-train@example.test>",
            Run.Git(bare, "log", "-1", "--format=%an <%ae>|%cn <%ce>", "main"));
        Assert.Equal(pushed.Sha, Run.Git(bare, "rev-parse", "main"));
    }

    [Fact]
    public async Task A_push_that_loses_the_race_is_re_applied_on_the_new_tip_and_nothing_is_lost()
    {
        var bare = _daemon.CreateRepo("runtime.git", Apps(2));
        var repo = Clone(_daemon.Url("runtime.git"), "mine");
        var rival = _tmp.Combine("rival");
        Run.Git(_tmp.Path, "clone", "--quiet", _daemon.Url("runtime.git"), rival);
        var calls = 0;

        var pushed = await repo.CommitToBranchAsync(async ct =>
        {
            // The first attempt edits, then another writer (another process, plain git) pushes before ours does.
            if (++calls == 1)
            {
                var file = Path.Combine(rival, "apps", "app1", "kustomization.yaml");
                File.WriteAllText(file, File.ReadAllText(file).Replace("\"1.0.0\"", "\"9.9.9\""));
                Run.Git(rival, "-c", "user.name=rival", "-c", "user.email=rival@example.test", "commit", "--quiet", "-am", "rival");
                Run.Git(rival, "push", "--quiet", "origin", "HEAD:main");
            }
            return await SetTag(repo, "apps/app0/kustomization.yaml", "5.0.0")(ct);
        });

        Assert.NotNull(pushed);
        Assert.Equal(2, pushed.Attempts);
        Assert.Equal(2, calls);
        Assert.Contains("newTag: \"5.0.0\"", Run.Git(bare, "show", "main:apps/app0/kustomization.yaml"));
        Assert.Contains("newTag: \"9.9.9\"", Run.Git(bare, "show", "main:apps/app1/kustomization.yaml"));
        Assert.Equal("3", Run.Git(bare, "rev-list", "--count", "main"));
    }

    [Fact]
    public async Task Concurrent_bumps_in_one_process_are_serialized_and_all_land()
    {
        var bare = _daemon.CreateRepo("runtime.git", Apps(8));
        var url = _daemon.Url("runtime.git");

        var bumps = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            var repo = Clone(url, $"w{i}");
            return await repo.CommitToBranchAsync(SetTag(repo, $"apps/app{i}/kustomization.yaml", $"2.{i}.0"));
        }));
        var results = await Task.WhenAll(bumps);

        Assert.All(results, r => Assert.Equal(1, r!.Attempts)); // serialized: nobody had to retry
        for (var i = 0; i < 8; i++)
            Assert.Contains($"newTag: \"2.{i}.0\"", Run.Git(bare, "show", $"main:apps/app{i}/kustomization.yaml"));
        Assert.Equal("9", Run.Git(bare, "rev-list", "--count", "main"));
    }

    [Fact]
    public async Task A_branch_protected_against_push_is_a_clear_error_and_nothing_is_pushed()
    {
        var bare = _daemon.CreateRepo("runtime.git", Apps(1));
        var hook = Path.Combine(bare, "hooks", "pre-receive");
        File.WriteAllText(hook, "#!/bin/sh\nwhile read old new ref; do\n  if [ \"$ref\" = refs/heads/main ]; then echo \"GH006: Protected branch update failed for refs/heads/main.\"; exit 1; fi\ndone\n");
        Run.Process("chmod", ["+x", hook]);
        var before = Run.Git(bare, "rev-parse", "main");
        var repo = Clone(_daemon.Url("runtime.git"), "cache");

        var e = await Assert.ThrowsAsync<GitOpsException>(() => repo.CommitToBranchAsync(SetTag(repo, "apps/app0/kustomization.yaml", "3.0.0")));

        Assert.Contains("was rejected (nothing was pushed)", e.Message);
        Assert.Contains("Protected branch update failed", e.Message);
        Assert.Equal(before, Run.Git(bare, "rev-parse", "main"));
        Assert.Equal(before, Run.Git(repo.WorkDir, "rev-parse", "HEAD")); // the local commit is gone too
    }

    [Fact]
    public async Task A_branch_that_does_not_exist_on_the_remote_is_named()
    {
        _daemon.CreateRepo("runtime.git", Apps(1));
        var repo = new RuntimeRepo(_daemon.Url("runtime.git"), "deploy", _tmp.Combine("cache"), "bot", "bot@example.test");

        var e = await Assert.ThrowsAsync<GitOpsException>(() => repo.StartBranchAsync("deploy"));

        Assert.Contains("has no branch deploy", e.Message);
        Assert.False(Directory.Exists(repo.WorkDir));
    }

    [Fact]
    public async Task The_history_of_a_file_lists_its_versions_newest_first()
    {
        _daemon.CreateRepo("runtime.git", Apps(2));
        var repo = Clone(_daemon.Url("runtime.git"), "cache");
        await repo.CommitToBranchAsync(SetTag(repo, "apps/app0/kustomization.yaml", "1.1.0"));
        await repo.CommitToBranchAsync(SetTag(repo, "apps/app1/kustomization.yaml", "7.0.0"));
        await repo.CommitToBranchAsync(SetTag(repo, "apps/app0/kustomization.yaml", "1.2.0"));

        var history = await repo.FileHistoryAsync("apps/app0/kustomization.yaml", 10);

        Assert.Equal(["1.2.0", "1.1.0", "1.0.0"], history.Select(h => System.Text.RegularExpressions.Regex.Match(h.Text, "newTag: \"([^\"]*)\"").Groups[1].Value));
    }
}

/// <summary>The bump commit's message: the template, the standard trailers and the configured ones.</summary>
public sealed class CommitMessageTests
{
    private static readonly GitOps.Pipelines.Deploy.ImageRecord Image = new("ghcr.io/acme/api", "sha256:ab", ["1.2.0"], "0123abc");
    private static readonly ChangeSet Changes = new([new Change("overlays/staging/kustomization.yaml", 9, "1.1.0", "1.2.0")]);

    [Fact]
    public void The_default_subject_names_environment_image_old_and_new()
    {
        var runtime = new GitOps.Pipelines.Configuration.RuntimeRepoConfig("u", "main", "local", null, "bot", "bot@x");

        var message = GitOps.Pipelines.Deploy.Deployer.CommitMessage(runtime, "staging", Image, "1.2.0", Changes);

        Assert.Equal("staging: bump ghcr.io/acme/api 1.1.0 → 1.2.0\n\nImage: ghcr.io/acme/api:1.2.0@sha256:ab\n" +
            "Change: overlays/staging/kustomization.yaml:9 1.1.0 → 1.2.0\nSource-Revision: 0123abc\n", message);
    }

    [Fact]
    public void A_template_and_trailers_take_the_placeholders()
    {
        var runtime = new GitOps.Pipelines.Configuration.RuntimeRepoConfig("u", "main", "local", null, "bot", "bot@x",
            CommitMessage: "deploy({env}): {image}@{digest} from {source}",
            Trailers: new Dictionary<string, string> { ["Deployed-Tag"] = "{tag}" });

        var message = GitOps.Pipelines.Deploy.Deployer.CommitMessage(runtime, "prod", Image, "1.2.0", Changes);

        Assert.StartsWith("deploy(prod): ghcr.io/acme/api@sha256:ab from 0123abc\n\n", message);
        Assert.EndsWith("Source-Revision: 0123abc\nDeployed-Tag: 1.2.0\n", message);
    }
}
