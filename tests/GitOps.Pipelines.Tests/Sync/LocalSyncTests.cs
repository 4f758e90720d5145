using System.Text.Json;
using GitOps.Pipelines.Sync;
using GitOps.Pipelines.TestKit;

namespace GitOps.Pipelines.Tests.Sync;

public sealed class LocalSyncTests : IDisposable
{
    private const string DigestA = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string DigestB = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    private readonly SeededRuntimeRepo _repo = new();
    private readonly TempDir _state = new("gitops-state");

    public void Dispose()
    {
        _repo.Dispose();
        _state.Dispose();
    }

    private LocalSync NewSync(string kubectl = "kubectl") =>
        new(new LocalSyncOptions(_repo.BarePath, _state.Path,
            [new LocalSyncEnvironment("staging", "overlays/staging"), new LocalSyncEnvironment("production", "overlays/production")])
        { Kubectl = kubectl });

    private string EnvFile(string env, string name) => _state.Combine("sync", env, name);

    public sealed class TriggerAsync : IDisposable
    {
        private readonly LocalSyncTests _t = new();
        public void Dispose() => _t.Dispose();

        [Fact]
        public async Task Renders_each_revision_it_is_asked_for_and_records_its_images()
        {
            // Given two revisions of the runtime repo, each with a different staging image
            var first = _t._repo.SetImage("staging", "1.0.0", DigestA);
            var second = _t._repo.SetImage("staging", "1.1.0", DigestB);
            var sync = _t.NewSync();

            // When the first (older) revision is synced
            await sync.TriggerAsync(new SyncRequest("staging", first, _t._repo.BarePath));

            // Then the manifests and the status are those of that revision
            var manifests = await File.ReadAllTextAsync(_t.EnvFile("staging", "manifests.yaml"));
            Assert.Contains($"image: localhost/hello:1.0.0@{DigestA}", manifests);
            Assert.Contains("namespace: hello-staging", manifests);
            var status = await sync.GetAsync("staging");
            Assert.NotNull(status);
            Assert.Equal(first, status.Revision);
            Assert.Equal("Healthy", status.Health);
            Assert.Null(status.Message);
            Assert.Equal([new DeployedImage("localhost/hello", "1.0.0", DigestA)], status.Images);

            // When the newer revision is synced
            await sync.TriggerAsync(new SyncRequest("staging", second, _t._repo.BarePath));

            // Then both files move to it
            Assert.Contains($"image: localhost/hello:1.1.0@{DigestB}", await File.ReadAllTextAsync(_t.EnvFile("staging", "manifests.yaml")));
            status = await sync.GetAsync("staging");
            Assert.Equal(second, status!.Revision);
            Assert.Equal([new DeployedImage("localhost/hello", "1.1.0", DigestB)], status.Images);
            // and the other environment was never touched
            Assert.Null(await sync.GetAsync("production"));
            Assert.False(Directory.Exists(_t._state.Combine("sync", "production")));
        }

        [Fact]
        public async Task Syncing_the_same_revision_twice_gives_the_same_result_and_leaves_no_temp_files()
        {
            var rev = _t._repo.SetImage("production", "2.0.0");
            var sync = _t.NewSync();

            await sync.TriggerAsync(new SyncRequest("production", rev, _t._repo.BarePath));
            var once = await File.ReadAllTextAsync(_t.EnvFile("production", "manifests.yaml"));
            await sync.TriggerAsync(new SyncRequest("production", rev, _t._repo.BarePath));

            Assert.Equal(once, await File.ReadAllTextAsync(_t.EnvFile("production", "manifests.yaml")));
            var status = await sync.GetAsync("production");
            Assert.Equal(rev, status!.Revision);
            Assert.Equal([new DeployedImage("localhost/hello", "2.0.0", null)], status.Images);
            Assert.Equal(["manifests.yaml", "status.json"],
                Directory.GetFiles(_t._state.Combine("sync", "production")).Select(Path.GetFileName).Order());
        }

