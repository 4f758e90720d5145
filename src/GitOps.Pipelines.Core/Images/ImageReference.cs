using System.Diagnostics.CodeAnalysis;

namespace GitOps.Pipelines.Images;

/// <summary>
/// A container image reference: <c>[domain/]path[:tag][@digest]</c>, by the docker/distribution grammar
/// (see <see cref="ReferenceGrammar"/>). A digest-only reference (from <see cref="ParseAnyReference"/>) has an
/// empty <see cref="Domain"/> and <see cref="Path"/>.
/// </summary>
public sealed record ImageReference(string Domain, string Path, string? Tag = null, string? Digest = null)
{
    /// <summary>Docker Hub's canonical domain, used when a name has none.</summary>
    public const string DefaultDomain = "docker.io";

    /// <summary>Docker Hub's legacy domain, normalized to <see cref="DefaultDomain"/>.</summary>
    public const string LegacyDefaultDomain = "index.docker.io";

    /// <summary>The namespace of Docker Hub's official images.</summary>
    public const string OfficialRepoPrefix = "library/";

    /// <summary>The tag Docker assumes when a reference has neither tag nor digest.</summary>
    public const string DefaultTag = "latest";

    /// <summary>The longest repository path (and, for <see cref="ParseName"/>, the longest name) allowed.</summary>
    public const int NameTotalLengthMax = 255;

    /// <summary>The repository name: domain/path, or path alone when there is no domain.</summary>
    public string Name => Domain.Length == 0 ? Path : $"{Domain}/{Path}";

    /// <summary>True when this reference is a bare digest with no repository.</summary>
    public bool IsDigestOnly => Path.Length == 0 && Digest is not null;

    /// <summary>The name as Docker shows it: <c>docker.io/</c> and the official <c>library/</c> namespace dropped.</summary>
    public string FamiliarName
    {
        get
        {
            if (Domain != DefaultDomain) return Name;
            if (Path.StartsWith(OfficialRepoPrefix, StringComparison.Ordinal))
            {
                // Only a single component after library/ is an official image (library/foo/bar stays as is).
                var rest = Path[OfficialRepoPrefix.Length..];
                if (!rest.Contains('/')) return rest;
            }
            return Path;
        }
    }

    /// <summary>The whole reference as Docker shows it: <see cref="FamiliarName"/> plus tag and digest.</summary>
    public string FamiliarString => IsDigestOnly ? Digest! : FamiliarName + Suffix;

    private string Suffix => (Tag is null ? "" : ":" + Tag) + (Digest is null ? "" : "@" + Digest);

    /// <inheritdoc />
    public override string ToString() => IsDigestOnly ? Digest! : Name + Suffix;

    /// <summary>
    /// Parses strictly, with no normalization: <c>ubuntu</c> stays <c>ubuntu</c> (no domain). The first path
    /// component is the domain whenever it matches the domain grammar and a <c>/</c> follows it.
    /// </summary>
    /// <exception cref="InvalidImageReferenceException">The reference does not follow the grammar.</exception>
    public static ImageReference Parse(string reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var match = ReferenceGrammar.Reference.Match(reference);
        if (!match.Success)
        {
            if (reference.Length == 0) throw Invalid(reference, ReferenceError.NameEmpty);
            if (ReferenceGrammar.Reference.IsMatch(reference.ToLowerInvariant()))
                throw Invalid(reference, ReferenceError.NameContainsUppercase);
            throw Invalid(reference, ReferenceError.InvalidFormat);
        }
        var name = match.Groups["name"].Value;
        var nameMatch = ReferenceGrammar.AnchoredName.Match(name);
        string domain = nameMatch.Groups["domain"].Value, path = nameMatch.Groups["path"].Value;
        if (path.Length > NameTotalLengthMax) throw Invalid(reference, ReferenceError.NameTooLong);
        var tag = match.Groups["tag"].Success ? match.Groups["tag"].Value : null;
        string? digest = null;
        if (match.Groups["digest"].Success)
        {
            digest = match.Groups["digest"].Value;
            if (ValidateDigest(digest) is { } error) throw Invalid(reference, error);
        }
        return new ImageReference(domain, path, tag, digest);
    }

