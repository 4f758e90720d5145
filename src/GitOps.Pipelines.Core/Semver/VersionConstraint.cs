using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace GitOps.Pipelines.Semver;

/// <summary>
/// A version range with Masterminds/semver v3 semantics: <c>||</c>-separated groups of comma- or space-separated
/// comparisons (<c>= != &gt; &lt; &gt;= &lt;= ~ ~&gt; ^</c>, wildcards <c>x X *</c>, hyphen ranges <c>1 - 2</c>).
/// A prerelease only satisfies a group that itself names a prerelease, unless <see cref="IncludePrerelease"/> is set.
/// </summary>
public sealed class VersionConstraint
{
    private const string Ws = @"[\t\n\f\r ]";

    // cvRegex from Masterminds (the '|' inside the classes is literal there too), with the groups we read named.
    private const string VersionPattern =
        @"v?(?<major>[0-9|xX*]+)(?<minor>\.[0-9|xX*]+)?(?<patch>\.[0-9|xX*]+)?" +
        @"(?<pre>-(?:[0-9A-Za-z\-]+(?:\.[0-9A-Za-z\-]+)*))?" +
        @"(?:\+(?:[0-9A-Za-z\-]+(?:\.[0-9A-Za-z\-]+)*))?";

    private const string PlainVersionPattern =
        @"v?[0-9|xX*]+(?:\.[0-9|xX*]+)?(?:\.[0-9|xX*]+)?(?:-[0-9A-Za-z\-]+(?:\.[0-9A-Za-z\-]+)*)?(?:\+[0-9A-Za-z\-]+(?:\.[0-9A-Za-z\-]+)*)?";

    // Alternation order matters (leftmost-first, as in Go): "" is tried right after "=".
    private const string Ops = @"=||!=|>|<|>=|=>|<=|=<|~|~>|\^";

    private const RegexOptions Options = RegexOptions.CultureInvariant | RegexOptions.Compiled;

    private static readonly Regex TermRegex = new(
        $"^{Ws}*(?<op>{Ops}){Ws}*(?<ver>{VersionPattern}){Ws}*\\z", Options);

    private static readonly Regex RangeRegex = new(
        $"{Ws}*(?<from>{PlainVersionPattern}){Ws}+-{Ws}+(?<to>{PlainVersionPattern}){Ws}*", Options);

    private static readonly Regex FindTermRegex = new($"(?:{Ops}){Ws}*(?:{PlainVersionPattern})", Options);

    private static readonly Regex ValidGroupRegex = new(
        $"^(?:{Ws}*(?:{Ops}){Ws}*(?:{PlainVersionPattern}){Ws}*)(?:(?:{Ws}+|,{Ws}*)(?:{Ops}){Ws}*(?:{PlainVersionPattern}){Ws}*)*\\z", Options);

    private readonly IReadOnlyList<IReadOnlyList<ConstraintTerm>> _groups;
    private readonly bool[] _groupHasPrerelease;

    private VersionConstraint(string original, IReadOnlyList<IReadOnlyList<ConstraintTerm>> groups, bool includePrerelease)
    {
        Original = original;
        _groups = groups;
        _groupHasPrerelease = groups.Select(g => g.Any(t => t.Version.IsPrerelease)).ToArray();
        IncludePrerelease = includePrerelease;
    }

    /// <summary>The text this constraint was parsed from.</summary>
    public string Original { get; }

    /// <summary>When set, prereleases are considered by every group, as if each named one.</summary>
    public bool IncludePrerelease { get; }

    /// <summary>The OR groups, each a list of AND-ed terms.</summary>
    internal IReadOnlyList<IReadOnlyList<ConstraintTerm>> Groups => _groups;

    /// <summary>Parses a constraint such as <c>&gt;=1.2.3 &lt;2 || ^3.1</c> or <c>1.x</c>.</summary>
    /// <exception cref="SemverException">The constraint is not well formed.</exception>
    public static VersionConstraint Parse(string constraint, bool includePrerelease = false)
    {
        ArgumentNullException.ThrowIfNull(constraint);
        var rewritten = RewriteRange(constraint);
        var groups = new List<IReadOnlyList<ConstraintTerm>>();
        foreach (var group in rewritten.Split("||"))
        {
            if (!ValidGroupRegex.IsMatch(group)) throw SemverException.For(group, SemverError.ImproperConstraint);
            var terms = FindTermRegex.Matches(group).Select(m => m.Value).ToList();
            if (terms.Count == 0) terms.Add(group);
            groups.Add(terms.Select(ParseTerm).ToList());
        }
        return new VersionConstraint(constraint, groups, includePrerelease);
    }

