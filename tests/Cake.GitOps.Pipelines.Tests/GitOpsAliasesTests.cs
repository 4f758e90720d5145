using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Cake.Core;
using Cake.Core.Diagnostics;
using GitOps.Pipelines.Deploy;
using GitOps.Pipelines.TestKit;

namespace Cake.GitOps.Pipelines.Tests;

/// <summary>The aliases on a sample app repo through a fake Cake context: each stage as a Cake task runs it.</summary>
public partial class GitOpsAliasesTests
{
    private const string SecretVariable = "GITOPS_WEBHOOK_GITHUB_SECRET";

    [GeneratedRegex("^sha256:[0-9a-f]{64}$")]
    private static partial Regex Sha256Digest();

    /// <summary>Runs the stages up to the merged staging PR, each through its alias.</summary>
    private static StageReport BuildPushBumpGate(SampleApp app)
    {
        var context = app.Context();
        context.GitOpsBuild();
        context.GitOpsPush();
        context.GitOpsBump();
        return context.GitOpsGate();
    }

    /// <summary>GitOpsBuild.</summary>
    public sealed class GitOpsBuild : IDisposable
    {
        private readonly SampleApp _app = new();

        /// <inheritdoc />
        public void Dispose() => _app.Dispose();

        [Fact]
        public void Builds_the_image_and_returns_its_sha256_digest()
        {
            var report = _app.Context().GitOpsBuild();

            Assert.Equal("Image", report.Stage);
            Assert.Equal("built", report.Outcome);
            Assert.Matches(Sha256Digest(), report.Digest);
            Assert.Equal($"localhost/hello:sha-{_app.Head[..7]}", report.Image);
            var blob = _app.Combine(".gitops", "build", "blobs", "sha256", report.Digest!["sha256:".Length..]);
            Assert.True(File.Exists(blob), $"the manifest {report.Digest} is not in the build layout");
        }

        [Fact]
        public void Writes_the_image_lines_to_the_cake_log_at_normal_verbosity()
        {
            var context = _app.Context();

            var report = context.GitOpsBuild();

            var image = context.Log.Entries.Where(e => e.Message.StartsWith("[image] ", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, image.Count);
            Assert.All(image, e => Assert.Equal((Verbosity.Normal, LogLevel.Information), (e.Verbosity, e.Level)));
            Assert.Equal("[image] building localhost/hello from artifacts/publish/hello with the builtin builder", image[0].Message);
            Assert.StartsWith($"[image] localhost/hello@{report.Digest} tags sha-{_app.Head[..7]}", image[1].Message);
        }

        [Fact]
        public void Fails_with_exit_code_2_when_the_app_is_not_published()
        {
            Directory.Delete(_app.Combine("artifacts"), recursive: true);

            var e = Assert.Throws<CakeException>(() => _app.Context().GitOpsBuild());

            Assert.Equal(2, e.ExitCode);
            Assert.Contains("image.context 'artifacts/publish/hello' does not exist", e.Message);
        }
    }

    /// <summary>GitOpsPush.</summary>
    public sealed class GitOpsPush : IDisposable
    {
        private readonly SampleApp _app = new();

        /// <inheritdoc />
        public void Dispose() => _app.Dispose();

        [Fact]
        public void Pushes_the_built_digest_to_the_registry_layout()
        {
            var context = _app.Context();
            var built = context.GitOpsBuild();

            var pushed = context.GitOpsPush();

            Assert.Equal(("Push", "pushed", built.Digest), (pushed.Stage, pushed.Outcome, pushed.Digest));
            var index = File.ReadAllText(_app.Combine(".gitops", "registry", "localhost", "hello", "index.json"));
            Assert.Contains(built.Digest!, index);
            Assert.Contains(context.Log.Lines, l => l.StartsWith($"[push] localhost/hello@{built.Digest} → oci:.gitops/registry", StringComparison.Ordinal));
        }

        [Fact]
        public void Pushing_again_is_unchanged()
        {
            var context = _app.Context();
            context.GitOpsBuild();
            context.GitOpsPush();

            Assert.Equal("unchanged", context.GitOpsPush().Outcome);
        }

