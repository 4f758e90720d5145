using System.Diagnostics;
using GitOps.Pipelines.TestKit;

namespace GitOps.Pipelines.Cli.Tests.WriteBack;

/// <summary><c>gitops bump --runtime-repo …</c>: a bump for scripts, without a gitops.yaml, against git:// on 127.0.0.1.</summary>
public sealed class BumpCommandTests : IDisposable
{
    private const string Digest = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private readonly TempDir _tmp = new("bump-cli");
    private readonly GitDaemon _daemon;

    public BumpCommandTests()
    {
        Directory.CreateDirectory(_tmp.Combine("served"));
        _daemon = new GitDaemon(_tmp.Combine("served"));
    }

    public void Dispose()
    {
        _daemon.Dispose();
        _tmp.Dispose();
    }

    private static string Gitops => Path.Combine(AppContext.BaseDirectory, "gitops.dll");

    private static Dictionary<string, string> Apps(int count)
    {
        var files = new Dictionary<string, string>
        {
            ["README.md"] = "runtime\n",
            ["base/deployment.yaml"] = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n      - name: api\n        image: ghcr.io/acme/api:1.0.0\n",
            ["base/broken.yaml"] = "kind: Deployment\nspec:\n  containers: [\n",
        };
        for (var i = 0; i < count; i++)
            files[$"apps/app{i}/kustomization.yaml"] = $"# app {i}\nresources:\n- ../../base\nimages:\n- name: ghcr.io/acme/app{i}\n  newTag: \"1.0.0\" # pinned by gitops\n";
        return files;
    }