    /// <summary>Tries <see cref="Parse"/>.</summary>
    public static bool TryParse(string? constraint, [NotNullWhen(true)] out VersionConstraint? result, bool includePrerelease = false)
    {
        result = null;
        if (constraint is null) return false;
        try
        {
            result = Parse(constraint, includePrerelease);
            return true;
        }
        catch (SemverException)
        {
            return false;
        }
    }

    /// <summary>This constraint with <see cref="IncludePrerelease"/> set as given.</summary>
    public VersionConstraint WithIncludePrerelease(bool include) => new(Original, _groups, include);

    /// <summary>True when some OR group accepts <paramref name="version"/>.</summary>
    public bool Check(SemanticVersion version)
    {
        ArgumentNullException.ThrowIfNull(version);
        for (var i = 0; i < _groups.Count; i++)
        {
            var includePre = IncludePrerelease || _groupHasPrerelease[i];
            if (_groups[i].All(t => t.Check(version, includePre, out _))) return true;
        }
        return false;
    }

    /// <summary>Like <see cref="Check"/>, and when false, why: one reason per failed term (Masterminds' wording).</summary>
    public ConstraintValidation Validate(SemanticVersion version)
    {
        ArgumentNullException.ThrowIfNull(version);
        var reasons = new List<string>();
        var prereleaseReported = false;
        for (var i = 0; i < _groups.Count; i++)
        {
            var includePre = IncludePrerelease || _groupHasPrerelease[i];
            var ok = true;
            foreach (var term in _groups[i])
            {
                if (!includePre && version.IsPrerelease)
                {
                    if (!prereleaseReported)
                    {
                        reasons.Add(ConstraintTerm.PrereleaseReason(version));
                        prereleaseReported = true;
                    }
                    ok = false;
                }
                else if (!term.Check(version, includePre, out var reason))
                {
                    reasons.Add(reason!);
                    ok = false;
                }
            }
            if (ok) return new ConstraintValidation(true, []);
        }
        return new ConstraintValidation(false, reasons);
    }

    /// <summary>The normalized form: terms without inner spaces, AND-ed by a space, OR-ed by <c> || </c>.</summary>
    public override string ToString() =>
        string.Join(" || ", _groups.Select(g => string.Join(' ', g.Select(t => t.ToString()))));

    /// <summary>Rewrites hyphen ranges (<c>1.2 - 3</c>) into <c>&gt;= 1.2, &lt;= 3 </c>, as Masterminds does.</summary>
    internal static string RewriteRange(string constraint)
    {
        var result = constraint;
        foreach (Match m in RangeRegex.Matches(constraint))
        {
            var at = result.IndexOf(m.Value, StringComparison.Ordinal);
            if (at >= 0)
                result = string.Concat(result.AsSpan(0, at), $">= {m.Groups["from"].Value}, <= {m.Groups["to"].Value} ", result.AsSpan(at + m.Length));
        }
        return result;
    }

    /// <summary>True for the wildcards <c>x</c>, <c>X</c> and <c>*</c>.</summary>
    internal static bool IsWildcard(string s) => s is "x" or "X" or "*";

