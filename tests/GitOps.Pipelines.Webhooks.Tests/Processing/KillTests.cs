using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using GitOps.Pipelines.TestKit;
using GitOps.Pipelines.Webhooks.Processing;

namespace GitOps.Pipelines.Webhooks.Tests.Processing;

/// <summary>`gitops serve` as its own process, killed with SIGKILL after answering 202, then started again on the same state folder.</summary>
public sealed class KillTests
{
    private const string Token = "gitlab-token-for-the-kill-test";

    private static string Gitops => Path.Combine(AppContext.BaseDirectory, "gitops.dll");

    [Fact]
    public async Task After_kill_9_a_restarted_service_replays_the_accepted_event_from_its_journal()
    {
        // Given gitops serve for the repo's gitops.yaml, whose runtime repo does not exist here: every sync fails and is retried
        using var dir = new TempDir("serve-kill");
        File.Copy(Path.Combine(Paths.RepoRoot, "gitops.yaml"), dir.Combine("gitops.yaml"));
        var runtime = new Uri(Path.Combine(dir.Path, ".gitops", "runtime.git")).AbsoluteUri;
        var push = Payloads.Edit(Payloads.GitLab("push.json"), n =>
        {
            n["ref"] = "refs/heads/main";
            n["project"]!["git_http_url"] = runtime;
            n["project"]!["git_ssh_url"] = null;
            n["project"]!["web_url"] = runtime;
            n["repository"] = new JsonObject();
        });

        string entry;
        var first = Serve(dir.Path);
        try
        {
            using var http = new HttpClient { BaseAddress = await first.Url };
            using var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/gitlab") { Content = new ByteArrayContent(push) };
            request.Content.Headers.ContentType = new("application/json");
            request.Headers.Add("X-Gitlab-Event", "Push Hook");
            request.Headers.Add("X-Gitlab-Token", Token);

            var response = await http.SendAsync(request);

            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            entry = (await Replies.JsonAsync(response)).GetProperty("entry").GetString()!;
        }
        finally
        {
            // When it is killed with SIGKILL right after the answer
            first.Process.Kill(entireProcessTree: true);
            await first.Process.WaitForExitAsync();
        }

        // Then the accepted event is in the journal on disk, not completed
        var journal = File.ReadAllLines(Path.Combine(dir.Path, ".gitops", "webhooks", "journal", EventJournal.FileName));
        Assert.Contains(journal, l => l.StartsWith('+') && l.Contains(entry, StringComparison.Ordinal));
        Assert.DoesNotContain("-" + entry, journal);

        // and a new process on the same folder replays it and keeps it until it is synced
        var second = Serve(dir.Path);
        try
        {
            using var http = new HttpClient { BaseAddress = await second.Url };
            await WebhookHost.WaitUntilAsync(() => second.Lines.Any(l => l.Contains($"journal entry {entry} replayed", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(30), "the replay");
            await WebhookHost.WaitUntilAsync(() => second.Lines.Any(l => l.Contains("the event stays in the journal", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(30), "a retried sync");
            Assert.Contains("gitops_webhook_journal_depth 1\n", await http.GetStringAsync("/metrics"));
            Assert.Equal("ready", await http.GetStringAsync("/readyz"));
        }
        finally
        {
            second.Process.Kill(entireProcessTree: true);
            await second.Process.WaitForExitAsync();
        }
        Assert.DoesNotContain(second.Lines.Concat(first.Lines), l => l.Contains(Token, StringComparison.Ordinal));
    }

    private sealed record Served(Process Process, Task<Uri> Url, ConcurrentQueue<string> Lines);

    private static Served Serve(string directory)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory };
        foreach (var a in new[] { Gitops, "serve", "--urls", "http://127.0.0.1:0" }) psi.ArgumentList.Add(a);
        psi.Environment["GITOPS_WEBHOOK_GITHUB_SECRET"] = "github-secret-for-the-kill-test";
        psi.Environment["GITOPS_WEBHOOK_GITLAB_TOKEN"] = Token;
        var process = Process.Start(psi)!;
        var lines = new ConcurrentQueue<string>();
        var url = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                lines.Enqueue(line);
                if (Regex.Match(line, @"Now listening on: (http://\S+)") is { Success: true } m) url.TrySetResult(new Uri(m.Groups[1].Value));
            }
            url.TrySetException(new InvalidOperationException($"gitops serve exited without listening: {await process.StandardError.ReadToEndAsync()}"));
        });
        _ = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync() is { } line) lines.Enqueue(line);
        });
        return new Served(process, url.Task.WaitAsync(TimeSpan.FromSeconds(60)), lines);
    }
}
