// bench/webhooks-bench: `bare URL` serves a bare Kestrel POST endpoint (reads the body, answers 202);
// `latency N` hosts the real webhook app with a recording ISyncTrigger and reports merge-in → trigger-sent percentiles.
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using GitOps.Pipelines;
using GitOps.Pipelines.Sync;
using GitOps.Pipelines.Webhooks;
using GitOps.Pipelines.Webhooks.GitHub;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

if (args is ["bare", var url])
{
    var builder = WebApplication.CreateSlimBuilder();
    builder.Logging.ClearProviders();
    var app = builder.Build();
    app.MapPost("/hooks/github", async (HttpContext context) =>
    {
        var buffer = new byte[16384];
        while (await context.Request.Body.ReadAsync(buffer) > 0) { }
        return Results.Accepted();
    });
    app.Urls.Add(url);
    await app.RunAsync();
    return 0;
}

if (args is ["latency", var countText, var fixture])
{
    const string secret = "bench-secret";
    const string repo = "https://github.com/bench/runtime.git";
    var count = int.Parse(countText, CultureInfo.InvariantCulture);
    var trigger = new RecordingTrigger();
    var options = new WebhookServiceOptions
    {
        GitHubSecret = secret,
        Routes = [new WebhookRoute(repo, "main", ["staging"])],
    };
    await using var app = WebhookApp.Create([], options, s =>
    {
        s.AddSingleton<ISyncTrigger>(trigger);
        s.AddLogging(b => b.ClearProviders());
    });
    app.Urls.Add("http://127.0.0.1:0");
    await app.StartAsync();
    using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
    var template = JsonNode.Parse(await File.ReadAllTextAsync(fixture))!;
    var samples = new List<double>();
    for (var i = 0; i < count + 50; i++)
    {
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData(BitConverter.GetBytes(i)));
        template["pull_request"]!["merged"] = true;
        template["pull_request"]!["merge_commit_sha"] = sha;
        template["pull_request"]!["base"]!["ref"] = "main";
        template["repository"]!["clone_url"] = repo;
        template["repository"]!["html_url"] = repo;
        var body = Encoding.UTF8.GetBytes(template.ToJsonString());
        using var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/github") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-GitHub-Event", "pull_request");
        request.Headers.Add("X-GitHub-Delivery", Guid.NewGuid().ToString());
        request.Headers.Add(GitHubSignature.Header, GitHubSignature.Compute(secret, body));
        var sent = Stopwatch.GetTimestamp();
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var at = trigger.SentAt(sha);
        if (i >= 50) samples.Add(Stopwatch.GetElapsedTime(sent, at).TotalMilliseconds); // the first 50 warm up the JIT
    }
    samples.Sort();
    double P(double q) => samples[(int)Math.Min(samples.Count - 1, Math.Round(q * (samples.Count - 1)))];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"merge-to-trigger n={samples.Count} p50_ms={P(0.5):0.000} p90_ms={P(0.9):0.000} p99_ms={P(0.99):0.000} max_ms={samples[^1]:0.000}"));
    return 0;
}

Console.Error.WriteLine("usage: webhooks-bench bare URL | latency N PULL_REQUEST_FIXTURE");
return 2;

/// <summary>Records when each revision's trigger was sent (the point a cluster trigger would send its patch).</summary>
internal sealed class RecordingTrigger : ISyncTrigger
{
    private readonly Dictionary<string, long> _sent = new(StringComparer.Ordinal);

    public Task TriggerAsync(SyncRequest request, CancellationToken cancellationToken = default)
    {
        lock (_sent) _sent[request.Revision] = Stopwatch.GetTimestamp();
        return Task.CompletedTask;
    }

    public long SentAt(string revision)
    {
        lock (_sent) return _sent.TryGetValue(revision, out var t) ? t : throw new GitOpsException($"no trigger for {revision}");
    }
}
