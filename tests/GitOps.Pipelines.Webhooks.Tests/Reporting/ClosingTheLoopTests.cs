using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using GitOps.Pipelines.Configuration;
using GitOps.Pipelines.Forges.GitLab;
using GitOps.Pipelines.Sync;
using GitOps.Pipelines.TestKit;
using GitOps.Pipelines.Tests.Forges.Stubs;
using GitOps.Pipelines.Tests.Kubernetes;
using GitOps.Pipelines.Tests.Kubernetes.ApiStub;
using GitOps.Pipelines.Webhooks.GitHub;
using GitOps.Pipelines.Webhooks.Reporting;
using Microsoft.AspNetCore.Builder;

namespace GitOps.Pipelines.Webhooks.Tests.Reporting;

/// <summary>
/// After a merge: the service watches the Argo CD Application (the Kubernetes API stub) and reports back on the
/// forge (the forge HTTP stub), as <c>gitops serve</c> builds it from gitops.yaml.
/// </summary>
public sealed class ClosingTheLoopTests : IAsyncLifetime, IDisposable
{
    private const string Runtime = "https://github.com/acme/runtime.git";
    private const string Merge = "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432";
    private const string Token = "ghp-loop-test-token-never-shown";
    private const string StatusesPath = "/repos/acme/runtime/statuses/" + Merge;
    private const string CommentsPath = "/repos/acme/runtime/issues/2/comments"; // the fixture PR is #2
    private readonly string _tokenVariable = "GITOPS_LOOP_TEST_TOKEN_" + Guid.NewGuid().ToString("N");
    private readonly TempDir _dir = new("gitops-loop");
    private readonly ForgeStub _forge = new("/api/v3");
    private KubernetesApiStub _kube = null!;
    private WebApplication? _app;
    private HttpClient? _http;

