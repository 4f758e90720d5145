using System.Net;
using GitOps.Pipelines.Sync;
using GitOps.Pipelines.TestKit;
using GitOps.Pipelines.Webhooks.Processing;

namespace GitOps.Pipelines.Webhooks.Tests.Processing;

/// <summary>The durable journal, the background processor's at-least-once replay, debounce, dedupe and the rate limit.</summary>
public sealed class JournalTests
{
    private const string Diaspora = "http://example.com/mike/diaspora.git";

    private static WebhookServiceOptions Options(string? state, TimeSpan? debounce = null) => new()
    {
        GitHubSecret = WebhookHost.Secret,
        GitLabToken = WebhookHost.GitLabToken,
        StateDirectory = state,
        DebounceWindow = debounce ?? TimeSpan.Zero,
        DebounceJitter = TimeSpan.Zero,
        Routes = [new WebhookRoute("git@example.com:mike/diaspora.git", "master", ["dev"])],
    };

    private static byte[] PushAt(string sha) => Payloads.Edit(Payloads.GitLab("push.json"), n => n["checkout_sha"] = sha);

    [Fact]
    public async Task Nothing_accepted_is_lost_when_the_service_stops_before_processing_and_a_new_instance_starts_on_the_same_folder()
    {
        using var state = new TempDir("gitops-webhooks");
        // Given a service whose Kubernetes API is down: every trigger throws
        var broken = new SlowTrigger { Broken = true };
        var host = await WebhookHost.StartAsync(Options(state.Path), broken);
        var shas = Enumerable.Range(1, 3).Select(i => new string((char)('a' + i), 40)).ToList();
        foreach (var sha in shas)
            Assert.Equal(HttpStatusCode.Accepted, (await host.DeliverGitLabAsync("Push Hook", PushAt(sha), uuid: "lost-" + sha[0])).StatusCode);
        await WebhookHost.WaitUntilAsync(() => broken.Attempts > 0, what: "a failed attempt");
        // the journal holds all three, on disk
        var journal = Path.Combine(state.Path, "journal", EventJournal.FileName);
        Assert.Equal(3, File.ReadAllLines(journal).Count(l => l.StartsWith('+')));
        Assert.Contains("gitops_webhook_journal_depth 3", await host.Client.GetStringAsync("/metrics"));

        // When it stops abruptly, without draining
        await host.AbandonAsync();

        // Then a new instance on the same folder replays every accepted event: one (debounced) sync at the newest revision
        var trigger = new SlowTrigger();
        await using var second = await WebhookHost.StartAsync(Options(state.Path), trigger);
        await WebhookHost.WaitUntilAsync(() => !trigger.Requests.IsEmpty, what: "the replayed sync");
        await WebhookHost.WaitUntilAsync(() => second.Logs.Lines.Count(l => l.Contains("replayed", StringComparison.Ordinal)) == 3, what: "three replays");
        Assert.Contains(trigger.Requests, r => r == new SyncRequest("dev", shas[^1], Diaspora));
        await WebhookHost.WaitUntilAsync(() => File.ReadAllLines(journal).Count(l => l.StartsWith('-')) == 3, what: "three completions");
        Assert.Contains("gitops_webhook_journal_depth 0", await second.Client.GetStringAsync("/metrics"));
    }

