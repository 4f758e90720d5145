using GitOps.Pipelines.TestKit;

namespace GitOps.Pipelines.Cli.Tests.EntryPoints;

/// <summary>
/// pipelines-templates/azure/deploy.yml expanded and run step by step in a simulated agent, against a stand-in
/// gitops that answers as the CLI's contract says.
/// </summary>
public sealed class AzureTemplateTests
{
    private static readonly string Template = Path.Combine(Paths.RepoRoot, "pipelines-templates", "azure", "deploy.yml");

    private sealed class Setup : IDisposable
    {
        private readonly TempDir _temp = new("gitops-azure");

        public Setup(string report, int exitCode)
        {
            Workspace = Directory.CreateDirectory(_temp.Combine("workspace")).FullName;
            Agent = new SimulatedAzureAgent(_temp.Combine("agent"));
            Gitops = new FakeGitops(_temp.Combine("fake"), report, exitCode);
        }

        public string Workspace { get; }
        public SimulatedAzureAgent Agent { get; }
        public FakeGitops Gitops { get; }

        public AgentRun Run(Dictionary<string, string>? parameters = null)
        {
            parameters ??= [];
            parameters.TryAdd("gitopsPath", Gitops.Executable);
            return Agent.Run(Template, parameters, Workspace);
        }

        public void Dispose() => _temp.Dispose();
    }

    [Fact]
    public void It_runs_gitops_deploy_and_sets_output_variables_from_the_report()
    {
        using var setup = new Setup(FakeGitops.DeployedReport, 0);

        var run = setup.Run(new() { ["environment"] = "staging", ["config"] = "gitops.yaml" });

        Assert.True(run.Succeeded, run.ToString());
        Assert.Equal(["deploy", "--config", "gitops.yaml", "--env", "staging", "--output", "json"], setup.Gitops.Arguments);
        Assert.Equal(setup.Workspace, setup.Gitops.WorkingDirectory);
        Assert.Equal("localhost/hello:1.4.0", run.Outputs["gitops.image"]);
        Assert.Equal("sha256:" + new string('1', 64), run.Outputs["gitops.digest"]);
        Assert.Equal("https://forge.example/runtime/pulls/7", run.Outputs["gitops.prUrl"]);
        Assert.Equal("7", run.Outputs["gitops.prNumber"]);
        Assert.Equal(new string('b', 40), run.Outputs["gitops.revision"]);
        Assert.Equal("deployed", run.Outputs["gitops.outcome"]);
        Assert.Empty(run.Issues);
    }

    [Fact]
    public void The_summary_is_a_markdown_table_of_the_stages()
    {
        using var setup = new Setup(FakeGitops.DeployedReport, 0);

        var run = setup.Run();

        var lines = run.Summary.Split('\n');
        Assert.Equal("### gitops deploy: staging: deployed", lines[0]);
        Assert.Contains("| Stage | Outcome | Details | Seconds |", lines);
        Assert.Contains(
            "| Gate | merged | environment: `staging`, PR [#7](https://forge.example/runtime/pulls/7), revision: `" + new string('a', 40) + "` | 0.4 |",
            lines);
    }

    [Fact]
    public void The_step_name_parameter_names_the_output_variables()
    {
        using var setup = new Setup(FakeGitops.DeployedReport, 0);

        var run = setup.Run(new() { ["name"] = "staging" });

        Assert.Equal("deployed", run.Outputs["staging.outcome"]);
    }

    [Fact]
    public void A_waiting_gate_succeeds_with_a_warning_and_outcome_waiting()
    {
        using var setup = new Setup(FakeGitops.WaitingReport, 4);

        var run = setup.Run(new() { ["environment"] = "production" });

        Assert.True(run.Succeeded, run.ToString());
        Assert.Equal("waiting", run.Outputs["gitops.outcome"]);
        Assert.Equal("9", run.Outputs["gitops.prNumber"]);
        Assert.Equal(["warning: the gate for production is waiting for approval or checks"], run.Issues);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public void A_failure_fails_the_step_with_the_cli_exit_code(int exitCode)
    {
        using var setup = new Setup("", exitCode);

        var run = setup.Run();

        Assert.Equal(exitCode, run.ExitCode);
        Assert.Equal("failed", run.Outputs["gitops.outcome"]);
        Assert.Equal([$"error: gitops deploy exited with {exitCode}"], run.Issues);
        Assert.Contains($"No stage report (exit code {exitCode})", run.Summary);
    }

    [Fact]
    public void Secrets_are_masked_passed_as_environment_and_never_printed()
    {
        const string password = "az-pa55-61b0", token = "az-t0ken-e93a";
        using var setup = new Setup(FakeGitops.DeployedReport, 0);

        var run = setup.Run(new() { ["registryUsername"] = "robot", ["registryPassword"] = password, ["forgeToken"] = token });

        Assert.True(run.Succeeded, run.ToString());
        Assert.Equal([password, token], run.Secrets);
        Assert.Equal(password, setup.Gitops.Environment["GITOPS_REGISTRY_PASSWORD"]);
        Assert.Equal(token, setup.Gitops.Environment["GITOPS_FORGE_TOKEN"]);
        Assert.Equal("robot", setup.Gitops.Environment["GITOPS_REGISTRY_USERNAME"]);
        foreach (var secret in new[] { password, token })
        {
            Assert.Single(run.Log.Split('\n'), l => l.Contains(secret)); // its own setsecret command
            Assert.DoesNotContain(secret, run.Summary);
            Assert.DoesNotContain(run.Outputs.Values, v => v.Contains(secret));
            Assert.DoesNotContain(setup.Gitops.Arguments, a => a.Contains(secret));
        }
    }

    [Fact]
    public void A_missing_gitops_path_fails_as_invalid_input_before_deploying()
    {
        using var setup = new Setup(FakeGitops.DeployedReport, 0);

        var run = setup.Run(new() { ["gitopsPath"] = "/nowhere/gitops" });

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(["error: gitopsPath: no file at '/nowhere/gitops'"], run.Issues);
        Assert.False(setup.Gitops.Ran);
    }
}