    /// <summary>Parses one term such as <c>&gt;= 1.2</c> or <c>~1.x</c>; the empty string means any version.</summary>
    internal static ConstraintTerm ParseTerm(string term)
    {
        if (term.Length == 0)
            return new ConstraintTerm(ConstraintOperator.TildeOrEqual, "", "", SemanticVersion.ParseStrict("0.0.0"), Dirty: true, MinorDirty: false, PatchDirty: false);
        var m = TermRegex.Match(term);
        if (!m.Success) throw SemverException.For(term, SemverError.ImproperConstraint);
        var op = m.Groups["op"].Value;
        var orig = m.Groups["ver"].Value;
        var major = m.Groups["major"].Value;
        var minor = m.Groups["minor"].Value;
        var patch = m.Groups["patch"].Value;
        var pre = m.Groups["pre"].Value;
        string version = orig;
        bool dirty = false, minorDirty = false, patchDirty = false;
        if (IsWildcard(major) || major.Length == 0)
        {
            version = "0.0.0" + pre;
            dirty = true;
        }
        else if (IsWildcard(minor.TrimStart('.')) || minor.Length == 0)
        {
            version = $"{major}.0.0{pre}";
            dirty = minorDirty = true;
        }
        else if (IsWildcard(patch.TrimStart('.')) || patch.Length == 0)
        {
            version = $"{major}{minor}.0{pre}";
            dirty = patchDirty = true;
        }
        SemanticVersion parsed;
        try
        {
            parsed = SemanticVersion.Parse(version);
        }
        catch (SemverException e)
        {
            throw new SemverException(term, SemverError.ImproperConstraint, $"improper constraint: {term} ({e.Message})");
        }
        return new ConstraintTerm(OperatorOf(op), op, orig, parsed, dirty, minorDirty, patchDirty);
    }

    private static ConstraintOperator OperatorOf(string op) => op switch
    {
        "" or "=" => ConstraintOperator.TildeOrEqual,
        "!=" => ConstraintOperator.NotEqual,
        ">" => ConstraintOperator.GreaterThan,
        "<" => ConstraintOperator.LessThan,
        ">=" or "=>" => ConstraintOperator.GreaterThanEqual,
        "<=" or "=<" => ConstraintOperator.LessThanEqual,
        "~" or "~>" => ConstraintOperator.Tilde,
        "^" => ConstraintOperator.Caret,
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, null),
    };
}

/// <summary>The answer of <see cref="VersionConstraint.Validate"/>: whether the version fits, and if not, why.</summary>
/// <param name="IsValid">True when some group accepts the version.</param>
/// <param name="Reasons">Why each failing term failed (empty when valid).</param>
public sealed record ConstraintValidation(bool IsValid, IReadOnlyList<string> Reasons);

/// <summary>A comparison operator, named after Masterminds' check functions.</summary>
internal enum ConstraintOperator
{
    TildeOrEqual,
    NotEqual,
    GreaterThan,
    LessThan,
    GreaterThanEqual,
    LessThanEqual,
    Tilde,
    Caret,
}