        [Fact]
        public async Task Concurrent_syncs_of_two_environments_both_land()
        {
            var rev = _t._repo.SetImage("staging", "3.0.0");
            var sync = _t.NewSync();

            await Task.WhenAll(
                sync.TriggerAsync(new SyncRequest("staging", rev, _t._repo.BarePath)),
                sync.TriggerAsync(new SyncRequest("production", _t._repo.InitialRevision, _t._repo.BarePath)));

            Assert.Equal(rev, (await sync.GetAsync("staging"))!.Revision);
            Assert.Equal(_t._repo.InitialRevision, (await sync.GetAsync("production"))!.Revision);
            Assert.Contains("localhost/hello:3.0.0", await File.ReadAllTextAsync(_t.EnvFile("staging", "manifests.yaml")));
            Assert.Contains("localhost/hello:0.0.0", await File.ReadAllTextAsync(_t.EnvFile("production", "manifests.yaml")));
        }

        [Fact]
        public async Task A_broken_kustomization_records_Degraded_keeps_the_last_manifests_and_throws_kubectls_words()
        {
            // Given staging synced once at a good revision
            var good = _t._repo.SetImage("staging", "1.0.0");
            var sync = _t.NewSync();
            await sync.TriggerAsync(new SyncRequest("staging", good, _t._repo.BarePath));
            var goodManifests = await File.ReadAllTextAsync(_t.EnvFile("staging", "manifests.yaml"));

            // When a revision whose overlay names a missing resource is synced
            var broken = _t._repo.WriteAndCommit("overlays/staging/kustomization.yaml",
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../no-such-base\n", "break staging");
            var e = await Assert.ThrowsAsync<GitOpsException>(() => sync.TriggerAsync(new SyncRequest("staging", broken, _t._repo.BarePath)));

            // Then the error names the environment and carries kubectl's stderr
            Assert.Contains("environment 'staging': kubectl kustomize overlays/staging failed", e.Message);
            Assert.Contains("no-such-base", e.Message);
            // and the status says Degraded at the broken revision, with the same message
            var status = await sync.GetAsync("staging");
            Assert.Equal("Degraded", status!.Health);
            Assert.Equal(broken, status.Revision);
            Assert.Equal(e.Message, status.Message);
            Assert.Empty(status.Images);
            // and the last good manifests stay
            Assert.Equal(goodManifests, await File.ReadAllTextAsync(_t.EnvFile("staging", "manifests.yaml")));
        }

        [Fact]
        public async Task A_missing_kubectl_is_a_clear_error()
        {
            var sync = _t.NewSync(kubectl: "kubectl-that-is-not-installed");

            var e = await Assert.ThrowsAsync<GitOpsException>(() =>
                sync.TriggerAsync(new SyncRequest("staging", _t._repo.InitialRevision, _t._repo.BarePath)));

            Assert.Equal("kubectl-that-is-not-installed was not found on PATH; the local sync renders with `kubectl kustomize`", e.Message);
            Assert.Equal("Degraded", (await sync.GetAsync("staging"))!.Health);
        }

        [Fact]
        public async Task An_abbreviated_revision_is_recorded_as_the_full_commit_id()
        {
            // a server will not hand out a commit by a short id: the sync fetches everything and resolves it
            var older = _t._repo.SetImage("staging", "5.0.0");
            _t._repo.SetImage("staging", "5.1.0");
            var sync = _t.NewSync();

            await sync.TriggerAsync(new SyncRequest("staging", older[..10], _t._repo.BarePath));

            var status = await sync.GetAsync("staging");
            Assert.Equal(older, status!.Revision);
            Assert.Equal("5.0.0", Assert.Single(status.Images).Tag);
        }

        [Fact]
        public async Task An_unknown_revision_is_a_clear_error()
        {
            var sync = _t.NewSync();

            var e = await Assert.ThrowsAsync<GitOpsException>(() =>
                sync.TriggerAsync(new SyncRequest("staging", "0123456789abcdef0123456789abcdef01234567", _t._repo.BarePath)));

            Assert.Contains("revision 0123456789abcdef0123456789abcdef01234567 was not found", e.Message);
        }

        [Fact]
        public async Task An_unknown_environment_is_invalid_input_naming_the_known_ones()
        {
            var sync = _t.NewSync();

            var e = await Assert.ThrowsAsync<GitOpsException>(() =>
                sync.TriggerAsync(new SyncRequest("qa", _t._repo.InitialRevision, _t._repo.BarePath)));

            Assert.Equal(ExitCode.InvalidInput, e.Code);
            Assert.Contains("known: staging, production", e.Message);
        }

        [Fact]
        public async Task The_status_file_is_camel_case_json()
        {
            var sync = _t.NewSync();
            await sync.TriggerAsync(new SyncRequest("staging", _t._repo.InitialRevision, _t._repo.BarePath));

            using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(_t.EnvFile("staging", "status.json")));
            Assert.Equal("staging", doc.RootElement.GetProperty("environment").GetString());
            Assert.Equal(_t._repo.InitialRevision, doc.RootElement.GetProperty("revision").GetString());
            Assert.Equal("localhost/hello", doc.RootElement.GetProperty("images")[0].GetProperty("name").GetString());
        }
    }

