using System.Diagnostics;
using GitOps.Pipelines.Images;

namespace GitOps.Pipelines.Core.Tests.Images;

public class ImageReferenceTests
{
    public class Parse
    {
        [Theory]
        [InlineData("a", 20000, "!")]
        [InlineData("a-", 10000, "!")]
        [InlineData("a.", 10000, "/!")]
        [InlineData("a__", 8000, "@sha256:")]
        public void Rejects_long_malformed_input_quickly(string unit, int times, string tail)
        {
            var input = string.Concat(Enumerable.Repeat(unit, times)) + tail;
            var sw = Stopwatch.StartNew();
            Assert.False(ImageReference.TryParse(input, out _));
            Assert.False(ImageReference.TryParseNormalized(input, out _));
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"took {sw.Elapsed}");
        }

        [Fact]
        public void Errors_carry_the_input_the_reason_and_exit_code_2()
        {
            var e = Assert.Throws<InvalidImageReferenceException>(() => ImageReference.Parse("Uppercase:tag"));
            Assert.Equal("Uppercase:tag", e.Input);
            Assert.Equal(ReferenceError.NameContainsUppercase, e.Reason);
            Assert.Equal(ExitCode.InvalidInput, e.Code);
            Assert.Equal("repository name must be lowercase: \"Uppercase:tag\"", e.Message);
        }

        [Fact]
        public void TryParse_of_null_is_false()
        {
            Assert.False(ImageReference.TryParse(null, out _));
            Assert.False(ImageReference.TryParseNormalized(null, out _));
            Assert.False(ImageReference.TryParseAnyReference(null, out _));
        }
    }

    public class Familiar
    {
        [Theory]
        [InlineData("ubuntu:22.04", "ubuntu", "ubuntu:22.04")]
        [InlineData("docker.io/library/foo/bar:1", "library/foo/bar", "library/foo/bar:1")]
        [InlineData("ghcr.io/o/app@sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "ghcr.io/o/app",
            "ghcr.io/o/app@sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")]
        public void Drops_docker_hub_defaults_only(string input, string name, string full)
        {
            var r = ImageReference.ParseNormalized(input);
            Assert.Equal(name, r.FamiliarName);
            Assert.Equal(full, r.FamiliarString);
        }
    }

    public class WithTagAndDigest
    {
        [Theory]
        [InlineData("")]
        [InlineData(".hidden")]
        [InlineData("has space")]
        public void WithTag_refuses_an_invalid_tag(string tag)
        {
            var e = Assert.Throws<InvalidImageReferenceException>(() => ImageReference.ParseNormalized("app").WithTag(tag));
            Assert.Equal(ReferenceError.TagInvalidFormat, e.Reason);
        }

        [Fact]
        public void A_tag_of_128_characters_is_the_longest_allowed()
        {
            var app = ImageReference.ParseNormalized("app");
            Assert.Equal(new string('a', 128), app.WithTag(new string('a', 128)).Tag);
            Assert.Throws<InvalidImageReferenceException>(() => app.WithTag(new string('a', 129)));
        }

        [Fact]
        public void WithDefaultTag_adds_latest_only_without_tag_or_digest()
        {
            Assert.Equal("docker.io/library/app:latest", ImageReference.ParseNormalized("app").WithDefaultTag().ToString());
            Assert.Equal("docker.io/library/app:1", ImageReference.ParseNormalized("app:1").WithDefaultTag().ToString());
            var pinned = ImageReference.ParseNormalized("app@sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
            Assert.Null(pinned.WithDefaultTag().Tag);
        }
    }

    public class ValidateDigest
    {
        [Theory]
        [InlineData("sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", null)]
        [InlineData("sha256:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", ReferenceError.ChecksumInvalidFormat)]
        [InlineData("sha256:fff", ReferenceError.DigestInvalidLength)]
        [InlineData("sha512:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", ReferenceError.DigestUnsupported)]
        [InlineData("sha256:", ReferenceError.ChecksumInvalidFormat)]
        [InlineData(":abc", ReferenceError.ChecksumInvalidFormat)]
        [InlineData("nocolon", ReferenceError.ChecksumInvalidFormat)]
        public void Checks_algorithm_length_and_hex(string digest, ReferenceError? expected) =>
            Assert.Equal(expected, ImageReference.ValidateDigest(digest));
    }
}
