using System.Text.RegularExpressions;

namespace GitOps.Pipelines.Tags;

/// <summary>
/// Which tags a policy may consider: <c>any</c>, or <c>regexp:RE</c> (an unanchored search, as Go's
/// <c>MatchString</c>). Both keywords are case-insensitive. As in Image Updater, any other spec and an invalid
/// regexp match nothing; <see cref="Problem"/> says why, and <see cref="TagPolicy.Create(string, string?, string?, string?)"/> refuses such a spec.
/// </summary>
public sealed class AllowTags
{
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);
    private readonly Regex? _regex;
    private readonly bool _any;

    private AllowTags(string spec, bool any, Regex? regex, string? problem)
    {
        Spec = spec;
        _any = any;
        _regex = regex;
        Problem = problem;
    }

    /// <summary>Allows every tag.</summary>
    public static AllowTags Any { get; } = new("any", any: true, regex: null, problem: null);

    /// <summary>The spec as given.</summary>
    public string Spec { get; }

    /// <summary>Why this spec matches nothing (unknown form, invalid regexp), or null when it is well formed.</summary>
    public string? Problem { get; }

    /// <summary>Parses <c>any</c> or <c>regexp:RE</c>; anything else matches no tag.</summary>
    public static AllowTags Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Equals("any", StringComparison.OrdinalIgnoreCase)) return new AllowTags(spec, true, null, null);
        const string Prefix = "regexp:";
        if (!spec.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
            return new AllowTags(spec, false, null, $"allow-tags \"{spec}\" is neither \"any\" nor \"regexp:<expression>\"");
        try
        {
            return new AllowTags(spec, false, new Regex(spec[Prefix.Length..], RegexOptions.CultureInvariant, MatchTimeout), null);
        }
        catch (ArgumentException e)
        {
            return new AllowTags(spec, false, null, $"allow-tags \"{spec}\" has an invalid regular expression: {e.Message}");
        }
    }

    /// <summary>True when the tag may be considered.</summary>
    public bool Allows(string tag) => _any || (_regex?.IsMatch(tag) ?? false);

    /// <inheritdoc />
    public override string ToString() => Spec;
}
