using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace GitOps.Pipelines.Semver;

/// <summary>
/// A semantic version with Masterminds/semver v3 semantics: loose parsing by default (<c>v</c> prefix, missing
/// minor/patch), strict SemVer 2.0.0 with <see cref="ParseStrict"/>, precedence that ignores build metadata and
/// the original text kept in <see cref="Original"/>.
/// </summary>
public sealed partial class SemanticVersion : IComparable<SemanticVersion>, IEquatable<SemanticVersion>
{
    private const string AllowedChars = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-";

    // Masterminds' SemVerRegex (for non-coercing parsing) and looseSemVerRegex (for coercing parsing and
    // detailed errors). Go's $ is end of text, so \z here.
    [GeneratedRegex(@"^v?(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*))?(?:\.(0|[1-9][0-9]*))?" +
                    @"(?:-((?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*))?" +
                    @"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?\z", RegexOptions.CultureInvariant)]
    private static partial Regex VersionRegex();

    [GeneratedRegex(@"^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?\z",
        RegexOptions.CultureInvariant)]
    private static partial Regex LooseVersionRegex();

    private SemanticVersion(ulong major, ulong minor, ulong patch, string prerelease, string metadata, string original)
    {
        Major = major;
        Minor = minor;
        Patch = patch;
        Prerelease = prerelease;
        Metadata = metadata;
        Original = original;
    }

    /// <summary>The major number.</summary>
    public ulong Major { get; }

    /// <summary>The minor number.</summary>
    public ulong Minor { get; }

    /// <summary>The patch number.</summary>
    public ulong Patch { get; }

    /// <summary>The prerelease (after <c>-</c>), or empty.</summary>
    public string Prerelease { get; }

    /// <summary>The build metadata (after <c>+</c>), or empty.</summary>
    public string Metadata { get; }

    /// <summary>The text this version was parsed from (<c>v1.2</c> stays <c>v1.2</c>).</summary>
    public string Original { get; }

    /// <summary>True when the version has a prerelease part.</summary>
    public bool IsPrerelease => Prerelease.Length > 0;