        [Fact]
        public void Fails_with_exit_code_2_before_a_build()
        {
            var e = Assert.Throws<CakeException>(() => _app.Context().GitOpsPush());

            Assert.Equal(2, e.ExitCode);
            Assert.Contains("nothing to push: run the Image stage first", e.Message);
        }
    }

    /// <summary>GitOpsBump.</summary>
    public sealed class GitOpsBump : IDisposable
    {
        private readonly SampleApp _app = new();

        /// <inheritdoc />
        public void Dispose() => _app.Dispose();

        [Fact]
        public void Commits_the_digest_for_staging_to_the_bump_branch_of_the_runtime_repo()
        {
            var context = _app.Context();
            var digest = context.GitOpsBuild().Digest!;
            context.GitOpsPush();

            var report = context.GitOpsBump(new GitOpsSettings { Environment = "staging" });

            Assert.Equal(("Bump", "committed", "staging", digest), (report.Stage, report.Outcome, report.Environment, report.Digest));
            Assert.Equal(Run.Git(_app.RuntimeRepo, "rev-parse", "gitops/staging/hello"), report.Revision);
            var bumped = Run.Git(_app.RuntimeRepo, "show", "gitops/staging/hello:overlays/staging/kustomization.yaml");
            Assert.Contains($"digest: {digest}", bumped);
            Assert.Contains($"newTag: \"sha-{_app.Head[..7]}\"", bumped);
            Assert.DoesNotContain(digest, Run.Git(_app.RuntimeRepo, "show", "main:overlays/staging/kustomization.yaml"));
            Assert.Equal($"staging: bump localhost/hello 0.0.0 → sha-{_app.Head[..7]}",
                Run.Git(_app.RuntimeRepo, "log", "-1", "--format=%s", "gitops/staging/hello"));
        }

        [Fact]
        public void Bumps_the_environment_the_settings_name()
        {
            var context = _app.Context();
            context.GitOpsBuild();
            context.GitOpsPush();

            var report = context.GitOpsBump(new GitOpsSettings { Environment = "production" });

            Assert.Equal("production", report.Environment);
            Assert.Contains(report.Digest!, Run.Git(_app.RuntimeRepo, "show", "gitops/production/hello:overlays/production/kustomization.yaml"));
            Assert.Empty(Run.Git(_app.RuntimeRepo, "branch", "--list", "gitops/staging/*"));
        }
    }

    /// <summary>GitOpsGate.</summary>
    public sealed class GitOpsGate : IDisposable
    {
        private readonly SampleApp _app = new();

        /// <inheritdoc />
        public void Dispose() => _app.Dispose();

        [Fact]
        public void Merges_the_staging_pr_because_staging_auto_merges()
        {
            var report = BuildPushBumpGate(_app);

            Assert.Equal(("Gate", "merged", "staging", 1), (report.Stage, report.Outcome, report.Environment, report.PullRequest));
            Assert.Equal(Run.Git(_app.RuntimeRepo, "rev-parse", "main"), report.Revision);
            Assert.Contains($"digest: {report.Digest}", Run.Git(_app.RuntimeRepo, "show", "main:overlays/staging/kustomization.yaml"));
        }

        [Fact]
        public void Leaves_the_production_pr_waiting_for_its_approval()
        {
            var context = _app.Context();
            context.GitOpsBuild();
            context.GitOpsPush();
            var production = new GitOpsSettings { Environment = "production" };
            context.GitOpsBump(production);
            var tip = Run.Git(_app.RuntimeRepo, "rev-parse", "main");

            var report = context.GitOpsGate(production);

            Assert.Equal("waiting", report.Outcome);
            Assert.Equal(tip, Run.Git(_app.RuntimeRepo, "rev-parse", "main"));
            Assert.Contains(context.Log.Lines, l => l.Contains($"waits for 1 approval(s). Approve it with `gitops pr approve {report.PullRequest}`"));
        }
    }

