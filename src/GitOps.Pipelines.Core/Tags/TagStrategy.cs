namespace GitOps.Pipelines.Tags;

/// <summary>How a <see cref="TagPolicy"/> orders tags to pick the newest (Image Updater's update strategies).</summary>
public enum TagStrategy
{
    /// <summary>Highest semantic version, optionally within a constraint (<c>semver</c>).</summary>
    Semver,
    /// <summary>Most recently created image (<c>latest</c>, Image Updater's <c>newest-build</c>).</summary>
    Latest,
    /// <summary>Last tag in ordinal (byte) order (<c>name</c>, Image Updater's <c>alphabetical</c>).</summary>
    Name,
    /// <summary>The digest a mutable tag currently points at (<c>digest</c>); the constraint names the tag.</summary>
    Digest,
    /// <summary>The highest number (<c>numerical</c>), for build-number or timestamp tags; other tags are skipped.</summary>
    Numerical,
}

/// <summary>Names of <see cref="TagStrategy"/> values on the command line and in configuration.</summary>
public static class TagStrategyNames
{
    /// <summary>The names accepted by <see cref="Parse"/>, canonical first.</summary>
    public static IReadOnlyList<string> All { get; } = ["semver", "latest", "name", "digest", "numerical", "newest-build", "alphabetical"];

    /// <summary>The canonical name.</summary>
    public static string Name(this TagStrategy strategy) => strategy switch
    {
        TagStrategy.Semver => "semver",
        TagStrategy.Latest => "latest",
        TagStrategy.Name => "name",
        TagStrategy.Digest => "digest",
        TagStrategy.Numerical => "numerical",
        _ => throw new ArgumentOutOfRangeException(nameof(strategy)),
    };

    /// <summary>Parses a strategy name (case-insensitive; Image Updater's <c>newest-build</c> and <c>alphabetical</c> too).</summary>
    /// <exception cref="GitOpsException">The name is unknown (exit code <see cref="ExitCode.InvalidInput"/>).</exception>
    public static TagStrategy Parse(string name) => name.ToLowerInvariant() switch
    {
        "semver" => TagStrategy.Semver,
        "latest" or "newest-build" => TagStrategy.Latest,
        "name" or "alphabetical" => TagStrategy.Name,
        "digest" => TagStrategy.Digest,
        "numerical" => TagStrategy.Numerical,
        _ => throw new GitOpsException($"unknown tag strategy \"{name}\"; expected one of: {string.Join(", ", All)}", ExitCode.InvalidInput),
    };
}