    /// <summary>
    /// Parses as Docker does: a name without a domain is on Docker Hub (<c>docker.io</c>), an official image gets
    /// <c>library/</c>, and <c>index.docker.io</c> becomes <c>docker.io</c>. No tag is added (see <see cref="ParseDockerRef"/>).
    /// </summary>
    /// <exception cref="InvalidImageReferenceException">The reference is invalid, has an uppercase repository or is a 64-hex ID.</exception>
    public static ImageReference ParseNormalized(string reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (ReferenceGrammar.AnchoredIdentifier.IsMatch(reference))
            throw Invalid(reference, ReferenceError.HexIdentifier);
        var (domain, remainder) = SplitDockerDomain(reference);
        var tagSeparator = remainder.IndexOf(':');
        var remote = tagSeparator >= 0 ? remainder[..tagSeparator] : remainder;
        if (!string.Equals(remote.ToLowerInvariant(), remote, StringComparison.Ordinal))
            throw new InvalidImageReferenceException(reference, ReferenceError.NameContainsUppercase,
                $"invalid reference format: repository name ({remote}) must be lowercase: \"{reference}\"");
        var parsed = TryParseCore(domain + "/" + remainder, out var error);
        return parsed ?? throw Invalid(reference, error);
    }

    /// <summary>
    /// Parses a reference or an image ID: a bare 64-hex ID or an <c>algorithm:hex</c> digest becomes a digest-only
    /// reference; anything else goes through <see cref="ParseNormalized"/>.
    /// </summary>
    /// <exception cref="InvalidImageReferenceException">The input is neither.</exception>
    public static ImageReference ParseAnyReference(string reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (ReferenceGrammar.AnchoredIdentifier.IsMatch(reference))
            return new ImageReference("", "", null, "sha256:" + reference);
        if (ValidateDigest(reference) is null)
            return new ImageReference("", "", null, reference);
        return ParseNormalized(reference);
    }

    /// <summary>Parses a reference that must already be in canonical form (<c>docker.io/library/foo</c>, not <c>foo</c>).</summary>
    /// <exception cref="InvalidImageReferenceException">The reference is invalid or not canonical.</exception>
    public static ImageReference ParseNamed(string reference)
    {
        var named = ParseNormalized(reference);
        if (named.ToString() != reference) throw Invalid(reference, ReferenceError.NameNotCanonical);
        return named;
    }

    /// <summary>
    /// Parses as <c>docker pull</c> would use it: normalized, <c>:latest</c> added when there is neither tag nor
    /// digest, and the tag dropped when a digest pins the image.
    /// </summary>
    /// <exception cref="InvalidImageReferenceException">The reference is invalid.</exception>
    public static ImageReference ParseDockerRef(string reference)
    {
        var named = ParseNormalized(reference);
        if (named.Digest is not null) return named with { Tag = null };
        return named.Tag is null ? named with { Tag = DefaultTag } : named;
    }

