using GitOps.Pipelines.Configuration;
using GitOps.Pipelines.Deploy;
using GitOps.Pipelines.Forges;
using GitOps.Pipelines.Forges.GitHub;
using GitOps.Pipelines.Forges.GitLab;
using GitOps.Pipelines.Tests.Forges.Stubs;

namespace GitOps.Pipelines.Tests.Forges;

/// <summary>How runtime.forge, runtime.url and the environment turn into a GitHub or GitLab forge.</summary>
public class HostedForgesTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] vars) =>
        name => vars.FirstOrDefault(v => v.Name == name).Value;

    public class Locate
    {
        [Theory]
        [InlineData("github", "https://github.com/acme/runtime.git", "https://api.github.com/", "acme/runtime")]
        [InlineData("github", "git@github.com:acme/runtime.git", "https://api.github.com/", "acme/runtime")]
        [InlineData("github", "https://ghe.example.com/acme/runtime", "https://ghe.example.com/api/v3/", "acme/runtime")]
        [InlineData("github", "ssh://git@ghe.example.com:2222/acme/runtime.git", "https://ghe.example.com/api/v3/", "acme/runtime")]
        [InlineData("gitlab", "https://gitlab.com/group/sub/runtime.git", "https://gitlab.com/api/v4/", "group/sub/runtime")]
        [InlineData("gitlab", "git@gitlab.example.com:group/runtime.git", "https://gitlab.example.com/api/v4/", "group/runtime")]
        [InlineData("gitlab", "http://gitlab.local:8080/group/runtime.git", "http://gitlab.local:8080/api/v4/", "group/runtime")]
        public void Derives_the_api_root_and_the_project_from_the_runtime_url(string forge, string url, string api, string project)
        {
            var where = HostedForges.Locate(forge, url);

            Assert.Equal(new Uri(api), where.ApiUrl);
            Assert.Equal(project, where.Project);
        }

        [Fact]
        public void Configured_api_url_and_project_win()
        {
            var where = HostedForges.Locate("github", "https://github.com/acme/runtime.git", "https://ghe.example.com/api/v3", "other/repo");

            Assert.Equal(new Uri("https://ghe.example.com/api/v3/"), where.ApiUrl);
            Assert.Equal("other/repo", where.Project);
        }

        [Fact]
        public void A_local_path_is_not_a_forge_url()
        {
            var e = Assert.Throws<GitOpsException>(() => HostedForges.Locate("github", ".gitops/runtime.git"));

            Assert.Contains("is not a GitHub URL", e.Message);
            Assert.Equal(ExitCode.InvalidInput, e.Code);
        }

        [Fact]
        public void A_GitHub_url_with_a_subgroup_path_asks_for_the_project()
        {
            var e = Assert.Throws<GitOpsException>(() => HostedForges.Locate("github", "https://github.com/a/b/c.git"));

            Assert.Contains("owner/repo, got 'a/b/c'; set runtime.project", e.Message);
        }
    }

    public class Token
    {
        [Fact]
        public void GITOPS_FORGE_TOKEN_comes_before_GITHUB_TOKEN()
        {
            var t = HostedForges.Token("github", null, Env(("GITHUB_TOKEN", "gh"), ("GITOPS_FORGE_TOKEN", "forge")));

            Assert.Equal("forge", t.Value);
            Assert.Equal("GITOPS_FORGE_TOKEN", t.Source);
            Assert.DoesNotContain("forge", t.ToString().Replace("GITOPS_FORGE_TOKEN", ""));
        }

        [Fact]
        public void GitLab_falls_back_to_the_CI_job_token_sent_as_JOB_TOKEN()
        {
            var t = HostedForges.Token("gitlab", null, Env(("CI_JOB_TOKEN", "job")));

            Assert.Equal(GitLabTokenKind.Job, t.Kind);
            Assert.Equal(GitLabTokenKind.Private, HostedForges.Token("gitlab", null, Env(("GITLAB_TOKEN", "p"), ("CI_JOB_TOKEN", "job"))).Kind);
        }

        [Fact]
        public void A_configured_variable_is_the_only_one_read_and_its_absence_is_named()
        {
            var e = Assert.Throws<GitOpsException>(() => HostedForges.Token("github", "RUNTIME_TOKEN", Env(("GITHUB_TOKEN", "gh"))));

            Assert.Equal("runtime.forge 'github' needs a token: set RUNTIME_TOKEN", e.Message);
        }

        [Fact]
        public void Without_any_token_the_error_lists_the_variables_looked_at()
        {
            var e = Assert.Throws<GitOpsException>(() => HostedForges.Token("gitlab", null, Env()));

            Assert.Equal("runtime.forge 'gitlab' needs a token: set GITOPS_FORGE_TOKEN or GITLAB_TOKEN or CI_JOB_TOKEN", e.Message);
        }
    }

    public class DeployerFactoryForge : IDisposable
    {
        private readonly ForgeStub _stub = new("/api/v3");

        public void Dispose() => _stub.Dispose();

        private static GitOpsConfig Config(string runtime) =>
            GitOpsConfigLoader.Parse("image:\n  name: hello\nruntime:\n" + runtime, "gitops.yaml", Path.GetTempPath());

        [Fact]
        public void Picks_the_local_forge_by_default()
        {
            Assert.IsType<LocalForge>(DeployerFactory.Forge(Config("  branch: main\n"), Env()));
        }

        [Fact]
        public void Picks_GitLab_for_forge_gitlab()
        {
            var forge = DeployerFactory.Forge(Config("  url: https://gitlab.com/g/runtime.git\n  forge: gitlab\n"), Env(("GITLAB_TOKEN", "x")));

            Assert.IsType<GitLabForge>(forge);
        }

        [Fact]
        public async Task Picks_GitHub_for_forge_github_and_talks_to_the_configured_api_with_the_configured_options()
        {
            // Given: a GitHub Enterprise root served by the stub, squash merges, an extra label, the token in GITHUB_TOKEN
            _stub.On("GET", "/repos/acme/runtime/pulls", StubResponse.Json(200, "[]"))
                .On("POST", "/repos/acme/runtime/pulls", StubResponse.Json(201, ForgeFixtures.GitHub("pulls-create.json", 201)))
                .On("POST", "/repos/acme/runtime/issues/1347/labels", StubResponse.Json(200, """[{"name":"environment:staging"},{"name":"gitops"}]"""))
                .On("GET", "/repos/acme/runtime/pulls/1347/reviews", StubResponse.Json(200, "[]"));
            var config = Config($"  url: https://ghe.example.com/acme/runtime.git\n  forge: github\n  apiUrl: {_stub.BaseUrl}\n" +
                "  pullRequests:\n    mergeMethod: squash\n    labels: [gitops]\n");

            // When
            var forge = DeployerFactory.Forge(config, Env(("GITHUB_TOKEN", "ghs_abc")));
            var pr = await forge.OpenAsync(new NewPullRequest("new-topic", "main", "t", "b", 0, new Dictionary<string, string> { ["environment"] = "staging" }));

            // Then
            Assert.IsType<GitHubForge>(forge);
            Assert.Equal(1347, pr.Number);
            Assert.Equal("Bearer ghs_abc", _stub.RequestsTo("POST", "/repos/acme/runtime/pulls").Single().Headers["Authorization"]);
            Assert.Contains("gitops", _stub.RequestsTo("POST", "/repos/acme/runtime/issues/1347/labels").Single().Body);
        }
    }
}