    /// <summary>
    /// Parses like Masterminds' <c>NewVersion</c>. With <paramref name="coerce"/> (the default) leading zeros are
    /// accepted (<c>01.1.1</c>); without it they are not. <paramref name="detailedErrors"/> says which error
    /// (e.g. <see cref="SemverError.SegmentStartsZero"/>) rather than <see cref="SemverError.InvalidSemVer"/>.
    /// </summary>
    /// <exception cref="SemverException">The text is not a version.</exception>
    public static SemanticVersion Parse(string value, bool coerce = true, bool detailedErrors = true)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (coerce)
        {
            var loose = LooseVersionRegex().Match(value);
            if (!loose.Success) throw SemverException.For(value, SemverError.InvalidSemVer);
            return Build(value, loose.Groups[1].Value, loose.Groups[2].Value.TrimStart('.'), loose.Groups[3].Value.TrimStart('.'),
                loose.Groups[5].Value, loose.Groups[8].Value);
        }
        var m = VersionRegex().Match(value);
        if (!m.Success)
        {
            if (!detailedErrors) throw SemverException.For(value, SemverError.InvalidSemVer);
            var loose = LooseVersionRegex().Match(value);
            if (!loose.Success) throw SemverException.For(value, SemverError.InvalidSemVer);
            var detail = ValidateLooseParts(loose);
            throw SemverException.For(value, detail ?? SemverError.InvalidSemVer);
        }
        return Build(value, m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value, m.Groups[4].Value, m.Groups[5].Value);
    }

    /// <summary>Parses exactly SemVer 2.0.0: three numbers, no <c>v</c>, no leading zeros (Masterminds' <c>StrictNewVersion</c>).</summary>
    /// <exception cref="SemverException">The text is not a strict semantic version.</exception>
    public static SemanticVersion ParseStrict(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length == 0) throw SemverException.For(value, SemverError.EmptyString);
        var parts = value.Split('.', 3);
        if (parts.Length != 3) throw SemverException.For(value, SemverError.InvalidSemVer);
        string metadata = "", prerelease = "";
        var plus = parts[2].IndexOf('+');
        if (plus >= 0)
        {
            metadata = parts[2][(plus + 1)..];
            parts[2] = parts[2][..plus];
            if (ValidateMetadata(metadata) is { } e) throw SemverException.For(value, e);
        }
        var dash = parts[2].IndexOf('-');
        if (dash >= 0)
        {
            prerelease = parts[2][(dash + 1)..];
            parts[2] = parts[2][..dash];
            if (ValidatePrerelease(prerelease) is { } e) throw SemverException.For(value, e);
        }
        foreach (var p in parts)
        {
            if (!p.All(char.IsAsciiDigit)) throw SemverException.For(value, SemverError.InvalidCharacters);
            if (p.Length > 1 && p[0] == '0') throw SemverException.For(value, SemverError.SegmentStartsZero);
        }
        return Build(value, parts[0], parts[1], parts[2], prerelease, metadata);
    }

    /// <summary>Tries <see cref="Parse(string, bool, bool)"/> with its defaults.</summary>
    public static bool TryParse(string? value, [NotNullWhen(true)] out SemanticVersion? version)
    {
        version = null;
        if (value is null) return false;
        try
        {
            version = Parse(value);
            return true;
        }
        catch (SemverException)
        {
            return false;
        }
    }

    /// <summary>Tries <see cref="ParseStrict"/>.</summary>
    public static bool TryParseStrict(string? value, [NotNullWhen(true)] out SemanticVersion? version)
    {
        version = null;
        if (value is null) return false;
        try
        {
            version = ParseStrict(value);
            return true;
        }
        catch (SemverException)
        {
            return false;
        }
    }

    /// <summary>Checks a prerelease: dot-separated non-empty identifiers of <c>[0-9A-Za-z-]</c>, numeric ones without leading zeros.</summary>
    /// <returns>Null when valid; otherwise why not.</returns>
    public static SemverError? ValidatePrerelease(string prerelease)
    {
        ArgumentNullException.ThrowIfNull(prerelease);
        foreach (var part in prerelease.Split('.'))
        {
            if (part.Length == 0) return SemverError.InvalidPrerelease;
            if (part.All(char.IsAsciiDigit))
            {
                if (part.Length > 1 && part[0] == '0') return SemverError.SegmentStartsZero;
            }
            else if (!part.All(c => AllowedChars.Contains(c))) return SemverError.InvalidPrerelease;
        }
        return null;
    }

    /// <summary>Checks build metadata: dot-separated non-empty identifiers of <c>[0-9A-Za-z-]</c> (leading zeros allowed).</summary>
    /// <returns>Null when valid; otherwise why not.</returns>
    public static SemverError? ValidateMetadata(string metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        foreach (var part in metadata.Split('.'))
        {
            if (part.Length == 0 || !part.All(c => AllowedChars.Contains(c))) return SemverError.InvalidMetadata;
        }
        return null;
    }

    /// <summary>Compares by precedence: numbers, then a release above its prereleases, then prerelease identifiers; metadata is ignored.</summary>
    public int CompareTo(SemanticVersion? other)
    {
        if (other is null) return 1;
        var d = Major.CompareTo(other.Major);
        if (d != 0) return Math.Sign(d);
        d = Minor.CompareTo(other.Minor);
        if (d != 0) return Math.Sign(d);
        d = Patch.CompareTo(other.Patch);
        if (d != 0) return Math.Sign(d);
        if (Prerelease.Length == 0 && other.Prerelease.Length == 0) return 0;
        if (Prerelease.Length == 0) return 1;
        if (other.Prerelease.Length == 0) return -1;
        return ComparePrerelease(Prerelease, other.Prerelease);
    }

    /// <summary>True when this version has lower precedence than <paramref name="other"/>.</summary>
    public bool LessThan(SemanticVersion other) => CompareTo(other) < 0;

    /// <summary>True when this version has lower or equal precedence.</summary>
    public bool LessThanOrEqual(SemanticVersion other) => CompareTo(other) <= 0;

    /// <summary>True when this version has higher precedence than <paramref name="other"/>.</summary>
    public bool GreaterThan(SemanticVersion other) => CompareTo(other) > 0;

    /// <summary>True when this version has higher or equal precedence.</summary>
    public bool GreaterThanOrEqual(SemanticVersion other) => CompareTo(other) >= 0;

    /// <summary>Equal precedence (build metadata ignored, as SemVer says).</summary>
    public bool Equals(SemanticVersion? other) => other is not null && CompareTo(other) == 0;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is SemanticVersion v && Equals(v);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Major, Minor, Patch, Prerelease);

    /// <summary>The next patch; a prerelease becomes its release (<c>1.2.3-beta</c> → <c>1.2.3</c>). Metadata is dropped.</summary>
    public SemanticVersion IncPatch() =>
        IsPrerelease ? With(Major, Minor, Patch, "", "") : With(Major, Minor, Patch + 1, "", "");

    /// <summary>The next minor, patch 0. Prerelease and metadata are dropped.</summary>
    public SemanticVersion IncMinor() => With(Major, Minor + 1, 0, "", "");

    /// <summary>The next major, minor and patch 0. Prerelease and metadata are dropped.</summary>
    public SemanticVersion IncMajor() => With(Major + 1, 0, 0, "", "");

    /// <summary>This version with another prerelease.</summary>
    /// <exception cref="SemverException">The prerelease is invalid.</exception>
    public SemanticVersion WithPrerelease(string prerelease)
    {
        if (prerelease.Length > 0 && ValidatePrerelease(prerelease) is { } e) throw SemverException.For(prerelease, e);
        return With(Major, Minor, Patch, prerelease, Metadata);
    }

    /// <summary>This version with other build metadata.</summary>
    /// <exception cref="SemverException">The metadata is invalid.</exception>
    public SemanticVersion WithMetadata(string metadata)
    {
        if (metadata.Length > 0 && ValidateMetadata(metadata) is { } e) throw SemverException.For(metadata, e);
        return With(Major, Minor, Patch, Prerelease, metadata);
    }

    /// <summary>The canonical form: <c>major.minor.patch[-prerelease][+metadata]</c>, without a <c>v</c>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder().Append(CultureInfo.InvariantCulture, $"{Major}.{Minor}.{Patch}");
        if (Prerelease.Length > 0) sb.Append('-').Append(Prerelease);
        if (Metadata.Length > 0) sb.Append('+').Append(Metadata);
        return sb.ToString();
    }

    /// <summary>Compares by precedence.</summary>
    public static bool operator <(SemanticVersion left, SemanticVersion right) => left.CompareTo(right) < 0;

    /// <summary>Compares by precedence.</summary>
    public static bool operator >(SemanticVersion left, SemanticVersion right) => left.CompareTo(right) > 0;

    /// <summary>Compares by precedence.</summary>
    public static bool operator <=(SemanticVersion left, SemanticVersion right) => left.CompareTo(right) <= 0;

    /// <summary>Compares by precedence.</summary>
    public static bool operator >=(SemanticVersion left, SemanticVersion right) => left.CompareTo(right) >= 0;

    /// <summary>Equal precedence.</summary>
    public static bool operator ==(SemanticVersion? left, SemanticVersion? right) => left?.Equals(right) ?? right is null;

    /// <summary>Different precedence.</summary>
    public static bool operator !=(SemanticVersion? left, SemanticVersion? right) => !(left == right);

    /// <summary>The <c>v</c> the original text started with, or empty.</summary>
    internal string OriginalVPrefix => Original.StartsWith('v') ? "v" : "";

    private SemanticVersion With(ulong major, ulong minor, ulong patch, string prerelease, string metadata)
    {
        var next = new SemanticVersion(major, minor, patch, prerelease, metadata, "");
        return new SemanticVersion(major, minor, patch, prerelease, metadata, OriginalVPrefix + next);
    }

    private static SemanticVersion Build(string original, string major, string minor, string patch, string prerelease, string metadata)
    {
        var ma = Number(original, major);
        var mi = minor.Length == 0 ? 0 : Number(original, minor);
        var pa = patch.Length == 0 ? 0 : Number(original, patch);
        if (prerelease.Length > 0 && ValidatePrerelease(prerelease) is { } pe) throw SemverException.For(original, pe);
        if (metadata.Length > 0 && ValidateMetadata(metadata) is { } me) throw SemverException.For(original, me);
        return new SemanticVersion(ma, mi, pa, prerelease, metadata, original);
    }

    private static ulong Number(string original, string digits) =>
        ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw SemverException.For(original, SemverError.SegmentOverflow);

    // Masterminds' validateVersion: which part of a loosely matched version breaks the strict rules.
    private static SemverError? ValidateLooseParts(Match loose)
    {
        foreach (var group in new[] { 1, 2, 3 })
        {
            var digits = loose.Groups[group].Value.TrimStart('.');
            if (digits.Length > 1 && digits[0] == '0') return SemverError.SegmentStartsZero;
            if (digits.Length > 0 && !ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                return SemverError.SegmentOverflow;
        }
        if (loose.Groups[5].Value is { Length: > 0 } pre && ValidatePrerelease(pre) is { } pe) return pe;
        if (loose.Groups[8].Value is { Length: > 0 } meta && ValidateMetadata(meta) is { } me) return me;
        return null;
    }

    internal static int ComparePrerelease(string a, string b)
    {
        var ap = a.Split('.');
        var bp = b.Split('.');
        var n = Math.Max(ap.Length, bp.Length);
        for (var i = 0; i < n; i++)
        {
            var d = ComparePrereleasePart(i < ap.Length ? ap[i] : "", i < bp.Length ? bp[i] : "");
            if (d != 0) return d;
        }
        return 0;
    }

    private static int ComparePrereleasePart(string s, string o)
    {
        if (s == o) return 0;
        if (s.Length == 0) return -1;
        if (o.Length == 0) return 1;
        var sNum = ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var si);
        var oNum = ulong.TryParse(o, NumberStyles.None, CultureInfo.InvariantCulture, out var oi);
        if (!sNum && !oNum) return string.CompareOrdinal(s, o) > 0 ? 1 : -1;
        if (!oNum) return -1; // numbers sort below identifiers
        if (!sNum) return 1;
        return si > oi ? 1 : -1;
    }
}
