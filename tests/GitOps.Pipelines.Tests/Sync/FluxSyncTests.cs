using System.Text.Json.Nodes;
using GitOps.Pipelines.Kubernetes;
using GitOps.Pipelines.Sync;
using GitOps.Pipelines.TestKit;
using GitOps.Pipelines.Tests.Kubernetes;
using GitOps.Pipelines.Tests.Kubernetes.ApiStub;

namespace GitOps.Pipelines.Tests.Sync;

public sealed class FluxSyncTests : IAsyncLifetime, IDisposable
{
    private const string Ns = "default";
    private const string Name = "podinfo";
    private const string Merged = "450796ddb2ab6724ee1cc32a4be56da032d1cca0";
    private readonly TempDir _dir = new("gitops-flux");
    private readonly List<KubernetesClient> _clients = [];
    private KubernetesApiStub _stub = null!;
    private IReadOnlyList<JsonObject> _fixture = null!;

    public async Task InitializeAsync()
    {
        _stub = await KubernetesApiStub.StartAsync();
        // Documents 1 and 2: the GitRepository and the Kustomization (3 and 4 are statuses applied by the tests).
        _fixture = YamlJson.Documents(await File.ReadAllTextAsync(Paths.Fixture("flux/kustomization-example.yaml")));
        _stub.Create(_fixture[0]);
        _stub.Create(_fixture[1]);
    }

    public async Task DisposeAsync()
    {
        foreach (var c in _clients) c.Dispose();
        await _stub.DisposeAsync();
    }

    public void Dispose() => _dir.Dispose();

    private FluxSync NewSync(bool withSource = true)
    {
        var client = StubClients.For(_dir, _stub);
        _clients.Add(client);
        return new FluxSync(client, new FluxSyncOptions(new Dictionary<string, FluxTarget>
        {
            ["staging"] = new(new FluxObjectRef("Kustomization", Ns, Name), withSource ? new FluxObjectRef("GitRepository", Ns, Name) : null),
        }));
    }

    private static SyncRequest Request(string revision = Merged) => new("staging", revision, "https://github.com/stefanprodan/podinfo");

    private JsonObject Kustomization() => _stub.Get(StubResource.Kustomization, Ns, Name)!;

    /// <summary>The fixture's Ready=True status (document 3) as kustomize-controller writes it after handling a request.</summary>
    private JsonObject ReadyStatus(string? handled)
    {
        var status = (JsonObject)_fixture[2]["status"]!.DeepClone();
        status["lastAppliedRevision"] = $"master@sha1:{Merged}";
        status["lastAttemptedRevision"] = $"master@sha1:{Merged}";
        status["observedGeneration"] = 1;
        if (handled is not null) status["lastHandledReconcileAt"] = handled;
        return status;
    }

    /// <summary>The fixture's failing status (document 4), observed at the current generation.</summary>
    private JsonObject FailingStatus(string? handled)
    {
        var status = (JsonObject)_fixture[3]["status"]!.DeepClone();
        status["observedGeneration"] = 1;
        if (handled is not null) status["lastHandledReconcileAt"] = handled;
        return status;
    }

    public sealed class TriggerAsync : IAsyncLifetime, IDisposable
    {
        private readonly FluxSyncTests _t = new();
        public Task InitializeAsync() => _t.InitializeAsync();
        public Task DisposeAsync() => _t.DisposeAsync();
        public void Dispose() => _t.Dispose();

        [Fact]
        public async Task Annotates_the_source_then_the_kustomization_with_the_revision()
        {
            await _t.NewSync().TriggerAsync(Request());

            var patches = _t._stub.Requests.Where(r => r.Method == "PATCH").Select(r => r.Path).ToList();
            Assert.Equal([
                "/apis/source.toolkit.fluxcd.io/v1/namespaces/default/gitrepositories/podinfo",
                "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/default/kustomizations/podinfo"], patches);
            Assert.Equal(Merged, (string?)_t.Kustomization()["metadata"]!["annotations"]![FluxSync.RequestedAtAnnotation]);
            Assert.Equal(Merged, (string?)_t._stub.Get(StubResource.GitRepository, Ns, Name)!["metadata"]!["annotations"]![FluxSync.RequestedAtAnnotation]);
            // An annotation is not spec: the generation stays
            Assert.Equal(1L, (long?)_t.Kustomization()["metadata"]!["generation"]);
        }