    public async Task InitializeAsync()
    {
        _kube = await KubernetesApiStub.StartAsync();
        _kube.CreateYaml(await File.ReadAllTextAsync(Paths.Fixture("argocd/application-with-status.yaml")));
        StubClients.WriteKubeconfig(_dir, _kube, "t0ken");
        Environment.SetEnvironmentVariable(_tokenVariable, Token);
        _forge.On("POST", StatusesPath, StubResponse.Json(201, """{"id":1,"state":"pending","context":"gitops/staging"}"""));
        _forge.On("POST", CommentsPath, StubResponse.Json(201, """{"id":7,"body":"ok"}"""));
        _forge.On("POST", "/repos/acme/runtime/deployments", StubResponse.Json(201, $$"""{"id":42,"sha":"{{Merge}}","ref":"{{Merge}}","environment":"staging"}"""));
        _forge.On("POST", "/repos/acme/runtime/deployments/42/statuses", StubResponse.Json(201, """{"id":1,"state":"in_progress"}"""));
    }

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        if (_app is not null) await _app.DisposeAsync();
        await _kube.DisposeAsync();
        Environment.SetEnvironmentVariable(_tokenVariable, null);
    }

    public void Dispose()
    {
        _forge.Dispose();
        _dir.Dispose();
    }

    private async Task StartAsync(string timeout = "30s", string report = "status")
    {
        var config = GitOpsConfigLoader.Parse($$"""
            image: { name: hello }
            runtime: { url: "{{Runtime}}", branch: main, forge: github, apiUrl: "{{_forge.BaseUrl}}", tokenEnv: {{_tokenVariable}} }
            sync: { kind: argocd, kubeconfig: kubeconfig, timeout: {{timeout}} }
            webhook: { report: {{report}} }
            environments:
              - name: staging
                path: overlays/staging
                target: { name: velero-test, namespace: argo-cd }
            """, "gitops.yaml", _dir.Path);
        _app = WebhookEndpoints.Build(config, WebhookHost.Secret, ["--urls", "http://127.0.0.1:0"], quiet: true);
        await _app.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(_app.Urls.First()) };
    }

    private async Task<HttpResponseMessage> DeliverMergeAsync()
    {
        var body = Payloads.Merged(Merge, Runtime, "main");
        return await _http!.SendAsync(WebhookHost.GitHubRequest("pull_request", body));
    }

    private void ArgoCdReports(string revision, string health, string? message = null) =>
        _kube.SetStatus(StubResource.Application, "argo-cd", "velero-test", new JsonObject
        {
            ["sync"] = new JsonObject { ["status"] = "Synced", ["revision"] = revision },
            ["health"] = message is null ? new JsonObject { ["status"] = health } : new JsonObject { ["status"] = health, ["message"] = message },
            ["summary"] = new JsonObject { ["images"] = new JsonArray("ghcr.io/acme/hello:1.4.2") },
            ["reconciledAt"] = "2026-11-22T04:00:00Z",
        });

    private List<JsonElement> Statuses() =>
        [.. _forge.RequestsTo("POST", StatusesPath).Select(r => JsonDocument.Parse(r.Body).RootElement)];

    private Task WaitForAsync(string path, int count) =>
        WebhookHost.WaitUntilAsync(() => _forge.RequestsTo("POST", path).Count >= count, TimeSpan.FromSeconds(15), $"{count} POST {path}");

    [Fact]
    public async Task A_merge_reports_pending_then_success_when_the_application_is_synced_and_healthy_at_the_merge_commit()
    {
        // Given the service for an Argo CD Application and a GitHub runtime repo
        await StartAsync();

        // When the merge is delivered
        var response = await DeliverMergeAsync();

        // Then a pending gitops/staging status is set on the merge commit right after the trigger
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await WaitForAsync(StatusesPath, 1);
        var pending = Statuses()[0];
        Assert.Equal("pending", pending.GetProperty("state").GetString());
        Assert.Equal("gitops/staging", pending.GetProperty("context").GetString());
        Assert.Contains("waiting", pending.GetProperty("description").GetString());
        Assert.Empty(_forge.RequestsTo("POST", CommentsPath));

        // When Argo CD reports the Application Synced and Healthy at the merge commit
        ArgoCdReports(Merge, "Healthy");

        // Then success is reported, and the PR gets a comment: environment × image × revision × health
        await WaitForAsync(StatusesPath, 2);
        await WaitForAsync(CommentsPath, 1);
        var done = Statuses()[1];
        Assert.Equal("success", done.GetProperty("state").GetString());
        Assert.Equal("gitops/staging", done.GetProperty("context").GetString());
        var comment = JsonDocument.Parse(_forge.RequestsTo("POST", CommentsPath)[0].Body).RootElement.GetProperty("body").GetString()!;
        Assert.Contains("| staging | ghcr.io/acme/hello:1.4.2 | 9f8e7d6c5b4a | Healthy | success |", comment);
        Assert.Contains("succeeded", comment);
        // authenticated with the forge token, which appears in no body
        Assert.All(_forge.Requests, r => Assert.Equal("Bearer " + Token, r.Headers.First(h => h.Key.Equals("Authorization", StringComparison.OrdinalIgnoreCase)).Value));
        Assert.All(_forge.Requests, r => Assert.DoesNotContain(Token, r.Body));
    }

    [Fact]
    public async Task A_degraded_application_is_reported_as_failure_saying_why()
    {
        await StartAsync();

        Assert.Equal(HttpStatusCode.OK, (await DeliverMergeAsync()).StatusCode);
        await WaitForAsync(StatusesPath, 1);
        ArgoCdReports(Merge, "Degraded", "Deployment hello: ProgressDeadlineExceeded");

        await WaitForAsync(StatusesPath, 2);
        await WaitForAsync(CommentsPath, 1);
        var done = Statuses()[1];
        Assert.Equal("failure", done.GetProperty("state").GetString());
        Assert.Contains("Degraded", done.GetProperty("description").GetString());
        Assert.True(done.GetProperty("description").GetString()!.Length <= 140);
        var comment = JsonDocument.Parse(_forge.RequestsTo("POST", CommentsPath)[0].Body).RootElement.GetProperty("body").GetString()!;
        Assert.Contains("| staging | ghcr.io/acme/hello:1.4.2 | 9f8e7d6c5b4a | Degraded | failure |", comment);
        Assert.Contains("ProgressDeadlineExceeded", comment);
    }

    [Fact]
    public async Task An_application_that_never_reaches_the_revision_is_reported_as_failure_after_the_timeout()
    {
        await StartAsync(timeout: "1s");

        Assert.Equal(HttpStatusCode.OK, (await DeliverMergeAsync()).StatusCode);
        // Argo CD keeps reporting the old revision as healthy
        await WaitForAsync(StatusesPath, 2);

        var done = Statuses()[1];
        Assert.Equal("failure", done.GetProperty("state").GetString());
        Assert.Contains("did not reach revision", done.GetProperty("description").GetString());
        Assert.Contains("within 1s", done.GetProperty("description").GetString());
    }

    [Fact]
    public async Task RBAC_forbidden_is_reported_as_error_saying_why_without_the_cluster_token()
    {
        await StartAsync();
        _kube.Fail(403, verb: "get");

        var response = await DeliverMergeAsync();

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        await WaitForAsync(StatusesPath, 1);
        await WaitForAsync(CommentsPath, 1);
        var status = Statuses().Single();
        Assert.Equal("error", status.GetProperty("state").GetString());
        var description = status.GetProperty("description").GetString()!;
        Assert.Contains("403", description);
        Assert.DoesNotContain("t0ken", description);
        Assert.Contains("| staging | – | – | – | error |", JsonDocument.Parse(_forge.RequestsTo("POST", CommentsPath)[0].Body).RootElement.GetProperty("body").GetString());
    }

    [Fact]
    public async Task After_a_failed_trigger_the_redelivery_is_followed_again_to_success()
    {
        await StartAsync();
        _kube.Fail(403, verb: "get");
        Assert.Equal(HttpStatusCode.BadGateway, (await DeliverMergeAsync()).StatusCode);
        await WaitForAsync(CommentsPath, 1);

        // RBAC fixed; GitHub redelivers (a new delivery id) and Argo CD gets there
        _kube.Heal();
        Assert.Equal(HttpStatusCode.OK, (await DeliverMergeAsync()).StatusCode);
        await WaitForAsync(StatusesPath, 2);
        ArgoCdReports(Merge, "Healthy");
        await WaitForAsync(CommentsPath, 2);

        Assert.Equal(["error", "pending", "success"], Statuses().Select(s => s.GetProperty("state").GetString()));
    }

    [Fact]
    public async Task In_deployment_mode_a_deployment_is_created_on_the_merge_commit_with_in_progress_then_success()
    {
        await StartAsync(report: "deployment");

        Assert.Equal(HttpStatusCode.OK, (await DeliverMergeAsync()).StatusCode);
        await WaitForAsync("/repos/acme/runtime/deployments/42/statuses", 1);
        ArgoCdReports(Merge, "Healthy");
        await WaitForAsync("/repos/acme/runtime/deployments/42/statuses", 2);
        await WaitForAsync(CommentsPath, 1);

        var deployment = JsonDocument.Parse(_forge.RequestsTo("POST", "/repos/acme/runtime/deployments").Single().Body).RootElement;
        Assert.Equal(Merge, deployment.GetProperty("ref").GetString());
        Assert.Equal("staging", deployment.GetProperty("environment").GetString());
        Assert.False(deployment.GetProperty("auto_merge").GetBoolean());
        Assert.Equal(0, deployment.GetProperty("required_contexts").GetArrayLength());
        var states = _forge.RequestsTo("POST", "/repos/acme/runtime/deployments/42/statuses")
            .Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("state").GetString()).ToList();
        Assert.Equal(["in_progress", "success"], states);
        Assert.Empty(Statuses());
    }

    [Fact]
    public async Task A_redelivered_merge_is_reported_once()
    {
        await StartAsync();

        // the same merge delivered twice (two deliveries, e.g. a manual redelivery)
        Assert.Equal(HttpStatusCode.OK, (await DeliverMergeAsync()).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await DeliverMergeAsync()).StatusCode);
        ArgoCdReports(Merge, "Healthy");
        await WaitForAsync(CommentsPath, 1);
        await Task.Delay(300);

        Assert.Single(_forge.RequestsTo("POST", CommentsPath));
        Assert.Equal(2, Statuses().Count);
    }
}

