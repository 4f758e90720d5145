using GitOps.Pipelines.Configuration;
using GitOps.Pipelines.TestKit;

namespace GitOps.Pipelines.Core.Tests.Configuration;

public sealed class GitOpsConfigLoaderTests
{
    private const string Minimal = "image:\n  name: hello\n";

    private static GitOpsException Fails(string yaml)
    {
        var e = Assert.Throws<GitOpsException>(() => GitOpsConfigLoader.Parse(yaml, "gitops.yaml", "/repo"));
        Assert.Equal(ExitCode.InvalidInput, e.Code);
        return e;
    }

    public sealed class InsecureRegistries
    {
        [Fact]
        public void Are_read_as_a_list_of_hosts_and_default_to_none()
        {
            var config = GitOpsConfigLoader.Parse("image:\n  name: hello\n  registry: docker://registry.lan:5000/team\n  insecureRegistries: [registry.lan:5000, 10.0.0.7]\n", "gitops.yaml", "/repo");

            Assert.Equal(["registry.lan:5000", "10.0.0.7"], config.Image.InsecureRegistries);
            Assert.Empty(GitOpsConfigLoader.Parse(Minimal, "gitops.yaml", "/repo").Image.InsecureRegistries!);
        }

        [Fact]
        public void A_url_instead_of_a_host_names_the_line_and_item()
        {
            var e = Fails("image:\n  name: hello\n  insecureRegistries:\n    - ok.lan\n    - http://registry.lan:5000\n");

            Assert.Contains("gitops.yaml:5", e.Message, StringComparison.Ordinal);
            Assert.Contains("image.insecureRegistries[1]", e.Message, StringComparison.Ordinal);
            Assert.Contains("HOST or HOST:PORT", e.Message, StringComparison.Ordinal);
        }
    }

    public sealed class Load
    {
        [Fact]
        public void The_repositorys_own_gitops_yaml_loads_with_its_values()
        {
            var path = Path.Combine(Paths.RepoRoot, "gitops.yaml");

            var config = GitOpsConfigLoader.Load(path);

            Assert.Equal("localhost/hello", config.Image.Name);
            Assert.Equal(["dotnet", "/app/hello.dll"], config.Image.Entrypoint);
            Assert.Equal("examples/runtime", config.Runtime.Seed);
            Assert.Equal(["staging", "production"], config.Environments.Select(e => e.Name));
            var production = config.Environment("production");
            Assert.Equal("staging", production.PromoteFrom);
            Assert.Equal(1, production.Approvals);
            Assert.False(production.AutoMerge);
            Assert.True(config.Environment("staging").AutoMerge);
            Assert.Equal(TimeSpan.FromSeconds(60), config.Sync.Timeout);
            Assert.Equal(Paths.RepoRoot, config.BaseDir);
            Assert.Equal(path, config.SourceFile);
        }

        [Fact]
        public void Relative_paths_resolve_against_the_config_files_folder()
        {
            using var dir = new TempDir();
            var file = dir.Write("app/gitops.yaml", Minimal);

            var config = GitOpsConfigLoader.Load(file);

            Assert.Equal(dir.Combine("app"), config.BaseDir);
            Assert.Equal(dir.Combine("app", ".gitops", "runtime.git"), config.Resolve(config.Runtime.Url));
        }

        [Fact]
        public void A_missing_file_is_an_error_naming_the_path()
        {
            using var dir = new TempDir();
            var path = dir.Combine("nope", "gitops.yaml");

            var e = Assert.Throws<GitOpsException>(() => GitOpsConfigLoader.Load(path));

            Assert.Equal(ExitCode.InvalidInput, e.Code);
            Assert.Contains(path, e.Message);
            Assert.Contains("not found", e.Message);
        }
    }