    [Fact]
    public async Task A_third_start_replays_nothing_once_processed()
    {
        using var state = new TempDir("gitops-webhooks");
        var trigger = new SlowTrigger();
        await using (var host = await WebhookHost.StartAsync(Options(state.Path), trigger))
        {
            await host.DeliverGitLabAsync("Push Hook", PushAt(new string('1', 40)));
            await WebhookHost.WaitUntilAsync(() => !trigger.Requests.IsEmpty);
            await WebhookHost.WaitUntilAsync(() => host.App.Services.GetService(typeof(EventJournal)) is EventJournal { Depth: 0 });
        }

        var again = new SlowTrigger();
        await using var restarted = await WebhookHost.StartAsync(Options(state.Path), again);
        await WebhookHost.WaitUntilAsync(async () => (await restarted.Client.GetAsync("/readyz")).IsSuccessStatusCode);
        await Task.Delay(200);

        Assert.Empty(again.Requests);
        Assert.DoesNotContain(restarted.Logs.Lines, l => l.Contains("replayed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failing_trigger_is_retried_until_it_succeeds_and_the_status_page_says_why_meanwhile()
    {
        var trigger = new SlowTrigger { Broken = true };
        await using var host = await WebhookHost.StartAsync(Options(null), trigger);

        var response = await host.DeliverGitLabAsync("Push Hook", PushAt(new string('2', 40)), uuid: "retried-1");
        await WebhookHost.WaitUntilAsync(() => trigger.Attempts >= 2, what: "two failed attempts");
        var page = await host.Client.GetStringAsync("/status");
        trigger.Broken = false;

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Contains("the Kubernetes API is down: connection refused", page);
        Assert.Contains("retrying", page);
        await WebhookHost.WaitUntilAsync(() => !trigger.Requests.IsEmpty, what: "the sync after recovery");
        Assert.Contains(host.Logs.Lines, l => l.Contains("the event stays in the journal", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_burst_of_pushes_becomes_one_sync_at_the_newest_revision_once_quiet()
    {
        var trigger = new SlowTrigger();
        // The window is wide enough that a loaded machine still delivers the whole burst inside it.
        await using var host = await WebhookHost.StartAsync(Options(null, debounce: TimeSpan.FromSeconds(3)), trigger);

        var shas = Enumerable.Range(0, 8).Select(i => i.ToString("x", System.Globalization.CultureInfo.InvariantCulture).PadLeft(40, 'c')).ToList();
        // a burst: each push within the window of the one before (the window restarts with each event)
        await Task.WhenAll(shas.Take(7).Select(sha => host.DeliverGitLabAsync("Push Hook", PushAt(sha))));
        await Task.Delay(150);
        await host.DeliverGitLabAsync("Push Hook", PushAt(shas[^1]));

        await WebhookHost.WaitUntilAsync(() => !trigger.Requests.IsEmpty);
        await Task.Delay(600);
        Assert.Equal([new SyncRequest("dev", shas[^1], Diaspora)], trigger.Requests);
        Assert.Contains(host.Logs.Lines, l => l.Contains("8 events for dev coalesced into one sync", StringComparison.Ordinal));
        Assert.Equal(0, ((EventJournal)host.App.Services.GetService(typeof(EventJournal))!).Depth);
    }

    [Fact]
    public async Task The_same_delivery_id_from_two_sources_is_two_deliveries_but_a_replay_within_one_source_is_one()
    {
        var trigger = new SlowTrigger();
        var options = Options(null) with
        {
            Routes =
            [
                new WebhookRoute("git@example.com:mike/diaspora.git", "master", ["dev"]),
                new WebhookRoute("https://github.com/jessesuen/test-repo", "master", ["demo"]),
            ],
        };
        await using var host = await WebhookHost.StartAsync(options, trigger);

        var gitlab = await host.DeliverGitLabAsync("Push Hook", PushAt(new string('3', 40)), idempotencyKey: "same-id");
        var github = await host.DeliverAsync("push", Payloads.Fixture("push.branch-commit.json"), delivery: "same-id");
        var replay = await host.DeliverGitLabAsync("Push Hook", PushAt(new string('3', 40)), idempotencyKey: "same-id");

        Assert.Equal(HttpStatusCode.Accepted, gitlab.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, github.StatusCode);
        Assert.Contains("already handled", (await Replies.JsonAsync(replay)).GetProperty("reason").GetString());
        await WebhookHost.WaitUntilAsync(() => trigger.Requests.Count >= 2);
        await Task.Delay(200);
        Assert.Equal(["demo", "dev"], trigger.Requests.Select(r => r.Environment).Order());
    }

    [Fact]
    public async Task Over_the_rate_limit_a_source_gets_429_with_Retry_After_and_other_sources_are_unaffected()
    {
        var trigger = new SlowTrigger();
        await using var host = await WebhookHost.StartAsync(Options(null) with { RateLimitPermits = 3, RateLimitWindow = TimeSpan.FromSeconds(30) }, trigger);

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 5; i++) answers.Add(await host.DeliverGitLabAsync("Pipeline Hook", Payloads.GitLab("pipeline.json")));
        var github = await host.DeliverAsync("ping", Payloads.Fixture("ping.json"));

        Assert.Equal([202, 202, 202, 429, 429], answers.Select(a => (int)a.StatusCode));
        var limited = answers[^1];
        Assert.True(int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) is > 0 and <= 30);
        Assert.Contains("gitlab is limited to 3 deliveries per 30s", (await Replies.ProblemAsync(limited, 429)).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.OK, github.StatusCode);
        Assert.Contains("gitops_webhook_deliveries_total{source=\"gitlab\",result=\"rate_limited\"} 2", await host.Client.GetStringAsync("/metrics"));
    }

    [Fact]
    public void A_torn_last_line_is_skipped_and_completed_entries_are_not_replayed()
    {
        using var state = new TempDir("gitops-journal");
        var a = JournalEntry.Create("gitlab", "Push Hook", "a", "repo", [new SyncRequest("dev", "1", "repo")]);
        var b = JournalEntry.Create("gitlab", "Push Hook", "b", "repo", [new SyncRequest("dev", "2", "repo")]);
        var c = JournalEntry.Create("registry/acr", "push", "c", "repo", images: [new ImagePushed("r.io", "app", "1.0", "sha256:1")]);
        using (var journal = new EventJournal(state.Path))
        {
            journal.Append(a);
            journal.Append(b);
            journal.Append(c);
            journal.Complete(a.Id);
        }
        File.AppendAllText(Path.Combine(state.Path, EventJournal.FileName), "+{\"id\":\"torn");

        using var reopened = new EventJournal(state.Path);

        Assert.Equal([b, c], reopened.Replayed, new EntryComparer());
        Assert.Equal(2, reopened.Depth);
        Assert.Equal(2, File.ReadAllLines(reopened.Path).Length); // compacted
    }

    private sealed class EntryComparer : IEqualityComparer<JournalEntry>
    {
        public bool Equals(JournalEntry? x, JournalEntry? y) =>
            x is not null && y is not null && x.Id == y.Id && x.Syncs.SequenceEqual(y.Syncs) && x.Images.SequenceEqual(y.Images) && x.ReceivedAt == y.ReceivedAt;
        public int GetHashCode(JournalEntry obj) => obj.Id.GetHashCode(StringComparison.Ordinal);
    }
}
