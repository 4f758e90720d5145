using System.Text.RegularExpressions;
using GitOps.Pipelines.Images;

namespace GitOps.Pipelines.Tags;

/// <summary>Tags a policy must skip: glob patterns (<c>*</c>, <c>?</c>, <c>[a-z]</c>), given as a list or comma-separated.</summary>
public sealed class IgnoreTags
{
    private readonly (string Pattern, Regex Regex)[] _patterns;

    private IgnoreTags((string, Regex)[] patterns) => _patterns = patterns;

    /// <summary>Ignores nothing.</summary>
    public static IgnoreTags None { get; } = new([]);

    /// <summary>The patterns.</summary>
    public IReadOnlyList<string> Patterns => _patterns.Select(p => p.Pattern).ToList();

    /// <summary>Parses a comma-separated list of globs; blanks are dropped.</summary>
    /// <exception cref="GitOpsException">A pattern is malformed (exit code <see cref="ExitCode.InvalidInput"/>).</exception>
    public static IgnoreTags Parse(string list) =>
        From(list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>Builds from separate globs.</summary>
    /// <exception cref="GitOpsException">A pattern is malformed (exit code <see cref="ExitCode.InvalidInput"/>).</exception>
    public static IgnoreTags From(IEnumerable<string> patterns) => new(patterns.Select(p =>
        (p, GoGlob.ToRegex(p) ?? throw new GitOpsException($"ignore-tags pattern \"{p}\" is malformed", ExitCode.InvalidInput))).ToArray());

    /// <summary>The first pattern that matches the whole tag, or null.</summary>
    public string? MatchingPattern(string tag) => _patterns.FirstOrDefault(p => p.Regex.IsMatch(tag)).Pattern;

    /// <summary>True when some pattern matches the whole tag.</summary>
    public bool Ignores(string tag) => MatchingPattern(tag) is not null;

    /// <inheritdoc />
    public override string ToString() => string.Join(',', Patterns);
}