    public sealed class Defaults
    {
        [Fact]
        public void Every_omitted_key_takes_its_documented_default()
        {
            var config = GitOpsConfigLoader.Parse(Minimal + "environments:\n  - name: dev\n    path: overlays/dev\n  - name: charts\n    path: helm\n    editor: helm\n", "gitops.yaml", "/repo");

            Assert.Equal("hello", config.Image.Name);
            Assert.Equal("oci:.gitops/registry", config.Image.Registry);
            Assert.Equal(".", config.Image.Context);
            Assert.Equal("builtin", config.Image.Builder);
            Assert.Equal("scratch", config.Image.Base);
            Assert.Equal("/app", config.Image.WorkingDir);
            Assert.Empty(config.Image.Entrypoint);
            Assert.Empty(config.Image.Labels);
            Assert.Equal("semver", config.Image.Tags.Strategy);
            Assert.Null(config.Image.Tags.Constraint);
            Assert.Null(config.Image.Tags.AllowTags);
            Assert.Empty(config.Image.Tags.IgnoreTags);
            Assert.Equal(new RuntimeRepoConfig(".gitops/runtime.git", "main", "local", null, "gitops-bot", "gitops-bot@users.noreply.local"), config.Runtime);
            Assert.Equal(new EnvironmentConfig("dev", "overlays/dev", "kustomize", "kustomization.yaml", "pr", 0, false, null), config.Environments[0]);
            Assert.Equal(new EnvironmentConfig("charts", "helm", "helm", "values.yaml", "pr", 0, false, null), config.Environments[1]);
            Assert.Equal(new SyncConfig("local", TimeSpan.FromSeconds(60)), config.Sync);
            Assert.Equal(new WebhookConfig(null, "GITOPS_WEBHOOK_GITHUB_SECRET", null), config.Webhook);
            Assert.Equal(".gitops", config.StateDir);
            Assert.Equal("/repo", config.BaseDir);
            Assert.Equal("gitops.yaml", config.SourceFile);
        }

        [Fact]
        public void No_environments_is_an_empty_list()
        {
            var config = GitOpsConfigLoader.Parse(Minimal, "gitops.yaml", "/repo");

            Assert.Empty(config.Environments);
        }

        [Fact]
        public void Null_values_take_the_default()
        {
            var config = GitOpsConfigLoader.Parse(Minimal + "  registry:\n  builder: ~\nstateDir: null\n", "gitops.yaml", "/repo");

            Assert.Equal("oci:.gitops/registry", config.Image.Registry);
            Assert.Equal("builtin", config.Image.Builder);
            Assert.Equal(".gitops", config.StateDir);
        }
    }

    public sealed class Values
    {
        [Fact]
        public void Every_key_is_read()
        {
            const string yaml = """
                image:
                  name: ghcr.io/acme/hello
                  registry: docker://ghcr.io
                  context: out
                  builder: buildah
                  base: mcr.microsoft.com/dotnet/runtime:10.0
                  workingDir: /srv
                  entrypoint:
                    - /srv/hello
                  tags:
                    strategy: newest-build
                    constraint: ^1.2
                    allowTags: regexp:^v
                    ignoreTags: [latest, "*-rc*"]
                  labels:
                    org.opencontainers.image.vendor: acme
                runtime:
                  url: https://github.com/acme/runtime.git
                  branch: deploy
                  forge: github
                  seed: seed
                  author:
                    name: bot
                    email: bot@acme.test
                environments:
                  - name: qa
                    path: envs/qa
                    editor: helm
                    file: values-qa.yaml
                    gate: direct
                    approvals: 2
                    autoMerge: true
                  - name: prod
                    path: envs/prod
                    promoteFrom: qa
                sync:
                  kind: argocd
                  timeout: 1h30m
                webhook:
                  url: https://hooks.acme.test/github
                  secretEnv: HOOK_SECRET
                  secret: s3cret
                stateDir: .state
                """;

            var c = GitOpsConfigLoader.Parse(yaml, "gitops.yaml", "/repo");

            Assert.Equal("ghcr.io/acme/hello", c.Image.Name);
            Assert.Equal("docker://ghcr.io", c.Image.Registry);
            Assert.Equal("out", c.Image.Context);
            Assert.Equal("buildah", c.Image.Builder);
            Assert.Equal("mcr.microsoft.com/dotnet/runtime:10.0", c.Image.Base);
            Assert.Equal("/srv", c.Image.WorkingDir);
            Assert.Equal(["/srv/hello"], c.Image.Entrypoint);
            Assert.Equal("newest-build", c.Image.Tags.Strategy);
            Assert.Equal("^1.2", c.Image.Tags.Constraint);
            Assert.Equal("regexp:^v", c.Image.Tags.AllowTags);
            Assert.Equal(["latest", "*-rc*"], c.Image.Tags.IgnoreTags);
            Assert.Equal("acme", c.Image.Labels["org.opencontainers.image.vendor"]);
            Assert.Equal(new RuntimeRepoConfig("https://github.com/acme/runtime.git", "deploy", "github", "seed", "bot", "bot@acme.test"), c.Runtime);
            Assert.Equal(new EnvironmentConfig("qa", "envs/qa", "helm", "values-qa.yaml", "direct", 2, true, null,
                new SyncTarget("Application", "argocd", "qa")), c.Environments[0]);
            Assert.Equal("qa", c.Environments[1].PromoteFrom);
            Assert.Equal(new SyncConfig("argocd", TimeSpan.FromMinutes(90)), c.Sync);
            Assert.Equal(new WebhookConfig("https://hooks.acme.test/github", "HOOK_SECRET", "s3cret"), c.Webhook);
            Assert.Equal(".state", c.StateDir);
        }

