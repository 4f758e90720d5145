using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using GitOps.Pipelines.Forges;
using GitOps.Pipelines.TestKit;

namespace GitOps.Pipelines.Tests.Forges;

public class WebhookOutboxTests : IDisposable
{
    private readonly TempDir _tmp = new("outbox");

    public void Dispose() => _tmp.Dispose();

    public static TheoryData<string, string, string> GitHubVectors()
    {
        var data = new TheoryData<string, string, string>();
        using var doc = JsonDocument.Parse(File.ReadAllText(Paths.Fixture("github/signature-test-vector.json")));
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
            if (c.TryGetProperty("expected_header", out var header) && c.GetProperty("expect_valid").GetBoolean())
                data.Add(c.GetProperty("secret").GetString()!, c.GetProperty("payload").GetString()!, header.GetString()!);
        return data;
    }

    [Theory]
    [MemberData(nameof(GitHubVectors))]
    public void Signs_like_github(string secret, string payload, string header) =>
        Assert.Equal(header, WebhookOutbox.Sign(secret, payload));

    [Fact]
    public async Task A_delivered_webhook_is_signed_and_moves_out_of_pending()
    {
        var outbox = new WebhookOutbox(_tmp.Combine("outbox"));
        var id = outbox.Enqueue("pull_request", """{"action":"closed"}""");
        using var receiver = new LoopbackReceiver(HttpStatusCode.OK);

        var results = await outbox.DeliverPendingAsync(receiver.Url, "s3cret", new HttpClient());

        var r = Assert.Single(results);
        Assert.True(r.Delivered);
        Assert.Equal(0, outbox.PendingCount);
        var got = Assert.Single(receiver.Requests);
        Assert.Equal("pull_request", got.Headers["X-GitHub-Event"]);
        Assert.Equal(id, got.Headers["X-GitHub-Delivery"]);
        Assert.Equal(WebhookOutbox.Sign("s3cret", """{"action":"closed"}"""), got.Headers["X-Hub-Signature-256"]);
        Assert.Equal("""{"action":"closed"}""", got.Body);
    }

    [Fact]
    public async Task A_refused_webhook_stays_pending_with_the_answer_recorded()
    {
        var outbox = new WebhookOutbox(_tmp.Combine("outbox"));
        outbox.Enqueue("pull_request", "{}");
        using var receiver = new LoopbackReceiver(HttpStatusCode.Unauthorized);

        var r = Assert.Single(await outbox.DeliverPendingAsync(receiver.Url, "wrong", new HttpClient()));

        Assert.False(r.Delivered);
        Assert.Equal(401, r.StatusCode);
        Assert.Contains("401", r.Error);
        Assert.Equal(1, outbox.PendingCount);
    }

    [Fact]
    public async Task An_unreachable_receiver_keeps_the_webhook()
    {
        var outbox = new WebhookOutbox(_tmp.Combine("outbox"));
        outbox.Enqueue("pull_request", "{}");
        var closedPort = new TcpListener(IPAddress.Loopback, 0);
        closedPort.Start();
        var url = new Uri($"http://127.0.0.1:{((IPEndPoint)closedPort.LocalEndpoint).Port}/hooks/github");
        closedPort.Stop();

        var r = Assert.Single(await outbox.DeliverPendingAsync(url, "s", new HttpClient()));

        Assert.False(r.Delivered);
        Assert.Null(r.StatusCode);
        Assert.Equal(1, outbox.PendingCount);
    }
}
