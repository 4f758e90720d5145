using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GitOps.Pipelines.Sync;
using GitOps.Pipelines.TestKit;
using GitOps.Pipelines.Webhooks.GitHub;
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

    public static async Task<WebhookHost> StartAsync(WebhookServiceOptions options, ISyncTrigger? trigger)
    {
        var logs = new RecordedLogs();
        var app = WebhookApp.Create([], options, services =>
        {
            if (trigger is not null) services.AddSingleton(trigger);
            services.AddSingleton<ILoggerProvider>(logs);
        });
        app.Urls.Add("http://127.0.0.1:0");
        await app.StartAsync();
        return new WebhookHost(app, logs);
    }

    /// <summary>Sends a delivery the way GitHub does; <paramref name="signature"/> overrides the correct one ("" sends none).</summary>
    public Task<HttpResponseMessage> DeliverAsync(string @event, byte[] body, string? delivery = null, string? signature = null,
        string contentType = "application/json")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/github") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.Add("X-GitHub-Event", @event);
        request.Headers.Add("X-GitHub-Delivery", delivery ?? Guid.NewGuid().ToString());
        request.Headers.UserAgent.ParseAdd("GitHub-Hookshot/test");
        signature ??= GitHubSignature.Compute(Secret, body);
        if (signature.Length > 0) request.Headers.Add("X-Hub-Signature-256", signature);
        return Client.SendAsync(request);
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
