using GitOps.Pipelines.TestKit;

namespace GitOps.Pipelines.Tests.Sync;

/// <summary>A real bare runtime repo in a temp folder, seeded from examples/runtime, with a clone to commit from.</summary>
public sealed class SeededRuntimeRepo : IDisposable
{
    private readonly TempDir _dir = new("gitops-runtime");

    public SeededRuntimeRepo()
    {
        BarePath = _dir.Combine("runtime.git");
        WorkPath = _dir.Combine("author");
        Run.Git(_dir.Path, "init", "--quiet", "--bare", "--initial-branch=main", BarePath);
        Run.Git(_dir.Path, "clone", "--quiet", BarePath, WorkPath);
        TempDir.CopyTree(Path.Combine(Paths.RepoRoot, "examples", "runtime"), WorkPath);
        InitialRevision = Commit("seed from examples/runtime");
    }

    /// <summary>The bare repository: what the sync pulls from.</summary>
    public string BarePath { get; }

    /// <summary>The clone commits are made in.</summary>
    public string WorkPath { get; }

    /// <summary>The seed commit.</summary>
    public string InitialRevision { get; }

    /// <summary>Points an overlay's <c>hello</c> image at a tag (and digest) and pushes; returns the new commit.</summary>
    public string SetImage(string environment, string tag, string? digest = null)
    {
        var text = $"""
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            namespace: hello-{environment}
            resources:
              - ../../base
            images:
              - name: hello
                newName: localhost/hello
                newTag: "{tag}"

            """;
        if (digest is not null) text += $"    digest: {digest}\n";
        File.WriteAllText(Path.Combine(WorkPath, "overlays", environment, "kustomization.yaml"), text);
        return Commit($"{environment}: hello {tag}");
    }

    /// <summary>Writes a file in the author clone, commits and pushes; returns the new commit.</summary>
    public string WriteAndCommit(string relative, string content, string message)
    {
        var full = Path.Combine(WorkPath, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        return Commit(message);
    }

    private string Commit(string message)
    {
        Run.Git(WorkPath, "add", "-A");
        Run.Git(WorkPath, "-c", "user.name=Test", "-c", "user.email=test@example.invalid", "commit", "--quiet", "-m", message);
        Run.Git(WorkPath, "push", "--quiet", "origin", "HEAD:main");
        return Run.Git(WorkPath, "rev-parse", "HEAD");
    }


    public void Dispose() => _dir.Dispose();
}
