using GitOps.Pipelines.TestKit;

namespace GitOps.Pipelines.Cli.Tests.EntryPoints;

/// <summary>
/// A throwaway GitLab project that includes the deploy component with <c>include: local:</c> and
/// <c>inputs:</c>, run by gitlab-ci-local with the shell executor (the job's <c>image:</c> is not pulled).
/// </summary>
internal sealed class GitLabPipeline : IDisposable
{
    private readonly TempDir _temp = new("gitops-gitlab");

    public static string Component { get; } =
        Path.Combine(Paths.RepoRoot, "pipelines-templates", "gitlab", "templates", "deploy.yml");

    /// <param name="ciYml">The project's .gitlab-ci.yml.</param>
    /// <param name="files">Other files to commit, by relative path.</param>
    public GitLabPipeline(string ciYml, IReadOnlyDictionary<string, string>? files = null)
    {
        Project = Directory.CreateDirectory(_temp.Combine("project")).FullName;
        Directory.CreateDirectory(Path.Combine(Project, "templates"));
        File.Copy(Component, Path.Combine(Project, "templates", "deploy.yml"));
        Run.Git(Project, "init", "-q", "-b", "main");
        Commit(ciYml, files);
    }

    /// <summary>Writes and commits the .gitlab-ci.yml and other files.</summary>
    public void Commit(string ciYml, IReadOnlyDictionary<string, string>? files = null)
    {
        File.WriteAllText(Path.Combine(Project, ".gitlab-ci.yml"), ciYml);
        foreach (var (path, content) in files ?? new Dictionary<string, string>())
        {
            var full = Path.Combine(Project, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, content);
        }
        Run.Git(Project, "add", "-A");
        Run.Git(Project, "-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-q", "--allow-empty", "-m", "project");
    }

    /// <summary>The project's folder (a git repo).</summary>
    public string Project { get; }

    /// <summary>A folder beside the project for test-owned files.</summary>
    public string Scratch => Directory.CreateDirectory(_temp.Combine("scratch")).FullName;

    /// <summary>Runs gitlab-ci-local with extra arguments, e.g. <c>--variable NAME=VALUE</c> or a job name.</summary>
    public ProcessResult Execute(params string[] args) =>
        Run.Process("node",
            [TestTools.GitLabCiLocal, "--shell-isolation", "--force-shell-executor", "--no-color",
             "--home", _temp.Combine("home"), .. args],
            Project, timeout: TimeSpan.FromMinutes(10));

    /// <summary>The dotenv report a job uploaded, as name → value; empty when there is none.</summary>
    public IReadOnlyDictionary<string, string> Dotenv(string job)
    {
        var file = Path.Combine(Project, ".gitlab-ci-local", "artifacts", job, ".gitlab-ci-reports", "dotenv", "deploy.env");
        return File.Exists(file)
            ? File.ReadAllLines(file).Where(l => l.Contains('=')).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1])
            : new Dictionary<string, string>();
    }

    /// <summary>A job's log as gitlab-ci-local wrote it.</summary>
    public string Log(string job) => File.ReadAllText(Path.Combine(Project, ".gitlab-ci-local", "output", job + ".log"));

    /// <summary>An artifact a job uploaded, by path.</summary>
    public string Artifact(string job, string path) =>
        Path.Combine(Project, ".gitlab-ci-local", "artifacts", job, path);

    public void Dispose() => _temp.Dispose();
}
