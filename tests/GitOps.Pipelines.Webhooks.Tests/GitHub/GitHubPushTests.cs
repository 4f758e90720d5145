using System.Net;
using GitOps.Pipelines.Sync;

namespace GitOps.Pipelines.Webhooks.Tests.GitHub;

/// <summary>GitHub <c>push</c> events: Argo CD's receiver cases (github/push.branch-commit.json, push.tag.json) and path filters.</summary>
public sealed class GitHubPushTests : IAsyncLifetime
{
    private const string Sha = "63738bb582c8b540af7bcfc18f87c575c3ed66e0";
    private readonly RecordingTrigger _trigger = new();
    private WebhookHost _host = null!;

    public async Task InitializeAsync() => _host = await WebhookHost.StartAsync(new WebhookServiceOptions
    {
        GitHubSecret = WebhookHost.Secret,
        DebounceWindow = TimeSpan.Zero,
        DebounceJitter = TimeSpan.Zero,
        Routes =
        [
            new WebhookRoute("git@github.com:jessesuen/test-repo.git", "master", ["demo"]) { Paths = ["ksapps/test-app/**"] },
            new WebhookRoute("https://github.com/jessesuen/test-repo", "master", ["elsewhere"]) { Paths = ["other/**"] },
            new WebhookRoute("https://github.com/jessesuen/test-repo", "refs/tags/v1.0", ["release"]),
        ],
    }, _trigger);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_push_to_master_syncs_the_routes_whose_paths_it_changed_at_after()
    {
        var response = await _host.DeliverAsync("push", Payloads.Fixture("push.branch-commit.json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await WebhookHost.WaitUntilAsync(() => !_trigger.Requests.IsEmpty);
        await Task.Delay(200);
        Assert.Equal([new SyncRequest("demo", Sha, "https://github.com/jessesuen/test-repo.git")], _trigger.Requests);
        // Argo CD's receiver logs the same facts for this payload
        Assert.Contains(_host.Logs.Lines, l => l.Contains("push to https://github.com/jessesuen/test-repo.git, revision: master, touchedHead: true", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_tag_push_syncs_the_route_tracking_the_tag_and_does_not_touch_head()
    {
        var response = await _host.DeliverAsync("push", Payloads.Fixture("push.tag.json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await WebhookHost.WaitUntilAsync(() => !_trigger.Requests.IsEmpty);
        Assert.Equal("release", Assert.Single(_trigger.Requests).Environment);
        Assert.Contains(_host.Logs.Lines, l => l.Contains("revision: v1.0, touchedHead: false", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_deleted_tag_is_ignored()
    {
        var response = await _host.DeliverAsync("push", Payloads.Fixture("push.tag-deleted.json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("refs/tags/simple-tag was deleted", (await Replies.JsonAsync(response)).GetProperty("reason").GetString());
        Assert.Empty(_trigger.Requests);
    }

    [Fact]
    public async Task A_push_to_another_branch_matches_no_route()
    {
        var body = Payloads.Edit(Payloads.Fixture("push.branch-commit.json"), n => n["ref"] = "refs/heads/develop");

        var response = await _host.DeliverAsync("push", body);

        Assert.StartsWith("no route for https://github.com/jessesuen/test-repo.git develop", (await Replies.JsonAsync(response)).GetProperty("reason").GetString());
        Assert.Empty(_trigger.Requests);
    }

    [Fact]
    public async Task A_replayed_push_syncs_once()
    {
        var body = Payloads.Fixture("push.branch-commit.json");

        await _host.DeliverAsync("push", body, delivery: "push-replayed");
        var again = await _host.DeliverAsync("push", body, delivery: "push-replayed");

        Assert.Equal("delivery push-replayed was already handled", (await Replies.JsonAsync(again)).GetProperty("reason").GetString());
        await WebhookHost.WaitUntilAsync(() => !_trigger.Requests.IsEmpty);
        await Task.Delay(200);
        Assert.Single(_trigger.Requests);
    }

    [Fact]
    public async Task A_push_without_ref_is_400()
    {
        var body = Payloads.Edit(Payloads.Fixture("push.branch-commit.json"), n => n.AsObject().Remove("ref"));

        var response = await _host.DeliverAsync("push", body);

        Assert.Contains("needs ref", (await Replies.ProblemAsync(response, 400)).GetProperty("detail").GetString());
    }
}
