using System.Diagnostics;
using System.Text;

namespace GitOps.Pipelines.Builders;

/// <summary>The outcome of one run of a build tool.</summary>
/// <param name="ExitCode">The process's exit code.</param>
/// <param name="StdOut">What it wrote to stdout.</param>
/// <param name="StdErr">What it wrote to stderr.</param>
public sealed record BuildToolResult(int ExitCode, string StdOut, string StdErr)
{
    /// <summary>True when the tool exited 0.</summary>
    public bool Ok => ExitCode == 0;
}

/// <summary>Whether a builder can run on this machine, and why (or why not).</summary>
/// <param name="Available">True when the builder's tool is installed and (for docker) its daemon answers.</param>
/// <param name="Reason">What was found, in words a log line can carry.</param>
public sealed record BuilderAvailability(bool Available, string Reason);

/// <summary>
/// Runs an external build tool (buildah, docker, dotnet) with an argument list, never a shell string, with a fixed
/// locale so its messages can be read; a tool that is not installed is reported as such rather than as a crash.
/// </summary>
public static class BuildTool
{
    /// <summary>True when <paramref name="program"/> is an absolute path to a file or is found on PATH.</summary>
    public static bool OnPath(string program)
    {
        ArgumentNullException.ThrowIfNull(program);
        if (Path.IsPathRooted(program)) return File.Exists(program);
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, program)));
    }

    /// <summary>Runs <paramref name="program"/> and returns its result whatever the exit code; null when it cannot start.</summary>
    public static async Task<BuildToolResult?> TryRunAsync(string program, IEnumerable<string> args, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null, CancellationToken cancellationToken = default)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (workingDirectory is not null) psi.WorkingDirectory = workingDirectory;
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["LC_ALL"] = "C";
        if (environment is not null)
            foreach (var (k, v) in environment) psi.Environment[k] = v;
        Process p;
        try
        {
            p = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
        using (p)
        {
            p.StandardInput.Close();
            var stdout = p.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = p.StandardError.ReadToEndAsync(cancellationToken);
            try
            {
                await p.WaitForExitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                p.Kill(entireProcessTree: true);
                throw;
            }
            return new BuildToolResult(p.ExitCode, await stdout, await stderr);
        }
    }

    /// <summary>
    /// Runs <paramref name="program"/> and returns its stdout; throws a <see cref="GitOpsException"/> naming the command
    /// and quoting the tool's stderr when it fails, or saying it is not installed when it cannot start.
    /// </summary>
    public static async Task<string> RunAsync(string program, IReadOnlyList<string> args, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null, CancellationToken cancellationToken = default)
    {
        var r = await TryRunAsync(program, args, workingDirectory, environment, cancellationToken)
            ?? throw new GitOpsException($"{program} is not installed or not on PATH (needed to run: {program} {string.Join(' ', args)})");
        if (!r.Ok)
        {
            var said = string.IsNullOrWhiteSpace(r.StdErr) ? r.StdOut : r.StdErr;
            throw new GitOpsException($"{program} {string.Join(' ', args)} failed (exit {r.ExitCode}): {said.Trim()}");
        }
        return r.StdOut;
    }
}
