using YamlDotNet.RepresentationModel;

namespace GitOps.Pipelines.Cli.Tests.EntryPoints;

/// <summary>
/// pipelines-templates/gitlab/templates/deploy.yml included into a project and run by gitlab-ci-local, against a
/// stand-in gitops that answers as the CLI's contract says. The run against the real chain is in
/// DeployRunTests.
/// </summary>
public sealed class GitLabComponentTests
{
    /// <summary>A project that includes the component with <paramref name="inputs"/> and has a later job reading its dotenv.</summary>
    private static string CiYml(string inputs) => $"""
        stages: [build, deploy, report]
        include:
          - local: 'templates/deploy.yml'
            inputs:
        {inputs}
        report:
          stage: report
          needs: [app-deploy]
          script:
            - echo "later job sees $GITOPS_OUTCOME $GITOPS_DIGEST $GITOPS_PR_URL"

        """;

    private static (GitLabPipeline Pipeline, FakeGitops Gitops) Setup(string report, int exitCode, string extraInputs = "")
    {
        var pipeline = new GitLabPipeline("");
        var gitops = new FakeGitops(Path.Combine(pipeline.Scratch, "fake"), report, exitCode);
        pipeline.Commit(CiYml($"""
                  job-prefix: app
                  gitops-path: {gitops.Executable}
            {extraInputs}
            """));
        return (pipeline, gitops);
    }

    public sealed class WhenTheChainDeploys
    {
        [Fact]
        public void The_job_runs_gitops_deploy_with_its_inputs_and_reports_a_dotenv()
        {
            var (pipeline, gitops) = Setup(FakeGitops.DeployedReport, 0, """
                      environment: production
                      config: deploy/gitops.yaml
                """);
            using var _ = pipeline;

            var result = pipeline.Execute();

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal(["deploy", "--config", "deploy/gitops.yaml", "--env", "production", "--output", "json"], gitops.Arguments);
            var dotenv = pipeline.Dotenv("app-deploy");
            Assert.Equal("production", dotenv["GITOPS_ENVIRONMENT"]);
            Assert.Equal("localhost/hello:1.4.0", dotenv["GITOPS_IMAGE"]);
            Assert.Equal("sha256:" + new string('1', 64), dotenv["GITOPS_DIGEST"]);
            // production's own gate (the report's promotion PR), which has no merged revision yet
            Assert.Equal("https://forge.example/runtime/pulls/8", dotenv["GITOPS_PR_URL"]);
            Assert.Equal("8", dotenv["GITOPS_PR_NUMBER"]);
            Assert.Equal("", dotenv["GITOPS_REVISION"]);
            Assert.Equal("deployed", dotenv["GITOPS_OUTCOME"]);
            Assert.Equal(FakeGitops.DeployedReport, File.ReadAllText(pipeline.Artifact("app-deploy", "gitops-deploy.json")).TrimEnd());
        }

        [Fact]
        public void A_later_job_gets_the_dotenv_variables()
        {
            var (pipeline, _) = Setup(FakeGitops.DeployedReport, 0);
            using var __ = pipeline;

            var result = pipeline.Execute();

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains(
                $"later job sees deployed sha256:{new string('1', 64)} https://forge.example/runtime/pulls/7",
                pipeline.Log("report"));
        }
    }

    public sealed class WhenTheGateWaits
    {
        [Fact]
        public void The_job_passes_with_outcome_waiting()
        {
            var (pipeline, _) = Setup(FakeGitops.WaitingReport, 4, """
                      environment: production
                """);
            using var __ = pipeline;

            var result = pipeline.Execute();

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal("waiting", pipeline.Dotenv("app-deploy")["GITOPS_OUTCOME"]);
            Assert.Equal("9", pipeline.Dotenv("app-deploy")["GITOPS_PR_NUMBER"]);
            Assert.Contains("the gate for production is waiting for approval or checks: https://forge.example/runtime/pulls/9", pipeline.Log("app-deploy"));
        }
    }

    public sealed class WhenTheChainFails
    {
        [Fact]
        public void The_job_fails_and_still_uploads_the_dotenv()
        {
            var (pipeline, _) = Setup(FakeGitops.WaitingReport.Replace("\"waiting\"", "\"failed\""), 5);
            using var __ = pipeline;

            var result = pipeline.Execute("app-deploy");

            Assert.True(result.ExitCode != 0, result.ToString());
            Assert.Contains("FAIL  app-deploy", result.StdOut + result.StdErr);
            Assert.Contains("gitops deploy exited with 5", pipeline.Log("app-deploy"));
            Assert.Equal("failed", pipeline.Dotenv("app-deploy")["GITOPS_OUTCOME"]);
            Assert.Equal("sha256:" + new string('2', 64), pipeline.Dotenv("app-deploy")["GITOPS_DIGEST"]);
        }

