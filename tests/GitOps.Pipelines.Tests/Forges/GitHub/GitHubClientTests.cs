using System.Text.Json;
using GitOps.Pipelines.Forges;
using GitOps.Pipelines.Forges.GitHub;
using GitOps.Pipelines.Tests.Forges.Stubs;

namespace GitOps.Pipelines.Tests.Forges.GitHub;

/// <summary>The GitHub clients the webhook service reports back through: statuses, deployments, refs.</summary>
public class GitHubClientTests : IDisposable
{
    private const string Repo = "/repos/octocat/Hello-World";
    private readonly ForgeStub _stub = new("/api/v3");
    private readonly HttpClient _http = new();

    public void Dispose()
    {
        _stub.Dispose();
        _http.Dispose();
    }

    private GitHubClient Client => new(_stub.BaseUrl, "t0ken", _http);

    private static JsonElement Json(string body) => JsonDocument.Parse(body).RootElement;

    public class Statuses : GitHubClientTests
    {
        [Fact]
        public async Task Creates_a_commit_status_on_the_sha()
        {
            _stub.On("POST", $"{Repo}/statuses/6dcb09b5b57875f334f61aebed695e2e4193db5e",
                StubResponse.Json(201, ForgeFixtures.GitHub("repos-create-commit-status.json", 201)));

            var status = await Client.Status.CreateAsync("octocat", "Hello-World", "6dcb09b5b57875f334f61aebed695e2e4193db5e",
                new NewCommitStatusBody("success", "gitops/staging", "synced and healthy", "https://ci.example.com/1"));

            var body = Json(_stub.Requests.Single().Body);
            Assert.Equal("success", body.GetProperty("state").GetString());
            Assert.Equal("gitops/staging", body.GetProperty("context").GetString());
            Assert.Equal("https://ci.example.com/1", body.GetProperty("target_url").GetString());
            Assert.Equal("success", status.State);
            Assert.Equal("continuous-integration/jenkins", status.Context);
        }
    }

    public class Deployments : GitHubClientTests
    {
        [Fact]
        public async Task Creates_a_deployment_without_auto_merge_then_a_status_on_it()
        {
            _stub.On("POST", $"{Repo}/deployments", StubResponse.Json(201, ForgeFixtures.GitHub("repos-create-deployment.json", 201)))
                .On("POST", $"{Repo}/deployments/1/statuses", StubResponse.Json(201, ForgeFixtures.GitHub("repos-create-deployment-status.json", 201)));
            var client = Client;

            var deployment = await client.Deployment.CreateAsync("octocat", "Hello-World", new NewDeploymentBody("main", "production", "hello:1.2.3"));
            var status = await client.Deployment.Status.CreateAsync("octocat", "Hello-World", deployment.Id,
                new NewDeploymentStatusBody("success", "synced", "https://hello.example.com"));

            var create = Json(_stub.RequestsTo("POST", $"{Repo}/deployments").Single().Body);
            Assert.Equal("main", create.GetProperty("ref").GetString());
            Assert.Equal("production", create.GetProperty("environment").GetString());
            Assert.False(create.GetProperty("auto_merge").GetBoolean());
            Assert.Equal(1, deployment.Id);
            var statusBody = Json(_stub.RequestsTo("POST", $"{Repo}/deployments/1/statuses").Single().Body);
            Assert.Equal("success", statusBody.GetProperty("state").GetString());
            Assert.Equal("https://hello.example.com", statusBody.GetProperty("environment_url").GetString());
            Assert.Equal("success", status.State);
        }

        [Fact]
        public async Task A_202_merged_branch_answer_is_an_error_not_a_deployment()
        {
            _stub.On("POST", $"{Repo}/deployments", StubResponse.Json(202, ForgeFixtures.GitHub("repos-create-deployment.json", 202)));

            var e = await Assert.ThrowsAsync<ForgeApiException>(() =>
                Client.Deployment.CreateAsync("octocat", "Hello-World", new NewDeploymentBody("topic-branch", "production")));

            Assert.Contains("Auto-merged master into topic-branch on deployment.", e.Message);
        }

        [Fact]
        public async Task Lists_the_statuses_of_a_deployment()
        {
            _stub.On("GET", $"{Repo}/deployments/42/statuses", StubResponse.Json(200, ForgeFixtures.GitHub("repos-list-deployment-statuses.json", 200)));

            var statuses = await Client.Deployment.Status.GetAllAsync("octocat", "Hello-World", 42);

            Assert.Equal("success", Assert.Single(statuses).State);
        }
    }

    public class References : GitHubClientTests
    {
        [Fact]
        public async Task Creates_reads_and_moves_a_branch()
        {
            _stub.On("POST", $"{Repo}/git/refs", StubResponse.Json(201, ForgeFixtures.GitHub("git-create-ref.json", 201)))
                .On("GET", $"{Repo}/git/ref/heads/feature/a", StubResponse.Json(200, ForgeFixtures.GitHub("git-get-ref.json", 200)))
                .On("PATCH", $"{Repo}/git/refs/heads/feature/a", StubResponse.Json(200, ForgeFixtures.GitHub("git-update-ref.json", 200)));
            var git = Client.Git.Reference;

            var created = await git.CreateAsync("octocat", "Hello-World", new NewReferenceBody("refs/heads/featureA", "aa218f56b14c9653891f9e74264a383fa43fefbd"));
            var read = await git.GetAsync("octocat", "Hello-World", "heads/feature/a");
            var moved = await git.UpdateAsync("octocat", "Hello-World", "heads/feature/a", new ReferenceUpdateBody("aa218f56b14c9653891f9e74264a383fa43fefbd"));

            Assert.Equal("refs/heads/featureA", created.Ref);
            Assert.Equal("aa218f56b14c9653891f9e74264a383fa43fefbd", created.Object.Sha);
            Assert.Equal("commit", read.Object.Type);
            Assert.False(Json(_stub.RequestsTo("PATCH", $"{Repo}/git/refs/heads/feature/a").Single().Body).GetProperty("force").GetBoolean());
            Assert.NotNull(moved.Object.Sha);
        }
    }

    public class ApiUrls
    {
        [Theory]
        [InlineData("https://api.github.com/", "https://api.github.com/graphql")]
        [InlineData("https://ghe.example.com/api/v3/", "https://ghe.example.com/api/graphql")]
        [InlineData("https://ghe.example.com/api/v3", "https://ghe.example.com/api/graphql")]
        public void GraphQL_lives_beside_the_REST_root(string rest, string graphql) =>
            Assert.Equal(new Uri(graphql), GitHubApiUrls.GraphQL(new Uri(rest)));

        [Fact]
        public void Owner_repo_and_head_are_escaped_but_ref_slashes_are_kept()
        {
            Assert.Equal("repos/o/r/pulls?state=open&head=o%3Afeat%2Fx&base=main&per_page=100", GitHubApiUrls.PullRequests("o", "r", "open", "o:feat/x", "main"));
            Assert.Equal("repos/o/r/git/ref/heads/feat/x%20y", GitHubApiUrls.Reference("o", "r", "heads/feat/x y"));
        }
    }
}