        [Theory]
        [InlineData("60s", 60)]
        [InlineData("5m", 300)]
        [InlineData("1h", 3600)]
        [InlineData("1m30s", 90)]
        [InlineData("1500ms", 1.5)]
        public void Durations_take_a_unit(string text, double seconds)
        {
            var c = GitOpsConfigLoader.Parse(Minimal + $"sync:\n  timeout: {text}\n", "gitops.yaml", "/repo");

            Assert.Equal(TimeSpan.FromSeconds(seconds), c.Sync.Timeout);
        }
    }

    public sealed class Errors
    {
        [Fact]
        public void An_invalid_gate_names_position_key_path_allowed_values_and_the_value()
        {
            var yaml = Minimal + "environments:\n  - name: a\n    path: a\n  - name: b\n    path: b\n    gate: prr\n";

            var e = Fails(yaml);

            Assert.Equal("gitops.yaml:8:11: environments[1].gate: must be 'pr' or 'direct', got 'prr'", e.Message);
        }

        [Fact]
        public void An_unknown_key_suggests_the_closest_known_one()
        {
            var e = Fails("image:\n  nmae: hello\n");

            Assert.Equal("gitops.yaml:2:3: image: unknown key 'nmae' (did you mean 'name'?)", e.Message);
        }

        [Fact]
        public void An_unknown_key_without_a_close_one_lists_the_known_keys()
        {
            var e = Fails(Minimal + "colour: blue\n");

            Assert.Equal("gitops.yaml:3:1: unknown key 'colour' (known: image, runtime, environments, sync, webhook, stateDir)", e.Message);
        }

        [Fact]
        public void A_missing_image_name_is_required()
        {
            var e = Fails("image:\n  context: out\n");

            Assert.Equal("gitops.yaml:2:3: image.name is required", e.Message);
        }

        [Fact]
        public void A_missing_image_section_is_required()
        {
            var e = Fails("runtime:\n  branch: main\n");

            Assert.Equal("gitops.yaml:1:1: image is required", e.Message);
        }

        [Fact]
        public void An_environment_without_a_path_is_an_error()
        {
            var e = Fails(Minimal + "environments:\n  - name: a\n");

            Assert.Equal("gitops.yaml:4:5: environments[0].path is required", e.Message);
        }

        [Fact]
        public void Broken_yaml_reports_the_parsers_position()
        {
            var e = Fails("image:\n  name: \"hello\n  context: x\n");

            Assert.StartsWith("gitops.yaml:2:9: ", e.Message);
            Assert.DoesNotContain("(Line:", e.Message);
        }

        [Fact]
        public void An_unclosed_flow_list_is_reported_with_a_position()
        {
            var e = Fails("image:\n  name: hello\n  entrypoint: [a\nsync:\n  kind: local\n");

            Assert.Matches(@"^gitops\.yaml:[3-5]:\d+: ", e.Message);
        }