        [Fact]
        public void A_missing_gitops_path_fails_as_invalid_input()
        {
            using var pipeline = new GitLabPipeline(CiYml("""
                      job-prefix: app
                      gitops-path: /nowhere/gitops
                """));

            var result = pipeline.Execute("app-deploy");

            Assert.True(result.ExitCode != 0, result.ToString());
            Assert.Contains("gitops-path: no file at '/nowhere/gitops'", pipeline.Log("app-deploy"));
        }
    }

    public sealed class Credentials
    {
        private const string Password = "registry-pa55-81c2";
        private const string Token = "glpat-t0ken-55d0";

        [Fact]
        public void Come_from_the_project_registry_and_the_named_variable_and_are_never_printed()
        {
            var (pipeline, gitops) = Setup(FakeGitops.DeployedReport, 0, """
                      forge-token-variable: RUNTIME_REPO_TOKEN
                """);
            using var _ = pipeline;

            var result = pipeline.Execute(
                "--variable", "CI_REGISTRY_USER=gitlab-ci-token",
                "--variable", $"CI_REGISTRY_PASSWORD={Password}",
                "--variable", $"RUNTIME_REPO_TOKEN={Token}");

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal("gitlab-ci-token", gitops.Environment["GITOPS_REGISTRY_USERNAME"]);
            Assert.Equal(Password, gitops.Environment["GITOPS_REGISTRY_PASSWORD"]);
            Assert.Equal(Token, gitops.Environment["GITOPS_FORGE_TOKEN"]);
            foreach (var secret in new[] { Password, Token })
            {
                Assert.DoesNotContain(secret, result.StdOut + result.StdErr);
                Assert.DoesNotContain(secret, pipeline.Log("app-deploy"));
                Assert.DoesNotContain(pipeline.Dotenv("app-deploy").Values, v => v.Contains(secret));
                Assert.DoesNotContain(gitops.Arguments, a => a.Contains(secret));
            }
        }

        [Fact]
        public void Explicit_registry_variables_win_over_the_project_registry()
        {
            var (pipeline, gitops) = Setup(FakeGitops.DeployedReport, 0);
            using var _ = pipeline;

            var result = pipeline.Execute(
                "--variable", "CI_REGISTRY_USER=gitlab-ci-token",
                "--variable", "GITOPS_REGISTRY_USERNAME=robot-acme",
                "--variable", $"GITOPS_REGISTRY_PASSWORD={Password}");

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal("robot-acme", gitops.Environment["GITOPS_REGISTRY_USERNAME"]);
            Assert.Equal(Password, gitops.Environment["GITOPS_REGISTRY_PASSWORD"]);
        }
    }

    public sealed class Spec
    {
        [Fact]
        public void With_no_inputs_the_job_is_gitops_deploy_in_stage_deploy_on_the_dotnet_sdk_image()
        {
            // Given: the component included with its defaults
            using var pipeline = new GitLabPipeline("""
                stages: [deploy]
                include:
                  - local: 'templates/deploy.yml'

                """);

            // When: gitlab-ci-local expands includes and inputs
            var result = pipeline.Execute("--preview");

            // Then
            Assert.True(result.ExitCode == 0, result.ToString());
            var yaml = new YamlStream();
            yaml.Load(new StringReader(result.StdOut));
            // gitlab-ci-local prints warnings (e.g. that it does not check spec regex) before the `---` document
            var root = yaml.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>().Single();
            var job = (YamlMappingNode)root["gitops-deploy"];
            Assert.Equal("deploy", job["stage"].ToString());
            Assert.Equal("mcr.microsoft.com/dotnet/sdk:10.0", ((YamlMappingNode)job["image"])["name"].ToString());
            var variables = (YamlMappingNode)job["variables"];
            Assert.Equal("gitops.yaml", variables["GITOPS_CONFIG"].ToString());
            Assert.Equal("staging", variables["GITOPS_ENVIRONMENT"].ToString());
            Assert.Equal("GITOPS_FORGE_TOKEN", variables["GITOPS_FORGE_TOKEN_VARIABLE"].ToString());
            var artifacts = (YamlMappingNode)job["artifacts"];
            Assert.Equal("deploy.env", ((YamlMappingNode)artifacts["reports"])["dotenv"].ToString());
            Assert.Equal("always", artifacts["when"].ToString());
        }

        [Fact]
        public void A_forge_token_variable_that_is_not_a_name_fails_the_job_before_deploying()
        {
            // GitLab rejects it at include time (spec regex); gitlab-ci-local does not check regex, the job does.
            var (pipeline, gitops) = Setup(FakeGitops.DeployedReport, 0, """
                      forge-token-variable: "X:-$(touch pwned)"
                """);
            using var _ = pipeline;

            var result = pipeline.Execute("app-deploy");

            Assert.True(result.ExitCode != 0, result.ToString());
            Assert.Contains("is not a variable name", pipeline.Log("app-deploy"));
            Assert.False(gitops.Ran);
        }
    }
}
