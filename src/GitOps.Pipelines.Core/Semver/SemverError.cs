namespace GitOps.Pipelines.Semver;

/// <summary>Why a version or constraint did not parse; the texts are Masterminds/semver's.</summary>
public enum SemverError
{
    /// <summary>invalid semantic version</summary>
    InvalidSemVer,
    /// <summary>version string empty</summary>
    EmptyString,
    /// <summary>invalid characters in version</summary>
    InvalidCharacters,
    /// <summary>version segment starts with 0</summary>
    SegmentStartsZero,
    /// <summary>invalid metadata string</summary>
    InvalidMetadata,
    /// <summary>invalid prerelease string</summary>
    InvalidPrerelease,
    /// <summary>a major, minor or patch number does not fit in 64 bits</summary>
    SegmentOverflow,
    /// <summary>improper constraint</summary>
    ImproperConstraint,
}

/// <summary>A version or constraint that does not parse; exit code <see cref="ExitCode.InvalidInput"/>.</summary>
public sealed class SemverException(string input, SemverError reason, string message)
    : GitOpsException(message, ExitCode.InvalidInput)
{
    /// <summary>The text that failed to parse.</summary>
    public string Input { get; } = input;

    /// <summary>What is wrong with it.</summary>
    public SemverError Reason { get; } = reason;

    internal static SemverException For(string input, SemverError reason) => new(input, reason, reason switch
    {
        SemverError.InvalidSemVer => $"invalid semantic version: \"{input}\"",
        SemverError.EmptyString => "version string empty",
        SemverError.InvalidCharacters => $"invalid characters in version: \"{input}\"",
        SemverError.SegmentStartsZero => $"version segment starts with 0: \"{input}\"",
        SemverError.InvalidMetadata => $"invalid metadata string: \"{input}\"",
        SemverError.InvalidPrerelease => $"invalid prerelease string: \"{input}\"",
        SemverError.SegmentOverflow => $"error parsing version segment (too large): \"{input}\"",
        _ => $"improper constraint: {input}",
    });
}
