using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using GitOps.Pipelines.Kubernetes;
using GitOps.Pipelines.TestKit;
using GitOps.Pipelines.Tests.Kubernetes.ApiStub;

namespace GitOps.Pipelines.Tests.Kubernetes;

public sealed class KubernetesClientTests : IAsyncLifetime, IDisposable
{
    private const string Ns = "argo-cd";
    private const string App = "velero-test";
    private static readonly CustomResource Applications = CustomResource.ArgoCdApplication;
    private readonly TempDir _dir = new("gitops-kube");
    private KubernetesApiStub _stub = null!;
    private KubernetesClient _client = null!;

    public async Task InitializeAsync()
    {
        _stub = await KubernetesApiStub.StartAsync(tls: true);
        _stub.RequiredToken = "t0ken";
        _stub.CreateYaml(await File.ReadAllTextAsync(Paths.Fixture("argocd/application-with-status.yaml")));
        _client = StubClients.For(_dir, _stub);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _stub.DisposeAsync();
    }

    public void Dispose() => _dir.Dispose();

    private int Count(string method) => _stub.Requests.Count(r => r.Method == method);

    public sealed class GetAndList : IAsyncLifetime, IDisposable
    {
        private readonly KubernetesClientTests _t = new();
        public Task InitializeAsync() => _t.InitializeAsync();
        public Task DisposeAsync() => _t.DisposeAsync();
        public void Dispose() => _t.Dispose();

        [Fact]
        public async Task Reads_the_fixture_application_over_TLS_with_the_token()
        {
            var app = await _t._client.GetAsync(Applications, Ns, App);

            Assert.Equal("Synced", KubernetesObjects.String(app, "status.sync.status"));
            Assert.Equal("rev1", KubernetesObjects.String(app, "status.sync.revision"));
            Assert.Equal("ea8759964626a583667a2bfd08f334ec2070040a", KubernetesObjects.String(app, "status.operationState.syncResult.revision"));
            Assert.Equal("/apis/argoproj.io/v1alpha1/namespaces/argo-cd/applications/velero-test", _t._stub.Requests.Last().Path);
            Assert.Equal("Bearer t0ken", _t._stub.Requests.Last().Authorization);
        }

        [Fact]
        public async Task Lists_with_the_resource_version_to_watch_from()
        {
            var list = await _t._client.ListAsync(Applications, Ns);

            Assert.Single(list.Items);
            Assert.Equal(_t._stub.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), list.ResourceVersion);
            Assert.Empty((await _t._client.ListAsync(Applications, "elsewhere")).Items);
        }

        [Fact]
        public async Task Filters_by_label_selector()
        {
            // The fixture carries project=sre and preview="true"
            Assert.Single((await _t._client.ListAsync(Applications, Ns, labelSelector: "project=sre,preview")).Items);
            Assert.Empty((await _t._client.ListAsync(Applications, Ns, labelSelector: "project!=sre")).Items);
            Assert.Empty((await _t._client.ListAsync(Applications, Ns, labelSelector: "!preview")).Items);
            Assert.Contains("labelSelector=project%3Dsre%2Cpreview", _t._stub.Requests.First().Query);
        }

        [Fact]
        public async Task Presents_the_kubeconfig_client_certificate()
        {
            var (cert, key) = StubClients.ClientCertificate("gitops-webhooks");
            using var dir = new TempDir("gitops-kube-cert");
            var config = KubernetesClientConfiguration.FromKubeconfig(StubClients.WriteKubeconfig(dir, _t._stub, "t0ken", cert, key));
            using var client = new KubernetesClient(config, StubClients.Fast);

            await client.GetAsync(Applications, Ns, App);

            Assert.Contains("CN=gitops-webhooks", _t._stub.Requests.Last().ClientCertificateSubject);
        }

