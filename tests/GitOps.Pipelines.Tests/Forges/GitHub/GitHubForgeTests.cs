using System.Text.Json;
using System.Text.Json.Nodes;
using GitOps.Pipelines.Forges;
using GitOps.Pipelines.Forges.GitHub;
using GitOps.Pipelines.Tests.Forges.Stubs;

namespace GitOps.Pipelines.Tests.Forges.GitHub;

/// <summary>The GitHub forge through the real client against the loopback stub answering GitHub's documented payloads.</summary>
public class GitHubForgeTests : IDisposable
{
    private const string Repo = "/repos/octocat/Hello-World";
    private const string HeadSha = "6dcb09b5b57875f334f61aebed695e2e4193db5e"; // head.sha of the documented pull request
    private readonly ForgeStub _stub = new("/api/v3");
    private readonly HttpClient _http = new();
    private readonly RecordedWaits _waits = new(DateTimeOffset.UnixEpoch);

    public void Dispose()
    {
        _stub.Dispose();
        _http.Dispose();
    }

    private GitHubForge Forge(GitHubForgeOptions? options = null) =>
        new(new GitHubClient(_stub.BaseUrl, "t0ken", _http, retry: _waits.Options()), options ?? new GitHubForgeOptions("octocat", "Hello-World"));

    private static NewPullRequest Request(int approvals = 1) =>
        new("new-topic", "master", "staging: deploy hello:1.2.3", "Image: hello:1.2.3", approvals,
            new Dictionary<string, string> { ["environment"] = "staging" });

    private static JsonElement Json(string body) => JsonDocument.Parse(body).RootElement;

    private static string Created => ForgeFixtures.GitHub("pulls-create.json", 201);
    private static string Listed => ForgeFixtures.GitHub("pulls-list.json", 200);
    private static string Reviews => ForgeFixtures.GitHub("pulls-list-reviews.json", 200);
    private const string Labels = """[{"id":1,"name":"environment:staging","color":"f29513"},{"id":2,"name":"gitops","color":"ededed"}]""";

    /// <summary>The documented pull request with a body carrying the gate's marker (one approval required).</summary>
    private static string PullWithGate(int required, string state = "open", bool merged = false, bool draft = false)
    {
        var node = ForgeFixtures.GitHubNode("pulls-get.json", 200);
        node["body"] = ForgeGate.WithRequiredApprovals("Image: hello:1.2.3", required);
        node["state"] = state;
        node["merged"] = merged;
        node["draft"] = draft;
        return node.ToJsonString();
    }

    private static string Combined(string state, params (string Context, string State)[] statuses) =>
        new JsonObject
        {
            ["state"] = state,
            ["sha"] = HeadSha,
            ["total_count"] = statuses.Length,
            ["statuses"] = new JsonArray([.. statuses.Select(s => (JsonNode)new JsonObject { ["id"] = 1, ["state"] = s.State, ["context"] = s.Context })]),
        }.ToJsonString();

