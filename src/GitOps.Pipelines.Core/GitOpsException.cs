namespace GitOps.Pipelines;

/// <summary>What a command's exit code says. Documented in docs/cli.md.</summary>
public enum ExitCode
{
    /// <summary>Done.</summary>
    Ok = 0,
    /// <summary>Something failed at run time (a process, the network, a merge conflict).</summary>
    Failure = 1,
    /// <summary>The input is invalid: a reference, a configuration file, an argument.</summary>
    InvalidInput = 2,
    /// <summary>No tag satisfies the tag policy.</summary>
    NoTagQualifies = 3,
    /// <summary>A gate holds: the pull request waits for approval or checks.</summary>
    GateWaiting = 4,
    /// <summary>Verification timed out or the deployment is unhealthy.</summary>
    NotVerified = 5,
}

/// <summary>An error the user can act on: the message says what and where; the code becomes the exit code.</summary>
public class GitOpsException(string message, ExitCode code = ExitCode.Failure, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>The exit code a command reports for this error.</summary>
    public ExitCode Code { get; } = code;
}