    private async Task<(int Code, string Out, string Err)> Bump(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await Cli.RunAsync(["bump", .. args, "--cache-dir", _tmp.Combine("cache")], stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task A_bump_without_a_gitops_yaml_commits_exactly_the_changed_scalars_to_the_branch()
    {
        var bare = _daemon.CreateRepo("runtime.git", Apps(2));
        var before = Run.Git(bare, "rev-parse", "main");

        var (code, output, err) = await Bump("--runtime-repo", _daemon.Url("runtime.git"), "--path", "apps/app1/kustomization.yaml",
            "--image", "ghcr.io/acme/app1", "--tag", "1.1.0", "--digest", Digest);

        Assert.True(code == 0, err);
        Assert.Contains("committed", output);
        Assert.Equal(before, Run.Git(bare, "rev-parse", "main~1"));
        var diff = Run.Git(bare, "diff", "--unified=0", "main~1", "main");
        Assert.Contains("-  newTag: \"1.0.0\" # pinned by gitops", diff);
        Assert.Contains("+  newTag: \"1.1.0\" # pinned by gitops", diff);
        Assert.Contains($"+  digest: {Digest}", diff);
        Assert.Equal(["apps/app1/kustomization.yaml"], Run.Git(bare, "diff", "--name-only", "main~1", "main").Split('\n'));
        Assert.Contains($"Image: ghcr.io/acme/app1:1.1.0@{Digest}", Run.Git(bare, "log", "-1", "--format=%B", "main"));
    }

    [Fact]
    public async Task Bumping_to_what_is_there_changes_nothing_and_says_so()
    {
        var bare = _daemon.CreateRepo("runtime.git", Apps(1));
        var before = Run.Git(bare, "rev-parse", "main");

        var (code, output, _) = await Bump("--runtime-repo", _daemon.Url("runtime.git"), "--path", "apps/app0/kustomization.yaml",
            "--image", "ghcr.io/acme/app0", "--tag", "1.0.0");

        Assert.Equal(0, code);
        Assert.Contains("nothing to bump", output);
        Assert.Contains("unchanged", output);
        Assert.Equal(before, Run.Git(bare, "rev-parse", "main"));
    }

    [Fact]
    public async Task Gate_pr_pushes_a_bump_branch_and_leaves_the_deploy_branch_alone()
    {
        var bare = _daemon.CreateRepo("runtime.git", Apps(1));
        var before = Run.Git(bare, "rev-parse", "main");

        var (code, output, err) = await Bump("--runtime-repo", _daemon.Url("runtime.git"), "--path", "base/deployment.yaml",
            "--image", "ghcr.io/acme/api", "--tag", "2.0.0", "--gate", "pr");

        Assert.True(code == 0, err);
        Assert.Contains("gitops/bump/api-2.0.0", output);
        Assert.Equal(before, Run.Git(bare, "rev-parse", "main"));
        Assert.Contains("image: ghcr.io/acme/api:2.0.0", Run.Git(bare, "show", "gitops/bump/api-2.0.0:base/deployment.yaml"));
    }

    [Theory]
    [InlineData("apps/nope/kustomization.yaml", "ghcr.io/acme/app0", "file 'apps/nope/kustomization.yaml' not found on branch main")]
    [InlineData("../outside.yaml", "ghcr.io/acme/app0", "path '../outside.yaml' is outside the runtime repo")]
    [InlineData("base/deployment.yaml", "ghcr.io/acme/web", "base/deployment.yaml: no container runs ghcr.io/acme/web (images in the file: ghcr.io/acme/api:1.0.0)")]
    [InlineData("base/broken.yaml", "ghcr.io/acme/api", "base/broken.yaml:4:1: invalid YAML")]
    public async Task Bad_input_is_a_clear_error_with_exit_code_2_and_nothing_pushed(string path, string image, string message)
    {
        var bare = _daemon.CreateRepo("runtime.git", Apps(1));
        var before = Run.Git(bare, "for-each-ref", "--format=%(refname) %(objectname)");

        var (code, _, err) = await Bump("--runtime-repo", _daemon.Url("runtime.git"), "--path", path, "--image", image, "--tag", "9.0.0");

        Assert.Equal(2, code);
        Assert.Contains(message, err);
        Assert.Equal(before, Run.Git(bare, "for-each-ref", "--format=%(refname) %(objectname)"));
    }

    [Fact]
    public async Task An_image_absent_from_a_kustomization_is_added()
    {
        var bare = _daemon.CreateRepo("runtime.git", Apps(1));

        var (code, _, err) = await Bump("--runtime-repo", _daemon.Url("runtime.git"), "--path", "apps/app0/kustomization.yaml",
            "--image", "ghcr.io/acme/worker", "--tag", "0.1.0");

        Assert.True(code == 0, err);
        Assert.EndsWith("- name: ghcr.io/acme/worker\n  newTag: 0.1.0", Run.Git(bare, "show", "main:apps/app0/kustomization.yaml"));
    }

    [Fact]
    public async Task A_protected_branch_is_a_clear_error_with_exit_code_1_and_nothing_pushed()
    {
        var bare = _daemon.CreateRepo("runtime.git", Apps(1));
        var hook = Path.Combine(bare, "hooks", "pre-receive");
        File.WriteAllText(hook, "#!/bin/sh\necho 'protected branch: pushes to main need a pull request'\nexit 1\n");
        Run.Process("chmod", ["+x", hook]);
        var before = Run.Git(bare, "rev-parse", "main");

        var (code, _, err) = await Bump("--runtime-repo", _daemon.Url("runtime.git"), "--path", "apps/app0/kustomization.yaml",
            "--image", "ghcr.io/acme/app0", "--tag", "3.0.0");

        Assert.Equal(1, code);
        Assert.Contains("was rejected (nothing was pushed)", err);
        Assert.Contains("pushes to main need a pull request", err);
        Assert.Equal(before, Run.Git(bare, "rev-parse", "main"));
    }

    [Fact]
    public async Task Without_tag_or_digest_the_bump_is_refused()
    {
        var (code, _, err) = await Bump("--runtime-repo", _daemon.Url("runtime.git"), "--path", "a.yaml", "--image", "a");

        Assert.Equal(2, code);
        Assert.Contains("give --tag, --digest or both", err);
    }

    [Theory]
    [InlineData(20, false)] // every process has its own clone, so they really race on the push
    [InlineData(6, true)] // processes sharing one cached clone take turns on it
    public async Task Concurrent_bumps_from_separate_processes_all_land(int n, bool sharedCache)
    {
        var bare = _daemon.CreateRepo("runtime.git", Apps(n));
        var url = _daemon.Url("runtime.git");

        // All start before any is awaited.
        var processes = Enumerable.Range(0, n).Select(i =>
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { Gitops, "bump", "--runtime-repo", url, "--path", $"apps/app{i}/kustomization.yaml",
                         "--image", $"ghcr.io/acme/app{i}", "--tag", $"2.{i}.0", "--cache-dir", _tmp.Combine(sharedCache ? "shared" : $"cache{i}") })
                psi.ArgumentList.Add(a);
            var p = Process.Start(psi)!;
            return (Process: p, Out: p.StandardOutput.ReadToEndAsync(), Err: p.StandardError.ReadToEndAsync());
        }).ToList();
        foreach (var (p, _, _) in processes)
            await p.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromMinutes(5)).Token);

        foreach (var (p, o, e) in processes)
            Assert.True(p.ExitCode == 0, $"exit {p.ExitCode}\n{await o}\n{await e}");
        for (var i = 0; i < n; i++)
            Assert.Contains($"newTag: \"2.{i}.0\" # pinned by gitops", Run.Git(bare, "show", $"main:apps/app{i}/kustomization.yaml"));
        Assert.Equal($"{n + 1}", Run.Git(bare, "rev-list", "--count", "main"));
        Assert.Equal($"{n}", Run.Git(bare, "rev-list", "--count", "--no-merges", "main~" + n + "..main"));
        foreach (var (p, _, _) in processes) p.Dispose();
    }
}