    public class OpenAsync : GitHubForgeTests
    {
        [Fact]
        public async Task Creates_the_pull_request_when_none_is_open_for_the_head_then_labels_it_and_asks_reviewers()
        {
            // Given: no open pull request for the head
            _stub.On("GET", $"{Repo}/pulls", StubResponse.Json(200, "[]"))
                .On("POST", $"{Repo}/pulls", StubResponse.Json(201, Created))
                .On("POST", $"{Repo}/issues/1347/labels", StubResponse.Json(200, Labels))
                .On("POST", $"{Repo}/pulls/1347/requested_reviewers", StubResponse.Json(201, Created))
                .On("GET", $"{Repo}/pulls/1347/reviews", StubResponse.Json(200, "[]"));
            var forge = Forge(new GitHubForgeOptions("octocat", "Hello-World", Labels: ["gitops"], Reviewers: ["hubot"],
                TeamReviewers: ["platform"], Draft: true));

            // When
            var pr = await forge.OpenAsync(Request(approvals: 2));

            // Then: listed by owner:head and base, created once with the gate's marker, labelled, reviewers asked
            var list = Assert.Single(_stub.RequestsTo("GET", $"{Repo}/pulls"));
            Assert.Contains("state=open&head=octocat%3Anew-topic&base=master", list.Path);
            var create = Json(Assert.Single(_stub.RequestsTo("POST", $"{Repo}/pulls")).Body);
            Assert.Equal("staging: deploy hello:1.2.3", create.GetProperty("title").GetString());
            Assert.Equal("new-topic", create.GetProperty("head").GetString());
            Assert.Equal("master", create.GetProperty("base").GetString());
            Assert.True(create.GetProperty("draft").GetBoolean());
            Assert.Contains("<!-- gitops: required-approvals=2 -->", create.GetProperty("body").GetString());
            var labels = Json(Assert.Single(_stub.RequestsTo("POST", $"{Repo}/issues/1347/labels")).Body).GetProperty("labels");
            Assert.Equal(["environment:staging", "gitops"], labels.EnumerateArray().Select(l => l.GetString()));
            var reviewers = Json(Assert.Single(_stub.RequestsTo("POST", $"{Repo}/pulls/1347/requested_reviewers")).Body);
            Assert.Equal("hubot", reviewers.GetProperty("reviewers")[0].GetString());
            Assert.Equal("platform", reviewers.GetProperty("team_reviewers")[0].GetString());
            Assert.Empty(_stub.RequestsTo("PATCH", $"{Repo}/pulls/1347"));
            // …and the result is the documented pull request
            Assert.Equal(1347, pr.Number);
            Assert.Equal("new-topic", pr.Head);
            Assert.Equal("master", pr.Base);
            Assert.Equal(HeadSha, pr.HeadSha);
            Assert.Equal(PullRequestState.Open, pr.State);
            Assert.Equal("https://github.com/octocat/Hello-World/pull/1347", pr.Url);
            Assert.Equal("staging", pr.Labels!["environment"]);
        }

        [Fact]
        public async Task Reuses_the_open_pull_request_of_the_head_and_updates_it_instead_of_creating_a_duplicate()
        {
            _stub.On("GET", $"{Repo}/pulls", StubResponse.Json(200, Listed))
                .On("PATCH", $"{Repo}/pulls/1347", StubResponse.Json(200, PullWithGate(1)))
                .On("POST", $"{Repo}/issues/1347/labels", StubResponse.Json(200, Labels))
                .On("GET", $"{Repo}/pulls/1347/reviews", StubResponse.Json(200, Reviews));

            var pr = await Forge(new GitHubForgeOptions("octocat", "Hello-World", Reviewers: ["hubot"])).OpenAsync(Request());

            Assert.Empty(_stub.RequestsTo("POST", $"{Repo}/pulls"));
            Assert.Empty(_stub.RequestsTo("POST", $"{Repo}/pulls/1347/requested_reviewers"));
            var update = Json(Assert.Single(_stub.RequestsTo("PATCH", $"{Repo}/pulls/1347")).Body);
            Assert.Equal("staging: deploy hello:1.2.3", update.GetProperty("title").GetString());
            Assert.False(update.TryGetProperty("state", out _));
            Assert.Equal(1347, pr.Number);
            Assert.Equal(["octocat"], pr.Approvals);
            Assert.True(pr.IsApproved);
        }

        [Fact]
        public async Task A_422_already_exists_reuses_the_pull_request_another_run_opened_meanwhile()
        {
            // Given: the list is empty, the create races with another run (422), the list then has it
            _stub.On("GET", $"{Repo}/pulls", StubResponse.Json(200, "[]"), StubResponse.Json(200, Listed))
                .On("POST", $"{Repo}/pulls", StubResponse.Json(422,
                    """{"message":"Validation Failed","errors":[{"resource":"PullRequest","code":"custom","message":"A pull request already exists for octocat:new-topic."}],"documentation_url":"https://docs.github.com/rest/pulls/pulls#create-a-pull-request","status":"422"}"""))
                .On("PATCH", $"{Repo}/pulls/1347", StubResponse.Json(200, PullWithGate(1)))
                .On("POST", $"{Repo}/issues/1347/labels", StubResponse.Json(200, Labels))
                .On("GET", $"{Repo}/pulls/1347/reviews", StubResponse.Json(200, "[]"));

            var pr = await Forge().OpenAsync(Request());

            Assert.Single(_stub.RequestsTo("POST", $"{Repo}/pulls"));
            Assert.Equal(2, _stub.RequestsTo("GET", $"{Repo}/pulls").Count);
            Assert.Single(_stub.RequestsTo("PATCH", $"{Repo}/pulls/1347"));
            Assert.Equal(1347, pr.Number);
        }