        [Fact]
        public async Task In_the_cluster_trusts_the_service_account_CA_and_reads_the_rotated_token_for_each_request()
        {
            // Given a service account folder with the stub's CA and a token, and the service variables set
            using var sa = new TempDir("gitops-sa");
            sa.Write("ca.crt", _t._stub.CaPem!);
            sa.Write("token", "t0ken");
            sa.Write("namespace", "argo-cd");
            var env = new Dictionary<string, string?> { ["KUBERNETES_SERVICE_HOST"] = "127.0.0.1", ["KUBERNETES_SERVICE_PORT"] = _t._stub.Url.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            var config = KubernetesClientConfiguration.InCluster(sa.Path, k => env.GetValueOrDefault(k));
            using var client = new KubernetesClient(config, StubClients.Fast);
            await client.GetAsync(Applications, config.Namespace!, App);

            // When the kubelet rotates the token and the server only accepts the new one
            sa.Write("token", "rotated");
            _t._stub.RequiredToken = "rotated";

            // Then the next request carries the new token
            await client.GetAsync(Applications, config.Namespace!, App);
            Assert.Equal(["Bearer t0ken", "Bearer rotated"], _t._stub.Requests.Select(r => r.Authorization));
        }

        [Fact]
        public async Task Refuses_a_server_whose_certificate_the_configured_CA_did_not_issue()
        {
            // Given a kubeconfig trusting another CA
            await using var other = await KubernetesApiStub.StartAsync(tls: true);
            using var dir = new TempDir("gitops-kube-ca");
            var path = StubClients.WriteKubeconfig(dir, other, "t0ken");
            File.WriteAllText(path, File.ReadAllText(path).Replace(other.Url.Authority, _t._stub.Url.Authority, StringComparison.Ordinal));
            using var client = new KubernetesClient(KubernetesClientConfiguration.FromKubeconfig(path), StubClients.Fast);

            // Then no request reaches the server
            var e = await Assert.ThrowsAsync<GitOpsException>(() => client.GetAsync(Applications, Ns, App));
            Assert.Contains("unreachable", e.Message);
            Assert.Empty(_t._stub.Requests);
        }
    }

    public sealed class Errors : IAsyncLifetime, IDisposable
    {
        private readonly KubernetesClientTests _t = new();
        public Task InitializeAsync() => _t.InitializeAsync();
        public Task DisposeAsync() => _t.DisposeAsync();
        public void Dispose() => _t.Dispose();

        [Fact]
        public async Task Not_found_names_the_verb_the_resource_the_status_and_the_servers_message()
        {
            var e = await Assert.ThrowsAsync<KubernetesApiException>(() => _t._client.GetAsync(Applications, Ns, "missing"));

            Assert.Equal(HttpStatusCode.NotFound, e.StatusCode);
            Assert.Equal("NotFound", e.Status?.Reason);
            Assert.Equal("get applications.argoproj.io argo-cd/missing: 404 Not Found: applications.argoproj.io \"missing\" not found", e.Message);
            Assert.Equal(1, _t.Count("GET")); // not retried
        }

