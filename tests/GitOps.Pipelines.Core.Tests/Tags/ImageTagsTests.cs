using GitOps.Pipelines.Tags;

namespace GitOps.Pipelines.Core.Tests.Tags;

public class ImageTagsTests
{
    private const string Sha = "0123456789abcdef0123456789abcdef01234567";

    public class Compute
    {
        [Fact]
        public void A_release_tag_gives_version_major_minor_major_sha_and_latest()
        {
            var set = ImageTags.Compute(new GitContext(Sha, "refs/tags/v1.2.3"));
            Assert.Equal(["1.2.3", "1.2", "1", "sha-0123456", "latest"], set.Tags);
            Assert.Equal("1.2.3", set.Version);
        }

        [Fact]
        public void A_prerelease_gets_only_its_version_and_no_latest()
        {
            var set = ImageTags.Compute(new GitContext(Sha, "refs/tags/v2.0.0-rc.1"));
            Assert.Equal(["2.0.0-rc.1", "sha-0123456"], set.Tags);
        }

        [Fact]
        public void Major_zero_gets_no_major_tag()
        {
            var set = ImageTags.Compute(new GitContext(Sha, "refs/tags/0.4.1"), latest: false);
            Assert.Equal(["0.4.1", "0.4", "sha-0123456"], set.Tags);
        }

        [Fact]
        public void Build_metadata_is_kept_in_a_tag_safe_form()
        {
            var set = ImageTags.Compute(new GitContext(Sha, "refs/tags/v1.0.0+build.7"));
            Assert.Equal("1.0.0-build.7", set.Tags[0]);
        }

        [Fact]
        public void A_branch_is_sanitized_and_becomes_the_version()
        {
            var set = ImageTags.Compute(new GitContext(Sha, "refs/heads/feature/x"));
            Assert.Equal(["feature-x", "sha-0123456"], set.Tags);
            Assert.Equal("feature-x", set.Version);
        }

        [Fact]
        public void A_branch_commit_with_a_version_tag_gets_both()
        {
            var set = ImageTags.Compute(new GitContext(Sha, "refs/heads/main", GitTag: "v3.1.0"));
            Assert.Equal(["3.1.0", "3.1", "3", "main", "sha-0123456", "latest"], set.Tags);
            Assert.Equal("3.1.0", set.Version);
        }

        [Theory]
        [InlineData("refs/pull/42/merge")]
        [InlineData("refs/pull/42/head")]
        [InlineData("refs/merge-requests/42/head")]
        public void A_pull_request_gets_pr_n(string gitRef)
        {
            var set = ImageTags.Compute(new GitContext(Sha, gitRef));
            Assert.Equal(["pr-42", "sha-0123456"], set.Tags);
        }

        [Fact]
        public void A_non_version_git_tag_is_used_sanitized()
        {
            var set = ImageTags.Compute(new GitContext(Sha, "refs/tags/release/2026 spring"));
            Assert.Equal(["release-2026-spring", "sha-0123456"], set.Tags);
        }

        [Fact]
        public void An_unknown_ref_still_gets_the_sha_tag_as_version()
        {
            var set = ImageTags.Compute(new GitContext(Sha.ToUpperInvariant(), "HEAD"));
            Assert.Equal(["sha-0123456"], set.Tags);
            Assert.Equal("sha-0123456", set.Version);
        }

        [Fact]
        public void Labels_carry_source_revision_created_and_version()
        {
            var created = new DateTimeOffset(2026, 11, 22, 4, 5, 6, TimeSpan.FromHours(2));
            var set = ImageTags.Compute(new GitContext(Sha, "refs/tags/v1.2.3", Created: created, Source: "https://github.com/o/r"));
            Assert.Equal("https://github.com/o/r", set.Labels[ImageTags.SourceLabel]);
            Assert.Equal(Sha, set.Labels[ImageTags.RevisionLabel]);
            Assert.Equal("2026-11-22T02:05:06Z", set.Labels[ImageTags.CreatedLabel]);
            Assert.Equal("1.2.3", set.Labels[ImageTags.VersionLabel]);
        }

        [Fact]
        public void Labels_leave_out_what_is_unknown()
        {
            var set = ImageTags.Compute(new GitContext(Sha, "refs/heads/main"));
            Assert.False(set.Labels.ContainsKey(ImageTags.CreatedLabel));
            Assert.False(set.Labels.ContainsKey(ImageTags.SourceLabel));
        }

