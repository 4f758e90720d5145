using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using GitOps.Pipelines.Sync;

namespace GitOps.Pipelines.Webhooks.Tests.GitLab;

public sealed class GitLabEndpointsTests : IAsyncLifetime
{
    private const string PushSha = "da1560886d4f094c3e6c9ef40349f7d38b5d27d7";   // push.json checkout_sha
    private const string MergeSha = "78a76ee6b4992a6baf64c59fc4c44c7323d60438";  // merge_request.merged.json merge_commit_sha

    private readonly RecordingTrigger _trigger = new();
    private WebhookHost _host = null!;

    private static WebhookServiceOptions Options() => new()
    {
        GitHubSecret = WebhookHost.Secret,
        GitLabToken = WebhookHost.GitLabToken,
        MaxBodyBytes = 64 * 1024,
        DebounceWindow = TimeSpan.Zero,
        DebounceJitter = TimeSpan.Zero,
        Routes =
        [
            // push.json: mike/diaspora on example.com, master; written in scp form without .git
            new WebhookRoute("git@example.com:mike/diaspora", "master", ["dev"]),
            // only when application code changed
            new WebhookRoute("http://example.com/mike/diaspora.git", "master", ["app-only"]) { Paths = ["app/**"] },
            new WebhookRoute("http://example.com/mike/diaspora.git", "master", ["docs-only"]) { Paths = ["docs/**"] },
            // tag_push.json: jsmith/example, tag v1.0.0, tracked by a semver constraint
            new WebhookRoute("https://example.com/jsmith/example", "refs/tags/1.*", ["one-x"]),
            new WebhookRoute("https://example.com/jsmith/example", "2.*", ["two-x"]),
            new WebhookRoute("https://example.com/jsmith/example", "v1.0.0", ["release"]),
            // merge_request.merged.json: gitlab-org/hello-world into master
            new WebhookRoute("https://gitlab.com/gitlab-org/hello-world.git", "master", ["staging", "production"]),
        ],
    };

    public async Task InitializeAsync() => _host = await WebhookHost.StartAsync(Options(), _trigger);
    public async Task DisposeAsync() => await _host.DisposeAsync();

    private Task WaitForSyncs(int count) => WebhookHost.WaitUntilAsync(() => _trigger.Requests.Count >= count, what: $"{count} syncs");

