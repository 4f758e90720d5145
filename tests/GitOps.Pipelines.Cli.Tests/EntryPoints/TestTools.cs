using GitOps.Pipelines.TestKit;

namespace GitOps.Pipelines.Cli.Tests.EntryPoints;

/// <summary>The npm tools pinned in tests/tools/package.json, as the entry-point tests run them.</summary>
internal static class TestTools
{
    /// <summary>tests/tools/node_modules.</summary>
    public static string NodeModules { get; } = Path.Combine(Paths.RepoRoot, "tests", "tools", "node_modules");

    /// <summary>The action-validator launcher (@action-validator/cli).</summary>
    public static string ActionValidator => Require(Path.Combine(NodeModules, ".bin", "action-validator"));

    /// <summary>gitlab-ci-local's entry script, run with node.</summary>
    public static string GitLabCiLocal => Require(Path.Combine(NodeModules, "gitlab-ci-local", "src", "index.js"));

    private static string Require(string path) =>
        File.Exists(path)
            ? path
            : throw new FileNotFoundException(
                $"{path} is missing: the entry-point tests need the npm tools pinned in tests/tools. " +
                "Run `npm ci --prefix tests/tools` (.ci/run does) and test again.", path);
}