    /// <summary>Parses a bare repository name (no tag, no digest), without normalization.</summary>
    /// <exception cref="InvalidImageReferenceException">The name is invalid or longer than 255 characters.</exception>
    public static ImageReference ParseName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length > NameTotalLengthMax) throw Invalid(name, ReferenceError.NameTooLong);
        var match = ReferenceGrammar.AnchoredName.Match(name);
        if (!match.Success) throw Invalid(name, ReferenceError.InvalidFormat);
        return new ImageReference(match.Groups["domain"].Value, match.Groups["path"].Value);
    }

    /// <summary>Tries <see cref="Parse"/>; false instead of an exception.</summary>
    public static bool TryParse(string? reference, [NotNullWhen(true)] out ImageReference? result) =>
        Try(reference, Parse, out result);

    /// <summary>Tries <see cref="ParseNormalized"/>; false instead of an exception.</summary>
    public static bool TryParseNormalized(string? reference, [NotNullWhen(true)] out ImageReference? result) =>
        Try(reference, ParseNormalized, out result);

    /// <summary>Tries <see cref="ParseAnyReference"/>; false instead of an exception.</summary>
    public static bool TryParseAnyReference(string? reference, [NotNullWhen(true)] out ImageReference? result) =>
        Try(reference, ParseAnyReference, out result);

    /// <summary>This reference with another tag (a digest, if any, is kept).</summary>
    /// <exception cref="InvalidImageReferenceException">The tag does not follow the tag grammar.</exception>
    public ImageReference WithTag(string tag)
    {
        ArgumentNullException.ThrowIfNull(tag);
        if (!ReferenceGrammar.AnchoredTag.IsMatch(tag)) throw Invalid(tag, ReferenceError.TagInvalidFormat);
        return this with { Tag = tag };
    }

    /// <summary>This reference with a digest (a tag, if any, is kept). Only the digest syntax is checked, as distribution does.</summary>
    /// <exception cref="InvalidImageReferenceException">The digest is not <c>algorithm:hex</c>.</exception>
    public ImageReference WithDigest(string digest)
    {
        ArgumentNullException.ThrowIfNull(digest);
        if (!ReferenceGrammar.AnchoredDigest.IsMatch(digest)) throw Invalid(digest, ReferenceError.DigestInvalidFormat);
        return this with { Digest = digest };
    }

    /// <summary>This reference with <c>:latest</c> when it has neither tag nor digest.</summary>
    public ImageReference WithDefaultTag() => Tag is null && Digest is null && !IsDigestOnly ? this with { Tag = DefaultTag } : this;

    /// <summary>
    /// Go's <c>path.Match</c> of <paramref name="pattern"/> against <see cref="FamiliarName"/> or
    /// <see cref="FamiliarString"/> (<c>*</c> and <c>?</c> stop at <c>/</c>; <c>[a-z]</c>, <c>[^x]</c>, <c>\</c> escapes).
    /// </summary>
    /// <exception cref="InvalidImageReferenceException">The pattern is malformed.</exception>
    public bool FamiliarMatch(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var regex = GoGlob.ToRegex(pattern) ?? throw BadPattern(pattern);
        return regex.IsMatch(FamiliarName) || regex.IsMatch(FamiliarString);
    }

    /// <summary>Checks a digest as go-digest's <c>Parse</c> does: syntax, supported algorithm, length, lowercase hex.</summary>
    /// <returns>Null when valid; otherwise what is wrong.</returns>
    public static ReferenceError? ValidateDigest(string digest)
    {
        ArgumentNullException.ThrowIfNull(digest);
        var colon = digest.IndexOf(':');
        if (colon <= 0 || colon + 1 == digest.Length) return ReferenceError.ChecksumInvalidFormat;
        var algorithm = digest[..colon];
        var encoded = digest[(colon + 1)..];
        // Only sha256 is required by the OCI image spec and is the only algorithm the distribution test suite links;
        // sha384/sha512 are reported unsupported there too.
        if (algorithm != "sha256")
            return ReferenceGrammar.AnchoredDigest.IsMatch(digest) ? ReferenceError.DigestUnsupported : ReferenceError.ChecksumInvalidFormat;
        if (encoded.Length != 64) return ReferenceError.DigestInvalidLength;
        foreach (var c in encoded)
            if (c is not (>= '0' and <= '9' or >= 'a' and <= 'f')) return ReferenceError.ChecksumInvalidFormat;
        return null;
    }

    private static (string Domain, string Remainder) SplitDockerDomain(string name)
    {
        string domain, remainder;
        var slash = name.IndexOf('/');
        if (slash < 0 || (name[..slash].IndexOfAny(['.', ':']) < 0 && name[..slash] != "localhost"
                          && name[..slash] == name[..slash].ToLowerInvariant()))
        {
            (domain, remainder) = (DefaultDomain, name);
        }
        else
        {
            (domain, remainder) = (name[..slash], name[(slash + 1)..]);
        }
        if (domain == LegacyDefaultDomain) domain = DefaultDomain;
        if (domain == DefaultDomain && !remainder.Contains('/')) remainder = OfficialRepoPrefix + remainder;
        return (domain, remainder);
    }

    private static ImageReference? TryParseCore(string reference, out ReferenceError error)
    {
        try
        {
            error = default;
            return Parse(reference);
        }
        catch (InvalidImageReferenceException e)
        {
            error = e.Reason;
            return null;
        }
    }

    private static bool Try(string? reference, Func<string, ImageReference> parse, [NotNullWhen(true)] out ImageReference? result)
    {
        result = null;
        if (reference is null) return false;
        try
        {
            result = parse(reference);
            return true;
        }
        catch (InvalidImageReferenceException)
        {
            return false;
        }
    }

    private static InvalidImageReferenceException Invalid(string input, ReferenceError reason) =>
        new(input, reason, $"{reason.Message()}: \"{input}\"");

    private static InvalidImageReferenceException BadPattern(string pattern) =>
        new(pattern, ReferenceError.InvalidFormat, $"syntax error in pattern: \"{pattern}\"");
}
