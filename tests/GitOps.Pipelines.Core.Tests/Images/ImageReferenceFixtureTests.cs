using System.Text.Json;
using GitOps.Pipelines.Images;
using static GitOps.Pipelines.Core.Tests.FixtureCases;

namespace GitOps.Pipelines.Core.Tests.Images;

/// <summary>Every case of shared/fixtures/image-references.json (distribution/reference's test tables).</summary>
public class ImageReferenceFixtureTests
{
    private const string File = "image-references.json";

    private static readonly string[] StrictParseSuites = ["TestReferenceParse", "TestSerialization"];
    private static readonly string[] WithNameSuites = ["TestWithNameFailure", "TestDomainAndPath"];
    private static readonly string[] NormalizedSuites =
    [
        "TestValidateReferenceName", "TestValidateRemoteName", "TestParseRepositoryInfo", "TestNormalizedSplitHostname",
        "TestParseReferenceWithTagAndDigest", "TestInvalidReferenceComponents",
    ];
    private static readonly string[] RegexpSuites = ["TestDomainRegexp", "TestFullNameRegexp", "TestReferenceRegexp", "TestIdentifierRegexp"];
    private static readonly string[] OtherSuites = ["TestWithTag", "TestWithDigest", "TestParseNamed", "TestParseAnyReference", "TestMatch", "TestParseDockerRef"];

    private static bool In(JsonElement c, string[] suites) => suites.Contains(c.Str("suite"));
    private static bool Is(JsonElement c, string suite) => c.Str("suite") == suite;

    public static TheoryData<string, string> StrictParseCases => Rows(File, c => In(c, StrictParseSuites));
    public static TheoryData<string, string> WithNameCases => Rows(File, c => In(c, WithNameSuites));
    public static TheoryData<string, string> NormalizedCases => Rows(File, c => In(c, NormalizedSuites));
    public static TheoryData<string, string> WithTagCases => Rows(File, c => Is(c, "TestWithTag"), "name");
    public static TheoryData<string, string> WithDigestCases => Rows(File, c => Is(c, "TestWithDigest"), "name");
    public static TheoryData<string, string> ParseNamedCases => Rows(File, c => Is(c, "TestParseNamed"));
    public static TheoryData<string, string> AnyReferenceCases => Rows(File, c => Is(c, "TestParseAnyReference"));
    public static TheoryData<string, string> MatchCases => Rows(File, c => Is(c, "TestMatch"));
    public static TheoryData<string, string> DockerRefCases => Rows(File, c => Is(c, "TestParseDockerRef"));
    public static TheoryData<string, string> RegexpCases => Rows(File, c => In(c, RegexpSuites));

    [Fact]
    public void Every_case_in_the_table_belongs_to_a_suite_asserted_here()
    {
        var known = StrictParseSuites.Concat(WithNameSuites).Concat(NormalizedSuites).Concat(RegexpSuites).Concat(OtherSuites).ToHashSet();
        var all = All(File).ToList();
        Assert.Equal(351, all.Count);
        Assert.All(all, c => Assert.Contains(c.Str("suite") ?? "", known));
    }

    [Theory]
    [MemberData(nameof(StrictParseCases))]
    public void Parse_is_strict_and_round_trips(string label, string json)
    {
        _ = label;
        var c = FixtureCases.Parse(json);
        var input = c.Str("input")!;
        if (c.Bool("expect_error"))
        {
            var e = Assert.Throws<InvalidImageReferenceException>(() => ImageReference.Parse(input));
            AssertError(c, e);
            Assert.False(ImageReference.TryParse(input, out _));
            return;
        }
        var r = ImageReference.Parse(input);
        if (c.Str("domain") is { } domain) Assert.Equal(domain, r.Domain);
        if (c.Str("path") is { } path) Assert.Equal(path, r.Path);
        Assert.Equal(c.Str("repository"), r.Name);
        Assert.Equal(Optional(c.Str("tag")), r.Tag);
        Assert.Equal(Optional(c.Str("digest")), r.Digest);
        Assert.Equal(c.Str("string") ?? input, r.ToString());
        Assert.True(ImageReference.TryParse(input, out var again));
        Assert.Equal(r, again);
    }

