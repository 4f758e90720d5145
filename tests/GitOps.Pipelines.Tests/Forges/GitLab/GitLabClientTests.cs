using System.Text.Json;
using GitOps.Pipelines.Forges.GitLab;
using GitOps.Pipelines.Tests.Forges.Stubs;

namespace GitOps.Pipelines.Tests.Forges.GitLab;

/// <summary>The GitLab clients beyond the merge request lifecycle: statuses, notes, approval rules, job tokens, rate limits.</summary>
public class GitLabClientTests : IDisposable
{
    private const string Project = "/projects/my-group%2Fmy-project";
    private readonly ForgeStub _stub = new("/gitlab/api/v4"); // a self-managed instance under a relative URL
    private readonly HttpClient _http = new();

    public void Dispose()
    {
        _stub.Dispose();
        _http.Dispose();
    }

    private static JsonElement Json(string body) => JsonDocument.Parse(body).RootElement;

    [Fact]
    public async Task A_commit_status_is_posted_with_the_state_name_and_ref()
    {
        _stub.On("POST", $"{Project}/statuses/18f3e63d05582537db6d183d9d557be09e1f90c8",
            StubResponse.Json(201, ForgeFixtures.GitLab("commit-status-create.json", "responses", "201", "example")));
        var client = new GitLabClient(_stub.BaseUrl, "glpat-x", GitLabTokenKind.Private, _http);

        var status = await client.CommitStatus.CreateAsync("my-group/my-project", "18f3e63d05582537db6d183d9d557be09e1f90c8",
            new NewCommitStatusBody("success", "gitops/staging", "main", "https://ci.example.com/1", "synced"));

        var body = Json(_stub.Requests.Single().Body);
        Assert.Equal("success", body.GetProperty("state").GetString());
        Assert.Equal("gitops/staging", body.GetProperty("name").GetString());
        Assert.Equal("main", body.GetProperty("ref").GetString());
        Assert.Equal("success", status.Status);
        Assert.Equal(93, status.Id);
    }

    [Fact]
    public async Task A_CI_job_token_goes_in_the_JOB_TOKEN_header_and_notes_are_posted()
    {
        _stub.On("POST", $"{Project}/merge_requests/1/notes", StubResponse.Json(201, """{"id":302,"body":"deployed"}"""));
        var client = new GitLabClient(_stub.BaseUrl, "job-tok", GitLabTokenKind.Job, _http, "CI_JOB_TOKEN");

        var note = await client.MergeRequest.Notes.CreateAsync("my-group/my-project", 1, "deployed");

        var request = _stub.Requests.Single();
        Assert.Equal("job-tok", request.Headers["JOB-TOKEN"]);
        Assert.False(request.Headers.ContainsKey("PRIVATE-TOKEN"));
        Assert.Equal("deployed", Json(request.Body).GetProperty("body").GetString());
        Assert.Equal(302, note.Id);
    }

    [Fact]
    public async Task The_approval_rules_are_read()
    {
        _stub.On("GET", $"{Project}/merge_requests/5/approval_state",
            StubResponse.Json(200, ForgeFixtures.GitLab("merge-request-approvals.json", "operations", "approval_state", "responses", "200", "example")));
        var client = new GitLabClient(_stub.BaseUrl, "glpat-x", GitLabTokenKind.Private, _http);

        var state = await client.MergeRequest.Approvals.GetStateAsync("my-group/my-project", 5);

        var rule = Assert.Single(state.Rules);
        Assert.Equal("security", rule.Name);
        Assert.Equal(3, rule.ApprovalsRequired);
        Assert.False(rule.Approved);
        Assert.Equal("jdoe", Assert.Single(rule.ApprovedBy!).Username);
    }

    [Fact]
    public async Task A_429_with_Retry_After_is_waited_out_and_retried()
    {
        var waits = new RecordedWaits(DateTimeOffset.UnixEpoch);
        _stub.On("GET", $"{Project}/merge_requests/14656",
            StubResponse.Json(429, """{"message":"Retry later"}""", ("Retry-After", "7"), ("RateLimit-Remaining", "0"), ("RateLimit-Reset", "60")),
            StubResponse.Json(200, ForgeFixtures.GitLab("merge-request-get.json", "responses", "200", "example")));
        var client = new GitLabClient(_stub.BaseUrl, "glpat-x", GitLabTokenKind.Private, _http, retry: waits.Options());

        var mr = await client.MergeRequest.GetAsync("my-group/my-project", 14656);

        Assert.Equal(14656, mr.Iid);
        Assert.Equal("mergeable", mr.DetailedMergeStatus);
        Assert.Equal([TimeSpan.FromSeconds(7)], waits.Waits);
    }
}
