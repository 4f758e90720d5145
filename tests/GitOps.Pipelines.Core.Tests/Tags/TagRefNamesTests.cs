using GitOps.Pipelines.Tags;

namespace GitOps.Pipelines.Core.Tests.Tags;

public class TagRefNamesTests
{
    public class Select
    {
        private static readonly string[] Mixed = ["1.0.0", "latest", "localhost/hello:1.2.3", "localhost/hello:1.3.0", "ghcr.io/o/other:9", "not a ref!"];

        [Fact]
        public void Without_a_repository_plain_tags_count()
        {
            var tags = TagRefNames.Select(Mixed);
            Assert.Equal(["1.0.0", "latest"], tags.Select(t => t.Tag));
        }

        [Fact]
        public void With_a_repository_only_its_qualified_ref_names_count()
        {
            var tags = TagRefNames.Select(Mixed, "localhost/hello");
            Assert.Equal([new TagRefName("1.2.3", "localhost/hello:1.2.3"), new TagRefName("1.3.0", "localhost/hello:1.3.0")], tags);
        }

        [Fact]
        public void Repositories_compare_after_docker_normalization()
        {
            var tags = TagRefNames.Select(["docker.io/library/hello:1", "index.docker.io/library/hello:2", "hello:3"], "hello");
            Assert.Equal(["1", "2", "3"], tags.Select(t => t.Tag));
        }

        [Fact]
        public void A_single_repository_needs_no_name()
        {
            var tags = TagRefNames.Select(["localhost/hello:1", "localhost/hello:2"]);
            Assert.Equal(["1", "2"], tags.Select(t => t.Tag));
        }

        [Fact]
        public void Several_repositories_and_no_plain_tags_need_a_name()
        {
            var e = Assert.Throws<GitOpsException>(() => TagRefNames.Select(["localhost/hello:1", "localhost/other:2"]));
            Assert.Equal(ExitCode.InvalidInput, e.Code);
            Assert.Contains("localhost/hello, localhost/other", e.Message, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("localhost/hello:1")]
        [InlineData("Bad/Repo")]
        public void A_repository_must_be_a_bare_name(string repository)
        {
            var e = Assert.Throws<GitOpsException>(() => TagRefNames.Select(Mixed, repository));
            Assert.Equal(ExitCode.InvalidInput, e.Code);
        }
    }
}
