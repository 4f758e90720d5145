using GitOps.Pipelines.Images;

namespace GitOps.Pipelines.Core.Tests.Images;

public class GoGlobTests
{
    public class ToRegex
    {
        [Theory]
        [InlineData("v[0-9]*", "v1.2", true)]
        [InlineData("*", "a/b", false)]
        [InlineData("a?c", "a/c", false)]
        [InlineData("a?c", "abc", true)]
        [InlineData("[^a]", "b", true)]
        [InlineData("[^a]", "a", false)]
        [InlineData("[\\]]", "]", true)]
        [InlineData("[\\a]", "a", true)]
        [InlineData("a\\*", "a*", true)]
        [InlineData("a\\*", "ab", false)]
        [InlineData("1.2.*", "1.2.3", true)]
        [InlineData("1.2.*", "1x2.3", false)]
        public void Matches_whole_names_like_go_path_match(string pattern, string name, bool expected) =>
            Assert.Equal(expected, GoGlob.ToRegex(pattern)!.IsMatch(name));

        [Theory]
        [InlineData("[")]
        [InlineData("[]")]
        [InlineData("a\\")]
        [InlineData("[a-")]
        public void Refuses_malformed_patterns(string pattern) => Assert.Null(GoGlob.ToRegex(pattern));
    }
}