        [Fact]
        public void A_duplicate_key_is_an_error_with_its_position()
        {
            var e = Fails("image:\n  name: a\n  name: b\n");

            Assert.StartsWith("gitops.yaml:3:3: ", e.Message);
            Assert.Contains("name", e.Message);
        }

        [Fact]
        public void A_non_number_for_approvals_must_be_a_whole_number()
        {
            var e = Fails(Minimal + "environments:\n  - name: a\n    path: a\n    approvals: one\n");

            Assert.Equal("gitops.yaml:6:16: environments[0].approvals: must be a whole number, got 'one'", e.Message);
        }

        [Theory]
        [InlineData("-1")]
        [InlineData("1.5")]
        public void Negative_or_fractional_approvals_are_rejected(string value)
        {
            var e = Fails(Minimal + $"environments:\n  - name: a\n    path: a\n    approvals: {value}\n");

            Assert.StartsWith("gitops.yaml:6:16: environments[0].approvals: must be", e.Message);
        }

        [Fact]
        public void AutoMerge_must_be_a_boolean()
        {
            var e = Fails(Minimal + "environments:\n  - name: a\n    path: a\n    autoMerge: sometimes\n");

            Assert.Equal("gitops.yaml:6:16: environments[0].autoMerge: must be true or false, got 'sometimes'", e.Message);
        }

        [Fact]
        public void Duplicate_environment_names_are_an_error()
        {
            var e = Fails(Minimal + "environments:\n  - name: a\n    path: a\n  - name: a\n    path: b\n");

            Assert.Equal("gitops.yaml:6:11: environments[1].name: duplicate environment name 'a' (also environments[0])", e.Message);
        }

        [Fact]
        public void PromoteFrom_naming_an_unknown_environment_is_an_error()
        {
            var e = Fails(Minimal + "environments:\n  - name: staging\n    path: a\n  - name: prod\n    path: b\n    promoteFrom: stagin\n");

            Assert.Equal("gitops.yaml:8:18: environments[1].promoteFrom: unknown environment 'stagin' (known: staging, prod)", e.Message);
        }

        [Fact]
        public void PromoteFrom_itself_is_an_error()
        {
            var e = Fails(Minimal + "environments:\n  - name: a\n    path: a\n    promoteFrom: a\n");

            Assert.Contains("environments[0].promoteFrom: environment 'a' cannot promote from itself", e.Message);
        }

        [Fact]
        public void A_promotion_cycle_is_an_error()
        {
            var e = Fails(Minimal + "environments:\n  - name: a\n    path: a\n    promoteFrom: b\n  - name: b\n    path: b\n    promoteFrom: a\n");

            Assert.Equal("gitops.yaml:6:18: environments[0].promoteFrom: promotion cycle: a ← b ← a", e.Message);
        }

        [Theory]
        [InlineData("image:\n  name: a\n  builder: kaniko\n", "gitops.yaml:3:12: image.builder: must be one of 'builtin', 'buildah', 'docker', 'dotnet', 'auto', got 'kaniko'")]
        [InlineData("image:\n  name: a\nruntime:\n  forge: gitea\n", "gitops.yaml:4:10: runtime.forge: must be one of 'local', 'github', 'gitlab', got 'gitea'")]
        [InlineData("image:\n  name: a\nsync:\n  kind: spinnaker\n", "gitops.yaml:4:9: sync.kind: must be one of 'local', 'argocd', 'flux', got 'spinnaker'")]
        [InlineData("image:\n  name: a\nenvironments:\n  - name: a\n    path: a\n    editor: jsonnet\n", "gitops.yaml:6:13: environments[0].editor: must be one of 'kustomize', 'helm', 'manifests', 'argocd', 'flux-setters', got 'jsonnet'")]
        [InlineData("image:\n  name: a\n  tags:\n    strategy: newest\n", "gitops.yaml:4:15: image.tags.strategy: must be one of 'semver', 'newest-build', 'latest', 'alphabetical', 'name', 'digest', got 'newest'")]
        public void Unknown_kinds_list_the_known_ones(string yaml, string message)
        {
            Assert.Equal(message, Fails(yaml).Message);
        }