        [Fact]
        public async Task Forbidden_is_a_clear_RBAC_error_without_the_token()
        {
            _t._stub.Fail(403, verb: "patch");

            var e = await Assert.ThrowsAsync<KubernetesApiException>(() =>
                _t._client.PatchAsync(Applications, Ns, App, new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["a"] = "b" } } }));

            Assert.StartsWith("patch applications.argoproj.io argo-cd/velero-test: 403 Forbidden: ", e.Message);
            Assert.Contains("cannot patch resource \"applications\" in API group \"argoproj.io\"", e.Message);
            Assert.Contains("RBAC: the identity needs 'patch' on applications.argoproj.io", e.Message);
            Assert.DoesNotContain("t0ken", e.Message);
            Assert.Equal(1, _t.Count("PATCH"));
        }

        [Fact]
        public async Task A_wrong_token_is_unauthorized_with_a_hint_and_without_the_token()
        {
            _t._stub.RequiredToken = "another";
            var e = await Assert.ThrowsAsync<KubernetesApiException>(() => _t._client.GetAsync(Applications, Ns, App));
            Assert.Equal(HttpStatusCode.Unauthorized, e.StatusCode);
            Assert.Contains("credentials were refused", e.Message);
            Assert.DoesNotContain("t0ken", e.Message);
        }
    }

    public sealed class Retries : IAsyncLifetime, IDisposable
    {
        private readonly KubernetesClientTests _t = new();
        public Task InitializeAsync() => _t.InitializeAsync();
        public Task DisposeAsync() => _t.DisposeAsync();
        public void Dispose() => _t.Dispose();

        [Theory]
        [InlineData(500)]
        [InlineData(503)]
        [InlineData(429)]
        [InlineData(409)]
        public async Task A_passing_failure_is_retried_until_it_succeeds(int status)
        {
            _t._stub.Fail(status, times: 2);

            var app = await _t._client.GetAsync(Applications, Ns, App);

            Assert.Equal(App, KubernetesObjects.String(app, "metadata.name"));
            Assert.Equal(3, _t.Count("GET"));
        }

        [Fact]
        public async Task A_lasting_failure_gives_up_after_the_configured_attempts_with_the_last_status()
        {
            _t._stub.Fail(500);
            var e = await Assert.ThrowsAsync<KubernetesApiException>(() => _t._client.GetAsync(Applications, Ns, App));
            Assert.Equal(HttpStatusCode.InternalServerError, e.StatusCode);
            Assert.Contains("500 Internal Server Error: Internal error occurred", e.Message);
            Assert.Equal(StubClients.Fast.MaxAttempts, _t.Count("GET"));
        }

        [Fact]
        public async Task A_precondition_conflict_is_not_retried_when_the_caller_handles_it()
        {
            var stale = new JsonObject { ["metadata"] = new JsonObject { ["resourceVersion"] = "1", ["labels"] = new JsonObject { ["a"] = "b" } } };

            var e = await Assert.ThrowsAsync<KubernetesApiException>(() => _t._client.PatchAsync(Applications, Ns, App, stale, retryConflicts: false));

            Assert.Equal(HttpStatusCode.Conflict, e.StatusCode);
            Assert.Contains("the object has been modified", e.Message);
            Assert.Equal(1, _t.Count("PATCH"));
        }

        [Fact]
        public async Task An_unreachable_server_is_retried_then_reported_with_its_address()
        {
            var port = _t._stub.Url.Port;
            await _t._stub.DisposeAsync();
            _t._stub = await KubernetesApiStub.StartAsync(tls: true); // DisposeAsync of the test disposes this one
            var config = new KubernetesClientConfiguration { Server = new Uri($"https://127.0.0.1:{port}"), Token = "t0ken", SkipTlsVerify = true };
            using var client = new KubernetesClient(config, StubClients.Fast);

            var e = await Assert.ThrowsAsync<GitOpsException>(() => client.GetAsync(Applications, Ns, App));

            Assert.Contains($"the Kubernetes API at https://127.0.0.1:{port}/ is unreachable after {StubClients.Fast.MaxAttempts} attempts", e.Message);
            Assert.DoesNotContain("t0ken", e.Message);
        }
    }

    public sealed class PatchAsync : IAsyncLifetime, IDisposable
    {
        private readonly KubernetesClientTests _t = new();
        public Task InitializeAsync() => _t.InitializeAsync();
        public Task DisposeAsync() => _t.DisposeAsync();
        public void Dispose() => _t.Dispose();

        [Fact]
        public async Task Sends_a_merge_patch_and_returns_the_object_after_it()
        {
            var before = _t._stub.ResourceVersion;

            var after = await _t._client.PatchAsync(Applications, Ns, App,
                new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { ["argocd.argoproj.io/refresh"] = "normal", ["argocd.argoproj.io/compare-options"] = null } } });

            Assert.Equal("application/merge-patch+json", _t._stub.Requests.Last().ContentType?.Split(';')[0]);
            Assert.Equal("normal", KubernetesObjects.Annotation(after, "argocd.argoproj.io/refresh"));
            Assert.Null(KubernetesObjects.Annotation(after, "argocd.argoproj.io/compare-options"));
            Assert.Equal((before + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), KubernetesClient.ResourceVersionOf(after));
            Assert.Equal("normal", (string?)_t._stub.Get(StubResource.Application, Ns, App)!["metadata"]!["annotations"]!["argocd.argoproj.io/refresh"]);
        }
    }

    public sealed class WatchAsync : IAsyncLifetime, IDisposable
    {
        private readonly KubernetesClientTests _t = new();
        public Task InitializeAsync() => _t.InitializeAsync();
        public Task DisposeAsync() => _t.DisposeAsync();
        public void Dispose() => _t.Dispose();

        private void Label(string value) => _t._stub.Update(StubResource.Application, Ns, App, o => o["metadata"]!["labels"]!["step"] = value);

        private static string? Step(JsonElement o) => KubernetesObjects.String(o, "metadata.labels.step");

        [Fact]
        public async Task Starts_with_the_current_object_then_follows_changes()
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var seen = new List<(WatchEventType, string?)>();

            await foreach (var (type, obj) in _t._client.WatchAsync(Applications, Ns, App, cancellationToken: cts.Token))
            {
                seen.Add((type, Step(obj)));
                if (seen.Count == 1) Label("one");
                if (seen.Count == 2) Label("two");
                if (seen.Count == 3) break;
            }

            Assert.Equal([(WatchEventType.Added, null), (WatchEventType.Modified, "one"), (WatchEventType.Modified, "two")], seen);
            Assert.Contains("fieldSelector=metadata.name%3Dvelero-test", _t._stub.Requests.First(r => r.Query.Contains("watch=true", StringComparison.Ordinal)).Query);
        }

        [Fact]
        public async Task Asks_the_server_to_end_each_stream_in_time_and_reconnects_when_it_does()
        {
            // Given a client whose watches last a second on the server's side
            var options = StubClients.Fast with { WatchTimeout = TimeSpan.FromSeconds(1) };
            using var dir = new TempDir("gitops-kube-watch");
            using var client = StubClients.For(dir, _t._stub, options: options);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var seen = 0;

            // When nothing changes for longer than that, and then something does
            await foreach (var (type, _) in client.WatchAsync(Applications, Ns, App, cancellationToken: cts.Token))
            {
                if (++seen == 1)
                {
                    await Task.Delay(TimeSpan.FromSeconds(2.5));
                    Label("late");
                }
                else
                {
                    Assert.Equal(WatchEventType.Modified, type);
                    break;
                }
            }

            // Then the watch asked for timeoutSeconds between 1 and 2, was ended by the server, and reconnected
            var watches = _t._stub.Requests.Where(r => r.Query.Contains("watch=true", StringComparison.Ordinal)).ToList();
            Assert.All(watches, w => Assert.Matches("timeoutSeconds=[12](&|$)", w.Query));
            Assert.True(watches.Count >= 2, $"{watches.Count} watch requests");
        }

        [Fact]
        public async Task Reconnects_from_the_last_resource_version_when_the_server_ends_the_stream()
        {
            // Given a server that closes every watch after one event
            _t._stub.CloseWatchesAfterEvents = 1;
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var steps = new List<string?>();

            await foreach (var (type, obj) in _t._client.WatchAsync(Applications, Ns, App, cancellationToken: cts.Token))
            {
                steps.Add(Step(obj));
                if (steps.Count <= 3) Label($"s{steps.Count}");
                if (steps.Count == 4) break;
            }

            // Then no change was lost or seen twice, and later watches asked from a resourceVersion
            Assert.Equal([null, "s1", "s2", "s3"], steps);
            var watches = _t._stub.Requests.Where(r => r.Query.Contains("watch=true", StringComparison.Ordinal)).ToList();
            Assert.True(watches.Count >= 4, $"{watches.Count} watch requests");
            Assert.DoesNotContain("resourceVersion=", watches[0].Query);
            Assert.All(watches.Skip(1), w => Assert.Contains("resourceVersion=", w.Query));
        }

        [Fact]
        public async Task Lists_again_after_410_Expired_and_watches_on_from_the_list()
        {
            // Given a watch from a resourceVersion the server has compacted away
            var old = (_t._stub.ResourceVersion - 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            Label("before-compaction");
            _t._stub.Compact();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var seen = new List<(WatchEventType, string?)>();

            await foreach (var (type, obj) in _t._client.WatchAsync(Applications, Ns, App, resourceVersion: old, cancellationToken: cts.Token))
            {
                seen.Add((type, Step(obj)));
                if (seen.Count == 1) Label("after");
                if (seen.Count == 2) break;
            }

            // Then the current object came from a fresh list, and changes after it still arrive
            Assert.Equal([(WatchEventType.Added, "before-compaction"), (WatchEventType.Modified, "after")], seen);
            Assert.Contains(_t._stub.Requests, r => r.Method == "GET" && !r.Query.Contains("watch", StringComparison.Ordinal) && r.Path.EndsWith("/applications", StringComparison.Ordinal));
        }

        [Fact]
        public async Task A_forbidden_watch_throws_instead_of_retrying()
        {
            _t._stub.Fail(403, verb: "watch");
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var e = await Assert.ThrowsAsync<KubernetesApiException>(async () =>
            {
                await foreach (var _ in _t._client.WatchAsync(Applications, Ns, App, cancellationToken: cts.Token)) { }
            });
            Assert.StartsWith("watch applications.argoproj.io argo-cd/velero-test: 403 Forbidden", e.Message);
        }
    }
}
