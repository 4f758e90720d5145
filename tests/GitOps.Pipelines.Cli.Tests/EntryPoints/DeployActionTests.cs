using GitOps.Pipelines.TestKit;

namespace GitOps.Pipelines.Cli.Tests.EntryPoints;

/// <summary>
/// actions/deploy/action.yml run step by step in a simulated runner, against a stand-in gitops that answers
/// as the CLI's contract says. The run against the real chain is in DeployRunTests.
/// </summary>
public sealed class DeployActionTests
{
    private static readonly CompositeAction Action =
        CompositeAction.Load(Path.Combine(Paths.RepoRoot, "actions", "deploy", "action.yml"));

    /// <summary>A workspace, a runner and a stand-in gitops in one temp folder.</summary>
    private sealed class Setup : IDisposable
    {
        private readonly TempDir _temp = new("gitops-action");

        public Setup(string report, int exitCode)
        {
            Workspace = Directory.CreateDirectory(_temp.Combine("workspace")).FullName;
            Runner = new SimulatedRunner(_temp.Combine("runner"));
            Gitops = new FakeGitops(_temp.Combine("fake"), report, exitCode);
        }

        public string Workspace { get; }
        public SimulatedRunner Runner { get; }
        public FakeGitops Gitops { get; }
        public string Root => _temp.Path;

        public ActionRun Run(Dictionary<string, string>? with = null, IReadOnlyDictionary<string, string>? env = null)
        {
            with ??= [];
            with.TryAdd("gitops-path", Gitops.Executable);
            return Runner.Run(Action, with, Workspace, env);
        }

        public void Dispose() => _temp.Dispose();
    }

    public sealed class WhenTheChainDeploys
    {
        [Fact]
        public void It_runs_gitops_deploy_with_the_default_config_and_environment_as_json()
        {
            using var setup = new Setup(FakeGitops.DeployedReport, 0);

            var run = setup.Run();

            Assert.True(run.Succeeded, run.ToString());
            Assert.Equal(["deploy", "--config", "gitops.yaml", "--env", "staging", "--output", "json"], setup.Gitops.Arguments);
            Assert.Equal(setup.Workspace, setup.Gitops.WorkingDirectory);
            Assert.Equal(["install", "deploy"], run.StepsRun);
        }

        [Fact]
        public void Its_outputs_come_from_the_stage_report()
        {
            using var setup = new Setup(FakeGitops.DeployedReport, 0);

            var run = setup.Run();

            Assert.True(run.Succeeded, run.ToString());
            Assert.Equal("localhost/hello:1.4.0", run.Outputs["image"]);
            Assert.Equal("sha256:" + new string('1', 64), run.Outputs["digest"]);
            Assert.Equal("https://forge.example/runtime/pulls/7", run.Outputs["pr-url"]);
            Assert.Equal("7", run.Outputs["pr-number"]);
            Assert.Equal(new string('b', 40), run.Outputs["revision"]); // the verified revision, not the promotion's
            Assert.Equal("deployed", run.Outputs["outcome"]);
            Assert.Equal(FakeGitops.DeployedReport, File.ReadAllText(run.Outputs["report"]).TrimEnd());
            Assert.StartsWith(setup.Runner.Temp, run.Outputs["report"]);
        }

        [Fact]
        public void The_job_summary_is_a_markdown_table_of_the_stages()
        {
            using var setup = new Setup(FakeGitops.DeployedReport, 0);

            var run = setup.Run();

            var lines = run.Summary.Split('\n');
            Assert.Equal("### gitops deploy: staging: deployed", lines[0]);
            Assert.Contains("| Stage | Outcome | Details | Seconds |", lines);
            Assert.Contains("|---|---|---|---|", lines);
            Assert.Contains("| Image | built | image: `localhost/hello:1.4.0`, digest: `sha256:" + new string('1', 64) + "` | 1.2 |", lines);
            Assert.Contains(
                "| Gate | merged | environment: `staging`, PR [#7](https://forge.example/runtime/pulls/7), revision: `" + new string('a', 40) + "` | 0.4 |",
                lines);
            Assert.Contains("| Gate | waiting | environment: `production`, PR [#8](https://forge.example/runtime/pulls/8) | 0.2 |", lines);
            Assert.Contains("| Verify | verified | environment: `staging`, pullRequest: `7`, revision: `" + new string('b', 40) + "` | 0.1 |", lines);
            Assert.Equal(8, lines.Count(l => l.StartsWith("| ", StringComparison.Ordinal) && !l.StartsWith("| Stage", StringComparison.Ordinal)));
        }

