using GitOps.Pipelines.Semver;

namespace GitOps.Pipelines.Core.Tests.Semver;

public class VersionConstraintTests
{
    public class Parse
    {
        [Theory]
        [InlineData("")]
        [InlineData("latest")]
        [InlineData(">= 1.2 ||")]
        [InlineData("1.2.3.4")]
        public void Refuses_what_is_not_a_constraint_with_exit_code_2(string text)
        {
            var e = Assert.Throws<SemverException>(() => VersionConstraint.Parse(text));
            Assert.Equal(ExitCode.InvalidInput, e.Code);
            Assert.Equal(SemverError.ImproperConstraint, e.Reason);
            Assert.StartsWith("improper constraint", e.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Keeps_the_original_text() => Assert.Equal(">= 1.2, < 2", VersionConstraint.Parse(">= 1.2, < 2").Original);
    }

    public class Check
    {
        [Fact]
        public void IncludePrerelease_lets_prereleases_through_every_group()
        {
            var rc = SemanticVersion.Parse("1.5.0-rc.1");
            var constraint = VersionConstraint.Parse("^1.0");
            Assert.False(constraint.Check(rc));
            Assert.True(constraint.WithIncludePrerelease(true).Check(rc));
            Assert.True(VersionConstraint.Parse("^1.0", includePrerelease: true).Check(rc));
        }

        [Fact]
        public void A_group_naming_a_prerelease_admits_prereleases_only_in_that_group()
        {
            var constraint = VersionConstraint.Parse(">=2.0.0-0 <3 || ^1");
            Assert.True(constraint.Check(SemanticVersion.Parse("2.1.0-beta")));
            Assert.False(constraint.Check(SemanticVersion.Parse("1.1.0-beta")));
            Assert.True(constraint.Check(SemanticVersion.Parse("1.1.0")));
        }
    }

    public class Validate
    {
        [Fact]
        public void Reports_the_prerelease_reason_once_across_groups()
        {
            var result = VersionConstraint.Parse("^1 || ^2").Validate(SemanticVersion.Parse("2.0.0-rc.1"));
            Assert.False(result.IsValid);
            Assert.Single(result.Reasons);
            Assert.Contains("is a prerelease version", result.Reasons[0], StringComparison.Ordinal);
        }

        [Fact]
        public void Lists_a_reason_per_failed_term()
        {
            var result = VersionConstraint.Parse(">=1.1, <2 || >3").Validate(SemanticVersion.Parse("2.5.0"));
            Assert.Equal(["\"2.5.0\" is greater than or equal to \"2\"", "\"2.5.0\" is less than or equal to \"3\""], result.Reasons);
        }
    }
}

public class SemanticVersionTests
{
    public class Parse
    {
        [Fact]
        public void Errors_carry_the_input_and_exit_code_2()
        {
            var e = Assert.Throws<SemverException>(() => SemanticVersion.ParseStrict("v1.2.3"));
            Assert.Equal("v1.2.3", e.Input);
            Assert.Equal(ExitCode.InvalidInput, e.Code);
            Assert.Equal(SemverError.InvalidCharacters, e.Reason);
        }

        [Fact]
        public void A_number_beyond_64_bits_is_refused()
        {
            var e = Assert.Throws<SemverException>(() => SemanticVersion.Parse("18446744073709551616.0.0"));
            Assert.Equal(SemverError.SegmentOverflow, e.Reason);
        }

        [Fact]
        public void TryParse_of_null_or_junk_is_false()
        {
            Assert.False(SemanticVersion.TryParse(null, out _));
            Assert.False(SemanticVersion.TryParse("latest", out _));
            Assert.False(SemanticVersion.TryParseStrict("1.2", out _));
            Assert.True(SemanticVersion.TryParse("1.2", out var v));
            Assert.Equal("1.2.0", v.ToString());
        }
    }

    public class Equality
    {
        [Fact]
        public void Ignores_build_metadata_as_semver_says()
        {
            var a = SemanticVersion.Parse("1.0.0+a");
            var b = SemanticVersion.Parse("1.0.0+b");
            Assert.Equal(a, b);
            Assert.Equal(a.GetHashCode(), b.GetHashCode());
            Assert.Equal(0, a.CompareTo(b));
        }

        [Fact]
        public void Orders_prereleases_by_identifier()
        {
            var ordered = new[] { "1.0.0", "1.0.0-rc.1", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta.11", "1.0.0-beta.2", "1.0.0-beta" }
                .Select(s => SemanticVersion.Parse(s)).Order().Select(v => v.ToString());
            Assert.Equal(["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0"], ordered);
        }
    }
}