        [Fact]
        public async Task Replicas_handling_one_delivery_write_the_same_token_so_flux_reconciles_once()
        {
            var before = _t._stub.ResourceVersion;

            await Task.WhenAll(_t.NewSync().TriggerAsync(Request()), _t.NewSync().TriggerAsync(Request()));
            await _t.NewSync().TriggerAsync(Request());

            // One write per object: the later patches set the value already there, which the API does not write
            Assert.Equal(before + 2, _t._stub.ResourceVersion);
        }

        [Fact]
        public async Task A_missing_kustomization_is_a_not_found_naming_it()
        {
            var client = StubClients.For(_t._dir, _t._stub);
            _t._clients.Add(client);
            var sync = new FluxSync(client, new FluxSyncOptions(new Dictionary<string, FluxTarget>
            {
                ["staging"] = new(new FluxObjectRef("Kustomization", "flux-system", "apps")),
            }));
            var e = await Assert.ThrowsAsync<KubernetesApiException>(() => sync.TriggerAsync(Request()));
            Assert.Equal("patch kustomizations.kustomize.toolkit.fluxcd.io flux-system/apps: 404 Not Found: kustomizations.kustomize.toolkit.fluxcd.io \"apps\" not found", e.Message);
        }

        [Fact]
        public void A_workload_that_is_not_a_kustomization_or_helmrelease_is_refused()
        {
            using var client = StubClients.For(_t._dir, _t._stub);
            var e = Assert.Throws<GitOpsException>(() => new FluxSync(client, new FluxSyncOptions(new Dictionary<string, FluxTarget>
            {
                ["staging"] = new(new FluxObjectRef("GitRepository", Ns, Name)),
            })));
            Assert.Contains("must be a Kustomization or a HelmRelease", e.Message);
        }
    }

    public sealed class GetAsync : IAsyncLifetime, IDisposable
    {
        private readonly FluxSyncTests _t = new();
        public Task InitializeAsync() => _t.InitializeAsync();
        public Task DisposeAsync() => _t.DisposeAsync();
        public void Dispose() => _t.Dispose();

        [Fact]
        public async Task Is_null_before_the_first_apply()
        {
            Assert.Null(await _t.NewSync().GetAsync("staging"));
        }

        [Fact]
        public async Task Is_progressing_until_the_reconcile_request_is_handled_then_healthy()
        {
            var sync = _t.NewSync();
            await sync.TriggerAsync(Request());

            // Ready from before the request: not yet handled
            _t._stub.SetStatus(StubResource.Kustomization, Ns, Name, _t.ReadyStatus(handled: "older-token"));
            var pending = await sync.GetAsync("staging");
            Assert.Equal("Progressing", pending!.Health);
            Assert.Contains($"reconcile request '{Merged}' not yet handled", pending.Message);

            // Handled and Ready at the revision
            _t._stub.SetStatus(StubResource.Kustomization, Ns, Name, _t.ReadyStatus(handled: Merged));
            var ready = await sync.GetAsync("staging");
            Assert.Equal("Healthy", ready!.Health);
            Assert.Equal(Merged, ready.Revision);
            Assert.Equal(DateTimeOffset.Parse("2023-03-07T11:14:41Z", System.Globalization.CultureInfo.InvariantCulture), ready.SyncedAt);
        }

        [Fact]
        public async Task Is_progressing_while_a_new_generation_is_not_observed()
        {
            _t._stub.SetStatus(StubResource.Kustomization, Ns, Name, _t.ReadyStatus(handled: null));
            _t._stub.Update(StubResource.Kustomization, Ns, Name, o => o["metadata"]!["generation"] = 2L);

            var status = await _t.NewSync().GetAsync("staging");

            Assert.Equal("Progressing", status!.Health);
            Assert.Contains("generation 2 not yet observed (observed 1)", status.Message);
        }

