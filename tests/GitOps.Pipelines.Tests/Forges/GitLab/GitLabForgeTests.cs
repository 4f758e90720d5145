using System.Text.Json;
using System.Text.Json.Nodes;
using GitOps.Pipelines.Forges;
using GitOps.Pipelines.Forges.GitLab;
using GitOps.Pipelines.Tests.Forges.Stubs;

namespace GitOps.Pipelines.Tests.Forges.GitLab;

/// <summary>The GitLab forge through the real client against the loopback stub answering GitLab's documented payloads.</summary>
public class GitLabForgeTests : IDisposable
{
    private const string Project = "/projects/my-group%2Fmy-project";
    private const string Sha = "8e0b45049b6253b8984cde9241830d2851168142"; // sha of the documented merge request
    private readonly ForgeStub _stub = new("/api/v4");
    private readonly HttpClient _http = new();

    public void Dispose()
    {
        _stub.Dispose();
        _http.Dispose();
    }

    private GitLabForge Forge(GitLabForgeOptions? options = null) =>
        new(new GitLabClient(_stub.BaseUrl, "glpat-secret", GitLabTokenKind.Private, _http), options ?? new GitLabForgeOptions("my-group/my-project"));

    private static NewPullRequest Request(string head = "delete-designs-v2", int approvals = 1) =>
        new(head, "master", "staging: deploy hello:1.2.3", "Image: hello:1.2.3", approvals,
            new Dictionary<string, string> { ["environment"] = "staging" });

    private static JsonElement Json(string body) => JsonDocument.Parse(body).RootElement;

    private static string Approvals => ForgeFixtures.GitLab("merge-request-approvals.json", "operations", "approve", "responses", "2xx", "example");

    /// <summary>The documented merge request (!14656) with the gate's marker and, where a test says so, another detailed_merge_status.</summary>
    private static string Mr(int required = 2, string? detailed = null, string? state = null, bool? autoMerge = null)
    {
        var node = ForgeFixtures.GitLabNode("merge-request-get.json", "responses", "200", "example");
        node["description"] = ForgeGate.WithRequiredApprovals("Image: hello:1.2.3", required);
        if (detailed is not null) node["detailed_merge_status"] = detailed;
        if (state is not null) node["state"] = state;
        if (autoMerge is not null) node["merge_when_pipeline_succeeds"] = autoMerge;
        return node.ToJsonString();
    }

    private void Given(string mr) =>
        _stub.On("GET", $"{Project}/merge_requests/14656", StubResponse.Json(200, mr))
            .On("GET", $"{Project}/merge_requests/14656/approvals", StubResponse.Json(200, Approvals));

    public class OpenAsync : GitLabForgeTests
    {
        [Fact]
        public async Task Creates_the_merge_request_with_labels_assignees_and_reviewers_when_none_is_open()
        {
            _stub.On("GET", $"{Project}/merge_requests", StubResponse.Json(200, "[]"))
                .On("GET", "/users", StubResponse.Json(200, """[{"id":12,"username":"axel.block","name":"Miss Monserrate Beier","state":"active"}]"""))
                .On("POST", $"{Project}/merge_requests", StubResponse.Json(201, Mr()))
                .On("GET", $"{Project}/merge_requests/14656/approvals", StubResponse.Json(200, Approvals));
            var forge = Forge(new GitLabForgeOptions("my-group/my-project", Labels: ["gitops"], Assignees: ["axel.block"], Reviewers: ["axel.block", "7"]));

            var pr = await forge.OpenAsync(Request(approvals: 2));

            var list = Assert.Single(_stub.RequestsTo("GET", $"{Project}/merge_requests"));
            Assert.Contains("state=opened&source_branch=delete-designs-v2&target_branch=master", list.Path);
            var create = Assert.Single(_stub.RequestsTo("POST", $"{Project}/merge_requests"));
            Assert.Equal("glpat-secret", create.Headers["PRIVATE-TOKEN"]);
            var body = Json(create.Body);
            Assert.Equal("delete-designs-v2", body.GetProperty("source_branch").GetString());
            Assert.Equal("master", body.GetProperty("target_branch").GetString());
            Assert.Equal("environment:staging,gitops", body.GetProperty("labels").GetString());
            Assert.Equal([12L], body.GetProperty("assignee_ids").EnumerateArray().Select(i => i.GetInt64()));
            Assert.Equal([12L, 7L], body.GetProperty("reviewer_ids").EnumerateArray().Select(i => i.GetInt64()));
            Assert.True(body.GetProperty("remove_source_branch").GetBoolean());
            Assert.Contains("<!-- gitops: required-approvals=2 -->", body.GetProperty("description").GetString());
            Assert.Single(_stub.RequestsTo("GET", "/users")); // the user is looked up once, the numeric id is used as is
            Assert.Equal(14656, pr.Number);
            Assert.Equal(Sha, pr.HeadSha);
            Assert.Equal(["root", "ryley"], pr.Approvals);
            Assert.Equal(2, pr.RequiredApprovals);
            Assert.Equal("reviewed", pr.Labels!["database"]); // GitLab's scoped label database::reviewed
        }

