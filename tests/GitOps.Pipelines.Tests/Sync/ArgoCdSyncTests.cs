using System.Text.Json.Nodes;
using GitOps.Pipelines.Kubernetes;
using GitOps.Pipelines.Sync;
using GitOps.Pipelines.TestKit;
using GitOps.Pipelines.Tests.Kubernetes;
using GitOps.Pipelines.Tests.Kubernetes.ApiStub;

namespace GitOps.Pipelines.Tests.Sync;

public sealed class ArgoCdSyncTests : IAsyncLifetime, IDisposable
{
    private const string Ns = "argo-cd";
    private const string App = "velero-test";
    private const string Merged = "0123456789abcdef0123456789abcdef01234567";
    private readonly TempDir _dir = new("gitops-argocd");
    private readonly List<KubernetesClient> _clients = [];
    private KubernetesApiStub _stub = null!;

    public async Task InitializeAsync()
    {
        _stub = await KubernetesApiStub.StartAsync();
        _stub.CreateYaml(await File.ReadAllTextAsync(Paths.Fixture("argocd/application-with-status.yaml")));
    }

    public async Task DisposeAsync()
    {
        foreach (var c in _clients) c.Dispose();
        await _stub.DisposeAsync();
    }

    public void Dispose() => _dir.Dispose();

    private ArgoCdSync NewSync(bool syncOperation = false, string refresh = "normal")
    {
        var client = StubClients.For(_dir, _stub);
        _clients.Add(client);
        return new ArgoCdSync(client, new ArgoCdSyncOptions(new Dictionary<string, ArgoCdApplicationRef> { ["staging"] = new(Ns, App) })
        {
            SyncOperation = syncOperation,
            Refresh = refresh,
        });
    }

    private JsonObject Stored() => _stub.Get(StubResource.Application, Ns, App)!;

    private static SyncRequest Request(string revision = Merged) => new("staging", revision, "https://github.com/foo/manifests-velero.git");

    /// <summary>What Argo CD's controller does after a refresh: drops the annotation and reports the new state.</summary>
    private void Controller(string revision, string sync, string health, string? phase = null, string? message = null) =>
        _stub.Update(StubResource.Application, Ns, App, o =>
        {
            ((JsonObject)o["metadata"]!["annotations"]!).Remove(ArgoCdSync.RefreshAnnotation);
            var status = (JsonObject)o["status"]!;
            status["sync"]!["revision"] = revision;
            status["sync"]!["status"] = sync;
            status["health"] = new JsonObject { ["status"] = health };
            if (phase is not null)
            {
                status["operationState"]!["phase"] = phase;
                status["operationState"]!["message"] = message;
                status["operationState"]!["syncResult"]!["revision"] = revision;
            }
        });

    public sealed class TriggerAsync : IAsyncLifetime, IDisposable
    {
        private readonly ArgoCdSyncTests _t = new();
        public Task InitializeAsync() => _t.InitializeAsync();
        public Task DisposeAsync() => _t.DisposeAsync();
        public void Dispose() => _t.Dispose();

        [Fact]
        public async Task Asks_for_a_refresh_and_records_the_revision_without_starting_an_operation()
        {
            await _t.NewSync().TriggerAsync(Request());

            var annotations = _t.Stored()["metadata"]!["annotations"]!;
            Assert.Equal("normal", (string?)annotations[ArgoCdSync.RefreshAnnotation]);
            Assert.Equal(Merged, (string?)annotations[ArgoCdSync.RequestedRevisionAnnotation]);
            Assert.Equal("semver", (string?)annotations["argocd-image-updater.argoproj.io/update-strategy"]); // others kept
            Assert.Null(_t.Stored()["operation"]);
        }

        [Fact]
        public async Task Starts_a_sync_operation_at_the_revision_when_configured_with_a_hard_refresh()
        {
            await _t.NewSync(syncOperation: true, refresh: "hard").TriggerAsync(Request());

            var stored = _t.Stored();
            Assert.Equal("hard", (string?)stored["metadata"]!["annotations"]![ArgoCdSync.RefreshAnnotation]);
            Assert.Equal(Merged, (string?)stored["operation"]!["sync"]!["revision"]);
            Assert.Equal("gitops-pipelines", (string?)stored["operation"]!["initiatedBy"]!["username"]);
        }

