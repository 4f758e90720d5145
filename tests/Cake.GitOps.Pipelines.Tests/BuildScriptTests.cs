using GitOps.Pipelines.TestKit;

namespace Cake.GitOps.Pipelines.Tests;

/// <summary>
/// The repo's build/build.cake as Cake 7 runs it through ./build.sh. Only targets that read: each test is one Cake
/// start (a few seconds), and Deploy, Clean, Reset or Test would change the repo or run these tests again.
/// </summary>
public class BuildScriptTests
{
    private static readonly string[] StageTargets = ["Image", "Push", "Bump", "Gate", "Sync", "Verify"];

    private static ProcessResult BuildSh(params string[] args) =>
        Run.Process(Path.Combine(Paths.RepoRoot, "build.sh"), args, Paths.RepoRoot,
            new Dictionary<string, string?> { ["NO_COLOR"] = "1" }, timeout: TimeSpan.FromMinutes(3));

    [Fact]
    public void Description_lists_the_build_and_chain_targets_with_what_they_do()
    {
        var result = BuildSh("--description");

        Assert.True(result.ExitCode == 0, result.ToString());
        // Spectre's table: a task's name starts the row two spaces in; wrapped description lines start further in.
        var rows = result.StdOut.Split('\n')
            .Where(l => l.Length > 2 && l.StartsWith("  ", StringComparison.Ordinal) && l[2] != ' ')
            .ToDictionary(l => l.Trim().Split(' ')[0], l => l.Trim());
        Assert.Empty(new[] { "Clean", "Build", "Test", "Pack", "Deploy" }.Concat(StageTargets).Except(rows.Keys));
        Assert.Contains("The whole chain", rows["Deploy"]);
        Assert.All(StageTargets.Select((t, i) => (t, i)), s => Assert.Contains($"Stage {s.i + 1}:", rows[s.t]));
    }

    [Fact]
    public void Tree_shows_Deploy_depending_on_the_six_stages_in_order()
    {
        // Cake 7 prints the tree of every root task whatever --target says; Deploy's is the block under "Deploy".
        var result = BuildSh("--tree", "--target=Deploy");

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.StdOut.Replace("\r", "").Split('\n');
        var start = Array.IndexOf(lines, "Deploy");
        Assert.True(start >= 0, $"no Deploy tree in\n{result.StdOut}");
        var block = lines.Skip(start + 1).TakeWhile(l => l.Length > 0).ToList();
        var dependencies = block.Where(l => l.StartsWith("├─", StringComparison.Ordinal) || l.StartsWith("└─", StringComparison.Ordinal))
            .Select(l => l[2..].Trim());
        Assert.Equal(StageTargets, dependencies);
        // Image's own dependency is drawn one level down, under Image.
        Assert.Equal(block.IndexOf("├─Image") + 2, block.IndexOf("│ └─Publish-App"));
    }

    [Fact]
    public void An_unknown_target_fails_with_Cakes_message()
    {
        var result = BuildSh("--target", "No-Such-Target");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Error: The target 'No-Such-Target' was not found.", result.StdErr);
    }
}
