using System.Runtime.CompilerServices;

namespace GitOps.Pipelines.TestKit;

/// <summary>Where the repo, its examples and the shared acceptance fixtures are, seen from a test.</summary>
public static class Paths
{
    /// <summary>The repository root: the folder holding GitOps.Pipelines.sln.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The shared acceptance fixtures (../shared/fixtures beside the clone).</summary>
    public static string Fixtures
    {
        get
        {
            var dir = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "fixtures"));
            if (!Directory.Exists(dir))
                throw new DirectoryNotFoundException($"the shared acceptance fixtures are expected at {dir} (shared/ beside the clone)");
            return dir;
        }
    }

    /// <summary>A file in the shared fixtures, by relative path.</summary>
    public static string Fixture(string relative) => Path.Combine(Fixtures, relative);

    /// <summary>The folder of the calling source file: test data that lives beside the tests.</summary>
    public static string Here([CallerFilePath] string file = "") => Path.GetDirectoryName(file)!;

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GitOps.Pipelines.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"no GitOps.Pipelines.sln above {AppContext.BaseDirectory}");
    }
}
