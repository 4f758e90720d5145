using GitOps.Pipelines.TestKit;

namespace GitOps.Pipelines.Cli.Tests.EntryPoints;

/// <summary>The repo's sample as an app repo of its own: gitops.yaml, examples/ and a published app folder.</summary>
internal static class SampleProject
{
    /// <summary>The real CLI the test project builds beside itself (it references the CLI project).</summary>
    public static string GitopsDll
    {
        get
        {
            var dll = Path.Combine(AppContext.BaseDirectory, "gitops.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"no gitops.dll beside the tests in {AppContext.BaseDirectory}", dll);
        }
    }

    /// <summary>Writes the sample into <paramref name="directory"/>: gitops.yaml, examples/, artifacts/publish/hello.</summary>
    public static void WriteTo(string directory)
    {
        File.Copy(Path.Combine(Paths.RepoRoot, "gitops.yaml"), Path.Combine(directory, "gitops.yaml"));
        TempDir.CopyTree(Path.Combine(Paths.RepoRoot, "examples"), Path.Combine(directory, "examples"));
        var publish = Directory.CreateDirectory(Path.Combine(directory, "artifacts", "publish", "hello")).FullName;
        File.WriteAllText(Path.Combine(publish, "hello.dll"), "stand-in for the published app: the image's application layer\n");
        File.WriteAllText(Path.Combine(publish, "hello.runtimeconfig.json"),
            """{"runtimeOptions":{"tfm":"net10.0","framework":{"name":"Microsoft.AspNetCore.App","version":"10.0.0"}}}""" + "\n");
    }

    /// <summary>Writes the sample and commits it, so the chain has a source revision.</summary>
    public static void CommitTo(string directory)
    {
        WriteTo(directory);
        Run.Git(directory, "init", "-q", "-b", "main");
        Run.Git(directory, "add", "-A");
        Run.Git(directory, "-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-q", "-m", "sample app");
    }

}
