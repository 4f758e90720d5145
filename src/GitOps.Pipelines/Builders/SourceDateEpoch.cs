using System.Globalization;

namespace GitOps.Pipelines.Builders;

/// <summary>
/// Reads <c>SOURCE_DATE_EPOCH</c> (reproducible-builds.org: whole seconds since 1970-01-01 UTC, decimal), the
/// time callers put into <see cref="ImageBuildRequest.Created"/> so rebuilds of one commit give one digest.
/// </summary>
public static class SourceDateEpoch
{
    /// <summary>The variable's name.</summary>
    public const string Variable = "SOURCE_DATE_EPOCH";

    /// <summary>
    /// The time <paramref name="value"/> names, or <paramref name="fallback"/> when it is null or empty
    /// (e.g. the commit time); a value that is not a non-negative integer is an <see cref="ExitCode.InvalidInput"/> error.
    /// </summary>
    public static DateTimeOffset Parse(string? value, DateTimeOffset fallback)
    {
        if (string.IsNullOrWhiteSpace(value)) return fallback;
        if (!long.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
            throw new GitOpsException($"{Variable}='{value}' is not a number of seconds since 1970", ExitCode.InvalidInput);
        return DateTimeOffset.FromUnixTimeSeconds(seconds);
    }

    /// <summary><see cref="Parse"/> applied to the process's <c>SOURCE_DATE_EPOCH</c>.</summary>
    public static DateTimeOffset FromEnvironment(DateTimeOffset fallback) =>
        Parse(Environment.GetEnvironmentVariable(Variable), fallback);
}
