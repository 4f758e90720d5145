using System.Net;
using System.Net.Http.Headers;
using GitOps.Pipelines.Configuration;
using GitOps.Pipelines.Sync;
using GitOps.Pipelines.TestKit;
using GitOps.Pipelines.Tests.Kubernetes;
using GitOps.Pipelines.Tests.Kubernetes.ApiStub;
using GitOps.Pipelines.Webhooks.GitHub;
using Microsoft.AspNetCore.Builder;

namespace GitOps.Pipelines.Webhooks.Tests;

/// <summary>The service as <c>gitops serve</c> builds it for a gitops.yaml with sync.kind argocd or flux, against the API stub.</summary>
public sealed class ClusterSyncServiceTests : IAsyncLifetime, IDisposable
{
    private const string Runtime = "https://github.com/acme/runtime.git";
    private const string Merge = "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432";
    private readonly TempDir _dir = new("gitops-serve-kube");
    private KubernetesApiStub _stub = null!;
    private WebApplication? _app;
    private HttpClient? _http;

    public async Task InitializeAsync()
    {
        _stub = await KubernetesApiStub.StartAsync();
        _stub.CreateYaml(await File.ReadAllTextAsync(Paths.Fixture("argocd/application-with-status.yaml")));
        var flux = YamlJson.Documents(await File.ReadAllTextAsync(Paths.Fixture("flux/kustomization-example.yaml")));
        _stub.Create(flux[0]);
        _stub.Create(flux[1]);
        StubClients.WriteKubeconfig(_dir, _stub, "t0ken");
    }

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        if (_app is not null) await _app.DisposeAsync();
        await _stub.DisposeAsync();
    }

    public void Dispose() => _dir.Dispose();

    private async Task StartAsync(string sync, string target)
    {
        var config = GitOpsConfigLoader.Parse($$"""
            image: { name: hello }
            runtime: { url: "{{Runtime}}", branch: main }
            sync: {{sync}}
            environments:
              - name: staging
                path: overlays/staging
                target: {{target}}
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

    [Fact]
    public async Task A_merge_refreshes_and_syncs_the_environments_argo_cd_application()
    {
        // Given the service for sync.kind argocd with a kubeconfig beside gitops.yaml
        await StartAsync("{ kind: argocd, kubeconfig: kubeconfig, syncOperation: true }", "{ name: velero-test, namespace: argo-cd }");

        // When a merge to the runtime repo is delivered
        var response = await DeliverMergeAsync();

        // Then the Application was asked to refresh and sync at the merge commit
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var app = _stub.Get(StubResource.Application, "argo-cd", "velero-test")!;
        Assert.Equal("normal", (string?)app["metadata"]!["annotations"]![ArgoCdSync.RefreshAnnotation]);
        Assert.Equal(Merge, (string?)app["operation"]!["sync"]!["revision"]);
        Assert.All(_stub.Requests, r => Assert.Equal("Bearer t0ken", r.Authorization));
    }

    [Fact]
    public async Task A_merge_requests_a_flux_reconcile_of_the_source_and_the_kustomization()
    {
        await StartAsync("{ kind: flux, kubeconfig: kubeconfig }", "{ name: podinfo, namespace: default, source: { name: podinfo } }");

        var response = await DeliverMergeAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Merge, (string?)_stub.Get(StubResource.GitRepository, "default", "podinfo")!["metadata"]!["annotations"]![FluxSync.RequestedAtAnnotation]);
        Assert.Equal(Merge, (string?)_stub.Get(StubResource.Kustomization, "default", "podinfo")!["metadata"]!["annotations"]![FluxSync.RequestedAtAnnotation]);
    }

    [Fact]
    public async Task RBAC_forbidden_answers_502_with_the_clear_error_and_changes_nothing()
    {
        await StartAsync("{ kind: argocd, kubeconfig: kubeconfig }", "{ name: velero-test, namespace: argo-cd }");
        _stub.Fail(403, verb: "get");

        var response = await DeliverMergeAsync();

        var problem = await Replies.ProblemAsync(response, 502);
        var detail = problem.GetProperty("detail").GetString();
        Assert.Contains("staging: get applications.argoproj.io argo-cd/velero-test: 403 Forbidden", detail);
        Assert.Contains("RBAC", detail);
        Assert.DoesNotContain("t0ken", detail);
        Assert.Null(_stub.Get(StubResource.Application, "argo-cd", "velero-test")!["metadata"]!["annotations"]![ArgoCdSync.RefreshAnnotation]);
    }

    [Fact]
    public void A_missing_kubeconfig_fails_at_start_not_at_the_first_merge()
    {
        var config = GitOpsConfigLoader.Parse("image: { name: hello }\nsync: { kind: argocd, kubeconfig: nowhere/config }\nenvironments:\n  - name: staging\n    path: s\n",
            "gitops.yaml", _dir.Path);

        var e = Assert.Throws<GitOpsException>(() => WebhookEndpoints.Build(config, WebhookHost.Secret, [], quiet: true));

        Assert.Contains("kubeconfig", e.Message);
        Assert.Contains("not found", e.Message);
    }
}