        [Fact]
        public void The_outputs_describe_the_requested_environment_not_its_promotion()
        {
            // Given: a report where the promotion's gate (production) comes before staging's
            using var setup = new Setup("""
                [
                  {"stage":"Gate","outcome":"waiting","environment":"production","pullRequest":8,"pullRequestUrl":"https://forge.example/runtime/pulls/8"},
                  {"stage":"Gate","outcome":"merged","environment":"staging","pullRequest":7,"pullRequestUrl":"https://forge.example/runtime/pulls/7","revision":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}
                ]
                """, 0);

            var run = setup.Run(new() { ["environment"] = "staging" });

            Assert.Equal("7", run.Outputs["pr-number"]);
            Assert.Equal("https://forge.example/runtime/pulls/7", run.Outputs["pr-url"]);
            Assert.Equal(new string('a', 40), run.Outputs["revision"]);
        }

        [Fact]
        public void Config_environment_and_working_directory_inputs_reach_the_cli()
        {
            using var setup = new Setup(FakeGitops.DeployedReport, 0);
            var app = Directory.CreateDirectory(Path.Combine(setup.Workspace, "apps", "hello")).FullName;

            var run = setup.Run(new()
            {
                ["config"] = "deploy/gitops.yaml",
                ["environment"] = "production",
                ["working-directory"] = "apps/hello",
            });

            Assert.True(run.Succeeded, run.ToString());
            Assert.Equal(["deploy", "--config", "deploy/gitops.yaml", "--env", "production", "--output", "json"], setup.Gitops.Arguments);
            Assert.Equal(app, setup.Gitops.WorkingDirectory);
        }

        [Fact]
        public void Inputs_are_data_not_script()
        {
            using var setup = new Setup(FakeGitops.DeployedReport, 0);
            var injected = "staging\"; touch \"$GITHUB_WORKSPACE/pwned\"; echo \"";

            var run = setup.Run(new() { ["environment"] = injected, ["config"] = "$(touch pwned2).yaml" });

            Assert.True(run.Succeeded, run.ToString());
            Assert.Equal(injected, setup.Gitops.Arguments[4]);
            Assert.Equal("$(touch pwned2).yaml", setup.Gitops.Arguments[2]);
            Assert.False(File.Exists(Path.Combine(setup.Workspace, "pwned")));
            Assert.False(File.Exists(Path.Combine(setup.Workspace, "pwned2")));
        }
    }

    public sealed class WhenTheGateWaits
    {
        [Fact]
        public void The_step_succeeds_with_outcome_waiting_and_the_pull_request_to_approve()
        {
            using var setup = new Setup(FakeGitops.WaitingReport, 4);

            var run = setup.Run(new() { ["environment"] = "production" });

            Assert.True(run.Succeeded, run.ToString());
            Assert.Equal("waiting", run.Outputs["outcome"]);
            Assert.Equal("9", run.Outputs["pr-number"]);
            Assert.Equal("https://forge.example/runtime/pulls/9", run.Outputs["pr-url"]);
            Assert.Equal(new string('c', 40), run.Outputs["revision"]);
            Assert.Contains("::notice title=gitops deploy::the gate for production is waiting", run.Log);
            Assert.StartsWith("### gitops deploy: production: waiting\n", run.Summary);
        }
    }

    public sealed class WhenTheChainFails
    {
        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(3)]
        [InlineData(5)]
        public void The_step_fails_with_the_cli_exit_code_and_still_reports(int exitCode)
        {
            using var setup = new Setup(FakeGitops.WaitingReport.Replace("\"waiting\"", "\"failed\""), exitCode);

            var run = setup.Run();

            Assert.Equal(exitCode, run.ExitCode);
            Assert.Equal("failed", run.Outputs["outcome"]);
            Assert.Equal("sha256:" + new string('2', 64), run.Outputs["digest"]);
            Assert.Contains($"::error title=gitops deploy::gitops deploy exited with {exitCode}", run.Log);
            Assert.Contains("| Gate | failed |", run.Summary);
        }