        [Fact]
        public async Task The_same_revision_twice_refreshes_once()
        {
            var before = _t._stub.ResourceVersion;
            var sync = _t.NewSync();

            await sync.TriggerAsync(Request());
            _t.Controller(Merged, "Synced", "Healthy"); // Argo CD refreshed and removed its annotation
            await sync.TriggerAsync(Request());

            Assert.Equal(before + 2, _t._stub.ResourceVersion); // our patch and the controller's update, nothing more
            Assert.Equal(1, _t._stub.Requests.Count(r => r.Method == "PATCH"));
            Assert.Null(_t.Stored()["metadata"]!["annotations"]![ArgoCdSync.RefreshAnnotation]);
        }

        [Fact]
        public async Task Replicas_handling_one_delivery_at_once_write_once()
        {
            // Given three replicas, each with its own client
            var replicas = new[] { _t.NewSync(true), _t.NewSync(true), _t.NewSync(true) };
            var before = _t._stub.ResourceVersion;

            // When all trigger the same merge at the same time
            await Task.WhenAll(replicas.Select(r => r.TriggerAsync(Request())));

            // Then exactly one write happened: losers of the resourceVersion race read again and found it recorded
            Assert.Equal(before + 1, _t._stub.ResourceVersion);
            Assert.Equal(Merged, (string?)_t.Stored()["operation"]!["sync"]!["revision"]);
        }

        [Fact]
        public async Task A_replica_that_loses_the_race_reads_again_and_writes_nothing()
        {
            // Given another replica that writes the same request between this one's read and its patch
            var before = _t._stub.ResourceVersion;
            var raced = false;
            _t._stub.BeforePatch = _ =>
            {
                if (raced) return;
                raced = true;
                _t._stub.Update(StubResource.Application, Ns, App, o =>
                {
                    o["metadata"]!["annotations"]![ArgoCdSync.RefreshAnnotation] = "normal";
                    o["metadata"]!["annotations"]![ArgoCdSync.RequestedRevisionAnnotation] = Merged;
                    o["operation"] = new JsonObject { ["sync"] = new JsonObject { ["revision"] = Merged }, ["initiatedBy"] = new JsonObject { ["username"] = "other-replica" } };
                });
            };

            // When this replica triggers
            await _t.NewSync(syncOperation: true).TriggerAsync(Request());

            // Then its patch was refused (the resourceVersion it read is stale), it read again and stopped:
            // only the other replica's write happened
            Assert.Equal(before + 1, _t._stub.ResourceVersion);
            Assert.Equal(1, _t._stub.Requests.Count(r => r.Method == "PATCH"));
            Assert.Equal(2, _t._stub.Requests.Count(r => r.Method == "GET"));
            Assert.Equal("other-replica", (string?)_t.Stored()["operation"]!["initiatedBy"]!["username"]);
        }

        [Fact]
        public async Task A_new_revision_is_requested_again()
        {
            var sync = _t.NewSync();
            await sync.TriggerAsync(Request());
            _t.Controller(Merged, "Synced", "Healthy");

            await sync.TriggerAsync(Request("fedcba9876543210fedcba9876543210fedcba98"));

            Assert.Equal("normal", (string?)_t.Stored()["metadata"]!["annotations"]![ArgoCdSync.RefreshAnnotation]);
            Assert.Equal(2, _t._stub.Requests.Count(r => r.Method == "PATCH"));
        }

        [Fact]
        public async Task Forbidden_is_reported_with_the_application_and_the_missing_permission()
        {
            _t._stub.Fail(403, verb: "patch");
            var e = await Assert.ThrowsAsync<KubernetesApiException>(() => _t.NewSync().TriggerAsync(Request()));
            Assert.StartsWith("patch applications.argoproj.io argo-cd/velero-test: 403 Forbidden", e.Message);
            Assert.Contains("RBAC", e.Message);
        }

        [Fact]
        public async Task An_unknown_environment_names_the_configured_ones()
        {
            var e = await Assert.ThrowsAsync<GitOpsException>(() => _t.NewSync().TriggerAsync(Request() with { Environment = "prod" }));
            Assert.Equal(ExitCode.InvalidInput, e.Code);
            Assert.Contains("(known: staging)", e.Message);
        }
    }

    public sealed class GetAsync : IAsyncLifetime, IDisposable
    {
        private readonly ArgoCdSyncTests _t = new();
        public Task InitializeAsync() => _t.InitializeAsync();
        public Task DisposeAsync() => _t.DisposeAsync();
        public void Dispose() => _t.Dispose();

        [Fact]
        public async Task Reads_the_fixture_as_healthy_at_its_sync_revision_with_its_images()
        {
            var status = await _t.NewSync().GetAsync("staging");

            Assert.NotNull(status);
            Assert.Equal("rev1", status.Revision);
            Assert.Equal("Healthy", status.Health);
            Assert.Equal([new DeployedImage("nginx", "latest", null)], status.Images);
            Assert.Equal(DateTimeOffset.Parse("2024-03-05T07:33:04Z", System.Globalization.CultureInfo.InvariantCulture), status.SyncedAt);
        }

