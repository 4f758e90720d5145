using System.Text.Json;
using GitOps.Pipelines.Semver;
using static GitOps.Pipelines.Core.Tests.FixtureCases;

namespace GitOps.Pipelines.Core.Tests.Semver;

/// <summary>Every case of shared/fixtures/semver-constraints.json (Masterminds/semver v3's test tables).</summary>
public class SemverFixtureTests
{
    private const string File = "semver-constraints.json";

    private static readonly string[] ConstraintKinds =
        ["parse_single", "check_single", "parse_constraints", "check", "rewrite_range", "is_wildcard", "validate", "validate_message",
         "constraint_string", "constraint_marshal", "constraint_unmarshal"];
    private static readonly string[] VersionKinds =
        ["version_parse_strict", "version_parse", "version_parse_error", "version_string", "version_original", "compare", "compare_op",
         "increment", "set_prerelease", "set_metadata", "v_prefix", "validate_prerelease", "validate_metadata", "version_parts", "sort"];

    public static TheoryData<string, string> ConstraintCases => Rows(File, c => ConstraintKinds.Contains(c.Str("kind")), "kind");
    public static TheoryData<string, string> VersionCases => Rows(File, c => VersionKinds.Contains(c.Str("kind")), "kind");

    [Fact]
    public void Every_case_in_the_table_has_a_kind_asserted_here()
    {
        var all = All(File).ToList();
        Assert.Equal(929, all.Count);
        Assert.All(all, c => Assert.Contains(c.Str("kind") ?? "", ConstraintKinds.Concat(VersionKinds)));
    }

    [Theory]
    [MemberData(nameof(ConstraintCases))]
    public void Constraints_behave_as_masterminds_semver(string label, string json)
    {
        _ = label;
        var c = FixtureCases.Parse(json);
        switch (c.Str("kind"))
        {
            case "parse_single":
                if (c.Bool("expect_error"))
                {
                    Assert.Throws<SemverException>(() => VersionConstraint.ParseTerm(c.Str("input")!));
                    break;
                }
                var term = VersionConstraint.ParseTerm(c.Str("input")!);
                Assert.Equal(c.Str("operator"), "constraint" + term.Operator);
                Assert.Equal(c.Str("version"), term.Version.ToString());
                break;
            case "check_single":
            {
                var t = VersionConstraint.ParseTerm(c.Str("constraint")!);
                var v = SemanticVersion.Parse(c.Str("version")!);
                Assert.Equal(c.Bool("expected"), t.Check(v, t.Version.IsPrerelease, out var reason));
                Assert.Equal(c.Bool("expected"), reason is null);
                break;
            }
            case "parse_constraints":
                if (c.Bool("expect_error"))
                {
                    var e = Assert.Throws<SemverException>(() => VersionConstraint.Parse(c.Str("input")!));
                    Assert.Equal(ExitCode.InvalidInput, e.Code);
                    Assert.False(VersionConstraint.TryParse(c.Str("input"), out _));
                    break;
                }
                var parsed = VersionConstraint.Parse(c.Str("input")!);
                Assert.Equal(c.GetProperty("or_groups").GetInt32(), parsed.Groups.Count);
                Assert.Equal(c.GetProperty("and_count_first_group").GetInt32(), parsed.Groups[0].Count);
                break;
            case "check":
            {
                var constraint = VersionConstraint.Parse(c.Str("constraint")!, c.Bool("include_prerelease"));
                Assert.Equal(c.Bool("expected"), constraint.Check(SemanticVersion.Parse(c.Str("version")!)));
                break;
            }
            case "validate":
            {
                var constraint = VersionConstraint.Parse(c.Str("constraint")!, c.Bool("include_prerelease"));
                var result = constraint.Validate(SemanticVersion.Parse(c.Str("version")!));
                Assert.Equal(c.Bool("expected"), result.IsValid);
                // false must come with at least one reason; true with none.
                Assert.Equal(result.IsValid, result.Reasons.Count == 0);
                break;
            }
            case "validate_message":
            {
                var constraint = VersionConstraint.Parse(c.Str("constraint")!, c.Bool("include_prerelease"));
                var result = constraint.Validate(SemanticVersion.ParseStrict(c.Str("version")!));
                Assert.False(result.IsValid);
                Assert.Equal(c.Str("expected_message"), result.Reasons[0]);
                break;
            }
            case "rewrite_range":
                Assert.Equal(c.Str("expected"), VersionConstraint.RewriteRange(c.Str("input")!));
                break;
            case "is_wildcard":
                Assert.Equal(c.Bool("expected"), VersionConstraint.IsWildcard(c.Str("input")!));
                break;
            case "constraint_string":
            case "constraint_marshal":
            case "constraint_unmarshal":
            {
                // MarshalText/UnmarshalText are String() and NewConstraint in Go; a round trip must be stable too.
                var s = VersionConstraint.Parse(c.Str("input")!).ToString();
                Assert.Equal(c.Str("expected"), s);
                Assert.Equal(s, VersionConstraint.Parse(s).ToString());
                break;
            }
            default:
                Assert.Fail($"unhandled kind {c.Str("kind")}");
                break;
        }
    }