        [Fact]
        public void Without_a_report_the_outputs_are_empty_and_the_summary_says_so()
        {
            using var setup = new Setup("", 1);

            var run = setup.Run();

            Assert.Equal(1, run.ExitCode);
            Assert.Equal("failed", run.Outputs["outcome"]);
            Assert.Equal("", run.Outputs["digest"]);
            Assert.Equal("", run.Outputs["pr-url"]);
            Assert.Contains("No stage report (exit code 1); see the step log.", run.Summary);
        }

        [Fact]
        public void A_half_written_report_is_read_as_no_stages()
        {
            using var setup = new Setup("[{\"stage\":\"Image\",\"outc", 1);

            var run = setup.Run();

            Assert.Equal(1, run.ExitCode);
            Assert.Equal("failed", run.Outputs["outcome"]);
            Assert.Contains("No stage report (exit code 1)", run.Summary);
        }
    }

    public sealed class Secrets
    {
        private const string Password = "pa55-w0rd-9f3c";
        private const string Token = "ghp_t0ken-4a7e";

        [Fact]
        public void Reach_the_cli_as_environment_variables_not_arguments()
        {
            using var setup = new Setup(FakeGitops.DeployedReport, 0);

            var run = setup.Run(new()
            {
                ["registry-username"] = "deployer",
                ["registry-password"] = Password,
                ["forge-token"] = Token,
            });

            Assert.True(run.Succeeded, run.ToString());
            Assert.Equal("deployer", setup.Gitops.Environment["GITOPS_REGISTRY_USERNAME"]);
            Assert.Equal(Password, setup.Gitops.Environment["GITOPS_REGISTRY_PASSWORD"]);
            Assert.Equal(Token, setup.Gitops.Environment["GITOPS_FORGE_TOKEN"]);
            Assert.DoesNotContain(setup.Gitops.Arguments, a => a.Contains(Password) || a.Contains(Token));
        }

        [Fact]
        public void Are_masked_and_never_printed_outputs_or_summarised()
        {
            using var setup = new Setup(FakeGitops.DeployedReport, 0);

            var run = setup.Run(new()
            {
                ["registry-password"] = Password,
                ["forge-token"] = Token + "\nsecond-line-77",
            });

            Assert.True(run.Succeeded, run.ToString());
            var lines = run.Log.Split('\n');
            Assert.Equal("::add-mask::" + Password, lines[0]);
            Assert.Equal("::add-mask::" + Token, lines[1]);
            Assert.Equal("::add-mask::second-line-77", lines[2]);
            foreach (var secret in new[] { Password, Token, "second-line-77" })
            {
                Assert.Single(lines, l => l.Contains(secret)); // only its own add-mask command
                Assert.DoesNotContain(secret, run.Summary);
                Assert.DoesNotContain(run.Outputs.Values, v => v.Contains(secret));
                Assert.DoesNotContain(secret, File.ReadAllText(run.Outputs["report"]));
            }
        }

        [Fact]
        public void Empty_ones_are_not_masked()
        {
            using var setup = new Setup(FakeGitops.DeployedReport, 0);

            var run = setup.Run();

            Assert.DoesNotContain("::add-mask::", run.Log);
        }
    }

    public sealed class InstallingTheTool
    {
        /// <summary>A stand-in dotnet on PATH that records its arguments and, for tool install, puts the fake gitops in place.</summary>
        private static string FakeDotnet(Setup setup)
        {
            var bin = Directory.CreateDirectory(Path.Combine(setup.Root, "bin")).FullName;
            var dotnet = Path.Combine(bin, "dotnet");
            File.WriteAllText(dotnet, $$"""
                #!/usr/bin/env bash
                printf '%s\n' "$@" >> '{{setup.Root}}/dotnet-args'
                echo '--' >> '{{setup.Root}}/dotnet-args'
                if [ "$1" = tool ] && [ "$2" = install ]; then
                  while [ $# -gt 0 ]; do
                    if [ "$1" = --tool-path ]; then mkdir -p "$2" && cp '{{setup.Gitops.Executable}}' "$2/gitops"; fi
                    shift
                  done
                else
                  exec '{{setup.Gitops.Executable}}' "${@:2}"
                fi

                """.Replace("\r\n", "\n"));
            FakeGitops.MakeExecutable(dotnet);
            return bin;
        }

        private static Dictionary<string, string> PathWith(string bin) =>
            new() { ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH") };

        private static string[] DotnetCalls(Setup setup) =>
            File.ReadAllText(Path.Combine(setup.Root, "dotnet-args")).Split("--\n", StringSplitOptions.RemoveEmptyEntries);

        [Fact]
        public void Installs_the_requested_version_into_runner_temp_and_runs_it()
        {
            using var setup = new Setup(FakeGitops.DeployedReport, 0);
            var bin = FakeDotnet(setup);

            var run = setup.Runner.Run(Action,
                new Dictionary<string, string> { ["gitops-version"] = "1.2.3", ["gitops-source"] = "/packages" },
                setup.Workspace, PathWith(bin));

            Assert.True(run.Succeeded, run.ToString());
            var toolPath = Path.Combine(setup.Runner.Temp, "gitops-tool", "1.2.3");
            Assert.Equal(
                $"tool\ninstall\nGitOps.Pipelines.Cli\n--tool-path\n{toolPath}\n--version\n1.2.3\n--add-source\n/packages\n",
                Assert.Single(DotnetCalls(setup)));
            Assert.Equal("deployed", run.Outputs["outcome"]);
            Assert.True(File.Exists(Path.Combine(toolPath, "gitops")));
        }

        [Fact]
        public void Without_a_version_installs_the_latest_and_reuses_an_installed_tool()
        {
            using var setup = new Setup(FakeGitops.DeployedReport, 0);
            var bin = FakeDotnet(setup);

            var first = setup.Runner.Run(Action, new Dictionary<string, string>(), setup.Workspace, PathWith(bin));
            var second = setup.Runner.Run(Action, new Dictionary<string, string>(), setup.Workspace, PathWith(bin));

            Assert.True(first.Succeeded, first.ToString());
            Assert.True(second.Succeeded, second.ToString());
            var call = Assert.Single(DotnetCalls(setup));
            Assert.Equal($"tool\ninstall\nGitOps.Pipelines.Cli\n--tool-path\n{Path.Combine(setup.Runner.Temp, "gitops-tool", "latest")}\n", call);
        }

        [Fact]
        public void A_gitops_dll_runs_with_dotnet()
        {
            using var setup = new Setup(FakeGitops.DeployedReport, 0);
            var bin = FakeDotnet(setup);
            var dll = Path.Combine(setup.Root, "gitops.dll");
            File.WriteAllText(dll, "not really an assembly: the fake dotnet hands over to the fake gitops");

            var run = setup.Run(new() { ["gitops-path"] = dll }, PathWith(bin));

            Assert.True(run.Succeeded, run.ToString());
            Assert.Equal($"{dll}\ndeploy\n--config\ngitops.yaml\n--env\nstaging\n--output\njson\n", Assert.Single(DotnetCalls(setup)));
            Assert.Equal("deployed", run.Outputs["outcome"]);
        }

        [Fact]
        public void A_missing_gitops_path_fails_as_invalid_input_before_deploying()
        {
            using var setup = new Setup(FakeGitops.DeployedReport, 0);

            var run = setup.Run(new() { ["gitops-path"] = "/nowhere/gitops" });

            Assert.Equal(2, run.ExitCode);
            Assert.Contains("::error title=gitops-path::no file at '/nowhere/gitops'", run.Log);
            Assert.Equal(["install"], run.StepsRun);
            Assert.False(setup.Gitops.Ran);
        }

        [Fact]
        public void The_setup_dotnet_step_is_skipped_unless_a_dotnet_version_is_asked_for()
        {
            var setupDotnet = Assert.Single(Action.Steps, s => s.Uses is not null);
            Assert.Equal("actions/setup-dotnet@v4", setupDotnet.Uses);
            Assert.Equal("inputs.dotnet-version != ''", setupDotnet.If);
        }
    }
}
