using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using GitOps.Pipelines.Configuration;
using GitOps.Pipelines.Deploy;
using GitOps.Pipelines.Forges;
using GitOps.Pipelines.TestKit;
using GitOps.Pipelines.Webhooks.ImageUpdates;
using GitOps.Pipelines.Webhooks.Processing;
using Microsoft.AspNetCore.Builder;

namespace GitOps.Pipelines.Webhooks.Tests.ImageUpdates;

/// <summary>
/// Image-updater mode over the embedded chain: a temp app folder with gitops.yaml and the sample runtime repo, the local
/// forge and the local sync; registry pushes arrive as CNCF distribution notifications with the registry secret.
/// </summary>
public sealed class ImageUpdaterTests : IAsyncLifetime, IDisposable
{
    private const string RegistrySecret = "registry-secret-for-tests";
    private readonly TempDir _dir = new("gitops-image-updates");
    private WebApplication? _app;
    private HttpClient? _http;
    private GitOpsConfig _config = null!;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        if (_app is not null) await _app.DisposeAsync();
    }

    public void Dispose() => _dir.Dispose();

    private async Task StartAsync(string staging)
    {
        CopyTree(Path.Combine(Paths.RepoRoot, "examples", "runtime"), _dir.Combine("examples", "runtime"));
        var yaml = $$"""
            image:
              name: localhost/hello
              registry: oci:.gitops/registry
              tags: { strategy: semver }
            runtime: { url: .gitops/runtime.git, seed: examples/runtime, branch: main, forge: local }
            environments:
              - name: staging
                path: overlays/staging
                editor: kustomize
                gate: pr
            {{staging}}
            sync: { kind: local, timeout: 20s }
            webhook:
              imageUpdates:
                - { image: localhost/hello, environment: staging }
            """;
        File.WriteAllText(_dir.Combine("gitops.yaml"), yaml);
        _config = GitOpsConfigLoader.Load(_dir.Combine("gitops.yaml"));
        _app = WebhookEndpoints.Build(_config, WebhookHost.Secret, ["--urls", "http://127.0.0.1:0"], quiet: true,
            o => o with { RegistrySecret = RegistrySecret, DebounceWindow = TimeSpan.FromMilliseconds(10), DebounceJitter = TimeSpan.Zero });
        await _app.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(_app.Urls.First()) };
    }

    private static string Digest(string tag) => "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(tag)));

    /// <summary>The fixture notification with its first (manifest) event pushed as localhost/hello:TAG.</summary>
    private async Task<HttpResponseMessage> PushAsync(string tag, string? secret = RegistrySecret)
    {
        var node = JsonNode.Parse(Payloads.Registry("distribution-push.json"))!;
        var events = node["events"]!.AsArray();
        var target = events[0]!["target"]!;
        target["repository"] = "hello";
        target["tag"] = tag;
        target["digest"] = Digest(tag);
        events[0]!["id"] = Guid.NewGuid().ToString();
        events[0]!["request"]!["host"] = "localhost";
        var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/registry/distribution") { Content = new StringContent(node.ToJsonString()) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/vnd.docker.distribution.events.v2+json");
        if (secret is not null) request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + secret);
        return await _http!.SendAsync(request);
    }

    private async Task<IReadOnlyList<PullRequest>> OpenPullRequestsAsync() =>
        await DeployerFactory.LocalForge(_config).ListAsync(PullRequestState.Open);

    private string ShowOnBranch(string branch) =>
        Run.Git(_dir.Path, "--git-dir", _dir.Combine(".gitops", "runtime.git"), "show", $"{branch}:overlays/staging/kustomization.yaml");

    [Fact]
    public async Task A_push_of_a_newer_tag_opens_the_bump_PR_pinning_tag_and_digest()
    {
        // Given staging needs an approval, so the PR stays open
        await StartAsync("    approvals: 1");

        // When the registry notifies a push of localhost/hello:1.2.3
        var response = await PushAsync("1.2.3");

        // Then one PR is opened whose branch sets newTag 1.2.3 with its digest
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await WebhookHost.WaitUntilAsync(async () => (await OpenPullRequestsAsync()).Count == 1, TimeSpan.FromSeconds(30), "the bump PR");
        var pr = (await OpenPullRequestsAsync()).Single();
        Assert.Equal("staging: deploy localhost/hello:1.2.3", pr.Title);
        var file = ShowOnBranch(pr.Head);
        Assert.Contains("newTag: \"1.2.3\"", file);
        Assert.Contains("digest: " + Digest("1.2.3"), file);
    }

    [Fact]
    public async Task A_burst_of_pushes_opens_one_PR_at_the_tag_the_semver_policy_picks()
    {
        await StartAsync("    approvals: 1");

        foreach (var tag in new[] { "1.2.0", "1.3.0", "1.2.5", "1.3.0", "1.3.0-rc.1" })
            Assert.Equal(HttpStatusCode.Accepted, (await PushAsync(tag)).StatusCode);

        // every push handled: the journal is empty again
        await WebhookHost.WaitUntilAsync(async () => (await _http!.GetStringAsync("/metrics")).Contains("gitops_webhook_journal_depth 0", StringComparison.Ordinal)
            && (await OpenPullRequestsAsync()).Count > 0, TimeSpan.FromSeconds(60), "the pushes to be handled");
        var pr = Assert.Single(await OpenPullRequestsAsync());
        Assert.Equal("staging: deploy localhost/hello:1.3.0", pr.Title);
        var file = ShowOnBranch(pr.Head);
        Assert.Contains("newTag: \"1.3.0\"", file);
        Assert.Contains("digest: " + Digest("1.3.0"), file);
    }

    [Fact]
    public async Task An_auto_merged_bump_is_synced_by_the_service_itself()
    {
        // Given staging merges its bumps automatically
        await StartAsync("    autoMerge: true\n    approvals: 0");

        // When 2.0.0 is pushed
        Assert.Equal(HttpStatusCode.Accepted, (await PushAsync("2.0.0")).StatusCode);

        // Then the PR was merged and the merge webhook came back here: the local sync renders 2.0.0
        var sync = DeployerFactory.LocalSync(_config);
        await WebhookHost.WaitUntilAsync(async () => (await sync.GetAsync("staging"))?.Images.Any(i => i.Tag == "2.0.0") == true,
            TimeSpan.FromSeconds(60), "staging to run 2.0.0");
        Assert.Empty(await OpenPullRequestsAsync());
        Assert.Equal(PullRequestState.Merged, Assert.Single(await DeployerFactory.LocalForge(_config).ListAsync()).State);
    }

    [Fact]
    public async Task A_push_without_the_registry_secret_is_refused_and_opens_nothing()
    {
        await StartAsync("    approvals: 1");

        var response = await PushAsync("9.9.9", secret: "wrong");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await Task.Delay(300);
        Assert.Empty(await OpenPullRequestsAsync());
    }

    private static void CopyTree(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}