        [Fact]
        public async Task A_422_for_another_reason_is_an_error_naming_it()
        {
            _stub.On("GET", $"{Repo}/pulls", StubResponse.Json(200, "[]"))
                .On("POST", $"{Repo}/pulls", StubResponse.Json(422,
                    """{"message":"Validation Failed","errors":[{"resource":"PullRequest","field":"base","code":"invalid"}],"documentation_url":"https://docs.github.com/rest/pulls/pulls#create-a-pull-request","status":"422"}"""));

            var e = await Assert.ThrowsAsync<ForgeApiException>(() => Forge().OpenAsync(Request()));

            Assert.Contains("answered 422", e.Message);
            Assert.Contains("Validation Failed", e.Message);
        }
    }

    public class GetAsync : GitHubForgeTests
    {
        [Fact]
        public async Task Reads_approvals_from_reviews_and_the_required_count_from_the_body()
        {
            _stub.On("GET", $"{Repo}/pulls/1347", StubResponse.Json(200, PullWithGate(2)))
                .On("GET", $"{Repo}/pulls/1347/reviews", StubResponse.Json(200, Reviews));

            var pr = await Forge().GetAsync(1347);

            Assert.Equal(["octocat"], pr.Approvals);
            Assert.Equal(2, pr.RequiredApprovals);
            Assert.False(pr.IsApproved);
            Assert.Equal("Image: hello:1.2.3", pr.Body);
        }

        [Fact]
        public async Task A_missing_pull_request_is_a_clear_404()
        {
            _stub.On("GET", $"{Repo}/pulls/9", StubResponse.Json(404, """{"message":"Not Found","documentation_url":"https://docs.github.com/rest/pulls/pulls#get-a-pull-request","status":"404"}"""));

            var e = await Assert.ThrowsAsync<ForgeApiException>(() => Forge().GetAsync(9));

            Assert.Contains("pulls/9 answered 404", e.Message);
        }
    }

    public class ApproveAsync : GitHubForgeTests
    {
        [Fact]
        public async Task Posts_an_APPROVE_review_pinned_to_the_head_commit()
        {
            var approved = ForgeFixtures.GitHub("pulls-list-reviews.json", 200);
            _stub.On("GET", $"{Repo}/pulls/1347", StubResponse.Json(200, PullWithGate(1)))
                .On("POST", $"{Repo}/pulls/1347/reviews", StubResponse.Json(200, JsonNode.Parse(approved)![0]!.ToJsonString()))
                .On("GET", $"{Repo}/pulls/1347/reviews", StubResponse.Json(200, approved));

            var pr = await Forge().ApproveAsync(1347, "alice");

            var review = Json(Assert.Single(_stub.RequestsTo("POST", $"{Repo}/pulls/1347/reviews")).Body);
            Assert.Equal("APPROVE", review.GetProperty("event").GetString());
            Assert.Equal(HeadSha, review.GetProperty("commit_id").GetString());
            Assert.Contains("alice", review.GetProperty("body").GetString());
            Assert.True(pr.IsApproved);
        }
    }

    public class MergeAsync : GitHubForgeTests
    {
        private void Approved(string combined, string? checkRuns = null)
        {
            _stub.On("GET", $"{Repo}/pulls/1347", StubResponse.Json(200, PullWithGate(1)))
                .On("GET", $"{Repo}/pulls/1347/reviews", StubResponse.Json(200, Reviews))
                .On("GET", $"{Repo}/commits/{HeadSha}/status", StubResponse.Json(200, combined))
                .On("GET", $"{Repo}/commits/{HeadSha}/check-runs", StubResponse.Json(200, checkRuns ?? CheckRuns()));
        }

        /// <summary>A check-runs answer in GitHub's documented shape (total_count, check_runs[name, status, conclusion]).</summary>
        private static string CheckRuns(params (string Name, string Status, string? Conclusion)[] runs) =>
            new JsonObject
            {
                ["total_count"] = runs.Length,
                ["check_runs"] = new JsonArray([.. runs.Select((r, i) => (JsonNode)new JsonObject
                {
                    ["id"] = i + 1, ["name"] = r.Name, ["status"] = r.Status, ["conclusion"] = r.Conclusion, ["head_sha"] = HeadSha,
                })]),
            }.ToJsonString();

