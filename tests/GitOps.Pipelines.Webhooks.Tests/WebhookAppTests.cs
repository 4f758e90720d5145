using System.Net;
using GitOps.Pipelines.Sync;
using GitOps.Pipelines.TestKit;
using GitOps.Pipelines.Tests.Sync;

namespace GitOps.Pipelines.Webhooks.Tests;

public sealed class WebhookAppTests
{
    public sealed class Create
    {
        [Theory]
        [InlineData(null)]
        [InlineData("")]
        public void Refuses_to_start_without_a_GitHub_secret(string? secret)
        {
            var e = Assert.Throws<GitOpsException>(() => WebhookApp.Create([], new WebhookServiceOptions { GitHubSecret = secret }));

            Assert.Equal(ExitCode.InvalidInput, e.Code);
            Assert.Contains("set GITOPS_WEBHOOK_GITHUB_SECRET", e.Message);
        }

        [Fact]
        public void Refuses_routes_without_a_sync_trigger()
        {
            var options = new WebhookServiceOptions { GitHubSecret = "x", Routes = [new WebhookRoute("/srv/runtime.git", "main", ["staging"])] };

            var e = Assert.Throws<GitOpsException>(() => WebhookApp.Create([], options));

            Assert.Contains("no ISyncTrigger", e.Message);
        }

        [Fact]
        public void Refuses_a_route_without_environments()
        {
            var options = new WebhookServiceOptions { GitHubSecret = "x", Routes = [new WebhookRoute("/srv/runtime.git", "main", [])] };

            var e = Assert.Throws<GitOpsException>(() => WebhookApp.Create([], options, s => { }));

            Assert.Contains("webhook route 1 (/srv/runtime.git main): name at least one environment", e.Message);
        }
    }

    public sealed class FromEnvironment
    {
        [Fact]
        public void Reads_the_secret_from_GITOPS_WEBHOOK_GITHUB_SECRET()
        {
            var before = Environment.GetEnvironmentVariable(WebhookServiceOptions.GitHubSecretVariable);
            try
            {
                Environment.SetEnvironmentVariable(WebhookServiceOptions.GitHubSecretVariable, "from-env");
                var routes = new[] { new WebhookRoute("u", "main", ["staging"]) };

                var options = WebhookServiceOptions.FromEnvironment(routes);

                Assert.Equal("from-env", options.GitHubSecret);
                Assert.Same(routes, options.Routes);
                Assert.Equal(25L * 1024 * 1024, options.MaxBodyBytes);
            }
            finally
            {
                Environment.SetEnvironmentVariable(WebhookServiceOptions.GitHubSecretVariable, before);
            }
        }
    }

    public sealed class EndToEnd
    {
        [Fact]
        public async Task A_signed_merge_delivery_renders_the_merged_revision_with_the_real_local_sync()
        {
            // Given a real bare runtime repo where a merge moved staging to 4.2.0 by digest
            using var repo = new SeededRuntimeRepo();
            using var state = new TempDir("gitops-state");
            const string digest = "sha256:4242424242424242424242424242424242424242424242424242424242424242";
            var merged = repo.SetImage("staging", "4.2.0", digest);
            var sync = new LocalSync(new LocalSyncOptions(repo.BarePath, state.Path,
                [new LocalSyncEnvironment("staging", "overlays/staging"), new LocalSyncEnvironment("production", "overlays/production")]));
            var options = new WebhookServiceOptions
            {
                GitHubSecret = WebhookHost.Secret,
                Routes = [new WebhookRoute(repo.BarePath, "main", ["staging"])],
            };
            await using var host = await WebhookHost.StartAsync(options, sync);

            // When GitHub-format delivery of that merge arrives over HTTP
            var response = await host.DeliverAsync("pull_request", Payloads.Merged(merged, repositoryUrl: repo.BarePath, baseRef: "main"));

            // Then staging was rendered at exactly that revision, with the image from the overlay
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var status = await sync.WaitForRevisionAsync("staging", merged, TimeSpan.FromSeconds(10));
            Assert.Equal("Healthy", status.Health);
            Assert.Equal([new DeployedImage("localhost/hello", "4.2.0", digest)], status.Images);
            Assert.Contains($"image: localhost/hello:4.2.0@{digest}",
                await File.ReadAllTextAsync(Path.Combine(sync.EnvironmentDirectory("staging"), "manifests.yaml")));
            // and production, not routed, was left alone
            Assert.Null(await sync.GetAsync("production"));
        }
    }
}
