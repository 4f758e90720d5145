using Cake.GitOps.Pipelines.Tests.Fakes;
using GitOps.Pipelines.TestKit;

namespace Cake.GitOps.Pipelines.Tests;

/// <summary>
/// An app repo in a temp folder, as a user's would be: the repo's gitops.yaml and examples/runtime, a
/// "published" app folder, one git commit. The chain's state lands in its own .gitops/.
/// </summary>
public sealed class SampleApp : IDisposable
{
    private readonly TempDir _dir = new("cake-app");

    /// <summary>Creates the repo with <paramref name="config"/> as gitops.yaml (the repo's own by default).</summary>
    public SampleApp(string? config = null)
    {
        File.WriteAllText(Combine("gitops.yaml"), config ?? File.ReadAllText(Path.Combine(Paths.RepoRoot, "gitops.yaml")));
        TempDir.CopyTree(Path.Combine(Paths.RepoRoot, "examples", "runtime"), Combine("examples", "runtime"));
        var publish = Combine("artifacts", "publish", "hello");
        Directory.CreateDirectory(publish);
        File.WriteAllText(Path.Combine(publish, "hello.dll"), "hello v1");
        File.WriteAllText(Path.Combine(publish, "appsettings.json"), "{ \"Logging\": {} }\n");
        File.WriteAllText(Combine(".gitignore"), ".gitops/\n");
        Run.Git(Root, "init", "--quiet", "--initial-branch", "main");
        Run.Git(Root, "config", "user.name", "dev");
        Run.Git(Root, "config", "user.email", "dev@example.test");
        Run.Git(Root, "add", "--all");
        Run.Git(Root, "commit", "--quiet", "-m", "first commit");
    }

    /// <summary>The repo's folder: the Cake working directory.</summary>
    public string Root => _dir.Path;

    /// <summary>The bare runtime repo the chain seeds and bumps.</summary>
    public string RuntimeRepo => Combine(".gitops", "runtime.git");

    /// <summary>The app's HEAD commit.</summary>
    public string Head => Run.Git(Root, "rev-parse", "HEAD");

    /// <summary>A path inside the repo.</summary>
    public string Combine(params string[] parts) => _dir.Combine(parts);

    /// <summary>A Cake context working in this repo, seeing only <paramref name="variables"/>.</summary>
    public FakeCakeContext Context(IReadOnlyDictionary<string, string>? variables = null) => new(Root, variables);


    /// <inheritdoc />
    public void Dispose() => _dir.Dispose();
}
