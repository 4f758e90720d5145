using GitOps.Pipelines.TestKit;

namespace GitOps.Pipelines.Cli.Tests.Chain;

/// <summary>
/// An app repo in a temp folder, as a user's would be: the repo's gitops.yaml and examples/runtime, a
/// "published" app folder, one git commit. Everything the chain makes lands in its own .gitops/.
/// </summary>
public sealed class SampleApp : IDisposable
{
    private readonly TempDir _dir = new("sample-app");

    public SampleApp(string? config = null)
    {
        File.WriteAllText(Combine("gitops.yaml"), config ?? File.ReadAllText(Path.Combine(Paths.RepoRoot, "gitops.yaml")));
        TempDir.CopyTree(Path.Combine(Paths.RepoRoot, "examples", "runtime"), Combine("examples", "runtime"));
        WriteApp("hello v1");
        Run.Git(Root, "init", "--quiet", "--initial-branch", "main");
        Run.Git(Root, "config", "user.name", "dev");
        Run.Git(Root, "config", "user.email", "dev@example.test");
        File.WriteAllText(Combine(".gitignore"), ".gitops/\n");
        Commit("first commit");
    }

    public string Root => _dir.Path;

    public string Config => Combine("gitops.yaml");

    public string State => Combine(".gitops");

    public string RuntimeRepo => Combine(".gitops", "runtime.git");

    public string Combine(params string[] parts) => _dir.Combine(parts);

    /// <summary>Writes the app's publish output (what image.context points at).</summary>
    public void WriteApp(string greeting)
    {
        var dir = Combine("artifacts", "publish", "hello");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "hello.dll"), greeting);
        File.WriteAllText(Path.Combine(dir, "appsettings.json"), "{ \"Logging\": {} }\n");
    }

    public string Commit(string message)
    {
        Run.Git(Root, "add", "--all");
        Run.Git(Root, "commit", "--quiet", "--allow-empty", "-m", message);
        return Run.Git(Root, "rev-parse", "HEAD");
    }

    /// <summary>Runs gitops in-process with --config pointing here.</summary>
    public async Task<(int Code, string Out, string Err)> Gitops(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await Cli.RunAsync([.. args, "--config", Config], stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }


    public void Dispose() => _dir.Dispose();
}