    [Fact]
    public async Task A_push_syncs_the_routes_of_its_branch_whose_paths_changed_at_checkout_sha()
    {
        // When GitLab's documented push (CHANGELOG added, app/controller/application.rb modified) arrives, listing all its commits
        var body = Payloads.Edit(Payloads.GitLab("push.json"), n => n["total_commits_count"] = 2);
        var response = await _host.DeliverGitLabAsync("Push Hook", body);

        // Then it is journaled and answered 202, and dev plus the app/** route sync at checkout_sha; docs/** does not
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var reply = await Replies.JsonAsync(response);
        Assert.Equal(["dev", "app-only"], reply.GetProperty("environments").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(PushSha, reply.GetProperty("revision").GetString());
        await WaitForSyncs(2);
        Assert.Equal(
            new[] { new SyncRequest("dev", PushSha, "http://example.com/mike/diaspora.git"), new SyncRequest("app-only", PushSha, "http://example.com/mike/diaspora.git") }.OrderBy(r => r.Environment),
            _trigger.Requests.OrderBy(r => r.Environment));
        Assert.Contains(_host.Logs.Lines, l => l.Contains("Received push event repo: http://example.com/mike/diaspora, revision: master, touchedHead: true", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_push_listing_fewer_commits_than_it_made_ignores_path_filters()
    {
        // push.json verbatim lists 2 of total_commits_count 4: the changed paths are incomplete, so no route is filtered out
        var response = await _host.DeliverGitLabAsync("Push Hook", Payloads.GitLab("push.json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await WaitForSyncs(3);
        Assert.Equal(["app-only", "dev", "docs-only"], _trigger.Requests.Select(r => r.Environment).Order());
    }

    [Fact]
    public async Task A_complete_push_that_changed_nothing_routed_by_path_syncs_only_unfiltered_routes()
    {
        var body = Payloads.Edit(Payloads.GitLab("push.json"), n =>
        {
            n["total_commits_count"] = 2;
            foreach (var c in n["commits"]!.AsArray())
            {
                c!["added"] = new JsonArray();
                c["modified"] = new JsonArray(JsonValue.Create("README.md"));
            }
        });

        var response = await _host.DeliverGitLabAsync("Push Hook", body);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await WaitForSyncs(1);
        await Task.Delay(200);
        Assert.Equal(["dev"], _trigger.Requests.Select(r => r.Environment));
    }

    [Fact]
    public async Task A_push_delivered_as_a_system_hook_is_read_by_its_object_kind()
    {
        var response = await _host.DeliverGitLabAsync("System Hook", Payloads.GitLab("push.json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await WaitForSyncs(2);
    }

    [Fact]
    public async Task A_tag_push_syncs_the_route_tracking_that_tag()
    {
        var response = await _host.DeliverGitLabAsync("Tag Push Hook", Payloads.GitLab("tag_push.json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await WaitForSyncs(1);
        await Task.Delay(200);
        // v1.0.0 is allowed by the "1.*" constraint (Argo CD's rule) and equals the exact tag; "2.*" does not allow it
        Assert.Equal(["one-x", "release"], _trigger.Requests.Select(r => r.Environment).Order());
        Assert.All(_trigger.Requests, r => Assert.Equal("82b3d5ae55f7080f1e6022629cdb57bfae7cccc7", r.Revision));
    }

    [Fact]
    public async Task A_deleted_branch_is_ignored()
    {
        var body = Payloads.Edit(Payloads.GitLab("push.json"), n =>
        {
            n["after"] = new string('0', 40);
            n["checkout_sha"] = null;
        });

        var response = await _host.DeliverGitLabAsync("Push Hook", body);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Contains("was deleted", (await Replies.JsonAsync(response)).GetProperty("reason").GetString());
        Assert.Empty(_trigger.Requests);
    }

    [Fact]
    public async Task A_merged_merge_request_syncs_the_target_branch_routes_at_the_merge_commit()
    {
        var response = await _host.DeliverGitLabAsync("Merge Request Hook", Payloads.GitLab("merge_request.merged.json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await WaitForSyncs(2);
        Assert.Equal(["production", "staging"], _trigger.Requests.Select(r => r.Environment).Order());
        Assert.All(_trigger.Requests, r => Assert.Equal(MergeSha, r.Revision));
    }

    [Theory]
    [InlineData("merge_request.approval.json", "approval")]
    [InlineData("merge_request.json", "ignored")]
    [InlineData("merge_request.closed.json", "ignored")]
    public async Task Approvals_are_recorded_and_other_merge_request_actions_ignored_without_a_sync(string fixture, string result)
    {
        var response = await _host.DeliverGitLabAsync("Merge Request Hook", Payloads.GitLab(fixture), uuid: "mr-" + result + fixture.Length);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var reason = (await Replies.JsonAsync(response)).GetProperty("reason").GetString();
        Assert.Contains(result == "approval" ? "approval: recorded" : "does not deploy", reason);
        Assert.Empty(_trigger.Requests);
        var metrics = await _host.Client.GetStringAsync("/metrics");
        Assert.Contains($"gitops_webhook_deliveries_total{{source=\"gitlab\",result=\"{result}\"}} 1", metrics);
    }

    [Fact]
    public async Task An_approved_merge_request_is_recorded_without_a_sync()
    {
        var body = Payloads.Edit(Payloads.GitLab("merge_request.approval.json"), n => n["object_attributes"]!["action"] = "approved");

        var response = await _host.DeliverGitLabAsync("Merge Request Hook", body);

        Assert.Contains("!1 approved: recorded", (await Replies.JsonAsync(response)).GetProperty("reason").GetString());
        Assert.Empty(_trigger.Requests);
    }

    [Theory]
    [InlineData("Pipeline Hook", "pipeline.json")]
    [InlineData("Note Hook", "push.json")]
    public async Task Other_events_are_202_and_ignored(string @event, string fixture)
    {
        var response = await _host.DeliverGitLabAsync(@event, Payloads.GitLab(fixture));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal($"event '{@event}' does not deploy", (await Replies.JsonAsync(response)).GetProperty("reason").GetString());
        Assert.Empty(_trigger.Requests);
    }

    [Theory]
    [InlineData(null, "header is missing")]
    [InlineData("", "does not match")]
    [InlineData("gitlab-token-for-test", "does not match")]
    [InlineData("GITLAB-TOKEN-FOR-TESTS", "does not match")]
    public async Task A_missing_or_wrong_token_is_401_and_triggers_nothing(string? token, string detail)
    {
        var response = await _host.DeliverGitLabAsync("Push Hook", Payloads.GitLab("push.json"), token: token);

        Assert.Contains(detail, (await Replies.ProblemAsync(response, 401)).GetProperty("detail").GetString());
        await Task.Delay(100);
        Assert.Empty(_trigger.Requests);
    }

    [Fact]
    public async Task Without_a_configured_token_every_delivery_is_401()
    {
        await using var host = await WebhookHost.StartAsync(Options() with { GitLabToken = null }, new RecordingTrigger());

        var response = await host.DeliverGitLabAsync("Push Hook", Payloads.GitLab("push.json"));

        Assert.Contains("GITOPS_WEBHOOK_GITLAB_TOKEN", (await Replies.ProblemAsync(response, 401)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_replayed_delivery_by_idempotency_key_syncs_once_even_with_a_new_event_uuid()
    {
        var first = await _host.DeliverGitLabAsync("Merge Request Hook", Payloads.GitLab("merge_request.merged.json"), idempotencyKey: "f5e5f430-1");
        var again = await _host.DeliverGitLabAsync("Merge Request Hook", Payloads.GitLab("merge_request.merged.json"), idempotencyKey: "f5e5f430-1");

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Contains("already handled", (await Replies.JsonAsync(again)).GetProperty("reason").GetString());
        await WaitForSyncs(2);
        await Task.Delay(300);
        Assert.Equal(2, _trigger.Requests.Count);
    }

    [Fact]
    public async Task Malformed_json_is_400_and_a_missing_event_header_is_400()
    {
        var malformed = await _host.DeliverGitLabAsync("Push Hook", Encoding.UTF8.GetBytes("{\"object_kind\": \"push\", "));
        var noEvent = await _host.DeliverGitLabAsync("", Payloads.GitLab("push.json"));

        Assert.Equal("Malformed payload", (await Replies.ProblemAsync(malformed, 400)).GetProperty("title").GetString());
        Assert.Contains("X-Gitlab-Event", (await Replies.ProblemAsync(noEvent, 400)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_body_over_the_cap_is_413_and_a_non_json_body_is_415()
    {
        var big = await _host.DeliverGitLabAsync("Push Hook", Encoding.UTF8.GetBytes("{\"p\":\"" + new string('x', 70 * 1024) + "\"}"));
        var text = await _host.DeliverGitLabAsync("Push Hook", Payloads.GitLab("push.json"), contentType: "text/plain");

        await Replies.ProblemAsync(big, 413);
        await Replies.ProblemAsync(text, 415);
        Assert.Empty(_trigger.Requests);
    }

    [Fact]
    public async Task Logs_never_carry_the_token()
    {
        await _host.DeliverGitLabAsync("Push Hook", Payloads.GitLab("push.json"));
        await _host.DeliverGitLabAsync("Push Hook", Payloads.GitLab("push.json"), token: "wrong-token-value");
        await WaitForSyncs(2);

        Assert.Contains(_host.Logs.Lines, l => l.Contains("token mismatch", StringComparison.Ordinal));
        Assert.DoesNotContain(_host.Logs.Lines, l => l.Contains(WebhookHost.GitLabToken, StringComparison.Ordinal) || l.Contains("wrong-token-value", StringComparison.Ordinal));
    }
}