        [Theory]
        [InlineData("")]
        [InlineData("abc12")]
        [InlineData("not-a-sha-at-all")]
        public void A_bad_sha_is_invalid_input(string sha)
        {
            var e = Assert.Throws<GitOpsException>(() => ImageTags.Compute(new GitContext(sha, "refs/heads/main")));
            Assert.Equal(ExitCode.InvalidInput, e.Code);
        }
    }

    public class Flavor
    {
        [Fact]
        public void Prefix_and_suffix_go_on_every_tag_and_the_version_but_not_on_latest()
        {
            var set = ImageTags.Compute(new GitContext(Sha, "refs/tags/v1.2.3"), new TagFlavor(Prefix: "app-", Suffix: "-alpine"));

            Assert.Equal(["app-1.2.3-alpine", "app-1.2-alpine", "app-1-alpine", "app-sha-0123456-alpine", "latest"], set.Tags);
            Assert.Equal("app-1.2.3-alpine", set.Version);
            Assert.Equal("app-1.2.3-alpine", set.Labels[ImageTags.VersionLabel]);
            Assert.Equal("app-1.2.3-alpine", set.Immutable);
        }

        [Fact]
        public void Raw_tags_come_after_the_ref_tag_and_before_the_sha_tag_with_the_flavor()
        {
            var set = ImageTags.Compute(new GitContext(Sha, "refs/heads/main"), new TagFlavor(Suffix: "-x", Raw: ["stable", "edge"]));

            Assert.Equal(["main-x", "stable-x", "edge-x", "sha-0123456-x"], set.Tags);
            Assert.Equal("main-x", set.Version);
        }

        [Fact]
        public void Latest_can_be_turned_off()
        {
            var set = ImageTags.Compute(new GitContext(Sha, "refs/tags/v1.2.3"), new TagFlavor(Latest: false));

            Assert.DoesNotContain("latest", set.Tags);
        }

        [Fact]
        public void The_default_flavor_keeps_the_plain_tags()
        {
            var git = new GitContext(Sha, "refs/pull/7/merge");

            Assert.Equal(ImageTags.Compute(git).Tags, ImageTags.Compute(git, TagFlavor.Default).Tags);
            Assert.Equal(["pr-7", "sha-0123456"], ImageTags.Compute(git, TagFlavor.Default).Tags);
        }

        [Theory]
        [InlineData("refs/tags/v1.2.3", "1.2.3")]
        [InlineData("refs/tags/nightly", "nightly")]
        [InlineData("refs/heads/feature/x", "sha-0123456")]
        [InlineData("refs/pull/7/merge", "sha-0123456")]
        [InlineData("HEAD", "sha-0123456")]
        public void The_immutable_tag_is_a_git_tags_version_else_the_sha_tag(string gitRef, string expected) =>
            Assert.Equal(expected, ImageTags.Compute(new GitContext(Sha, gitRef)).Immutable);

        [Theory]
        [InlineData("-app", "", null)]
        [InlineData("", "", "bad/tag")]
        [InlineData("", "!", null)]
        public void A_flavor_that_makes_an_invalid_tag_is_invalid_input(string prefix, string suffix, string? raw)
        {
            var flavor = new TagFlavor(prefix, suffix, raw is null ? null : [raw]);

            var e = Assert.Throws<GitOpsException>(() => ImageTags.Compute(new GitContext(Sha, "refs/heads/main"), flavor));

            Assert.Equal(ExitCode.InvalidInput, e.Code);
            Assert.Contains("not a valid tag", e.Message);
        }
    }

    public class Sanitize
    {
        [Theory]
        [InlineData("feature/x", "feature-x")]
        [InlineData("-leading.dash", "leading.dash")]
        [InlineData("a//b@@c", "a-b-c")]
        [InlineData("UPPER_ok.1", "UPPER_ok.1")]
        [InlineData("///", "")]
        public void Makes_a_valid_tag(string text, string expected) => Assert.Equal(expected, ImageTags.Sanitize(text));

        [Fact]
        public void Cuts_to_128_characters() => Assert.Equal(128, ImageTags.Sanitize(new string('a', 300)).Length);
    }
}