        [Fact]
        public async Task A_check_run_still_in_progress_holds_the_gate()
        {
            Approved(Combined("success", ("ci/build", "success")), CheckRuns(("build", "completed", "success"), ("e2e", "in_progress", null)));

            var e = await Assert.ThrowsAsync<GitOpsException>(() => Forge().MergeAsync(1347));

            Assert.Equal(ExitCode.GateWaiting, e.Code);
            Assert.Contains("e2e (pending)", e.Message);
            Assert.Single(_stub.RequestsTo("GET", $"{Repo}/commits/{HeadSha}/check-runs"));
            Assert.Empty(_stub.RequestsTo("PUT", $"{Repo}/pulls/1347/merge"));
        }

        [Fact]
        public async Task A_failed_check_run_fails_the_merge_even_when_statuses_are_green()
        {
            Approved(Combined("success", ("ci/build", "success")), CheckRuns(("lint", "completed", "skipped"), ("test", "completed", "timed_out")));

            var e = await Assert.ThrowsAsync<GitOpsException>(() => Forge().MergeAsync(1347));

            Assert.Equal(ExitCode.Failure, e.Code);
            Assert.Contains("test (failure)", e.Message);
            Assert.DoesNotContain("lint", e.Message);
        }

        [Fact]
        public async Task A_required_check_can_be_a_check_run_and_other_failures_do_not_block_it()
        {
            Approved(Combined("failure", ("optional/coverage", "failure")), CheckRuns(("build", "completed", "success")));
            _stub.On("PUT", $"{Repo}/pulls/1347/merge", StubResponse.Json(200, ForgeFixtures.GitHub("pulls-merge.json", 200)));

            var pr = await Forge(new GitHubForgeOptions("octocat", "Hello-World", RequiredChecks: ["build"])).MergeAsync(1347);

            Assert.Equal(PullRequestState.Merged, pr.State);
        }

        [Fact]
        public async Task Merges_with_the_configured_method_pinned_to_the_head_sha_when_approved_and_green()
        {
            Approved(Combined("success", ("ci/build", "success")));
            _stub.On("PUT", $"{Repo}/pulls/1347/merge", StubResponse.Json(200, ForgeFixtures.GitHub("pulls-merge.json", 200)));

            var pr = await Forge(new GitHubForgeOptions("octocat", "Hello-World", MergeMethod: "squash")).MergeAsync(1347);

            var merge = Json(Assert.Single(_stub.RequestsTo("PUT", $"{Repo}/pulls/1347/merge")).Body);
            Assert.Equal("squash", merge.GetProperty("merge_method").GetString());
            Assert.Equal(HeadSha, merge.GetProperty("sha").GetString());
            Assert.Equal(PullRequestState.Merged, pr.State);
            Assert.Equal("6dcb09b5b57875f334f61aebed695e2e4193db5e", pr.MergeCommitSha);
        }

        [Fact]
        public async Task A_commit_without_any_status_counts_as_green_when_no_check_is_required()
        {
            Approved(Combined("pending"));
            _stub.On("PUT", $"{Repo}/pulls/1347/merge", StubResponse.Json(200, ForgeFixtures.GitHub("pulls-merge.json", 200)));

            var pr = await Forge().MergeAsync(1347);

            Assert.Equal(PullRequestState.Merged, pr.State);
        }

        [Fact]
        public async Task Waits_without_merging_while_approvals_are_missing()
        {
            _stub.On("GET", $"{Repo}/pulls/1347", StubResponse.Json(200, PullWithGate(2)))
                .On("GET", $"{Repo}/pulls/1347/reviews", StubResponse.Json(200, Reviews));

            var e = await Assert.ThrowsAsync<GitOpsException>(() => Forge().MergeAsync(1347));

            Assert.Equal(ExitCode.GateWaiting, e.Code);
            Assert.Contains("needs 2 approval(s) and has 1", e.Message);
            Assert.Empty(_stub.RequestsTo("PUT", $"{Repo}/pulls/1347/merge"));
        }