    // WithName in Go: a bare repository name, no tag or digest, at most 255 characters in all.
    [Theory]
    [MemberData(nameof(WithNameCases))]
    public void ParseName_accepts_only_a_bare_name(string label, string json)
    {
        _ = label;
        var c = FixtureCases.Parse(json);
        var input = c.Str("input")!;
        if (c.Bool("expect_error"))
        {
            AssertError(c, Assert.Throws<InvalidImageReferenceException>(() => ImageReference.ParseName(input)));
            return;
        }
        var r = ImageReference.ParseName(input);
        Assert.Equal(c.Str("domain"), r.Domain);
        Assert.Equal(c.Str("path"), r.Path);
        Assert.Null(r.Tag);
        Assert.Equal(input, r.ToString());
    }

    [Theory]
    [MemberData(nameof(NormalizedCases))]
    public void ParseNormalized_applies_docker_hub_defaults(string label, string json)
    {
        _ = label;
        var c = FixtureCases.Parse(json);
        var func = c.Str("func");
        if (func == "WithTag")
        {
            var named = ImageReference.ParseNormalized(c.Str("name")!);
            Assert.True(c.Bool("expect_error"));
            var e = Assert.Throws<InvalidImageReferenceException>(() => named.WithTag(c.Str("tag")!));
            Assert.Equal(ReferenceError.TagInvalidFormat, e.Reason);
            return;
        }
        if (func == "WithDigest")
        {
            var named = ImageReference.ParseNormalized(c.Str("name")!);
            Assert.True(c.Bool("expect_error"));
            var e = Assert.Throws<InvalidImageReferenceException>(() => named.WithDigest(c.Str("digest")!));
            Assert.Equal(ReferenceError.DigestInvalidFormat, e.Reason);
            return;
        }
        Assert.Equal("ParseNormalizedNamed", func);
        var input = c.Str("input")!;
        if (c.Bool("expect_error"))
        {
            var e = Assert.Throws<InvalidImageReferenceException>(() => ImageReference.ParseNormalized(input));
            Assert.Equal(ExitCode.InvalidInput, e.Code);
            Assert.Contains(input, e.Message, StringComparison.Ordinal);
            Assert.False(ImageReference.TryParseNormalized(input, out _));
            return;
        }
        var r = ImageReference.ParseNormalized(input);
        Assert.True(ImageReference.TryParseNormalized(input, out var again));
        Assert.Equal(r, again);
        if (c.Str("domain") is { } domain) Assert.Equal(domain, r.Domain);
        if (c.Str("path") is { } path) Assert.Equal(path, r.Path);
        if (c.Str("normalized") is { } normalized) Assert.Equal(normalized, r.ToString());
        if (c.Str("tag") is { } tag) Assert.Equal(Optional(tag), r.Tag);
        if (c.Str("digest") is { } digest) Assert.Equal(Optional(digest), r.Digest);
        if (c.Str("familiar") is { } familiar)
        {
            // TestParseRepositoryInfo checks FamiliarName; TestParseReferenceWithTagAndDigest checks FamiliarString.
            Assert.Equal(familiar, r.Tag is null && r.Digest is null ? r.FamiliarName : r.FamiliarString);
        }
        // A normalized reference always has a domain and parses strictly to itself.
        Assert.NotEqual("", r.Domain);
        Assert.Equal(r, ImageReference.Parse(r.ToString()));
    }

    [Theory]
    [MemberData(nameof(WithTagCases))]
    public void WithTag_sets_the_tag_and_keeps_a_digest(string label, string json)
    {
        _ = label;
        var c = FixtureCases.Parse(json);
        var r = ImageReference.ParseName(c.Str("name")!);
        if (c.Str("digest") is { } digest) r = r.WithDigest(digest);
        Assert.False(c.Bool("expect_error"));
        Assert.Equal(c.Str("combined"), r.WithTag(c.Str("tag")!).ToString());
    }

    [Theory]
    [MemberData(nameof(WithDigestCases))]
    public void WithDigest_sets_the_digest_and_keeps_a_tag(string label, string json)
    {
        _ = label;
        var c = FixtureCases.Parse(json);
        var r = ImageReference.ParseName(c.Str("name")!);
        if (c.Str("tag") is { } tag) r = r.WithTag(tag);
        Assert.False(c.Bool("expect_error"));
        Assert.Equal(c.Str("combined"), r.WithDigest(c.Str("digest")!).ToString());
    }