/// <summary>One comparison: operator, the version as written, the version it stands for, and which parts were wildcards.</summary>
internal sealed record ConstraintTerm(
    ConstraintOperator Operator, string OperatorText, string Orig, SemanticVersion Version, bool Dirty, bool MinorDirty, bool PatchDirty)
{
    public override string ToString() => OperatorText + Orig;

    public static string PrereleaseReason(SemanticVersion v) =>
        $"{Q(v)} is a prerelease version and the constraint is only looking for release versions";

    private static string Q(object s) => "\"" + s + "\"";

    public bool Check(SemanticVersion v, bool includePre, out string? reason)
    {
        reason = null;
        if (v.IsPrerelease && !includePre)
        {
            reason = PrereleaseReason(v);
            return false;
        }
        var ok = Operator switch
        {
            ConstraintOperator.TildeOrEqual => TildeOrEqual(v, out reason),
            ConstraintOperator.NotEqual => NotEqual(v, out reason),
            ConstraintOperator.GreaterThan => GreaterThan(v, out reason),
            ConstraintOperator.LessThan => Fail(v.LessThan(Version), v, "is greater than or equal to", out reason),
            ConstraintOperator.GreaterThanEqual => Fail(v.GreaterThanOrEqual(Version), v, "is less than", out reason),
            ConstraintOperator.LessThanEqual => LessThanEqual(v, out reason),
            ConstraintOperator.Tilde => Tilde(v, out reason),
            ConstraintOperator.Caret => Caret(v, out reason),
            _ => throw new InvalidOperationException(),
        };
        return ok;
    }

    private bool Fail(bool ok, SemanticVersion v, string relation, out string? reason)
    {
        reason = ok ? null : $"{Q(v)} {relation} {Q(Orig)}";
        return ok;
    }

    private bool NotEqual(SemanticVersion v, out string? reason)
    {
        if (Dirty)
        {
            if (Version.Major != v.Major) return Fail(true, v, "", out reason);
            if (Version.Minor != v.Minor && !MinorDirty) return Fail(true, v, "", out reason);
            if (MinorDirty) return Fail(false, v, "is equal to", out reason);
            if (Version.Patch != v.Patch && !PatchDirty) return Fail(true, v, "", out reason);
            if (PatchDirty)
            {
                if (v.IsPrerelease || Version.IsPrerelease)
                    return Fail(SemanticVersion.ComparePrerelease(v.Prerelease, Version.Prerelease) != 0, v, "is equal to", out reason);
                return Fail(false, v, "is equal to", out reason);
            }
        }
        return Fail(!v.Equals(Version), v, "is equal to", out reason);
    }

    private bool GreaterThan(SemanticVersion v, out string? reason)
    {
        const string Relation = "is less than or equal to";
        if (!Dirty) return Fail(v.CompareTo(Version) > 0, v, Relation, out reason);
        if (v.Major > Version.Major) return Fail(true, v, Relation, out reason);
        if (v.Major < Version.Major) return Fail(false, v, Relation, out reason);
        // >11 needs 12 or more; >11.1 needs 11.2 or more.
        if (MinorDirty) return Fail(false, v, Relation, out reason);
        if (PatchDirty) return Fail(v.Minor > Version.Minor, v, Relation, out reason);
        return Fail(v.CompareTo(Version) > 0, v, Relation, out reason);
    }

    private bool LessThanEqual(SemanticVersion v, out string? reason)
    {
        const string Relation = "is greater than";
        if (!Dirty) return Fail(v.CompareTo(Version) <= 0, v, Relation, out reason);
        if (v.Major > Version.Major) return Fail(false, v, Relation, out reason);
        if (v.Major == Version.Major && v.Minor > Version.Minor && !MinorDirty) return Fail(false, v, Relation, out reason);
        return Fail(true, v, Relation, out reason);
    }

    // ~1.2.3 is >=1.2.3 <1.3.0; ~1 and ~1.x are >=1.0.0 <2.0.0; ~0.0.0 and ~* accept everything.
    private bool Tilde(SemanticVersion v, out string? reason)
    {
        if (v.LessThan(Version)) return Fail(false, v, "is less than", out reason);
        if (Version is { Major: 0, Minor: 0, Patch: 0 } && !MinorDirty && !PatchDirty) return Fail(true, v, "", out reason);
        if (v.Major != Version.Major) return Fail(false, v, "does not have same major version as", out reason);
        if (v.Minor != Version.Minor && !MinorDirty) return Fail(false, v, "does not have same major and minor version as", out reason);
        return Fail(true, v, "", out reason);
    }

    private bool TildeOrEqual(SemanticVersion v, out string? reason) =>
        Dirty ? Tilde(v, out reason) : Fail(v.Equals(Version), v, "is not equal to", out reason);

    // ^1.2.3 is >=1.2.3 <2.0.0; ^0.2.3 is >=0.2.3 <0.3.0; ^0.0.3 is =0.0.3; ^0 is <1.0.0; ^0.0 is <0.1.0.
    private bool Caret(SemanticVersion v, out string? reason)
    {
        if (v.LessThan(Version)) return Fail(false, v, "is less than", out reason);
        if (Version.Major > 0 || MinorDirty)
            return Fail(v.Major == Version.Major, v, "does not have same major version as", out reason);
        if (v.Major > 0) return Fail(false, v, "does not have same major version as", out reason);
        if (Version.Minor > 0 || PatchDirty)
        {
            var ok = v.Minor == Version.Minor;
            reason = ok ? null : $"{Q(v)} does not have same minor version as {Q(Orig)}. Expected minor versions to match when constraint major version is 0";
            return ok;
        }
        if (v.Minor > 0) return Fail(false, v, "does not have same minor version as", out reason);
        var equal = v.Patch == Version.Patch;
        reason = equal ? null : $"{Q(v)} does not equal {Q(Orig)}. Expect version and constraint to equal when major and minor versions are 0";
        return equal;
    }
}
