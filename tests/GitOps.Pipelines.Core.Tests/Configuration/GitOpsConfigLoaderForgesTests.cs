using GitOps.Pipelines.Configuration;

namespace GitOps.Pipelines.Core.Tests.Configuration;

/// <summary>The runtime keys for the GitHub and GitLab forges: apiUrl, project, tokenEnv, pullRequests.</summary>
public sealed class GitOpsConfigLoaderForgesTests
{
    private const string Minimal = "image:\n  name: hello\n";

    private static GitOpsConfig Parse(string yaml) => GitOpsConfigLoader.Parse(yaml, "gitops.yaml", "/repo");

    private static GitOpsException Fails(string yaml)
    {
        var e = Assert.Throws<GitOpsException>(() => Parse(yaml));
        Assert.Equal(ExitCode.InvalidInput, e.Code);
        return e;
    }

    [Fact]
    public void Without_the_new_keys_nothing_changes_and_pull_requests_take_the_defaults_later()
    {
        var c = Parse(Minimal + "runtime:\n  url: https://github.com/acme/runtime.git\n  forge: github\n");

        Assert.Null(c.Runtime.ApiUrl);
        Assert.Null(c.Runtime.Project);
        Assert.Null(c.Runtime.TokenEnv);
        Assert.Null(c.Runtime.PullRequests);
        Assert.Equal("merge", PullRequestConfig.Default.MergeMethod);
        Assert.False(PullRequestConfig.Default.AutoMerge);
    }

    [Fact]
    public void Every_forge_key_is_read()
    {
        var c = Parse(Minimal + """
            runtime:
              url: https://ghe.example.com/acme/runtime.git
              forge: github
              apiUrl: https://ghe.example.com/api/v3
              project: acme/runtime
              tokenEnv: RUNTIME_TOKEN
              pullRequests:
                mergeMethod: squash
                autoMerge: true
                draft: true
                labels: [gitops, deploy]
                reviewers: [alice]
                teamReviewers: [platform]
                assignees: [bob]
                requiredChecks: [ci/build]
            """);

        var r = c.Runtime;
        Assert.Equal("https://ghe.example.com/api/v3", r.ApiUrl);
        Assert.Equal("acme/runtime", r.Project);
        Assert.Equal("RUNTIME_TOKEN", r.TokenEnv);
        var p = r.PullRequests!;
        Assert.Equal("squash", p.MergeMethod);
        Assert.True(p.AutoMerge);
        Assert.True(p.Draft);
        Assert.Equal(["gitops", "deploy"], p.Labels);
        Assert.Equal(["alice"], p.Reviewers);
        Assert.Equal(["platform"], p.TeamReviewers);
        Assert.Equal(["bob"], p.Assignees);
        Assert.Equal(["ci/build"], p.RequiredChecks);
    }

    [Fact]
    public void An_empty_pull_requests_section_takes_every_default()
    {
        var p = Parse(Minimal + "runtime:\n  forge: gitlab\n  pullRequests: {}\n").Runtime.PullRequests!;

        Assert.Equal("merge", p.MergeMethod);
        Assert.False(p.AutoMerge);
        Assert.Empty(p.Labels);
    }

    [Fact]
    public void A_GitLab_subgroup_project_path_is_accepted()
    {
        Assert.Equal("group/sub/runtime", Parse(Minimal + "runtime:\n  forge: gitlab\n  project: group/sub/runtime\n").Runtime.Project);
    }

    [Theory]
    [InlineData("runtime:\n  forge: github\n  pullRequests:\n    mergeMethod: octopus\n",
        "gitops.yaml:6:18: runtime.pullRequests.mergeMethod: must be one of 'merge', 'squash', 'rebase', got 'octopus'")]
    [InlineData("runtime:\n  forge: gitlab\n  pullRequests:\n    mergeMethod: rebase\n",
        "gitops.yaml:6:18: runtime.pullRequests.mergeMethod: 'rebase' is not a per-merge choice on GitLab (set fast-forward merges in the project); use 'merge' or 'squash'")]
    [InlineData("runtime:\n  forge: github\n  project: acme/sub/runtime\n",
        "gitops.yaml:5:12: runtime.project: must be owner/repo, got 'acme/sub/runtime'")]
    [InlineData("runtime:\n  forge: gitlab\n  project: runtime\n",
        "gitops.yaml:5:12: runtime.project: must be group/project (subgroups allowed) or a project id, got 'runtime'")]
    [InlineData("runtime:\n  apiUrl: ghe.example.com\n",
        "gitops.yaml:4:11: runtime.apiUrl: must be an http(s) URL like https://ghe.example.com/api/v3, got 'ghe.example.com'")]
    [InlineData("runtime:\n  pullRequests:\n    autoMerge: yes\n",
        "gitops.yaml:5:16: runtime.pullRequests.autoMerge: must be true or false, got 'yes'")]
    [InlineData("runtime:\n  pullRequests:\n    reviewer: [a]\n",
        "gitops.yaml:5:5: runtime.pullRequests: unknown key 'reviewer' (did you mean 'reviewers'?)")]
    public void Bad_values_name_position_key_and_value(string runtime, string message)
    {
        Assert.Equal(message, Fails(Minimal + runtime).Message);
    }
}