        [Fact]
        public async Task Auto_merge_is_not_requested_before_the_gates_approvals_are_in()
        {
            _stub.On("GET", $"{Repo}/pulls/1347", StubResponse.Json(200, PullWithGate(2)))
                .On("GET", $"{Repo}/pulls/1347/reviews", StubResponse.Json(200, Reviews));

            var e = await Assert.ThrowsAsync<GitOpsException>(() =>
                Forge(new GitHubForgeOptions("octocat", "Hello-World", AutoMerge: true)).MergeAsync(1347));

            Assert.Equal(ExitCode.GateWaiting, e.Code);
            Assert.DoesNotContain(_stub.Requests, r => r.Path == "/api/graphql");
        }

        [Fact]
        public async Task With_auto_merge_it_requests_GitHub_auto_merge_over_GraphQL_instead_of_merging_early()
        {
            Approved(Combined("pending", ("ci/build", "pending")));
            _stub.OnAbsolute("POST", "/api/graphql", StubResponse.Json(200,
                """{"data":{"enablePullRequestAutoMerge":{"pullRequest":{"number":1347,"autoMergeRequest":{"enabledAt":"2026-11-22T04:00:00Z","mergeMethod":"REBASE"}}}}}"""));

            var e = await Assert.ThrowsAsync<GitOpsException>(() =>
                Forge(new GitHubForgeOptions("octocat", "Hello-World", MergeMethod: "rebase", AutoMerge: true)).MergeAsync(1347));

            Assert.Equal(ExitCode.GateWaiting, e.Code);
            Assert.Contains("ci/build (pending)", e.Message);
            Assert.Contains("auto-merge (rebase) requested", e.Message);
            Assert.Empty(_stub.RequestsTo("PUT", $"{Repo}/pulls/1347/merge"));
            var graphql = Json(Assert.Single(_stub.Requests, r => r.Path == "/api/graphql").Body);
            Assert.Contains("enablePullRequestAutoMerge", graphql.GetProperty("query").GetString());
            Assert.Equal("MDExOlB1bGxSZXF1ZXN0MQ==", graphql.GetProperty("variables").GetProperty("pullRequestId").GetString());
            Assert.Equal("REBASE", graphql.GetProperty("variables").GetProperty("mergeMethod").GetString());
        }

        [Fact]
        public async Task A_GraphQL_error_when_requesting_auto_merge_is_reported()
        {
            Approved(Combined("pending", ("ci/build", "pending")));
            _stub.OnAbsolute("POST", "/api/graphql", StubResponse.Json(200,
                """{"data":{"enablePullRequestAutoMerge":null},"errors":[{"type":"UNPROCESSABLE","message":"Pull request Auto merge is not allowed for this repository"}]}"""));

            var e = await Assert.ThrowsAsync<ForgeApiException>(() =>
                Forge(new GitHubForgeOptions("octocat", "Hello-World", AutoMerge: true)).MergeAsync(1347));

            Assert.Contains("Auto merge is not allowed for this repository", e.Message);
        }

        [Fact]
        public async Task A_failed_required_check_fails_the_merge_naming_the_check()
        {
            Approved(Combined("failure", ("ci/build", "success"), ("security/scan", "failure")));

            var e = await Assert.ThrowsAsync<GitOpsException>(() =>
                Forge(new GitHubForgeOptions("octocat", "Hello-World", RequiredChecks: ["security/scan"])).MergeAsync(1347));

            Assert.Equal(ExitCode.Failure, e.Code);
            Assert.Contains("security/scan (failure)", e.Message);
            Assert.Empty(_stub.RequestsTo("PUT", $"{Repo}/pulls/1347/merge"));
        }

        [Fact]
        public async Task A_required_check_not_reported_yet_holds_the_gate()
        {
            Approved(Combined("success", ("ci/build", "success")));

            var e = await Assert.ThrowsAsync<GitOpsException>(() =>
                Forge(new GitHubForgeOptions("octocat", "Hello-World", RequiredChecks: ["ci/build", "e2e"])).MergeAsync(1347));

            Assert.Equal(ExitCode.GateWaiting, e.Code);
            Assert.Contains("e2e (not reported)", e.Message);
        }

