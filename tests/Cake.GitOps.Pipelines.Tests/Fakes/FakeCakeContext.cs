using Cake.Core;
using Cake.Core.Configuration;
using Cake.Core.Diagnostics;
using Cake.Core.IO;
using Cake.Core.Tooling;

namespace Cake.GitOps.Pipelines.Tests.Fakes;

/// <summary>
/// The part of <see cref="ICakeContext"/> the aliases use: a working directory, environment variables and a log
/// that keeps what was written. Cake.Testing is not available here; every other member throws.
/// </summary>
public sealed class FakeCakeContext(string workingDirectory, IReadOnlyDictionary<string, string>? variables = null) : ICakeContext
{
    /// <summary>The working directory and the variables the aliases see (nothing from the test process).</summary>
    public FakeCakeEnvironment Environment { get; } = new(workingDirectory, variables ?? new Dictionary<string, string>());

    /// <summary>The log, with every line written to it.</summary>
    public CapturingCakeLog Log { get; } = new();

    ICakeEnvironment ICakeContext.Environment => Environment;

    ICakeLog ICakeContext.Log => Log;

    /// <inheritdoc />
    public IFileSystem FileSystem => throw Unused();

    /// <inheritdoc />
    public IGlobber Globber => throw Unused();

    /// <inheritdoc />
    public ICakeArguments Arguments => throw Unused();

    /// <inheritdoc />
    public IProcessRunner ProcessRunner => throw Unused();

    /// <inheritdoc />
    public IRegistry Registry => throw Unused();

    /// <inheritdoc />
    public IToolLocator Tools => throw Unused();

    /// <inheritdoc />
    public ICakeDataResolver Data => throw Unused();

    /// <inheritdoc />
    public ICakeConfiguration Configuration => throw Unused();

    /// <inheritdoc />
    public IToolInstaller ToolInstaller => throw Unused();

    /// <inheritdoc />
    public IServiceProvider ServiceProvider => throw Unused();

    internal static NotSupportedException Unused([System.Runtime.CompilerServices.CallerMemberName] string member = "") =>
        new($"the aliases are not expected to use ICakeContext.{member}");
}

/// <summary>A Cake environment with a fixed working directory and only the variables a test gives it.</summary>
public sealed class FakeCakeEnvironment(string workingDirectory, IReadOnlyDictionary<string, string> variables) : ICakeEnvironment
{
    /// <inheritdoc />
    public DirectoryPath WorkingDirectory { get; set; } = new(workingDirectory);

    /// <inheritdoc />
    public string? GetEnvironmentVariable(string variable) => variables.TryGetValue(variable, out var value) ? value : null;

    /// <inheritdoc />
    public IDictionary<string, string> GetEnvironmentVariables() => new Dictionary<string, string>(variables);

    /// <inheritdoc />
    public DirectoryPath UserHomeDirectory => throw FakeCakeContext.Unused();

    /// <inheritdoc />
    public DirectoryPath ApplicationRoot => throw FakeCakeContext.Unused();

    /// <inheritdoc />
    public ICakePlatform Platform => throw FakeCakeContext.Unused();

    /// <inheritdoc />
    public ICakeRuntime Runtime => throw FakeCakeContext.Unused();

    /// <inheritdoc />
    public DirectoryPath GetSpecialPath(SpecialPath path) => throw FakeCakeContext.Unused();
}

/// <summary>One message as Cake's log got it.</summary>
public sealed record LogEntry(Verbosity Verbosity, LogLevel Level, string Message);

/// <summary>A Cake log that keeps every message, formatted as Cake would format it.</summary>
public sealed class CapturingCakeLog : ICakeLog
{
    private readonly List<LogEntry> _entries = [];

    /// <inheritdoc />
    public Verbosity Verbosity { get; set; } = Verbosity.Normal;

    /// <summary>The messages written so far.</summary>
    public IReadOnlyList<LogEntry> Entries
    {
        get { lock (_entries) return [.. _entries]; }
    }

    /// <summary>The text of the messages written so far.</summary>
    public IReadOnlyList<string> Lines => [.. Entries.Select(e => e.Message)];

    /// <inheritdoc />
    public void Write(Verbosity verbosity, LogLevel level, string format, params object[] args)
    {
        var message = args.Length == 0 ? format : string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args);
        lock (_entries) _entries.Add(new LogEntry(verbosity, level, message));
    }
}