        [Theory]
        [InlineData("OutOfSync", "Healthy", null, "Progressing")]
        [InlineData("Synced", "Progressing", null, "Progressing")]
        [InlineData("OutOfSync", "Degraded", null, "Progressing")]
        [InlineData("Synced", "Degraded", null, "Degraded")]
        [InlineData("Synced", "Healthy", "Failed", "Degraded")]
        [InlineData("OutOfSync", "Healthy", "Error", "Degraded")]
        [InlineData("Synced", "Healthy", "Running", "Healthy")]
        public async Task Maps_sync_health_and_operation_phase_to_a_health(string sync, string health, string? phase, string expected)
        {
            _t.Controller(Merged, sync, health, phase, phase is null ? null : "one or more objects failed to apply");

            var status = await _t.NewSync().GetAsync("staging");

            Assert.Equal(Merged, status!.Revision);
            Assert.Equal(expected, status.Health);
            if (phase is "Failed" or "Error") Assert.Contains("one or more objects failed to apply", status.Message);
        }

        [Fact]
        public async Task An_application_never_compared_has_no_status()
        {
            _t._stub.Update(StubResource.Application, Ns, App, o => o.Remove("status"));
            Assert.Null(await _t.NewSync().GetAsync("staging"));
        }
    }

    public sealed class Waiting : IAsyncLifetime, IDisposable
    {
        private readonly ArgoCdSyncTests _t = new();
        public Task InitializeAsync() => _t.InitializeAsync();
        public Task DisposeAsync() => _t.DisposeAsync();
        public void Dispose() => _t.Dispose();

        private async Task ControllerLaterAsync()
        {
            await Task.Delay(100);
            _t.Controller(Merged, "OutOfSync", "Healthy");
            await Task.Delay(100);
            _t.Controller(Merged, "Synced", "Progressing", "Running");
            await Task.Delay(100);
            _t.Controller(Merged, "Synced", "Healthy", "Succeeded", "successfully synced (all tasks run)");
        }

        [Fact]
        public async Task Polling_returns_once_the_application_is_synced_and_healthy_at_the_revision()
        {
            var sync = _t.NewSync(syncOperation: true);
            await sync.TriggerAsync(Request());
            var controller = ControllerLaterAsync();

            var status = await sync.WaitForRevisionAsync("staging", Merged[..7], TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(20));

            await controller;
            Assert.Equal(Merged, status.Revision);
            Assert.Equal("Healthy", status.Health);
        }

        [Fact]
        public async Task Watching_returns_on_the_change_without_polling()
        {
            var sync = _t.NewSync(syncOperation: true);
            await sync.TriggerAsync(Request());
            var getsBefore = _t._stub.Requests.Count(r => r.Method == "GET" && !r.Query.Contains("watch", StringComparison.Ordinal));
            var controller = ControllerLaterAsync();

            var status = await sync.WatchForRevisionAsync("staging", Merged, TimeSpan.FromSeconds(20));

            await controller;
            Assert.Equal("Healthy", status.Health);
            Assert.Equal(Merged, status.Revision);
            Assert.Equal(getsBefore, _t._stub.Requests.Count(r => r.Method == "GET" && !r.Query.Contains("watch", StringComparison.Ordinal)));
        }

        [Fact]
        public async Task A_failed_sync_at_the_revision_stops_the_wait_with_argo_cds_message()
        {
            var sync = _t.NewSync(syncOperation: true);
            await sync.TriggerAsync(Request());
            _ = Task.Delay(100).ContinueWith(_ => _t.Controller(Merged, "OutOfSync", "Missing", "Failed", "ComparisonError: rpc error"), TaskScheduler.Default);

            var e = await Assert.ThrowsAsync<GitOpsException>(() => sync.WatchForRevisionAsync("staging", Merged, TimeSpan.FromSeconds(20)));

            Assert.Equal(ExitCode.NotVerified, e.Code);
            Assert.Contains("staging is Degraded at", e.Message);
            Assert.Contains("sync operation Failed: ComparisonError: rpc error", e.Message);
        }

        [Fact]
        public async Task A_timeout_says_what_the_application_last_reported()
        {
            var sync = _t.NewSync();
            var e = await Assert.ThrowsAsync<GitOpsException>(() => sync.WatchForRevisionAsync("staging", Merged, TimeSpan.FromMilliseconds(300)));
            Assert.Contains("did not reach revision", e.Message);
            Assert.Contains("it last reported revision rev1, Healthy", e.Message);
        }
    }
}
