using GitOps.Pipelines.Tags;

namespace GitOps.Pipelines.Core.Tests.Tags;

public class TagPolicyTests
{
    private static List<TagInfo> Names(params string[] names) => names.Select(n => new TagInfo(n)).ToList();

    public class Create
    {
        [Theory]
        [InlineData("semver", TagStrategy.Semver)]
        [InlineData("LATEST", TagStrategy.Latest)]
        [InlineData("newest-build", TagStrategy.Latest)]
        [InlineData("name", TagStrategy.Name)]
        [InlineData("alphabetical", TagStrategy.Name)]
        [InlineData("numerical", TagStrategy.Numerical)]
        public void Accepts_strategy_names_and_image_updater_aliases(string name, TagStrategy expected) =>
            Assert.Equal(expected, TagPolicy.Create(name).Strategy);

        [Theory]
        [InlineData("numeric", null)]
        [InlineData("numerical", "1")]
        [InlineData("digest", null)]
        [InlineData("latest", "^1")]
        [InlineData("semver", ">= bar")]
        public void Refuses_bad_input_with_exit_code_2(string strategy, string? constraint)
        {
            var e = Assert.ThrowsAny<GitOpsException>(() => TagPolicy.Create(strategy, constraint));
            Assert.Equal(ExitCode.InvalidInput, e.Code);
        }

        [Fact]
        public void Refuses_an_invalid_allow_tags_regexp()
        {
            var e = Assert.Throws<GitOpsException>(() => TagPolicy.Create("semver", allowTags: "regexp:[a-"));
            Assert.Contains("regexp:[a-", e.Message, StringComparison.Ordinal);
        }
    }

    public class Select
    {
        [Fact]
        public void Semver_skips_tags_that_are_not_versions_and_honours_the_constraint()
        {
            var tags = Names("latest", "v1.2.0", "1.10.0", "1.9.9", "2.0.0", "sha-abc1234");
            var selection = TagPolicy.Create("semver", "<2").Select(tags);
            Assert.Equal("1.10.0", selection.Tag?.Name);
            Assert.Contains("<2", selection.Reason, StringComparison.Ordinal);
        }

        [Fact]
        public void Semver_includes_prereleases_only_when_the_constraint_names_one()
        {
            var tags = Names("1.0.0", "1.1.0-rc.1");
            Assert.Equal("1.0.0", TagPolicy.Create("semver").Select(tags).Tag?.Name);
            Assert.Equal("1.1.0-rc.1", TagPolicy.Create("semver", ">=1.0.0-0").Select(tags).Tag?.Name);
        }

        [Fact]
        public void Allow_and_ignore_filter_before_the_strategy_picks()
        {
            var tags = Names("1.0.0", "1.1.0", "1.2.0-debug", "2.0.0");
            var policy = TagPolicy.Create("name", allowTags: "regexp:^1\\.", ignoreTags: "*-debug, 1.1.*");
            Assert.Equal("1.0.0", policy.Select(tags).Tag?.Name);
        }

        [Fact]
        public void Says_why_when_every_tag_is_filtered_out()
        {
            var none = TagPolicy.Create("semver", allowTags: "regexp:^v").Select(Names("1.0.0"));
            Assert.False(none.Found);
            Assert.Contains("allow-tags", none.Reason, StringComparison.Ordinal);

            var ignored = TagPolicy.Create("semver", ignoreTags: "*").Select(Names("1.0.0"));
            Assert.False(ignored.Found);
            Assert.Contains("ignore-tags", ignored.Reason, StringComparison.Ordinal);

            var empty = TagPolicy.Create("semver").Select([]);
            Assert.False(empty.Found);
            Assert.Contains("no tags", empty.Reason, StringComparison.Ordinal);
        }

        [Fact]
        public void Latest_needs_creation_dates_and_picks_the_newest()
        {
            Assert.False(TagPolicy.Create("latest").Select(Names("a", "b")).Found);
            var t0 = DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
            var tags = new List<TagInfo> { new("old", t0), new("undated"), new("new", t0.AddHours(1)) };
            Assert.Equal("new", TagPolicy.Create("latest").Select(tags).Tag?.Name);
        }

        [Fact]
        public void Numerical_compares_numbers_not_text_and_skips_other_tags()
        {
            var policy = TagPolicy.Create("numerical");
            Assert.Equal("100", policy.Select(Names("9", "100", "99.5", "v200", "latest")).Tag?.Name);
            Assert.Equal(["9", "99.5", "100"], policy.Order(Names("100", "9", "99.5", "x")).Select(t => t.Name));
            Assert.Contains("number", policy.Select(Names("latest")).Reason, StringComparison.Ordinal);
        }

        [Fact]
        public void Digest_reports_why_when_the_tag_or_its_digest_is_missing()
        {
            var policy = TagPolicy.Create("digest", "stable");
            Assert.Contains("not among", policy.Select(Names("latest")).Reason, StringComparison.Ordinal);
            Assert.Contains("digest", policy.Select(Names("stable")).Reason, StringComparison.Ordinal);
            Assert.Equal("sha256:aa", policy.Select([new TagInfo("stable", null, "sha256:aa")]).Tag?.Digest);
        }
    }
}
