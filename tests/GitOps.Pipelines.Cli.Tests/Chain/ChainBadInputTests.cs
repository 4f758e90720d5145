using GitOps.Pipelines.TestKit;
using GitOps.Pipelines.Webhooks;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace GitOps.Pipelines.Cli.Tests.Chain;

/// <summary>Bad input to the chain: a clear message, a non-zero exit, and nothing committed, pushed or synced.</summary>
public class ChainBadInputTests
{
    private static string RepoConfig => File.ReadAllText(Path.Combine(Paths.RepoRoot, "gitops.yaml"));

    private static int LineOf(string text, string needle) =>
        text.Split('\n').Select((l, i) => (l, i)).First(x => x.l.Contains(needle)).i + 1;

    public class Config
    {
        [Fact]
        public async Task An_unknown_key_names_file_line_and_key_and_nothing_is_created()
        {
            var yaml = RepoConfig.Replace("  builder: builtin", "  buidler: builtin");
            using var app = new SampleApp(yaml);

            var (code, _, err) = await app.Gitops("deploy");

            Assert.Equal(2, code);
            Assert.Contains($"gitops.yaml:{LineOf(yaml, "buidler")}:", err);
            Assert.Contains("unknown key 'buidler'", err);
            Assert.False(Directory.Exists(app.State));
        }

        [Fact]
        public async Task A_missing_field_is_named()
        {
            var yaml = RepoConfig.Replace("  name: localhost/hello\n", "");
            using var app = new SampleApp(yaml);

            var (code, _, err) = await app.Gitops("build");

            Assert.Equal(2, code);
            Assert.Contains("image.name", err);
            Assert.False(Directory.Exists(app.State));
        }

        [Fact]
        public async Task Broken_yaml_names_the_line()
        {
            var yaml = RepoConfig.Replace("    approvals: 1\n", "    approvals: [1\n");
            using var app = new SampleApp(yaml);

            var (code, _, err) = await app.Gitops("deploy");

            Assert.Equal(2, code);
            Assert.Matches(@"gitops\.yaml:\d+:\d+", err);
            Assert.False(Directory.Exists(app.State));
        }
    }

    public class RuntimeFiles
    {
        [Fact]
        public async Task A_values_file_without_the_image_fails_the_bump_and_pushes_nothing()
        {
            var yaml = RepoConfig.Replace("""
                  - name: staging
                    path: overlays/staging
                    editor: kustomize
                """, """
                  - name: staging
                    path: helm/hello
                    editor: helm
                """);
            using var app = new SampleApp(yaml);
            File.WriteAllText(app.Combine("examples", "runtime", "helm", "hello", "values.yaml"), "replicaCount: 1\nservice:\n  port: 80\n");
            app.Commit("values without an image");
            Assert.Equal(0, (await app.Gitops("build")).Code);
            Assert.Equal(0, (await app.Gitops("push")).Code);

            var (code, _, err) = await app.Gitops("bump", "--env", "staging");

            Assert.Equal(2, code);
            Assert.Contains("helm/hello/values.yaml", err);
            Assert.Contains("image", err);
            Assert.Equal("", Run.Git(app.RuntimeRepo, "branch", "--list", "gitops/*"));
        }

        [Fact]
        public async Task A_missing_environment_file_is_named()
        {
            using var app = new SampleApp(RepoConfig.Replace("path: overlays/staging", "path: overlays/qa"));
            Assert.Equal(0, (await app.Gitops("build")).Code);
            Assert.Equal(0, (await app.Gitops("push")).Code);

            var (code, _, err) = await app.Gitops("bump", "--env", "staging");

            Assert.Equal(2, code);
            Assert.Contains("overlays/qa/kustomization.yaml", err);
            Assert.Equal("", Run.Git(app.RuntimeRepo, "branch", "--list", "gitops/*"));
        }
    }

    public class MergeConflict
    {
        [Fact]
        public async Task A_conflicting_change_on_main_stops_the_gate_and_nothing_is_merged_or_synced()
        {
            using var app = new SampleApp();
            foreach (var stage in new[] { "build", "push" }) Assert.Equal(0, (await app.Gitops(stage)).Code);
            Assert.Equal(0, (await app.Gitops("bump", "--env", "staging")).Code);

            // Someone edits the same line on main meanwhile.
            using var other = new TempDir("other-clone");
            Run.Git(other.Path, "clone", "--quiet", app.RuntimeRepo, "clone");
            var clone = other.Combine("clone");
            var file = Path.Combine(clone, "overlays", "staging", "kustomization.yaml");
            File.WriteAllText(file, File.ReadAllText(file).Replace("\"0.0.0\"", "\"hotfix\""));
            Run.Git(clone, "-c", "user.name=x", "-c", "user.email=x@example.test", "commit", "--quiet", "-am", "hotfix");
            Run.Git(clone, "push", "--quiet", "origin", "main");
            var tip = Run.Git(app.RuntimeRepo, "rev-parse", "main");

            var (code, _, err) = await app.Gitops("gate", "--env", "staging");

            Assert.Equal(1, code);
            Assert.Contains("merge conflict in overlays/staging/kustomization.yaml", err);
            Assert.Equal(tip, Run.Git(app.RuntimeRepo, "rev-parse", "main"));
            Assert.False(Directory.Exists(Path.Combine(app.State, "forge", "outbox", "pending")));
            var (sync, output, _) = await app.Gitops("sync");
            Assert.Equal(0, sync);
            Assert.Contains("no merge webhooks waiting", output);
            Assert.False(File.Exists(Path.Combine(app.State, "sync", "staging", "status.json")));
        }
    }

    public class Webhooks
    {
        [Fact]
        public async Task A_service_that_refuses_the_signature_syncs_nothing_and_the_webhook_stays_pending()
        {
            // A webhook service that knows another secret than the chain signs with.
            using var app = new SampleApp();
            await using var service = WebhookApp.Create(["--urls", "http://127.0.0.1:0"],
                new WebhookServiceOptions { GitHubSecret = "the-service-secret" });
            await service.StartAsync();
            var address = service.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            File.AppendAllText(app.Config, $"webhook:\n  url: {address}/hooks/github\n  secret: not-the-service-secret\n");
            app.Commit("point at the service");

            var (code, _, err) = await app.Gitops("deploy");

            Assert.Equal(1, code);
            Assert.Contains("401", err);
            Assert.Single(Directory.GetFiles(Path.Combine(app.State, "forge", "outbox", "pending")));
            Assert.False(File.Exists(Path.Combine(app.State, "sync", "staging", "status.json")));
        }
    }
}