    public sealed class Constructor
    {
        [Theory]
        [InlineData("work")]
        [InlineData("..")]
        [InlineData("a/b")]
        [InlineData("")]
        public void Refuses_environment_names_that_are_not_a_plain_folder_name(string name)
        {
            var e = Assert.Throws<GitOpsException>(() =>
                new LocalSync(new LocalSyncOptions("/srv/runtime.git", "/tmp/state", [new LocalSyncEnvironment(name, "overlays/x")])));

            Assert.Equal(ExitCode.InvalidInput, e.Code);
            Assert.Contains($"'{name}'", e.Message);
        }
    }

    public sealed class WaitForRevisionAsync : IDisposable
    {
        private readonly LocalSyncTests _t = new();
        public void Dispose() => _t.Dispose();

        [Fact]
        public async Task Returns_once_the_environment_is_healthy_at_the_revision()
        {
            var sync = _t.NewSync();
            var rev = _t._repo.InitialRevision;

            var waiting = sync.WaitForRevisionAsync("staging", rev[..12], TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(20));
            Assert.False(waiting.IsCompleted);
            await sync.TriggerAsync(new SyncRequest("staging", rev, _t._repo.BarePath));

            var status = await waiting;
            Assert.Equal(rev, status.Revision);
        }

        [Fact]
        public async Task Times_out_as_NotVerified_saying_what_it_saw()
        {
            var sync = _t.NewSync();
            await sync.TriggerAsync(new SyncRequest("staging", _t._repo.InitialRevision, _t._repo.BarePath));
            var newer = _t._repo.SetImage("staging", "9.9.9");

            var e = await Assert.ThrowsAsync<GitOpsException>(() =>
                sync.WaitForRevisionAsync("staging", newer, TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(20)));

            Assert.Equal(ExitCode.NotVerified, e.Code);
            Assert.Contains($"did not reach revision {newer}", e.Message);
            Assert.Contains($"last reported revision {_t._repo.InitialRevision}, Healthy", e.Message);
        }

        [Fact]
        public async Task Times_out_on_a_never_synced_environment()
        {
            var e = await Assert.ThrowsAsync<GitOpsException>(() =>
                _t.NewSync().WaitForRevisionAsync("production", "abcdef1", TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(20)));

            Assert.Equal(ExitCode.NotVerified, e.Code);
            Assert.Contains("it was never synced", e.Message);
        }

        [Fact]
        public async Task Fails_at_once_when_the_revision_is_Degraded()
        {
            var sync = _t.NewSync();
            var broken = _t._repo.WriteAndCommit("overlays/staging/kustomization.yaml", "resources: [../../missing]\n", "break");
            await Assert.ThrowsAsync<GitOpsException>(() => sync.TriggerAsync(new SyncRequest("staging", broken, _t._repo.BarePath)));

            var e = await Assert.ThrowsAsync<GitOpsException>(() =>
                sync.WaitForRevisionAsync("staging", broken, TimeSpan.FromMinutes(5), TimeSpan.FromMilliseconds(20)));

            Assert.Equal(ExitCode.NotVerified, e.Code);
            Assert.Contains("Degraded", e.Message);
        }
    }
}
