using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using GitOps.Pipelines.Webhooks.GitLab;

namespace GitOps.Pipelines.Webhooks.Tests.GitLab;

/// <summary>GitLab's signing token: <c>webhook-signature</c> (Standard Webhooks) checked over real HTTP.</summary>
public sealed class GitLabSigningTokenTests : IAsyncLifetime
{
    // whsec_ + base64 of 32 bytes, as GitLab's API requires
    private const string SigningToken = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private readonly RecordingTrigger _trigger = new();
    private WebhookHost _host = null!;

    public async Task InitializeAsync() => _host = await WebhookHost.StartAsync(new WebhookServiceOptions
    {
        GitHubSecret = WebhookHost.Secret,
        GitLabSigningToken = SigningToken,
        DebounceWindow = TimeSpan.Zero,
        DebounceJitter = TimeSpan.Zero,
        Routes = [new WebhookRoute("git@example.com:mike/diaspora", "master", ["dev"])],
    }, _trigger);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static string Now(int offsetSeconds = 0) =>
        (DateTimeOffset.UtcNow.ToUnixTimeSeconds() + offsetSeconds).ToString(CultureInfo.InvariantCulture);

    private Task<HttpResponseMessage> DeliverAsync(byte[] body, string? signature, string id, string timestamp)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/gitlab") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-Gitlab-Event", "Push Hook");
        request.Headers.Add("Idempotency-Key", id);
        request.Headers.Add(GitLabSignature.IdHeader, id);
        request.Headers.Add(GitLabSignature.TimestampHeader, timestamp);
        if (signature is not null) request.Headers.Add(GitLabSignature.Header, signature);
        return _host.Client.SendAsync(request);
    }

    [Fact]
    public async Task A_correctly_signed_push_without_X_Gitlab_Token_is_accepted_and_syncs()
    {
        var body = Payloads.GitLab("push.json");
        var id = Guid.NewGuid().ToString();
        var ts = Now();

        var response = await DeliverAsync(body, GitLabSignature.Compute(SigningToken, id, ts, body), id, ts);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await WebhookHost.WaitUntilAsync(() => !_trigger.Requests.IsEmpty, what: "the sync");
    }

    [Fact]
    public async Task One_valid_signature_among_several_rotated_ones_suffices()
    {
        var body = Payloads.GitLab("push.json");
        var id = Guid.NewGuid().ToString();
        var ts = Now();
        var stale = GitLabSignature.Compute("whsec_" + Convert.ToBase64String(new byte[32]), id, ts, body);

        var response = await DeliverAsync(body, $"{stale} {GitLabSignature.Compute(SigningToken, id, ts, body)}", id, ts);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task A_tampered_body_is_401_and_syncs_nothing()
    {
        var body = Payloads.GitLab("push.json");
        var id = Guid.NewGuid().ToString();
        var ts = Now();
        var signature = GitLabSignature.Compute(SigningToken, id, ts, body);
        var tampered = Payloads.Edit(body, n => n["checkout_sha"] = "0000000000000000000000000000000000000000");

        var response = await DeliverAsync(tampered, signature, id, ts);

        var detail = (await Replies.ProblemAsync(response, 401)).GetProperty("detail").GetString()!;
        Assert.Contains("does not match", detail);
        Assert.DoesNotContain("MfKQ9r8", detail);
        await Task.Delay(200);
        Assert.Empty(_trigger.Requests);
    }

    [Fact]
    public async Task A_signature_over_another_webhook_id_is_401()
    {
        var body = Payloads.GitLab("push.json");
        var ts = Now();

        var response = await DeliverAsync(body, GitLabSignature.Compute(SigningToken, "other-id", ts, body), Guid.NewGuid().ToString(), ts);

        await Replies.ProblemAsync(response, 401);
    }

    [Fact]
    public async Task A_stale_timestamp_is_refused_as_a_replay()
    {
        var body = Payloads.GitLab("push.json");
        var id = Guid.NewGuid().ToString();
        var ts = Now(-3600);

        var response = await DeliverAsync(body, GitLabSignature.Compute(SigningToken, id, ts, body), id, ts);

        Assert.Contains("stale or replayed", (await Replies.ProblemAsync(response, 401)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_missing_signature_is_401_naming_the_header()
    {
        var response = await DeliverAsync(Payloads.GitLab("push.json"), null, Guid.NewGuid().ToString(), Now());

        Assert.Contains("webhook-signature header is missing", (await Replies.ProblemAsync(response, 401)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task With_both_configured_the_token_is_required_too()
    {
        await using var host = await WebhookHost.StartAsync(new WebhookServiceOptions
        {
            GitHubSecret = WebhookHost.Secret,
            GitLabSigningToken = SigningToken,
            GitLabToken = WebhookHost.GitLabToken,
        }, new RecordingTrigger());
        var body = Payloads.GitLab("push.json");
        var id = Guid.NewGuid().ToString();
        var ts = Now();
        var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/gitlab") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-Gitlab-Event", "Push Hook");
        request.Headers.Add(GitLabSignature.IdHeader, id);
        request.Headers.Add(GitLabSignature.TimestampHeader, ts);
        request.Headers.Add(GitLabSignature.Header, GitLabSignature.Compute(SigningToken, id, ts, body));

        var response = await host.Client.SendAsync(request);

        Assert.Contains("X-Gitlab-Token header is missing", (await Replies.ProblemAsync(response, 401)).GetProperty("detail").GetString());
    }
}

/// <summary>The Standard Webhooks specification's published example (the scheme GitLab's signing token follows).</summary>
public sealed class GitLabSignatureVectorTests
{
    private const string Token = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string Id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const string Timestamp = "1614265330";
    private static readonly byte[] Body = "{\"test\": 2432232314}"u8.ToArray();

    [Fact]
    public void The_published_example_signs_to_its_published_signature() =>
        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", GitLabSignature.Compute(Token, Id, Timestamp, Body));

    [Fact]
    public void The_published_example_verifies_at_its_own_time_and_not_an_hour_later()
    {
        var at = DateTimeOffset.FromUnixTimeSeconds(1614265330);
        const string signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

        Assert.Null(GitLabSignature.Refusal(Token, Id, Timestamp, signature, Body, at, TimeSpan.FromMinutes(5)));
        Assert.NotNull(GitLabSignature.Refusal(Token, Id, Timestamp, signature, Body, at.AddHours(1), TimeSpan.FromMinutes(5)));
        Assert.NotNull(GitLabSignature.Refusal(Token, Id, Timestamp, "v2," + signature[3..], Body, at, TimeSpan.FromMinutes(5)));
    }
}
