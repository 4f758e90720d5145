using System.Text.RegularExpressions;
using GitOps.Pipelines.TestKit;

namespace GitOps.Pipelines.Cli.Tests.EntryPoints;

/// <summary>
/// The GitHub Action, the GitLab component and the Azure template running the real <c>gitops deploy</c> (the
/// gitops.dll built beside these tests) on a copy of the repo's sample: the whole chain on its embedded defaults,
/// end to end. Each entry point runs the chain once per class (a fixture); the facts read what it left.
/// </summary>
public sealed partial class DeployRunTests
{
    private static readonly CompositeAction Action =
        CompositeAction.Load(Path.Combine(Paths.RepoRoot, "actions", "deploy", "action.yml"));

    [GeneratedRegex("^sha256:[0-9a-f]{64}$")]
    private static partial Regex Digest();

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex Revision();

    /// <summary>The head of the runtime repo's main branch: what staging must run after the merge.</summary>
    private static string RuntimeHead(string project) =>
        Run.Git(project, "--git-dir", Path.Combine(project, ".gitops", "runtime.git"), "rev-parse", "main");

    /// <summary>The action run once on the committed sample, pointed at the real CLI.</summary>
    public sealed class ActionOnTheSample : IDisposable
    {
        private readonly TempDir _temp = new("gitops-action-run");

        public ActionOnTheSample()
        {
            Workspace = Directory.CreateDirectory(_temp.Combine("workspace")).FullName;
            SampleProject.CommitTo(Workspace);
            Result = new SimulatedRunner(_temp.Combine("runner"))
                .Run(Action, new Dictionary<string, string> { ["gitops-path"] = SampleProject.GitopsDll }, Workspace);
        }

        public string Workspace { get; }
        internal ActionRun Result { get; }
        public void Dispose() => _temp.Dispose();
    }

    public sealed class TheGitHubAction(ActionOnTheSample sample) : IClassFixture<ActionOnTheSample>
    {
        [Fact]
        public void Deploys_the_sample_to_staging_and_reports_the_merged_revision()
        {
            var run = sample.Result;

            Assert.True(run.Succeeded, run.ToString());
            Assert.Equal("deployed", run.Outputs["outcome"]);
            Assert.Matches(Digest(), run.Outputs["digest"]);
            Assert.Equal("1", run.Outputs["pr-number"]);
            Assert.Matches(Revision(), run.Outputs["revision"]);
            Assert.Equal(RuntimeHead(sample.Workspace), run.Outputs["revision"]);
            Assert.Contains("| Image | built |", run.Summary);
            Assert.Contains("| Gate | merged | environment: `staging`", run.Summary);
        }

        [Fact]
        public void Its_image_output_names_the_pushed_image()
        {
            Assert.Contains("hello", sample.Result.Outputs["image"]);
        }

        [Fact]
        public void Fails_as_invalid_input_for_an_unknown_environment()
        {
            using var temp = new TempDir("gitops-action-run");
            var workspace = Directory.CreateDirectory(temp.Combine("workspace")).FullName;
            SampleProject.CommitTo(workspace);
            var runner = new SimulatedRunner(temp.Combine("runner"));

            var run = runner.Run(Action,
                new Dictionary<string, string> { ["gitops-path"] = SampleProject.GitopsDll, ["environment"] = "nowhere" }, workspace);

            Assert.Equal(2, run.ExitCode);
            Assert.Equal("failed", run.Outputs["outcome"]);
            Assert.Contains("nowhere", run.Log);
        }
    }

    /// <summary>The sample as a GitLab project including the component, run once by gitlab-ci-local.</summary>
    public sealed class ComponentOnTheSample : IDisposable
    {
        public ComponentOnTheSample()
        {
            Pipeline = new GitLabPipeline("");
            SampleProject.WriteTo(Pipeline.Project);
            Pipeline.Commit($"""
                include:
                  - local: 'templates/deploy.yml'
                    inputs:
                      gitops-path: {SampleProject.GitopsDll}

                """);
            Result = Pipeline.Execute();
        }

        internal GitLabPipeline Pipeline { get; }
        public ProcessResult Result { get; }
        public void Dispose() => Pipeline.Dispose();
    }

    public sealed class TheGitLabComponent(ComponentOnTheSample sample) : IClassFixture<ComponentOnTheSample>
    {
        [Fact]
        public void Deploys_the_sample_to_staging_and_reports_a_dotenv()
        {
            Assert.True(sample.Result.ExitCode == 0, sample.Result.ToString());
            var dotenv = sample.Pipeline.Dotenv("gitops-deploy");
            Assert.Equal("deployed", dotenv["GITOPS_OUTCOME"]);
            Assert.Equal("staging", dotenv["GITOPS_ENVIRONMENT"]);
            Assert.Matches(Digest(), dotenv["GITOPS_DIGEST"]);
            Assert.Equal("1", dotenv["GITOPS_PR_NUMBER"]);
            Assert.Matches(Revision(), dotenv["GITOPS_REVISION"]);
        }

        [Fact]
        public void Its_dotenv_names_the_pushed_image()
        {
            Assert.Contains("hello", sample.Pipeline.Dotenv("gitops-deploy").GetValueOrDefault("GITOPS_IMAGE"));
        }
    }

    /// <summary>The Azure template run once on the committed sample in a simulated agent.</summary>
    public sealed class TemplateOnTheSample : IDisposable
    {
        private readonly TempDir _temp = new("gitops-azure-run");

        public TemplateOnTheSample()
        {
            Workspace = Directory.CreateDirectory(_temp.Combine("workspace")).FullName;
            SampleProject.CommitTo(Workspace);
            Result = new SimulatedAzureAgent(_temp.Combine("agent")).Run(
                Path.Combine(Paths.RepoRoot, "pipelines-templates", "azure", "deploy.yml"),
                new Dictionary<string, string> { ["gitopsPath"] = SampleProject.GitopsDll }, Workspace);
        }

        public string Workspace { get; }
        internal AgentRun Result { get; }
        public void Dispose() => _temp.Dispose();
    }

    public sealed class TheAzureTemplate(TemplateOnTheSample sample) : IClassFixture<TemplateOnTheSample>
    {
        [Fact]
        public void Deploys_the_sample_to_staging_and_sets_output_variables()
        {
            var run = sample.Result;

            Assert.True(run.Succeeded, run.ToString());
            Assert.Equal("deployed", run.Outputs["gitops.outcome"]);
            Assert.Matches(Digest(), run.Outputs["gitops.digest"]);
            Assert.Equal("1", run.Outputs["gitops.prNumber"]);
            Assert.Equal(RuntimeHead(sample.Workspace), run.Outputs["gitops.revision"]);
        }

        [Fact]
        public void Its_image_output_names_the_pushed_image()
        {
            Assert.Contains("hello", sample.Result.Outputs["gitops.image"]);
        }
    }
}
