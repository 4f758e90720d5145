using System.Net;
using GitOps.Pipelines.Forges;
using GitOps.Pipelines.Forges.GitHub;
using GitOps.Pipelines.Tests.Forges.Stubs;

namespace GitOps.Pipelines.Tests.Forges.GitHub;

/// <summary>Rate limits and errors, driven through the real GitHub client over HTTP (RATE-LIMIT-NOTES.md).</summary>
public class ForgeConnectionTests : IDisposable
{
    private const string Token = "ghp_secretTOKENvalue123";
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 4, 0, 0, TimeSpan.Zero);
    private readonly ForgeStub _stub = new("/api/v3");
    private readonly HttpClient _http = new();
    private readonly RecordedWaits _waits = new(Now);

    public void Dispose()
    {
        _stub.Dispose();
        _http.Dispose();
    }

    private GitHubClient Client(int maxRetries = 3, TimeSpan? maxWait = null) =>
        new(_stub.BaseUrl, Token, _http, "GITHUB_TOKEN", _waits.Options(maxRetries, maxWait));

    private static readonly string Pull = ForgeFixtures.GitHub("pulls-get.json", 200);

    public class RateLimits : ForgeConnectionTests
    {
        [Fact]
        public async Task A_403_with_no_requests_remaining_waits_until_the_reset_and_retries()
        {
            // Given: the primary limit is exhausted and resets in 30 s, then the call succeeds
            _stub.On("GET", "/repos/octocat/Hello-World/pulls/1347",
                StubResponse.Json(403, """{"message":"API rate limit exceeded for user ID 1."}""",
                    ("x-ratelimit-limit", "5000"), ("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", Now.AddSeconds(30).ToUnixTimeSeconds().ToString())),
                StubResponse.Json(200, Pull, ("x-ratelimit-limit", "5000"), ("x-ratelimit-remaining", "4999"),
                    ("x-ratelimit-reset", Now.AddHours(1).ToUnixTimeSeconds().ToString())));

            // When
            var pr = await Client().PullRequest.GetAsync("octocat", "Hello-World", 1347);

            // Then: one wait of exactly the reset time, two requests, the snapshot of the last answer
            Assert.Equal(1347, pr.Number);
            Assert.Equal([TimeSpan.FromSeconds(30)], _waits.Waits);
            Assert.Equal(2, _stub.Requests.Count);
        }

        [Fact]
        public async Task A_429_with_retry_after_waits_that_many_seconds_then_retries_once()
        {
            _stub.On("GET", "/repos/octocat/Hello-World/pulls/1347",
                StubResponse.Json(429, """{"message":"You have exceeded a secondary rate limit."}""", ("retry-after", "5")),
                StubResponse.Json(200, Pull));

            var pr = await Client().PullRequest.GetAsync("octocat", "Hello-World", 1347);

            Assert.Equal("open", pr.State);
            Assert.Equal([TimeSpan.FromSeconds(5)], _waits.Waits);
            Assert.Equal(2, _stub.Requests.Count);
        }

        [Fact]
        public async Task A_secondary_limit_without_headers_backs_off_exponentially_and_gives_up_after_the_retries()
        {
            _stub.On("GET", "/repos/octocat/Hello-World/pulls/1347",
                StubResponse.Json(403, """{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}"""));

            var e = await Assert.ThrowsAsync<ForgeRateLimitException>(() => Client(maxRetries: 2).PullRequest.GetAsync("octocat", "Hello-World", 1347));

            Assert.Equal([TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2)], _waits.Waits);
            Assert.Equal(3, _stub.Requests.Count);
            Assert.Contains("gave up after 2 retries", e.Message);
            Assert.Contains($"{_stub.BaseUrl}repos/octocat/Hello-World/pulls/1347", e.Message);
        }

        [Fact]
        public async Task A_reset_further_away_than_the_allowed_wait_fails_at_once_naming_the_reset_time()
        {
            var reset = Now.AddHours(1);
            _stub.On("GET", "/repos/octocat/Hello-World/pulls/1347",
                StubResponse.Json(403, """{"message":"API rate limit exceeded"}""", ("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", reset.ToUnixTimeSeconds().ToString())));

            var e = await Assert.ThrowsAsync<ForgeRateLimitException>(() => Client(maxWait: TimeSpan.FromMinutes(5)).PullRequest.GetAsync("octocat", "Hello-World", 1347));

            Assert.Empty(_waits.Waits);
            Assert.Single(_stub.Requests);
            Assert.Equal(reset, e.ResetsAt);
            Assert.Equal(HttpStatusCode.Forbidden, e.StatusCode);
            Assert.Contains("403", e.Message);
        }

        [Fact]
        public async Task The_rate_limit_headers_of_the_last_answer_are_kept()
        {
            _stub.On("GET", "/repos/octocat/Hello-World/pulls/1347", StubResponse.Json(200, Pull,
                ("x-ratelimit-limit", "5000"), ("x-ratelimit-remaining", "4321"), ("x-ratelimit-reset", "1590701888")));
            var client = Client();

            await client.PullRequest.GetAsync("octocat", "Hello-World", 1347);

            Assert.Equal(new RateLimitSnapshot(5000, 4321, DateTimeOffset.FromUnixTimeSeconds(1590701888)), client.Connection.LastRateLimit);
        }
    }

    public class Pages : ForgeConnectionTests
    {
        [Fact]
        public async Task A_list_follows_the_Link_next_header_to_the_last_page()
        {
            var reviews = ForgeFixtures.GitHub("pulls-list-reviews.json", 200);
            var next = $"{_stub.BaseUrl}repos/octocat/Hello-World/pulls/12/reviews?per_page=100&page=2";
            _stub.On("GET", "/repos/octocat/Hello-World/pulls/12/reviews?per_page=100",
                    StubResponse.Json(200, reviews, ("Link", $"<{next}>; rel=\"next\", <{next}>; rel=\"last\"")))
                .On("GET", "/repos/octocat/Hello-World/pulls/12/reviews?per_page=100&page=2", StubResponse.Json(200, reviews));

            var all = await Client().PullRequest.Review.GetAllAsync("octocat", "Hello-World", 12);

            Assert.Equal(2, all.Count);
            Assert.Equal(["/api/v3/repos/octocat/Hello-World/pulls/12/reviews?per_page=100", "/api/v3/repos/octocat/Hello-World/pulls/12/reviews?per_page=100&page=2"],
                _stub.Requests.Select(r => r.Path));
        }
    }

    public class Errors : ForgeConnectionTests
    {
        [Fact]
        public async Task A_403_about_permissions_is_not_retried_and_says_which_scope_is_missing()
        {
            _stub.On("POST", "/repos/octocat/Hello-World/pulls", StubResponse.Json(403,
                """{"message":"Resource not accessible by personal access token","documentation_url":"https://docs.github.com/rest/pulls/pulls#create-a-pull-request","status":"403"}""",
                ("x-accepted-oauth-scopes", "repo"), ("x-oauth-scopes", "read:org"), ("x-ratelimit-remaining", "4990")));

            var e = await Assert.ThrowsAsync<ForgeApiException>(() =>
                Client().PullRequest.CreateAsync("octocat", "Hello-World", new NewPullRequestBody("t", "h", "main")));

            Assert.Single(_stub.Requests);
            Assert.Empty(_waits.Waits);
            Assert.Contains($"POST {_stub.BaseUrl}repos/octocat/Hello-World/pulls answered 403", e.Message);
            Assert.Contains("lacks the scope or permission", e.Message);
            Assert.Contains("needs: repo; the token has: read:org", e.Message);
            Assert.DoesNotContain(Token, e.Message);
            Assert.Equal(ExitCode.InvalidInput, e.Code);
        }

        [Fact]
        public async Task A_401_says_the_token_was_rejected_and_where_it_came_from_but_not_the_token()
        {
            _stub.On("GET", "/repos/octocat/Hello-World/pulls/1347",
                StubResponse.Json(401, """{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}"""));

            var e = await Assert.ThrowsAsync<ForgeApiException>(() => Client().PullRequest.GetAsync("octocat", "Hello-World", 1347));

            Assert.Contains("401", e.Message);
            Assert.Contains("Bad credentials", e.Message);
            Assert.Contains("check GITHUB_TOKEN", e.Message);
            Assert.DoesNotContain(Token, e.Message);
        }

        [Fact]
        public async Task A_404_names_the_url()
        {
            _stub.On("GET", "/repos/octocat/Hello-World/pulls/9", StubResponse.Json(404, """{"message":"Not Found","documentation_url":"https://docs.github.com/rest/pulls/pulls#get-a-pull-request","status":"404"}"""));

            var e = await Assert.ThrowsAsync<ForgeApiException>(() => Client().PullRequest.GetAsync("octocat", "Hello-World", 9));

            Assert.Equal(HttpStatusCode.NotFound, e.StatusCode);
            Assert.Contains($"{_stub.BaseUrl}repos/octocat/Hello-World/pulls/9 answered 404 Not Found: Not Found", e.Message);
        }

        [Fact]
        public async Task Every_request_carries_the_token_the_media_type_the_api_version_and_a_user_agent()
        {
            _stub.On("GET", "/repos/octocat/Hello-World/pulls/1347", StubResponse.Json(200, Pull));

            await Client().PullRequest.GetAsync("octocat", "Hello-World", 1347);

            var headers = _stub.Requests.Single().Headers;
            Assert.Equal($"Bearer {Token}", headers["Authorization"]);
            Assert.Equal("application/vnd.github+json", headers["Accept"]);
            Assert.Equal("2022-11-28", headers["X-GitHub-Api-Version"]);
            Assert.StartsWith("GitOps.Pipelines/", headers["User-Agent"]);
        }
    }
}
