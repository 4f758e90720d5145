using GitOps.Pipelines.TestKit;

namespace GitOps.Pipelines.Cli.Tests.EntryPoints;

/// <summary>actions/deploy/action.yml against the action metadata schema, with @action-validator/cli.</summary>
public sealed class ActionValidatorTests
{
    private static readonly string ActionYml = Path.Combine(Paths.RepoRoot, "actions", "deploy", "action.yml");

    private static ProcessResult Validate(string actionYml) =>
        Run.Process(TestTools.ActionValidator, [actionYml], timeout: TimeSpan.FromMinutes(1));

    [Fact]
    public void The_deploy_action_is_valid_action_metadata()
    {
        // When
        var result = Validate(ActionYml);

        // Then
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Theory]
    [InlineData("using: composite", "using: compost", "/runs")]
    [InlineData("runs:", "ruins:", "ruins")]
    [InlineData("      shell: bash\n      env:\n        GITOPS_PATH:", "      env:\n        GITOPS_PATH:", "/runs")]
    public void A_broken_copy_is_rejected(string original, string broken, string reported)
    {
        // Given: a copy with one defect, named action.yml (the validator picks the schema by file name)
        using var temp = new TempDir("gitops-action");
        var text = File.ReadAllText(ActionYml);
        Assert.Contains(original, text);
        var copy = temp.Write("action.yml", ReplaceFirst(text, original, broken));

        // When
        var result = Validate(copy);

        // Then
        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.Contains("\"actionType\": \"action\"", result.StdOut + result.StdErr);
        Assert.Contains(reported, result.StdOut + result.StdErr);
    }

    private static string ReplaceFirst(string text, string old, string @new)
    {
        var at = text.IndexOf(old, StringComparison.Ordinal);
        return text[..at] + @new + text[(at + old.Length)..];
    }
}
