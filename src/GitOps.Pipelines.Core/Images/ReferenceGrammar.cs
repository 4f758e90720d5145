using System.Text.RegularExpressions;

namespace GitOps.Pipelines.Images;

/// <summary>The docker/distribution reference grammar as regular expressions (ASCII only, anchored with \z).</summary>
public static class ReferenceGrammar
{
    // Pieces, named as in distribution/reference's regexp.go. Go's \w and [[:xdigit:]] are ASCII classes.
    private const string Alphanumeric = "[a-z0-9]+";
    private const string Separator = "(?:[._]|__|[-]+)";
    private const string DomainNameComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private const string OptionalPort = "(?::[0-9]+)?";
    private const string Ipv6Address = @"\[(?:[a-fA-F0-9:]+)\]";
    private const string DomainName = DomainNameComponent + @"(?:\." + DomainNameComponent + ")*";
    private const string Host = "(?:" + DomainName + "|" + Ipv6Address + ")";

    /// <summary>A registry host with an optional port: <c>example.com</c>, <c>localhost:5000</c>, <c>[::1]:5000</c>.</summary>
    public const string DomainAndPortPattern = Host + OptionalPort;

    /// <summary>One path component: lowercase alphanumerics joined by <c>.</c>, <c>_</c>, <c>__</c> or dashes.</summary>
    public const string PathComponentPattern = Alphanumeric + "(?:" + Separator + Alphanumeric + ")*";

    /// <summary>The repository path: path components joined by <c>/</c>.</summary>
    public const string RemoteNamePattern = PathComponentPattern + "(?:/" + PathComponentPattern + ")*";

    /// <summary>A tag: a word character then up to 127 word characters, dots or dashes.</summary>
    public const string TagPattern = @"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";

    /// <summary>A digest: <c>algorithm:hex</c>, at least 32 hex digits.</summary>
    public const string DigestPattern = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";

    /// <summary>A full name: optional <c>domain/</c> then the remote name.</summary>
    public const string NamePattern = "(?:" + DomainAndPortPattern + "/)?" + RemoteNamePattern;

    private const RegexOptions Options = RegexOptions.CultureInvariant | RegexOptions.Compiled;

    /// <summary>A whole reference; groups <c>name</c>, <c>tag</c>, <c>digest</c>.</summary>
    public static Regex Reference { get; } = new(
        "^(?<name>" + NamePattern + ")(?::(?<tag>" + TagPattern + "))?(?:@(?<digest>" + DigestPattern + "))?\\z", Options);

    /// <summary>A whole name; groups <c>domain</c> (may be empty) and <c>path</c>.</summary>
    public static Regex AnchoredName { get; } = new(
        "^(?:(?<domain>" + DomainAndPortPattern + ")/)?(?<path>" + RemoteNamePattern + ")\\z", Options);

    /// <summary>Exactly a domain with an optional port.</summary>
    public static Regex AnchoredDomainAndPort { get; } = new("^" + DomainAndPortPattern + "\\z", Options);

    /// <summary>Exactly a tag.</summary>
    public static Regex AnchoredTag { get; } = new("^" + TagPattern + "\\z", Options);

    /// <summary>Exactly a digest (syntax only; algorithm and length are checked by <see cref="ImageReference"/>).</summary>
    public static Regex AnchoredDigest { get; } = new("^" + DigestPattern + "\\z", Options);

    /// <summary>Exactly a 64-hex image ID.</summary>
    public static Regex AnchoredIdentifier { get; } = new("^[a-f0-9]{64}\\z", Options);
}
