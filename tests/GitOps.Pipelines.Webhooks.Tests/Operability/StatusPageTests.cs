using System.Net;
using GitOps.Pipelines.Sync;
using Microsoft.Playwright;

namespace GitOps.Pipelines.Webhooks.Tests.Operability;

/// <summary>The status page, metrics and readiness over HTTP; the page rendered in headless Chromium (Playwright, /usr/bin/chromium).</summary>
public sealed class StatusPageTests : IAsyncLifetime
{
    private const string MergeSha = "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c";
    private const string Digest = "sha256:4242424242424242424242424242424242424242424242424242424242424242";

    private readonly RecordingTrigger _trigger = new();
    private WebhookHost _host = null!;

    public async Task InitializeAsync() => _host = await WebhookHost.StartAsync(new WebhookServiceOptions
    {
        GitHubSecret = WebhookHost.Secret,
        GitLabToken = WebhookHost.GitLabToken,
        DebounceWindow = TimeSpan.Zero,
        DebounceJitter = TimeSpan.Zero,
        Routes =
        [
            new WebhookRoute("https://github.com/Codertocat/Hello-World.git", "master", ["staging", "production"]),
            new WebhookRoute("git@example.com:mike/diaspora.git", "master", ["dev"]),
        ],
    }, _trigger, observer: new FakeObserver());

    public async Task DisposeAsync() => await _host.DisposeAsync();

    /// <summary>staging is healthy at the merge; production's observer is forbidden by RBAC; dev was never synced.</summary>
    private sealed class FakeObserver : IDeploymentObserver
    {
        public Task<DeploymentStatus?> GetAsync(string environment, CancellationToken cancellationToken = default) => environment switch
        {
            "staging" => Task.FromResult<DeploymentStatus?>(new DeploymentStatus("staging", MergeSha,
                [new DeployedImage("localhost/hello", "4.2.0", Digest)], DateTimeOffset.UtcNow, "Healthy")),
            "production" => throw new GitOpsException("applications.argoproj.io \"production\" is forbidden: User \"system:serviceaccount:gitops:webhooks\" cannot get resource"),
            _ => Task.FromResult<DeploymentStatus?>(null),
        };
    }

    private async Task DeliverAFewAsync()
    {
        Assert.Equal(HttpStatusCode.OK, (await _host.DeliverAsync("pull_request", Payloads.Merged(MergeSha), delivery: "merge-on-page")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _host.DeliverAsync("pull_request", Payloads.Merged(MergeSha), delivery: "<b>forged</b>", signature: "sha256=" + new string('0', 64))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await _host.DeliverGitLabAsync("Push Hook", Payloads.GitLab("push.json"), uuid: "gitlab-on-page")).StatusCode);
        await WebhookHost.WaitUntilAsync(() => _trigger.Requests.Count >= 3, what: "three syncs");
    }