/// <summary>A merged GitLab MR goes through the journal; its environments are watched and reported with a commit status and an MR note.</summary>
public sealed class GitLabClosingTheLoopTests : IAsyncLifetime, IDisposable
{
    private const string Merge = "78a76ee6b4992a6baf64c59fc4c44c7323d60438"; // merge_request.merged.json
    private const string StatusesPath = "/projects/gitlab-org%2Fhello-world/statuses/" + Merge;
    private const string NotesPath = "/projects/gitlab-org%2Fhello-world/merge_requests/1/notes";
    private readonly TempDir _dir = new("gitops-loop-gitlab");
    private readonly ForgeStub _forge = new("/api/v4");
    private readonly HttpClient _forgeHttp = new();
    private KubernetesApiStub _kube = null!;
    private GitOps.Pipelines.Kubernetes.KubernetesClient _client = null!;
    private WebhookHost _host = null!;

    public async Task InitializeAsync()
    {
        _kube = await KubernetesApiStub.StartAsync();
        _kube.CreateYaml(await File.ReadAllTextAsync(Paths.Fixture("argocd/application-with-status.yaml")));
        _client = StubClients.For(_dir, _kube);
        _forge.On("POST", StatusesPath, StubResponse.Json(201, $$"""{"id":1,"sha":"{{Merge}}","status":"running","name":"gitops/staging"}"""));
        _forge.On("POST", NotesPath, StubResponse.Json(201, """{"id":3,"body":"ok"}"""));
        var sync = new ArgoCdSync(_client, new ArgoCdSyncOptions(new Dictionary<string, ArgoCdApplicationRef> { ["staging"] = new("argo-cd", "velero-test") }));
        var reporter = new GitLabDeploymentReporter(new GitLabClient(_forge.BaseUrl, "glpat-loop-test", GitLabTokenKind.Private, _forgeHttp), "gitlab-org/hello-world");
        _host = await WebhookHost.StartAsync(new WebhookServiceOptions
        {
            GitHubSecret = WebhookHost.Secret,
            GitLabToken = WebhookHost.GitLabToken,
            DebounceWindow = TimeSpan.FromMilliseconds(10),
            DebounceJitter = TimeSpan.Zero,
            Routes = [new WebhookRoute("https://gitlab.com/gitlab-org/hello-world.git", "master", ["staging"])],
        }, sync, observer: sync, reporter: reporter);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _client.Dispose();
        await _kube.DisposeAsync();
    }

