namespace GitOps.Pipelines.Images;

/// <summary>Why an image reference is invalid; each maps to distribution's (or go-digest's) error text.</summary>
public enum ReferenceError
{
    /// <summary>invalid reference format</summary>
    InvalidFormat,
    /// <summary>invalid tag format</summary>
    TagInvalidFormat,
    /// <summary>invalid digest format (a digest given to <see cref="ImageReference.WithDigest"/>)</summary>
    DigestInvalidFormat,
    /// <summary>repository name must be lowercase</summary>
    NameContainsUppercase,
    /// <summary>repository name must have at least one component</summary>
    NameEmpty,
    /// <summary>repository name must not be more than 255 characters</summary>
    NameTooLong,
    /// <summary>repository name must be canonical</summary>
    NameNotCanonical,
    /// <summary>invalid checksum digest format</summary>
    ChecksumInvalidFormat,
    /// <summary>invalid checksum digest length</summary>
    DigestInvalidLength,
    /// <summary>unsupported digest algorithm</summary>
    DigestUnsupported,
    /// <summary>a 64-hex image ID where a repository name is expected</summary>
    HexIdentifier,
}

/// <summary>The error text of each <see cref="ReferenceError"/>.</summary>
public static class ReferenceErrorMessages
{
    /// <summary>The message distribution (or go-digest) uses for <paramref name="error"/>.</summary>
    public static string Message(this ReferenceError error) => error switch
    {
        ReferenceError.InvalidFormat => "invalid reference format",
        ReferenceError.TagInvalidFormat => "invalid tag format",
        ReferenceError.DigestInvalidFormat => "invalid digest format",
        ReferenceError.NameContainsUppercase => "repository name must be lowercase",
        ReferenceError.NameEmpty => "repository name must have at least one component",
        ReferenceError.NameTooLong => "repository name must not be more than 255 characters",
        ReferenceError.NameNotCanonical => "repository name must be canonical",
        ReferenceError.ChecksumInvalidFormat => "invalid checksum digest format",
        ReferenceError.DigestInvalidLength => "invalid checksum digest length",
        ReferenceError.DigestUnsupported => "unsupported digest algorithm",
        ReferenceError.HexIdentifier => "invalid repository name, cannot specify 64-byte hexadecimal strings",
        _ => throw new ArgumentOutOfRangeException(nameof(error)),
    };
}

/// <summary>An image reference that does not follow the grammar; exit code <see cref="ExitCode.InvalidInput"/>.</summary>
public sealed class InvalidImageReferenceException(string input, ReferenceError reason, string message)
    : GitOpsException(message, ExitCode.InvalidInput)
{
    /// <summary>The text that failed to parse.</summary>
    public string Input { get; } = input;

    /// <summary>What is wrong with it.</summary>
    public ReferenceError Reason { get; } = reason;
}