        [Fact]
        public async Task Reuses_the_open_merge_request_of_the_source_branch_and_updates_it()
        {
            _stub.On("GET", $"{Project}/merge_requests", StubResponse.Json(200, ForgeFixtures.GitLab("merge-requests-list.json", "responses", "200", "example")))
                .On("PUT", $"{Project}/merge_requests/15442", StubResponse.Json(200, Mr()))
                .On("GET", $"{Project}/merge_requests/14656/approvals", StubResponse.Json(200, Approvals));

            await Forge().OpenAsync(Request(head: "use-structured-logging-for-db-load-balancer"));

            Assert.Empty(_stub.RequestsTo("POST", $"{Project}/merge_requests"));
            var update = Json(Assert.Single(_stub.RequestsTo("PUT", $"{Project}/merge_requests/15442")).Body);
            Assert.Equal("staging: deploy hello:1.2.3", update.GetProperty("title").GetString());
            Assert.Equal("environment:staging", update.GetProperty("add_labels").GetString());
        }

        [Fact]
        public async Task A_409_another_open_merge_request_exists_reuses_it()
        {
            var listed = ForgeFixtures.GitLabNode("merge-requests-list.json", "responses", "200", "example");
            listed[0]!["source_branch"] = "delete-designs-v2"; // the one another run opened meanwhile
            _stub.On("GET", $"{Project}/merge_requests", StubResponse.Json(200, "[]"), StubResponse.Json(200, listed.ToJsonString()))
                .On("POST", $"{Project}/merge_requests", StubResponse.Json(409, ForgeFixtures.GitLab("merge-request-create.json", "responses", "409", "example")))
                .On("PUT", $"{Project}/merge_requests/15442", StubResponse.Json(200, Mr()))
                .On("GET", $"{Project}/merge_requests/14656/approvals", StubResponse.Json(200, Approvals));

            var pr = await Forge().OpenAsync(Request());

            Assert.Single(_stub.RequestsTo("POST", $"{Project}/merge_requests"));
            Assert.Single(_stub.RequestsTo("PUT", $"{Project}/merge_requests/15442"));
            Assert.Equal(14656, pr.Number);
        }
    }

    public class MergeAsync : GitLabForgeTests
    {
        [Fact]
        public async Task Merges_pinned_to_the_checked_sha_when_approved_and_mergeable()
        {
            Given(Mr(required: 2, detailed: "mergeable"));
            _stub.On("PUT", $"{Project}/merge_requests/14656/merge",
                StubResponse.Json(200, ForgeFixtures.GitLab("merge-request-accept.json", "responses", "200", "example")));

            var pr = await Forge(new GitLabForgeOptions("my-group/my-project", MergeMethod: "squash")).MergeAsync(14656);

            var merge = Json(Assert.Single(_stub.RequestsTo("PUT", $"{Project}/merge_requests/14656/merge")).Body);
            Assert.Equal(Sha, merge.GetProperty("sha").GetString());
            Assert.True(merge.GetProperty("squash").GetBoolean());
            Assert.False(merge.TryGetProperty("auto_merge", out _));
            Assert.Equal(PullRequestState.Merged, pr.State);
            Assert.Equal("8888888888888888888888888888888888888888", pr.MergeCommitSha);
        }

