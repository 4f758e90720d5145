using GitOps.Pipelines.Processes;

namespace GitOps.Pipelines.Git;

/// <summary>The outcome of one git invocation.</summary>
public sealed record GitResult(int ExitCode, string StdOut, string StdErr)
{
    /// <summary>True when git exited 0.</summary>
    public bool Ok => ExitCode == 0;
}

/// <summary>
/// Runs the git CLI with argument lists (never a shell string), non-interactively, with a fixed locale so its
/// messages can be read. A failure throws with the command, the folder and git's own words; secrets in URLs
/// (user:token@) are masked in every message.
/// </summary>
public sealed class GitCli(string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
{
    /// <summary>The folder git runs in.</summary>
    public string WorkingDirectory { get; } = workingDirectory;

    /// <summary>Runs git and throws a <see cref="GitOpsException"/> when it fails.</summary>
    public async Task<string> RunAsync(IEnumerable<string> args, CancellationToken cancellationToken = default)
    {
        var list = args.ToList();
        var r = await TryRunAsync(list, cancellationToken);
        if (!r.Ok)
            throw new GitOpsException($"git {Mask(string.Join(' ', list))} failed in {WorkingDirectory} (exit {r.ExitCode}): {Mask(r.StdErr.Trim())}");
        return r.StdOut;
    }

    /// <summary>Runs git with the given arguments.</summary>
    public Task<string> RunAsync(params string[] args) => RunAsync(args, CancellationToken.None);

    /// <summary>Runs git and returns its result whatever the exit code.</summary>
    public async Task<GitResult> TryRunAsync(IEnumerable<string> args, CancellationToken cancellationToken = default)
    {
        var env = new Dictionary<string, string> { ["GIT_TERMINAL_PROMPT"] = "0", ["GIT_CONFIG_NOSYSTEM"] = "1" };
        if (environment is not null)
            foreach (var (k, v) in environment) env[k] = v;
        var r = await ExternalTool.TryRunAsync("git", args, WorkingDirectory, env, cancellationToken)
            ?? throw new GitOpsException("git is not installed or not on PATH");
        return new GitResult(r.ExitCode, r.StdOut, r.StdErr);
    }

    /// <summary>Masks credentials in URLs (<c>https://user:secret@host</c> → <c>https://user:***@host</c>).</summary>
    public static string Mask(string text) =>
        System.Text.RegularExpressions.Regex.Replace(text, @"(://[^/:@\s]+:)[^@\s/]+@", "$1***@");
}
