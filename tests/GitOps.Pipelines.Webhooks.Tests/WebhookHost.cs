using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GitOps.Pipelines.Sync;
using GitOps.Pipelines.TestKit;
using GitOps.Pipelines.Webhooks.GitHub;
using GitOps.Pipelines.Webhooks.Processing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GitOps.Pipelines.Webhooks.Tests;

/// <summary>The real webhook app on Kestrel at 127.0.0.1 on a free port, with a client speaking HTTP to it.</summary>
public sealed class WebhookHost : IAsyncDisposable
{
    public const string Secret = "s3cr3t-for-tests-only";

    private WebhookHost(WebApplication app, RecordedLogs logs)
    {
        App = app;
        Logs = logs;
        Client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };
    }

    public WebApplication App { get; }
    public HttpClient Client { get; }
    public RecordedLogs Logs { get; }

    public static async Task<WebhookHost> StartAsync(WebhookServiceOptions options, ISyncTrigger? trigger,
        IImagePushHandler? images = null, IDeploymentObserver? observer = null, GitOps.Pipelines.Webhooks.Reporting.IDeploymentReporter? reporter = null)
    {
        var logs = new RecordedLogs();
        var app = WebhookApp.Create([], options, services =>
        {
            if (reporter is not null) services.AddSingleton(reporter);
            if (trigger is not null) services.AddSingleton(trigger);
            if (images is not null) services.AddSingleton(images);
            if (observer is not null) services.AddSingleton(observer);
            services.AddSingleton<ILoggerProvider>(logs);
        });
        app.Urls.Add("http://127.0.0.1:0");
        await app.StartAsync();
        return new WebhookHost(app, logs);
    }

    /// <summary>Sends a delivery the way GitHub does; <paramref name="signature"/> overrides the correct one ("" sends none).</summary>
    public Task<HttpResponseMessage> DeliverAsync(string @event, byte[] body, string? delivery = null, string? signature = null,
        string contentType = "application/json") =>
        Client.SendAsync(GitHubRequest(@event, body, delivery, signature, contentType));

    /// <summary>A POST to <c>/hooks/github</c> as GitHub sends it, signed with <see cref="Secret"/> unless <paramref name="signature"/> says otherwise.</summary>
    public static HttpRequestMessage GitHubRequest(string @event, byte[] body, string? delivery = null, string? signature = null,
        string contentType = "application/json")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/github") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.Add("X-GitHub-Event", @event);
        request.Headers.Add("X-GitHub-Delivery", delivery ?? Guid.NewGuid().ToString());
        request.Headers.UserAgent.ParseAdd("GitHub-Hookshot/test");
        signature ??= GitHubSignature.Compute(Secret, body);
        if (signature.Length > 0) request.Headers.Add("X-Hub-Signature-256", signature);
        return request;
    }

    /// <summary>Sends a GitLab delivery; <paramref name="token"/> null sends no X-Gitlab-Token.</summary>
    public Task<HttpResponseMessage> DeliverGitLabAsync(string @event, byte[] body, string? token = GitLabToken, string? uuid = null,
        string? idempotencyKey = null, string contentType = "application/json")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/gitlab") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (@event.Length > 0) request.Headers.Add("X-Gitlab-Event", @event);
        request.Headers.Add("X-Gitlab-Event-UUID", uuid ?? Guid.NewGuid().ToString());
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        if (token is not null) request.Headers.Add("X-Gitlab-Token", token);
        request.Headers.UserAgent.ParseAdd("GitLab/17.4.0");
        return Client.SendAsync(request);
    }

    public const string GitLabToken = "gitlab-token-for-tests";

    /// <summary>Polls until <paramref name="condition"/> holds, or fails after <paramref name="timeout"/>.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan? timeout = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out waiting for {what ?? "the condition"}");
            await Task.Delay(20);
        }
    }

    /// <summary>Polls an asynchronous condition.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan? timeout = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out waiting for {what ?? "the condition"}");
            await Task.Delay(20);
        }
    }

    /// <summary>Stops the app without waiting for anything in flight to finish (a crash as far as the journal can tell).</summary>
    public async Task AbandonAsync()
    {
        Client.Dispose();
        await App.StopAsync(new CancellationToken(canceled: true));
        await App.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

/// <summary>Fixture payloads, verbatim or edited as parsed JSON.</summary>
public static class Payloads
{
    public static byte[] Fixture(string name) => File.ReadAllBytes(Paths.Fixture(Path.Combine("github", name)));

    public static byte[] GitLab(string name) => File.ReadAllBytes(Paths.Fixture(Path.Combine("gitlab", name)));

    public static byte[] Registry(string name) => File.ReadAllBytes(Paths.Fixture(Path.Combine("registry", name)));

    /// <summary>A fixture edited as parsed JSON.</summary>
    public static byte[] Edit(byte[] json, Action<JsonNode> edit)
    {
        var node = JsonNode.Parse(json)!;
        edit(node);
        return Encoding.UTF8.GetBytes(node.ToJsonString());
    }

    /// <summary>pull_request.closed.json turned into a merge: merged true, a merge commit, optionally another repo URL.</summary>
    public static byte[] Merged(string mergeSha, string? repositoryUrl = null, string? baseRef = null)
    {
        var node = JsonNode.Parse(Fixture("pull_request.closed.json"))!;
        node["pull_request"]!["merged"] = true;
        node["pull_request"]!["merge_commit_sha"] = mergeSha;
        if (baseRef is not null) node["pull_request"]!["base"]!["ref"] = baseRef;
        if (repositoryUrl is not null)
        {
            node["repository"]!["clone_url"] = repositoryUrl;
            node["repository"]!["html_url"] = repositoryUrl;
            node["repository"]!["ssh_url"] = null;
        }
        return Encoding.UTF8.GetBytes(node.ToJsonString());
    }
}

/// <summary>An <see cref="ISyncTrigger"/> that records requests, and fails for the environments it is told to.</summary>
public sealed class RecordingTrigger : ISyncTrigger
{
    public ConcurrentQueue<SyncRequest> Requests { get; } = new();
    public HashSet<string> Failing { get; } = [];

    public Task TriggerAsync(SyncRequest request, CancellationToken cancellationToken = default)
    {
        if (Failing.Contains(request.Environment))
            throw new GitOpsException($"environment '{request.Environment}': kubectl kustomize failed: boom");
        Requests.Enqueue(request);
        return Task.CompletedTask;
    }
}

/// <summary>An <see cref="IImagePushHandler"/> that records pushes.</summary>
public sealed class RecordingImageHandler : IImagePushHandler
{
    public ConcurrentQueue<ImagePushed> Pushes { get; } = new();

    public Task HandleAsync(ImagePushed push, CancellationToken cancellationToken)
    {
        Pushes.Enqueue(push);
        return Task.CompletedTask;
    }
}

/// <summary>A trigger that records requests after an optional delay, and throws while <see cref="Broken"/> is set.</summary>
public sealed class SlowTrigger : ISyncTrigger
{
    public ConcurrentQueue<SyncRequest> Requests { get; } = new();
    public volatile bool Broken;
    public int Attempts;

    public Task TriggerAsync(SyncRequest request, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref Attempts);
        if (Broken) throw new GitOpsException("the Kubernetes API is down: connection refused");
        Requests.Enqueue(request);
        return Task.CompletedTask;
    }
}

/// <summary>Every log line the app writes, formatted.</summary>
public sealed class RecordedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();
    public IReadOnlyList<string> Lines => _lines.ToArray();
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);
    public void Dispose() { }

    private sealed class Logger(RecordedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception.Message)}");
    }
}

/// <summary>Reads problem details and JSON replies.</summary>
public static class Replies
{
    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, int status)
    {
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await JsonAsync(response);
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        return problem;
    }
}