    [Fact]
    public async Task The_status_page_in_headless_Chromium_lists_deliveries_and_environments_with_image_revision_and_health()
    {
        await DeliverAFewAsync();
        await WebhookHost.WaitUntilAsync(async () => (await _host.Client.GetStringAsync("/status")).Split(">synced<").Length == 3,
            what: "both syncs on the page");

        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var page = await browser.NewPageAsync();

        var response = await page.GotoAsync(_host.Client.BaseAddress!.ToString());

        Assert.Equal(200, response!.Status);
        Assert.Equal("GitOps webhooks", await page.TitleAsync());
        // environments × image × revision × health
        var staging = page.Locator("#environments tr[data-environment=staging]");
        Assert.Equal($"localhost/hello:4.2.0@{Digest}", await staging.Locator(".image").InnerTextAsync());
        Assert.Equal(MergeSha, await staging.Locator(".revision").InnerTextAsync());
        Assert.Equal("Healthy", await staging.Locator(".health").InnerTextAsync());
        var production = page.Locator("#environments tr[data-environment=production]");
        Assert.Equal("unknown", await production.Locator(".health").InnerTextAsync());
        Assert.Contains("is forbidden", await production.Locator(".message").InnerTextAsync());
        Assert.Equal("never synced", await page.Locator("#environments tr[data-environment=dev] .health").InnerTextAsync());
        // recent deliveries: source, event, repo, result, latency
        var merge = page.Locator("#deliveries tr[data-delivery=merge-on-page]");
        Assert.Equal("github", await merge.Locator(".source").InnerTextAsync());
        Assert.Equal("pull_request", await merge.Locator(".event").InnerTextAsync());
        Assert.Equal("https://github.com/Codertocat/Hello-World.git", await merge.Locator(".repository").InnerTextAsync());
        Assert.Equal("synced", await merge.Locator(".result").InnerTextAsync());
        Assert.Matches(@"^\d+\.\d ms$", await merge.Locator(".latency").InnerTextAsync());
        var gitlab = page.Locator("#deliveries tr[data-delivery=gitlab-on-page]");
        Assert.Equal("Push Hook", await gitlab.Locator(".event").InnerTextAsync());
        Assert.Equal("synced", await gitlab.Locator(".result").InnerTextAsync());
        // a delivery id is text, never markup
        var forged = page.Locator("#deliveries tr[data-delivery='<b>forged</b>']");
        Assert.Equal("unauthorized", await forged.Locator(".result").InnerTextAsync());
        Assert.Equal(0, await page.Locator("#deliveries b").CountAsync());
        Assert.Equal("0", await page.Locator("#journal-depth").InnerTextAsync());
        // and the secret is nowhere on it
        Assert.DoesNotContain(WebhookHost.Secret, await page.ContentAsync());
    }

    [Fact]
    public async Task Metrics_are_Prometheus_text_with_deliveries_latency_and_journal_depth()
    {
        await DeliverAFewAsync();

        var response = await _host.Client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("version=0.0.4", response.Content.Headers.ContentType?.ToString());
        Assert.Contains("gitops_webhook_deliveries_total{source=\"github\",result=\"synced\"} 1\n", text);
        Assert.Contains("gitops_webhook_deliveries_total{source=\"github\",result=\"unauthorized\"} 1\n", text);
        Assert.Contains("gitops_webhook_deliveries_total{source=\"gitlab\",result=\"queued\"} 1\n", text);
        Assert.Contains("# TYPE gitops_webhook_trigger_latency_seconds histogram\n", text);
        // three triggers: staging and production inline, dev from the journal
        await WebhookHost.WaitUntilAsync(async () => (await _host.Client.GetStringAsync("/metrics")).Contains("gitops_webhook_trigger_latency_seconds_count 3\n", StringComparison.Ordinal),
            what: "three latencies");
        text = await _host.Client.GetStringAsync("/metrics");
        Assert.Contains("gitops_webhook_trigger_latency_seconds_bucket{le=\"+Inf\"} 3\n", text);
        Assert.Contains("gitops_webhook_events_processed_total{source=\"gitlab\",result=\"synced\"} 1\n", text);
        Assert.Contains("# TYPE gitops_webhook_journal_depth gauge\ngitops_webhook_journal_depth 0\n", text);
        // buckets are cumulative
        var buckets = text.Split('\n').Where(l => l.StartsWith("gitops_webhook_trigger_latency_seconds_bucket", StringComparison.Ordinal))
            .Select(l => long.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(buckets.Order(), buckets);
    }

    [Fact]
    public async Task Readyz_is_200_once_the_journal_is_replayed_and_healthz_stays_ok()
    {
        await WebhookHost.WaitUntilAsync(async () => (await _host.Client.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK);

        Assert.Equal("ready", await _host.Client.GetStringAsync("/readyz"));
        Assert.Equal("ok", await _host.Client.GetStringAsync("/healthz"));
    }
}