/// <summary>Which pushes are of a configured image.</summary>
public sealed class ImageMatchTests
{
    [Theory]
    [InlineData("localhost/hello", "localhost", "hello", true)]
    [InlineData("ghcr.io/acme/hello", "ghcr.io", "acme/hello", true)]
    [InlineData("acme/hello", "ghcr.io", "acme/hello", true)]
    [InlineData("nginx", "docker.io", "library/nginx", true)]
    [InlineData("ghcr.io/acme/hello", "ghcr.io", "acme/other", false)]
    [InlineData("ghcr.io/acme/hello", "quay.io", "acme/hello", false)]
    public void A_push_matches_by_repository_with_or_without_the_registry(string image, string registry, string repository, bool matches) =>
        Assert.Equal(matches, ImageUpdater.Matches(image, new ImagePushed(registry, repository, "1.0.0", null)));
}

/// <summary><c>webhook.imageUpdates</c> in gitops.yaml.</summary>
public sealed class ImageUpdatesConfigTests
{
    private const string Head = "image: { name: hello }\nenvironments:\n  - name: staging\n    path: s\n";

    [Fact]
    public void Entries_are_read_in_order()
    {
        using var dir = new TempDir("gitops-config");
        var config = GitOpsConfigLoader.Parse(Head + "webhook:\n  imageUpdates:\n    - { image: ghcr.io/acme/hello, environment: staging }\n    - image: hello\n      environment: staging\n",
            "gitops.yaml", dir.Path);

        Assert.Equal([new ImageUpdateConfig("ghcr.io/acme/hello", "staging"), new ImageUpdateConfig("hello", "staging")], config.Webhook.ImageUpdates);
    }

    [Fact]
    public void None_configured_is_an_empty_list()
    {
        using var dir = new TempDir("gitops-config");
        Assert.Empty(GitOpsConfigLoader.Parse(Head, "gitops.yaml", dir.Path).Webhook.ImageUpdates);
    }

    [Theory]
    [InlineData("    - { image: hello, environment: prod }\n", "gitops.yaml:7:", "webhook.imageUpdates[0].environment: no environment 'prod' (known: staging)")]
    [InlineData("    - { environment: staging }\n", "gitops.yaml:7:", "webhook.imageUpdates[0]")]
    [InlineData("    - hello\n", "gitops.yaml:7:", "webhook.imageUpdates[0]: must be a mapping")]
    [InlineData("    - { image: hello, environment: staging, tag: x }\n", "gitops.yaml:7:", "tag")]
    public void A_bad_entry_names_file_line_and_key(string entry, string at, string message)
    {
        using var dir = new TempDir("gitops-config");
        var e = Assert.Throws<GitOpsException>(() => GitOpsConfigLoader.Parse(Head + "webhook:\n  imageUpdates:\n" + entry, "gitops.yaml", dir.Path));
        Assert.StartsWith(at, e.Message);
        Assert.Contains(message, e.Message);
    }
}