    /// <summary>GitOpsSync.</summary>
    public sealed class GitOpsSync : IDisposable
    {
        private readonly SampleApp _app = new();

        /// <inheritdoc />
        public void Dispose() => _app.Dispose();

        [Fact]
        public void Does_nothing_and_needs_no_webhook_service_when_no_merge_is_waiting()
        {
            var report = _app.Context().GitOpsSync();

            Assert.Equal("nothing", report.Outcome);
        }

        [Fact]
        public void Without_a_webhook_url_fails_with_exit_code_2_saying_how_to_configure_one()
        {
            BuildPushBumpGate(_app);

            var e = Assert.Throws<CakeException>(() => _app.Context().GitOpsSync());

            Assert.Equal(2, e.ExitCode);
            Assert.Contains("no webhook service is configured", e.Message);
            Assert.Contains("GitOpsSettings.WebhookUrl", e.Message);
            Assert.Contains("GITOPS_WEBHOOK_URL", e.Message);
            Assert.Contains("webhook.url in gitops.yaml", e.Message);
        }

        [Fact]
        public void With_a_webhook_url_but_no_secret_fails_with_exit_code_2_naming_the_variable()
        {
            var e = Assert.Throws<CakeException>(() => _app.Context().GitOpsSync(new GitOpsSettings { WebhookUrl = new Uri("http://127.0.0.1:9/hooks/github") }));

            Assert.Equal(2, e.ExitCode);
            Assert.Contains($"set {SecretVariable} or webhook.secret", e.Message);
        }

        [Fact]
        public void A_webhook_url_that_is_not_http_fails_with_exit_code_2()
        {
            var context = _app.Context(new Dictionary<string, string> { [SecretVariable] = "s", ["GITOPS_WEBHOOK_URL"] = "gitops:8080/hooks" });

            var e = Assert.Throws<CakeException>(() => context.GitOpsSync());

            Assert.Equal(2, e.ExitCode);
            Assert.Contains("webhook url 'gitops:8080/hooks' is not an http(s) URL", e.Message);
        }

        [Fact]
        public void An_empty_secret_variable_counts_as_no_secret()
        {
            var context = _app.Context(new Dictionary<string, string> { [SecretVariable] = "" });

            var e = Assert.Throws<CakeException>(() => context.GitOpsSync(new GitOpsSettings { WebhookUrl = new Uri("http://127.0.0.1:9/hooks/github") }));

            Assert.Equal(2, e.ExitCode);
            Assert.Contains("is set but no secret", e.Message);
        }

        [Fact]
        public void Delivers_the_merge_webhook_signed_with_the_secret_from_the_cake_environment()
        {
            var merged = BuildPushBumpGate(_app);
            using var receiver = new LoopbackReceiver(System.Net.HttpStatusCode.OK);
            const string secret = "cake-test-secret";
            var context = _app.Context(new Dictionary<string, string> { [SecretVariable] = secret });

            var report = context.GitOpsSync(new GitOpsSettings { WebhookUrl = receiver.Url });

            Assert.Equal("delivered", report.Outcome);
            var request = Assert.Single(receiver.Requests);
            Assert.Equal(("POST", "/hooks/github"), (request.Method, request.Path));
            Assert.Equal("pull_request", request.Headers["X-GitHub-Event"]);
            var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(request.Body)));
            Assert.Equal(expected, request.Headers["X-Hub-Signature-256"]);
            using var payload = System.Text.Json.JsonDocument.Parse(request.Body);
            Assert.Equal("closed", payload.RootElement.GetProperty("action").GetString());
            Assert.Equal(merged.Revision, payload.RootElement.GetProperty("pull_request").GetProperty("merge_commit_sha").GetString());
            Assert.Contains(context.Log.Lines, l => l.StartsWith("[sync] delivered pull_request ", StringComparison.Ordinal) && l.EndsWith($" to {receiver.Url}: 200", StringComparison.Ordinal));
        }