    public void Dispose()
    {
        _forgeHttp.Dispose();
        _forge.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task A_merged_MR_gets_running_then_success_and_a_note_once_the_application_is_healthy_at_the_merge_commit()
    {
        var response = await _host.DeliverGitLabAsync("Merge Request Hook", Payloads.GitLab("merge_request.merged.json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await WebhookHost.WaitUntilAsync(() => _forge.RequestsTo("POST", StatusesPath).Count >= 1, TimeSpan.FromSeconds(15), "the running status");
        _kube.SetStatus(StubResource.Application, "argo-cd", "velero-test", new JsonObject
        {
            ["sync"] = new JsonObject { ["status"] = "Synced", ["revision"] = Merge },
            ["health"] = new JsonObject { ["status"] = "Healthy" },
        });
        await WebhookHost.WaitUntilAsync(() => _forge.RequestsTo("POST", NotesPath).Count >= 1, TimeSpan.FromSeconds(15), "the MR note");

        var statuses = _forge.RequestsTo("POST", StatusesPath).Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();
        Assert.Equal(["running", "success"], statuses.Select(s => s.GetProperty("state").GetString()));
        Assert.All(statuses, s => Assert.Equal("gitops/staging", s.GetProperty("name").GetString()));
        var note = JsonDocument.Parse(_forge.RequestsTo("POST", NotesPath).Single().Body).RootElement.GetProperty("body").GetString()!;
        Assert.Contains("| staging | – | 78a76ee6b499 | Healthy | success |", note);
        Assert.All(_forge.Requests, r => Assert.Equal("glpat-loop-test", r.Headers.First(h => h.Key.Equals("PRIVATE-TOKEN", StringComparison.OrdinalIgnoreCase)).Value));
    }

    [Fact]
    public async Task A_degraded_application_fails_the_commit_status_and_the_note_says_why()
    {
        await _host.DeliverGitLabAsync("Merge Request Hook", Payloads.GitLab("merge_request.merged.json"));
        await WebhookHost.WaitUntilAsync(() => _forge.RequestsTo("POST", StatusesPath).Count >= 1, TimeSpan.FromSeconds(15), "the running status");
        _kube.SetStatus(StubResource.Application, "argo-cd", "velero-test", new JsonObject
        {
            ["sync"] = new JsonObject { ["status"] = "Synced", ["revision"] = Merge },
            ["health"] = new JsonObject { ["status"] = "Degraded", ["message"] = "CrashLoopBackOff" },
        });
        await WebhookHost.WaitUntilAsync(() => _forge.RequestsTo("POST", NotesPath).Count >= 1, TimeSpan.FromSeconds(15), "the MR note");

        var last = JsonDocument.Parse(_forge.RequestsTo("POST", StatusesPath)[^1].Body).RootElement;
        Assert.Equal("failed", last.GetProperty("state").GetString());
        Assert.Contains("Degraded", last.GetProperty("description").GetString());
        Assert.Contains("CrashLoopBackOff", JsonDocument.Parse(_forge.RequestsTo("POST", NotesPath).Single().Body).RootElement.GetProperty("body").GetString());
    }
}