        [Theory]
        [InlineData("60")]
        [InlineData("5 minutes")]
        [InlineData("0s")]
        [InlineData("-5s")]
        public void A_duration_without_a_unit_or_not_positive_is_an_error(string value)
        {
            var e = Fails(Minimal + $"sync:\n  timeout: {value}\n");

            Assert.Equal($"gitops.yaml:4:12: sync.timeout: must be a positive duration like 60s, 5m or 1h, got '{value}'", e.Message);
        }

        [Theory]
        [InlineData("image:\n  name: [a]\n", "gitops.yaml:2:9: image.name: must be a string, got a list")]
        [InlineData("image: hello\n", "gitops.yaml:1:8: image: must be a mapping, got 'hello'")]
        [InlineData("image:\n  name: a\n  entrypoint: /app/run\n", "gitops.yaml:3:15: image.entrypoint: must be a list of strings, got a string")]
        [InlineData("image:\n  name: a\nenvironments:\n  name: a\n", "gitops.yaml:4:3: environments: must be a list, got a mapping")]
        [InlineData("image:\n  name: a\nenvironments:\n  - staging\n", "gitops.yaml:4:5: environments[0]: must be a mapping (name:, path:, …), got 'staging'")]
        [InlineData("- image\n", "gitops.yaml:1:1: the top level must be a mapping (image:, runtime:, environments:, …), got a list")]
        public void Wrong_types_name_the_expected_type(string yaml, string message)
        {
            Assert.Equal(message, Fails(yaml).Message);
        }

        [Fact]
        public void An_empty_file_is_an_error()
        {
            Assert.Equal("gitops.yaml:1:1: the file is empty; 'image' is required", Fails("# nothing yet\n").Message);
        }
    }

    public class Builds
    {
        [Fact]
        public void Platforms_and_tagging_are_read()
        {
            var config = GitOpsConfigLoader.Parse(Minimal + """
                  builder: auto
                  platforms: [linux/amd64, linux/arm64/v8]
                  tagging:
                    prefix: app-
                    suffix: -slim
                    raw: [stable, edge]
                    latest: false
                """, "gitops.yaml", "/repo");

            Assert.Equal("auto", config.Image.Builder);
            Assert.Equal(["linux/amd64", "linux/arm64/v8"], config.Image.Platforms);
            Assert.Equal("app-", config.Image.Tagging.Prefix);
            Assert.Equal("-slim", config.Image.Tagging.Suffix);
            Assert.Equal(["stable", "edge"], config.Image.Tagging.Raw);
            Assert.False(config.Image.Tagging.Latest);
        }

        [Fact]
        public void Without_them_one_default_platform_and_plain_tags()
        {
            var config = GitOpsConfigLoader.Parse(Minimal, "gitops.yaml", "/repo");

            Assert.Empty(config.Image.Platforms);
            Assert.Equal(GitOps.Pipelines.Tags.TagFlavor.Default, config.Image.Tagging);
        }

        [Theory]
        [InlineData("  builder: dotnet\n", null)]
        [InlineData("  builder: docker\n", null)]
        [InlineData("  builder: buildah\n", null)]
        [InlineData("  platforms: [linux/amd64, amd64]\n", "gitops.yaml:3:28: image.platforms[1]: must be os/arch or os/arch/variant (e.g. linux/amd64, linux/arm64/v8), got 'amd64'")]
        [InlineData("  tagging:\n    raw: [ok, -bad]\n", "gitops.yaml:4:15: image.tagging.raw[1]: must be a tag (letters, digits, '_', '.', '-'; at most 128; not starting with '.' or '-'), got '-bad'")]
        [InlineData("  tagging:\n    prefix: a/b\n", "gitops.yaml:4:13: image.tagging.prefix: must be letters, digits, '_', '.' or '-', got 'a/b'")]
        [InlineData("  tagging:\n    flavor: x\n", "gitops.yaml:4:5: image.tagging: unknown key 'flavor'")]
        public void Each_is_checked_where_it_is_written(string yaml, string? message)
        {
            if (message is null)
            {
                Assert.NotNull(GitOpsConfigLoader.Parse(Minimal + yaml, "gitops.yaml", "/repo"));
                return;
            }
            Assert.StartsWith(message, Fails(Minimal + yaml).Message);
        }
    }
}