        [Fact]
        public void Takes_the_webhook_url_from_GITOPS_WEBHOOK_URL_in_the_cake_environment()
        {
            BuildPushBumpGate(_app);
            using var receiver = new LoopbackReceiver(System.Net.HttpStatusCode.OK);
            var context = _app.Context(new Dictionary<string, string> { [SecretVariable] = "s", ["GITOPS_WEBHOOK_URL"] = receiver.Url.ToString() });

            Assert.Equal("delivered", context.GitOpsSync().Outcome);
            Assert.Single(receiver.Requests);
        }

        [Fact]
        public async Task A_delivery_the_service_refuses_fails_the_task_and_is_kept_for_retry()
        {
            BuildPushBumpGate(_app);
            await using var service = await WebhookService.StartAsync(_app.Combine("gitops.yaml"), "the-service-secret");
            var context = _app.Context(new Dictionary<string, string> { [SecretVariable] = "another-secret" });

            var e = Assert.Throws<CakeException>(() => context.GitOpsSync(new GitOpsSettings { WebhookUrl = service.Url }));

            Assert.Equal(1, e.ExitCode);
            Assert.Contains("webhook delivery", e.Message);
            Assert.Contains("401", e.Message);
            Assert.Contains(context.Log.Lines, l => l.Contains("failed, kept for retry"));
            Assert.Single(Directory.GetFiles(_app.Combine(".gitops", "forge", "outbox", "pending"), "*.json"));
        }
    }

    /// <summary>GitOpsVerify.</summary>
    public sealed class GitOpsVerify : IDisposable
    {
        private readonly SampleApp _app = new();

        /// <inheritdoc />
        public void Dispose() => _app.Dispose();

        [Fact]
        public async Task Verifies_staging_at_the_merged_revision_after_the_webhook_service_synced_it()
        {
            var merged = BuildPushBumpGate(_app);
            const string secret = "verify-secret";
            await using var service = await WebhookService.StartAsync(_app.Combine("gitops.yaml"), secret);
            var context = _app.Context(new Dictionary<string, string> { [SecretVariable] = secret });
            Assert.Equal("delivered", context.GitOpsSync(new GitOpsSettings { WebhookUrl = service.Url }).Outcome);

            var report = context.GitOpsVerify();

            Assert.Equal(("Verify", "verified", "staging"), (report.Stage, report.Outcome, report.Environment));
            Assert.Equal((merged.Digest, merged.Revision, merged.PullRequest), (report.Digest, report.Revision, report.PullRequest));
            Assert.Contains(context.Log.Lines, l => l == $"[verify] staging runs localhost/hello:sha-{_app.Head[..7]}@{merged.Digest} at revision {merged.Revision} (Healthy), PR #1");
        }

        [Fact]
        public void Has_nothing_to_verify_before_a_merge()
        {
            Assert.Equal("nothing", _app.Context().GitOpsVerify().Outcome);
        }
    }

    /// <summary>Loading gitops.yaml.</summary>
    public sealed class Configuration : IDisposable
    {
        private readonly SampleApp _app = new(
            """
            image:
              name: localhost/hello
              colour: blue
            """);

        /// <inheritdoc />
        public void Dispose() => _app.Dispose();

        [Fact]
        public void An_invalid_gitops_yaml_fails_with_exit_code_2_and_the_file_and_line()
        {
            var e = Assert.Throws<CakeException>(() => _app.Context().GitOpsBuild());

            Assert.Equal(2, e.ExitCode);
            Assert.StartsWith($"{_app.Combine("gitops.yaml")}:3:", e.Message);
            Assert.Contains("colour", e.Message);
        }

        [Fact]
        public void A_missing_config_file_fails_with_exit_code_2()
        {
            var e = Assert.Throws<CakeException>(() => _app.Context().GitOpsPush(new GitOpsSettings { ConfigPath = "deploy/nope.yaml" }));

            Assert.Equal(2, e.ExitCode);
            Assert.Contains("configuration file not found", e.Message);
            Assert.Contains(_app.Combine("deploy", "nope.yaml"), e.Message);
        }
    }
}
