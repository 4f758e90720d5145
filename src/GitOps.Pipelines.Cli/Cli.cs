using System.CommandLine;

namespace GitOps.Pipelines.Cli;

/// <summary>The root command: one line per command group.</summary>
internal static class Cli
{
    public static RootCommand CreateRoot()
    {
        var root = new RootCommand("gitops: build an image, bump it in a runtime repo through a PR, sync and verify.");
        root.Subcommands.Add(ImageCommands.Create());
        root.Subcommands.Add(TagsCommands.Create());
        foreach (var command in ChainCommands.Create()) root.Subcommands.Add(command);
        return root;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        var root = CreateRoot();
        var config = new InvocationConfiguration
        {
            Output = stdout ?? Console.Out,
            Error = stderr ?? Console.Error,
            // Let GitOpsException reach the catch below, so it becomes "error: …" and its exit code.
            EnableDefaultExceptionHandler = false,
        };
        try
        {
            return await root.Parse(args).InvokeAsync(config);
        }
        catch (GitOpsException e)
        {
            config.Error.WriteLine($"error: {e.Message}");
            return (int)e.Code;
        }
    }
}