    [Theory]
    [MemberData(nameof(VersionCases))]
    public void Versions_behave_as_masterminds_semver(string label, string json)
    {
        _ = label;
        var c = FixtureCases.Parse(json);
        var input = c.Str("input");
        switch (c.Str("kind"))
        {
            case "version_parse_strict":
                Assert.Equal(!c.Bool("expect_error"), SemanticVersion.TryParseStrict(input, out _));
                if (c.Bool("expect_error")) Assert.Throws<SemverException>(() => SemanticVersion.ParseStrict(input!));
                break;
            case "version_parse":
            {
                var coerce = c.Bool("coerce");
                if (c.Bool("expect_error")) Assert.Throws<SemverException>(() => SemanticVersion.Parse(input!, coerce));
                else Assert.Equal(input, SemanticVersion.Parse(input!, coerce).Original);
                break;
            }
            case "version_parse_error":
            {
                var detailed = c.Str("suite")!.Contains("With detailed", StringComparison.Ordinal);
                var expected = c.Str("expected_error");
                if (expected is null)
                {
                    Assert.Equal(input, SemanticVersion.Parse(input!, coerce: false, detailedErrors: detailed).Original);
                    break;
                }
                var e = Assert.Throws<SemverException>(() => SemanticVersion.Parse(input!, coerce: false, detailedErrors: detailed));
                Assert.Equal(expected, "Err" + e.Reason);
                break;
            }
            case "version_string":
                Assert.Equal(c.Str("expected"), SemanticVersion.Parse(input!).ToString());
                break;
            case "version_original":
                Assert.Equal(c.Str("expected"), SemanticVersion.Parse(input!).Original);
                break;
            case "compare":
                Assert.Equal(c.GetProperty("expected").GetInt32(),
                    SemanticVersion.Parse(c.Str("v1")!).CompareTo(SemanticVersion.Parse(c.Str("v2")!)));
                break;
            case "compare_op":
            {
                // A missing v1/v2 is a nil *Version in Go: Equal(nil, nil) is true, Equal(v, nil) false.
                var a = c.Str("v1") is { } s1 ? SemanticVersion.Parse(s1) : null;
                var b = c.Str("v2") is { } s2 ? SemanticVersion.Parse(s2) : null;
                if (a is null || b is null)
                {
                    Assert.Equal("Equal", c.Str("op"));
                    Assert.Equal(c.Bool("expected"), a == b);
                    Assert.Equal(c.Bool("expected"), a?.Equals(b) ?? b is null);
                    break;
                }
                var actual = c.Str("op") switch
                {
                    "LessThan" => a.LessThan(b) && a < b,
                    "LessThanEqual" => a.LessThanOrEqual(b) && a <= b,
                    "GreaterThan" => a.GreaterThan(b) && a > b,
                    "GreaterThanEqual" => a.GreaterThanOrEqual(b) && a >= b,
                    "Equal" => a.Equals(b) && a == b,
                    _ => throw new InvalidOperationException(c.Str("op")),
                };
                Assert.Equal(c.Bool("expected"), actual);
                break;
            }
            case "increment":
            {
                var v = SemanticVersion.Parse(input!);
                var next = c.Str("how") switch
                {
                    "patch" => v.IncPatch(),
                    "minor" => v.IncMinor(),
                    "major" => v.IncMajor(),
                    _ => throw new InvalidOperationException(c.Str("how")),
                };
                Assert.Equal(c.Str("expected"), next.ToString());
                Assert.Equal(c.Str("expected_original"), next.Original);
                break;
            }
            case "set_prerelease":
            case "set_metadata":
            {
                var v = SemanticVersion.Parse(input!);
                var isPre = c.Str("kind") == "set_prerelease";
                var value = c.Str("value")!;
                if (c.Str("expected_error") is { } error)
                {
                    var e = Assert.Throws<SemverException>(() => isPre ? v.WithPrerelease(value) : v.WithMetadata(value));
                    Assert.Equal(error, "Err" + e.Reason);
                    // The version itself is unchanged (immutable).
                    Assert.Equal(c.Str("expected_version"), v.ToString());
                    Assert.Equal(c.Str("expected_original"), v.Original);
                    Assert.Equal(c.Str("expected_value"), isPre ? v.Prerelease : v.Metadata);
                    break;
                }
                var next = isPre ? v.WithPrerelease(value) : v.WithMetadata(value);
                Assert.Equal(c.Str("expected_version"), next.ToString());
                Assert.Equal(c.Str("expected_original"), next.Original);
                Assert.Equal(c.Str("expected_value"), isPre ? next.Prerelease : next.Metadata);
                break;
            }
            case "v_prefix":
                Assert.Equal(c.Str("expected"), SemanticVersion.Parse(input!).OriginalVPrefix);
                break;
            case "validate_prerelease":
                Assert.Equal(c.Str("expected_error"), SemanticVersion.ValidatePrerelease(input!) is { } pe ? "Err" + pe : null);
                break;
            case "validate_metadata":
                Assert.Equal(c.Str("expected_error"), SemanticVersion.ValidateMetadata(input!) is { } me ? "Err" + me : null);
                break;
            case "version_parts":
            {
                var v = SemanticVersion.Parse(input!);
                var e = c.GetProperty("expected");
                Assert.Equal(e.GetProperty("major").GetUInt64(), v.Major);
                Assert.Equal(e.GetProperty("minor").GetUInt64(), v.Minor);
                Assert.Equal(e.GetProperty("patch").GetUInt64(), v.Patch);
                Assert.Equal(e.GetProperty("prerelease").GetString(), v.Prerelease);
                Assert.Equal(e.GetProperty("metadata").GetString(), v.Metadata);
                break;
            }
            case "sort":
            {
                var sorted = c.GetProperty("input").EnumerateArray().Select(x => SemanticVersion.Parse(x.GetString()!)).Order().Select(v => v.ToString());
                Assert.Equal(c.GetProperty("expected").EnumerateArray().Select(x => x.GetString()), sorted);
                break;
            }
            default:
                Assert.Fail($"unhandled kind {c.Str("kind")}");
                break;
        }
    }
}
