using GitOps.Pipelines.Webhooks.Routing;

namespace GitOps.Pipelines.Webhooks.Tests.Routing;

public sealed class RepositoryUrlTests
{
    [Theory]
    [InlineData("https://github.com/Codertocat/Hello-World.git")]
    [InlineData("https://github.com/Codertocat/Hello-World")]
    [InlineData("https://github.com/Codertocat/Hello-World/")]
    [InlineData("https://GitHub.COM/Codertocat/Hello-World.git/")]
    [InlineData("http://github.com/Codertocat/Hello-World")]
    [InlineData("https://user:token@github.com/Codertocat/Hello-World.git")]
    [InlineData("ssh://git@github.com/Codertocat/Hello-World.git")]
    [InlineData("ssh://git@github.com:22/Codertocat/Hello-World.git")]
    [InlineData("git@github.com:Codertocat/Hello-World.git")]
    [InlineData("git@github.com:/Codertocat/Hello-World")]
    [InlineData("  git://github.com/Codertocat/Hello-World  ")]
    public void Spellings_of_one_repository_normalize_alike(string url) =>
        Assert.Equal("github.com/Codertocat/Hello-World", RepositoryUrl.Normalize(url));

    [Theory]
    [InlineData("https://github.com/Codertocat/Hello-World", "https://github.com/Codertocat/Other")]
    [InlineData("https://github.com/Codertocat/Hello-World", "https://gitlab.com/Codertocat/Hello-World")]
    [InlineData("https://github.com/Codertocat/Hello-World", "/srv/git/Hello-World.git")]
    public void Different_repositories_differ(string a, string b) =>
        Assert.False(RepositoryUrl.SameRepository(a, b));

    [Fact]
    public void Local_paths_and_file_urls_name_the_same_repository()
    {
        Assert.True(RepositoryUrl.SameRepository("/srv/git/runtime.git", "file:///srv/git/runtime.git"));
        Assert.True(RepositoryUrl.SameRepository("/srv/git/runtime.git/", "/srv/git/runtime"));
        Assert.True(RepositoryUrl.SameRepository("/srv/git/../git/runtime.git", "/srv/git/runtime.git"));
    }
}

public sealed class SyncRoutesTests
{
    private readonly SyncRoutes _routes = new(
    [
        new WebhookRoute("https://github.com/acme/runtime", "main", ["staging"]),
        new WebhookRoute("git@github.com:acme/runtime.git", "refs/heads/main", ["production", "staging"]),
        new WebhookRoute("https://github.com/acme/runtime", "release", ["hotfix"]),
    ]);

    [Fact]
    public void A_merge_collects_the_environments_of_every_matching_route_once_in_order() =>
        Assert.Equal(["staging", "production"], _routes.EnvironmentsFor(["https://github.com/acme/runtime.git"], "main"));

    [Fact]
    public void The_branch_must_match() =>
        Assert.Equal(["hotfix"], _routes.EnvironmentsFor(["https://github.com/acme/runtime.git"], "refs/heads/release"));

    [Fact]
    public void Nothing_matches_another_repository() =>
        Assert.Empty(_routes.EnvironmentsFor(["https://github.com/acme/app.git", "", "git@github.com:acme/app.git"], "main"));
}

public sealed class DeliveryLogTests
{
    [Fact]
    public void A_delivery_is_handled_once_until_forgotten()
    {
        var log = new DeliveryLog(10);

        Assert.True(log.TryBegin("a"));
        Assert.False(log.TryBegin("a"));
        log.Forget("a");
        Assert.True(log.TryBegin("a"));
    }

    [Fact]
    public void It_remembers_only_the_most_recent_deliveries()
    {
        var log = new DeliveryLog(2);
        log.TryBegin("a");
        log.TryBegin("b");
        log.TryBegin("c"); // "a" falls out

        Assert.False(log.TryBegin("c"));
        Assert.False(log.TryBegin("b"));
        Assert.True(log.TryBegin("a"));
    }
}