    [Theory]
    [MemberData(nameof(ParseNamedCases))]
    public void ParseNamed_requires_the_canonical_form(string label, string json)
    {
        _ = label;
        var c = FixtureCases.Parse(json);
        var input = c.Str("input")!;
        if (c.Bool("expect_error"))
        {
            AssertError(c, Assert.Throws<InvalidImageReferenceException>(() => ImageReference.ParseNamed(input)));
            return;
        }
        var r = ImageReference.ParseNamed(input);
        Assert.Equal(c.Str("domain"), r.Domain);
        Assert.Equal(c.Str("path"), r.Path);
    }

    [Theory]
    [MemberData(nameof(AnyReferenceCases))]
    public void ParseAnyReference_also_takes_image_ids(string label, string json)
    {
        _ = label;
        var c = FixtureCases.Parse(json);
        Assert.False(c.Bool("expect_error"));
        var r = ImageReference.ParseAnyReference(c.Str("input")!);
        Assert.Equal(c.Str("normalized"), r.ToString());
        Assert.Equal(c.Str("kind") == "digest-only", r.IsDigestOnly);
        Assert.True(ImageReference.TryParseAnyReference(c.Str("input"), out var again));
        Assert.Equal(r, again);
    }

    [Theory]
    [MemberData(nameof(MatchCases))]
    public void FamiliarMatch_globs_the_familiar_name_or_string(string label, string json)
    {
        _ = label;
        var c = FixtureCases.Parse(json);
        var r = ImageReference.ParseAnyReference(c.Str("input")!);
        Assert.Equal(c.Bool("expect_match"), r.FamiliarMatch(c.Str("pattern")!));
    }

    [Theory]
    [MemberData(nameof(DockerRefCases))]
    public void ParseDockerRef_adds_latest_and_drops_a_tag_beside_a_digest(string label, string json)
    {
        _ = label;
        var c = FixtureCases.Parse(json);
        Assert.False(c.Bool("expect_error"));
        Assert.Equal(c.Str("normalized"), ImageReference.ParseDockerRef(c.Str("input")!).ToString());
    }

    [Theory]
    [MemberData(nameof(RegexpCases))]
    public void The_grammar_regexps_match_as_distribution_does(string label, string json)
    {
        _ = label;
        var c = FixtureCases.Parse(json);
        var input = c.Str("input")!;
        var expected = c.Bool("expect_match");
        switch (c.Str("suite"))
        {
            case "TestDomainRegexp":
                Assert.Equal(expected, ReferenceGrammar.AnchoredDomainAndPort.IsMatch(input));
                break;
            case "TestIdentifierRegexp":
                Assert.Equal(expected, ReferenceGrammar.AnchoredIdentifier.IsMatch(input));
                break;
            case "TestFullNameRegexp":
            {
                var m = ReferenceGrammar.AnchoredName.Match(input);
                Assert.Equal(expected, m.Success);
                if (m.Success && c.Str("path") is not null) // a few match-only rows give no captures
                {
                    Assert.Equal(c.Str("domain") ?? "", m.Groups["domain"].Value);
                    Assert.Equal(c.Str("path"), m.Groups["path"].Value);
                }
                break;
            }
            case "TestReferenceRegexp":
            {
                var m = ReferenceGrammar.Reference.Match(input);
                Assert.Equal(expected, m.Success);
                if (m.Success)
                {
                    Assert.Equal(c.Str("repository"), m.Groups["name"].Value);
                    Assert.Equal(c.Str("tag") ?? "", m.Groups["tag"].Value);
                    Assert.Equal(c.Str("digest") ?? "", m.Groups["digest"].Value);
                }
                break;
            }
            default:
                Assert.Fail($"unexpected suite {c.Str("suite")}");
                break;
        }
    }

    private static string? Optional(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static void AssertError(JsonElement c, InvalidImageReferenceException e)
    {
        Assert.Equal(ExitCode.InvalidInput, e.Code);
        var name = c.Str("error");
        Assert.NotNull(name);
        var text = FixtureCases.Load(File).RootElement.GetProperty("error_messages").GetProperty(name).GetString()!;
        text = text.Replace(" (opencontainers/go-digest)", "", StringComparison.Ordinal);
        Assert.StartsWith(text, e.Message, StringComparison.Ordinal);
        Assert.Equal(text, e.Reason.Message());
    }
}