        [Theory]
        [InlineData("checking")]
        [InlineData("unchecked")]
        [InlineData("not_approved")]
        [InlineData("discussions_not_resolved")]
        public async Task Does_not_merge_early_while_GitLab_says(string detailed)
        {
            Given(Mr(required: 1, detailed: detailed));

            var e = await Assert.ThrowsAsync<GitOpsException>(() => Forge(new GitLabForgeOptions("my-group/my-project", AutoMerge: true)).MergeAsync(14656));

            Assert.Equal(ExitCode.GateWaiting, e.Code);
            Assert.Contains(detailed, e.Message);
            Assert.Empty(_stub.RequestsTo("PUT", $"{Project}/merge_requests/14656/merge"));
        }

        [Fact]
        public async Task A_running_pipeline_holds_the_gate_without_auto_merge()
        {
            Given(Mr(required: 1, detailed: "ci_still_running"));

            var e = await Assert.ThrowsAsync<GitOpsException>(() => Forge().MergeAsync(14656));

            Assert.Equal(ExitCode.GateWaiting, e.Code);
            Assert.Contains("waits for its pipeline (ci_still_running)", e.Message);
            Assert.Empty(_stub.RequestsTo("PUT", $"{Project}/merge_requests/14656/merge"));
        }

        [Fact]
        public async Task With_auto_merge_a_running_pipeline_is_handed_to_merge_when_pipeline_succeeds()
        {
            Given(Mr(required: 1, detailed: "ci_still_running"));
            _stub.On("PUT", $"{Project}/merge_requests/14656/merge", StubResponse.Json(200, Mr(required: 1, detailed: "ci_still_running", autoMerge: true)));

            var e = await Assert.ThrowsAsync<GitOpsException>(() => Forge(new GitLabForgeOptions("my-group/my-project", AutoMerge: true)).MergeAsync(14656));

            var merge = Json(Assert.Single(_stub.RequestsTo("PUT", $"{Project}/merge_requests/14656/merge")).Body);
            Assert.True(merge.GetProperty("auto_merge").GetBoolean());
            Assert.True(merge.GetProperty("merge_when_pipeline_succeeds").GetBoolean());
            Assert.Equal(Sha, merge.GetProperty("sha").GetString());
            Assert.Equal(ExitCode.GateWaiting, e.Code);
            Assert.Contains("auto-merge set", e.Message);
        }

        [Fact]
        public async Task Missing_gate_approvals_hold_it_even_when_GitLab_says_mergeable()
        {
            Given(Mr(required: 3, detailed: "mergeable"));

            var e = await Assert.ThrowsAsync<GitOpsException>(() => Forge(new GitLabForgeOptions("my-group/my-project", AutoMerge: true)).MergeAsync(14656));

            Assert.Equal(ExitCode.GateWaiting, e.Code);
            Assert.Contains("needs 3 approval(s) and has 2", e.Message);
            Assert.Empty(_stub.RequestsTo("PUT", $"{Project}/merge_requests/14656/merge"));
        }

        [Fact]
        public async Task A_conflict_fails_without_merging()
        {
            Given(Mr(required: 0, detailed: "conflict"));

            var e = await Assert.ThrowsAsync<GitOpsException>(() => Forge().MergeAsync(14656));

            Assert.Equal(ExitCode.Failure, e.Code);
            Assert.Contains("cannot be merged: conflict", e.Message);
        }