        [Fact]
        public async Task The_fixtures_failing_status_is_degraded_at_the_attempted_revision()
        {
            _t._stub.SetStatus(StubResource.Kustomization, Ns, Name, _t.FailingStatus(handled: null));

            var status = await _t.NewSync().GetAsync("staging");

            Assert.Equal("Degraded", status!.Health);
            Assert.Equal("67e2c98a60dc92283531412a9e604dd4bae005a9", status.Revision);
            Assert.StartsWith("ArtifactFailed: kustomization path not found", status.Message);
        }

        [Fact]
        public async Task A_status_written_to_the_main_resource_is_ignored_as_the_api_does()
        {
            // The Flux CRDs have a status subresource: a patch of the object cannot change its status
            using var client = StubClients.For(_t._dir, _t._stub);
            await client.PatchAsync(CustomResource.FluxKustomization, Ns, Name, new JsonObject { ["status"] = _t.ReadyStatus(null) });
            Assert.Null(await _t.NewSync().GetAsync("staging"));
        }
    }

    public sealed class Waiting : IAsyncLifetime, IDisposable
    {
        private readonly FluxSyncTests _t = new();
        public Task InitializeAsync() => _t.InitializeAsync();
        public Task DisposeAsync() => _t.DisposeAsync();
        public void Dispose() => _t.Dispose();

        [Fact]
        public async Task Watching_returns_when_kustomize_controller_reports_ready_at_the_revision()
        {
            var sync = _t.NewSync();
            await sync.TriggerAsync(Request());
            var controller = Task.Run(async () =>
            {
                await Task.Delay(100);
                var reconciling = new JsonObject
                {
                    ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "Unknown", ["reason"] = "Progressing", ["message"] = "Reconciliation in progress" }),
                    ["lastAttemptedRevision"] = $"master@sha1:{Merged}",
                    ["observedGeneration"] = 1,
                };
                _t._stub.SetStatus(StubResource.Kustomization, Ns, Name, reconciling);
                await Task.Delay(100);
                _t._stub.SetStatus(StubResource.Kustomization, Ns, Name, _t.ReadyStatus(handled: Merged));
            });

            var status = await sync.WatchForRevisionAsync("staging", Merged, TimeSpan.FromSeconds(20));

            await controller;
            Assert.Equal("Healthy", status.Health);
        }

        [Fact]
        public async Task Polling_fails_fast_on_the_fixtures_failing_status_at_that_revision()
        {
            var sync = _t.NewSync();
            _t._stub.SetStatus(StubResource.Kustomization, Ns, Name, _t.FailingStatus(handled: null));

            var e = await Assert.ThrowsAsync<GitOpsException>(() =>
                sync.WaitForRevisionAsync("staging", "67e2c98a60dc92283531412a9e604dd4bae005a9", TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(20)));

            Assert.Equal(ExitCode.NotVerified, e.Code);
            Assert.Contains("kustomization path not found", e.Message);
        }
    }

    public sealed class CommitOf
    {
        [Theory]
        [InlineData("master@sha1:450796ddb2ab6724ee1cc32a4be56da032d1cca0", "450796ddb2ab6724ee1cc32a4be56da032d1cca0")]
        [InlineData("sha1:450796ddb2ab6724ee1cc32a4be56da032d1cca0", "450796ddb2ab6724ee1cc32a4be56da032d1cca0")]
        [InlineData("master/67e2c98a60dc92283531412a9e604dd4bae005a9", "67e2c98a60dc92283531412a9e604dd4bae005a9")]
        [InlineData("refs/heads/main@sha1:abc1234", "abc1234")]
        [InlineData("latest@sha256:6f0a", "sha256:6f0a")]
        [InlineData("abc1234", "abc1234")]
        public void Reduces_a_flux_revision_to_the_commit(string revision, string expected) =>
            Assert.Equal(expected, FluxSync.CommitOf(revision));
    }
}
