using System.Net;
using System.Text;
using GitOps.Pipelines.Webhooks.GitHub;

namespace GitOps.Pipelines.Webhooks.Tests.GitHub;

public sealed class GitHubEndpointsTests : IAsyncLifetime
{
    private const string MergeSha = "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c";
    private const string FixtureRepo = "https://github.com/Codertocat/Hello-World.git";

    private readonly RecordingTrigger _trigger = new();
    private WebhookHost _host = null!;

    private static WebhookServiceOptions Options(long maxBody = WebhookServiceOptions.DefaultMaxBodyBytes) => new()
    {
        GitHubSecret = WebhookHost.Secret,
        MaxBodyBytes = maxBody,
        Routes =
        [
            // written differently from the payload on purpose: ssh form, no .git, host in capitals
            new WebhookRoute("git@GitHub.com:Codertocat/Hello-World", "master", ["staging", "production"]),
            new WebhookRoute("https://github.com/someone/else.git", "master", ["other"]),
        ],
    };

    public async Task InitializeAsync() => _host = await WebhookHost.StartAsync(Options(maxBody: 64 * 1024), _trigger);
    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Healthz_answers_ok()
    {
        var response = await _host.Client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_signed_ping_answers_pong()
    {
        var response = await _host.DeliverAsync("ping", Payloads.Fixture("ping.json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("pong", (await Replies.JsonAsync(response)).GetProperty("msg").GetString());
        Assert.Empty(_trigger.Requests);
    }

    [Fact]
    public async Task A_merged_pull_request_syncs_every_environment_of_the_matching_route_at_the_merge_commit()
    {
        // When GitHub reports PR #2 merged into master of Codertocat/Hello-World
        var response = await _host.DeliverAsync("pull_request", Payloads.Merged(MergeSha), delivery: "delivery-merge-1");

        // Then both environments of the first route were synced to the merge commit, nothing else
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(
            [new SyncRequest("staging", MergeSha, FixtureRepo), new SyncRequest("production", MergeSha, FixtureRepo)],
            _trigger.Requests);
        var reply = await Replies.JsonAsync(response);
        Assert.Equal("delivery-merge-1", reply.GetProperty("delivery").GetString());
        Assert.Equal(MergeSha, reply.GetProperty("revision").GetString());
        Assert.Equal("master", reply.GetProperty("branch").GetString());
        Assert.Equal(2, reply.GetProperty("pullRequest").GetInt32());
        Assert.Equal(["staging", "production"], reply.GetProperty("environments").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task A_form_encoded_delivery_is_read_from_its_payload_field()
    {
        var json = Encoding.UTF8.GetString(Payloads.Merged(MergeSha));
        var body = Encoding.UTF8.GetBytes("payload=" + Uri.EscapeDataString(json));

        var response = await _host.DeliverAsync("pull_request", body, contentType: "application/x-www-form-urlencoded");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, _trigger.Requests.Count);
    }

    [Fact]
    public async Task A_pull_request_closed_without_merging_is_ignored()
    {
        // pull_request.closed.json is verbatim from octokit: merged false
        var response = await _host.DeliverAsync("pull_request", Payloads.Fixture("pull_request.closed.json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Contains("closed without merging", (await Replies.JsonAsync(response)).GetProperty("reason").GetString());
        Assert.Empty(_trigger.Requests);
    }

    [Fact]
    public async Task An_opened_pull_request_is_ignored()
    {
        var response = await _host.DeliverAsync("pull_request", Payloads.Fixture("pull_request.opened.json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Contains("action 'opened' does not deploy", (await Replies.JsonAsync(response)).GetProperty("reason").GetString());
        Assert.Empty(_trigger.Requests);
    }

    [Theory]
    [InlineData("release", "push.json")]
    [InlineData("pull_request_review", "pull_request_review.submitted.approved.json")]
    [InlineData("star", "ping.json")]
    public async Task Other_events_are_accepted_and_ignored(string @event, string fixture)
    {
        var response = await _host.DeliverAsync(@event, Payloads.Fixture(fixture));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var reply = await Replies.JsonAsync(response);
        Assert.Equal(@event, reply.GetProperty("event").GetString());
        Assert.Equal($"event '{@event}' does not deploy", reply.GetProperty("reason").GetString());
        Assert.Empty(_trigger.Requests);
    }

    [Fact]
    public async Task A_missing_signature_is_401_and_triggers_nothing()
    {
        var response = await _host.DeliverAsync("pull_request", Payloads.Merged(MergeSha), signature: "");

        var problem = await Replies.ProblemAsync(response, 401);
        Assert.Contains("X-Hub-Signature-256 header is missing", problem.GetProperty("detail").GetString());
        Assert.Empty(_trigger.Requests);
    }

    [Theory]
    [InlineData("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")] // right form, wrong digest
    [InlineData("sha1=757107ea0eb2509fc211221cce984b8a37570b6d")]                           // wrong algorithm
    [InlineData("sha256=not-hex")]                                                          // malformed
    public async Task A_wrong_or_malformed_signature_is_401_and_triggers_nothing(string signature)
    {
        var response = await _host.DeliverAsync("pull_request", Payloads.Merged(MergeSha), signature: signature);

        var problem = await Replies.ProblemAsync(response, 401);
        Assert.Contains("does not match", problem.GetProperty("detail").GetString());
        Assert.Empty(_trigger.Requests);
    }

    [Fact]
    public async Task A_body_signed_with_another_secret_is_401()
    {
        var body = Payloads.Merged(MergeSha);

        var response = await _host.DeliverAsync("pull_request", body, signature: GitHubSignature.Compute("another secret", body));

        await Replies.ProblemAsync(response, 401);
        Assert.Empty(_trigger.Requests);
    }

    [Fact]
    public async Task A_signed_body_without_an_event_header_is_400()
    {
        var body = Payloads.Merged(MergeSha);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/github") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add("X-Hub-Signature-256", GitHubSignature.Compute(WebhookHost.Secret, body));

        var response = await _host.Client.SendAsync(request);

        Assert.Contains("X-GitHub-Event", (await Replies.ProblemAsync(response, 400)).GetProperty("detail").GetString());
        Assert.Empty(_trigger.Requests);
    }

    [Fact]
    public async Task Malformed_json_is_400()
    {
        var response = await _host.DeliverAsync("pull_request", Encoding.UTF8.GetBytes("{\"action\": \"closed\", "));

        var problem = await Replies.ProblemAsync(response, 400);
        Assert.Equal("Malformed payload", problem.GetProperty("title").GetString());
        Assert.Empty(_trigger.Requests);
    }

    [Fact]
    public async Task A_merged_payload_without_a_merge_commit_is_400()
    {
        var body = Encoding.UTF8.GetString(Payloads.Merged(MergeSha)).Replace($"\"{MergeSha}\"", "null", StringComparison.Ordinal);

        var response = await _host.DeliverAsync("pull_request", Encoding.UTF8.GetBytes(body));

        Assert.Contains("merge_commit_sha", (await Replies.ProblemAsync(response, 400)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_body_over_the_cap_is_413()
    {
        // the host caps bodies at 64 KiB
        var body = Encoding.UTF8.GetBytes("{\"padding\":\"" + new string('x', 70 * 1024) + "\"}");

        var response = await _host.DeliverAsync("pull_request", body);

        Assert.Contains("65536-byte limit", (await Replies.ProblemAsync(response, 413)).GetProperty("detail").GetString());
        Assert.Empty(_trigger.Requests);
    }

    [Fact]
    public async Task A_chunked_body_over_the_cap_is_413_too()
    {
        var body = Encoding.UTF8.GetBytes(new string('x', 70 * 1024));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/github")
        {
            Content = new StreamContent(new MemoryStream(body)), // no Content-Length: sent chunked
        };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.TransferEncodingChunked = true;
        request.Headers.Add("X-GitHub-Event", "pull_request");
        request.Headers.Add("X-Hub-Signature-256", GitHubSignature.Compute(WebhookHost.Secret, body));

        var response = await _host.Client.SendAsync(request);

        await Replies.ProblemAsync(response, 413);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    public async Task A_body_that_is_not_json_or_form_is_415(string contentType)
    {
        var response = await _host.DeliverAsync("pull_request", Payloads.Merged(MergeSha), contentType: contentType);

        await Replies.ProblemAsync(response, 415);
        Assert.Empty(_trigger.Requests);
    }

    [Fact]
    public async Task A_replayed_delivery_triggers_once()
    {
        var body = Payloads.Merged(MergeSha);

        var first = await _host.DeliverAsync("pull_request", body, delivery: "replayed-1");
        var second = await _host.DeliverAsync("pull_request", body, delivery: "replayed-1");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.Contains("already handled", (await Replies.JsonAsync(second)).GetProperty("reason").GetString());
        Assert.Equal(2, _trigger.Requests.Count); // staging + production, once
    }

    [Fact]
    public async Task A_merge_no_route_matches_is_202_and_logged()
    {
        var response = await _host.DeliverAsync("pull_request", Payloads.Merged(MergeSha, baseRef: "develop"), delivery: "unrouted-1");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal($"no route for {FixtureRepo} branch develop", (await Replies.JsonAsync(response)).GetProperty("reason").GetString());
        Assert.Empty(_trigger.Requests);
        Assert.Contains(_host.Logs.Lines, l => l.Contains("unrouted-1", StringComparison.Ordinal) && l.Contains("no route for", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failing_sync_is_502_with_its_message_and_a_redelivery_tries_again()
    {
        _trigger.Failing.Add("production");

        var response = await _host.DeliverAsync("pull_request", Payloads.Merged(MergeSha), delivery: "fails-1");

        var problem = await Replies.ProblemAsync(response, 502);
        Assert.Equal("production: environment 'production': kubectl kustomize failed: boom", problem.GetProperty("detail").GetString());
        Assert.Equal(["staging"], problem.GetProperty("synced").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal([new SyncRequest("staging", MergeSha, FixtureRepo)], _trigger.Requests);

        // GitHub's "Redeliver" reuses the delivery id: it is not dropped as a replay
        _trigger.Failing.Clear();
        var again = await _host.DeliverAsync("pull_request", Payloads.Merged(MergeSha), delivery: "fails-1");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(3, _trigger.Requests.Count);
    }

    [Fact]
    public async Task Logs_never_carry_the_secret_or_the_signature()
    {
        var body = Payloads.Merged(MergeSha);
        await _host.DeliverAsync("pull_request", body, delivery: "logged-1");
        await _host.DeliverAsync("pull_request", body, signature: "sha256=" + new string('0', 64));

        var lines = _host.Logs.Lines;
        Assert.Contains(lines, l => l.Contains("logged-1", StringComparison.Ordinal) && l.Contains("synced staging", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("signature mismatch", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains(WebhookHost.Secret, StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains(GitHubSignature.Compute(WebhookHost.Secret, body)[7..], StringComparison.Ordinal));
    }
}