        [Theory]
        [InlineData(405, "Method Not Allowed", "draft, closed, or its pipeline has not succeeded")]
        [InlineData(406, "Branch cannot be merged", "has conflicts")]
        [InlineData(409, "SHA does not match HEAD of source branch", "source branch moved past 8e0b45049b62")]
        public async Task Merge_refusals_are_reported_with_GitLabs_message(int status, string message, string why)
        {
            Given(Mr(required: 0, detailed: "mergeable"));
            var documented = ForgeFixtures.GitLabNode("merge-request-accept.json", "responses", status.ToString(), "message")!.GetValue<string>();
            _stub.On("PUT", $"{Project}/merge_requests/14656/merge", StubResponse.Json(status, new JsonObject { ["message"] = documented }.ToJsonString()));

            var e = await Assert.ThrowsAsync<GitOpsException>(() => Forge().MergeAsync(14656));

            Assert.Contains($"{message} ({status})", e.Message);
            Assert.Contains(why, e.Message);
        }

        [Fact]
        public async Task A_401_on_merge_says_the_token_was_refused_without_showing_it()
        {
            Given(Mr(required: 0, detailed: "mergeable"));
            _stub.On("PUT", $"{Project}/merge_requests/14656/merge", StubResponse.Json(401, """{"message":"401 Unauthorized"}"""));

            var e = await Assert.ThrowsAsync<ForgeApiException>(() => Forge().MergeAsync(14656));

            Assert.Contains("answered 401", e.Message);
            Assert.Contains("GITLAB_TOKEN", e.Message);
            Assert.DoesNotContain("glpat-secret", e.Message);
        }

        [Fact]
        public async Task An_already_merged_merge_request_is_returned_without_merging_again()
        {
            Given(ForgeFixtures.GitLab("merge-request-accept.json", "responses", "200", "example").Replace("\"iid\":1,", "\"iid\":14656,"));

            var pr = await Forge().MergeAsync(14656);

            Assert.Equal(PullRequestState.Merged, pr.State);
            Assert.Empty(_stub.RequestsTo("PUT", $"{Project}/merge_requests/14656/merge"));
        }
    }

    public class ApproveAsync : GitLabForgeTests
    {
        [Fact]
        public async Task Approves_pinned_to_the_current_head()
        {
            Given(Mr());
            _stub.On("POST", $"{Project}/merge_requests/14656/approve", StubResponse.Json(201, Approvals));

            var pr = await Forge().ApproveAsync(14656, "alice");

            Assert.Equal(Sha, Json(Assert.Single(_stub.RequestsTo("POST", $"{Project}/merge_requests/14656/approve")).Body).GetProperty("sha").GetString());
            Assert.True(pr.IsApproved);
        }
    }

    public class CloseAsync : GitLabForgeTests
    {
        [Fact]
        public async Task Sends_the_close_state_event()
        {
            Given(Mr());
            _stub.On("PUT", $"{Project}/merge_requests/14656", StubResponse.Json(200, Mr(state: "closed")));

            var pr = await Forge().CloseAsync(14656);

            Assert.Equal("close", Json(Assert.Single(_stub.RequestsTo("PUT", $"{Project}/merge_requests/14656")).Body).GetProperty("state_event").GetString());
            Assert.Equal(PullRequestState.Closed, pr.State);
        }
    }

    public class ListAsync : GitLabForgeTests
    {
        [Fact]
        public async Task Lists_merged_ones_by_GitLabs_state_name()
        {
            var listed = ForgeFixtures.GitLabNode("merge-requests-list.json", "responses", "200", "example");
            foreach (var m in listed.AsArray()) m!["state"] = "merged";
            _stub.On("GET", $"{Project}/merge_requests", StubResponse.Json(200, listed.ToJsonString()));

            var prs = await Forge().ListAsync(PullRequestState.Merged);

            Assert.Contains("state=merged", Assert.Single(_stub.Requests).Path);
            Assert.Equal(3, prs.Count);
            Assert.True(prs[0].Number > prs[1].Number);
        }
    }
}