        [Fact]
        public async Task A_405_not_mergeable_is_reported_with_GitHubs_message()
        {
            Approved(Combined("success", ("ci/build", "success")));
            _stub.On("PUT", $"{Repo}/pulls/1347/merge", StubResponse.Json(405, ForgeFixtures.GitHub("pulls-merge.json", 405)));

            var e = await Assert.ThrowsAsync<GitOpsException>(() => Forge().MergeAsync(1347));

            Assert.Contains("Pull Request is not mergeable (405)", e.Message);
            Assert.IsType<ForgeApiException>(e.InnerException);
        }

        [Fact]
        public async Task A_409_head_modified_is_reported_and_not_retried()
        {
            Approved(Combined("success", ("ci/build", "success")));
            _stub.On("PUT", $"{Repo}/pulls/1347/merge", StubResponse.Json(409, ForgeFixtures.GitHub("pulls-merge.json", 409)));

            var e = await Assert.ThrowsAsync<GitOpsException>(() => Forge().MergeAsync(1347));

            Assert.Contains("Head branch was modified. Review and try the merge again. (409)", e.Message);
            Assert.Single(_stub.RequestsTo("PUT", $"{Repo}/pulls/1347/merge"));
        }

        [Fact]
        public async Task An_already_merged_pull_request_is_returned_as_merged_without_merging_again()
        {
            _stub.On("GET", $"{Repo}/pulls/1347", StubResponse.Json(200, PullWithGate(1, state: "closed", merged: true)))
                .On("GET", $"{Repo}/pulls/1347/reviews", StubResponse.Json(200, Reviews));

            var pr = await Forge().MergeAsync(1347);

            Assert.Equal(PullRequestState.Merged, pr.State);
            Assert.Equal("e5bd3914e2e596debea16f433f57875b5b90bcd6", pr.MergeCommitSha);
            Assert.Empty(_stub.RequestsTo("PUT", $"{Repo}/pulls/1347/merge"));
        }

        [Fact]
        public async Task A_draft_is_never_merged()
        {
            _stub.On("GET", $"{Repo}/pulls/1347", StubResponse.Json(200, PullWithGate(0, draft: true)))
                .On("GET", $"{Repo}/pulls/1347/reviews", StubResponse.Json(200, "[]"));

            var e = await Assert.ThrowsAsync<GitOpsException>(() => Forge().MergeAsync(1347));

            Assert.Equal(ExitCode.GateWaiting, e.Code);
            Assert.Contains("draft", e.Message);
        }
    }

    public class CloseAsync : GitHubForgeTests
    {
        [Fact]
        public async Task Patches_the_state_to_closed()
        {
            _stub.On("GET", $"{Repo}/pulls/1347", StubResponse.Json(200, PullWithGate(1)))
                .On("PATCH", $"{Repo}/pulls/1347", StubResponse.Json(200, PullWithGate(1, state: "closed")))
                .On("GET", $"{Repo}/pulls/1347/reviews", StubResponse.Json(200, "[]"));

            var pr = await Forge().CloseAsync(1347);

            Assert.Equal("closed", Json(Assert.Single(_stub.RequestsTo("PATCH", $"{Repo}/pulls/1347")).Body).GetProperty("state").GetString());
            Assert.Equal(PullRequestState.Closed, pr.State);
        }
    }

    public class ListAsync : GitHubForgeTests
    {
        [Fact]
        public async Task Lists_open_pull_requests_with_their_gate()
        {
            _stub.On("GET", $"{Repo}/pulls", StubResponse.Json(200, Listed));

            var prs = await Forge().ListAsync(PullRequestState.Open);

            Assert.Contains("state=open", Assert.Single(_stub.Requests).Path);
            Assert.Equal(1347, Assert.Single(prs).Number);
        }
    }

    public class Approvers
    {
        [Fact]
        public void A_later_change_request_withdraws_an_approval_and_comments_do_not()
        {
            ReviewResponse R(string who, string state) => new(1, new UserResponse(who), state);

            var approvers = GitHubForge.Approvers([R("a", "APPROVED"), R("b", "APPROVED"), R("a", "COMMENTED"), R("b", "CHANGES_REQUESTED"), R("c", "COMMENTED")]);

            Assert.Equal(["a"], approvers);
        }
    }
}
