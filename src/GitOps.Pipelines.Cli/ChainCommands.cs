using System.CommandLine;
using System.Text.Json.Serialization;
using GitOps.Pipelines.Configuration;
using GitOps.Pipelines.Deploy;
using GitOps.Pipelines.Webhooks;

namespace GitOps.Pipelines.Cli;

/// <summary>The chain's commands: build, push, bump, gate, sync, verify, promote, deploy, status, pr, serve.</summary>
internal static class ChainCommands
{
    private static Option<string> ConfigOption() => new("--config", "-c")
    {
        Description = "Path to gitops.yaml.",
        DefaultValueFactory = _ => "gitops.yaml",
    };

    private static Option<string> EnvOption(string name = "--env", string fallback = "staging") => new(name)
    {
        Description = "The environment.",
        DefaultValueFactory = _ => fallback,
    };

    public static IEnumerable<Command> Create()
    {
        yield return Stage("build", "Build the app image (stage Image).", (d, _, ct) => One(d.BuildAsync(ct)));
        yield return Stage("push", "Push the built image to the registry (stage Push).", (d, _, ct) => One(d.PushAsync(ct)));
        yield return Bump();
        yield return Stage("gate", "Open the bump's pull request and merge it when its gate allows (stage Gate).",
            (d, env, ct) => One(d.GateAsync(env!, ct)), withEnv: true);
        yield return Stage("sync", "Deliver merge webhooks to the webhook service, which syncs (stage Sync).", (d, _, ct) => One(d.SyncAsync(ct)));
        yield return Stage("verify", "Wait until the environment runs its merged revision (stage Verify).",
            (d, env, ct) => One(d.VerifyAsync(env!, ct)), withEnv: true);
        yield return Promote();
        yield return Rollback();
        yield return Stage("deploy", "The whole chain: build, push, bump, gate, sync, verify, then promotion PRs.",
            (d, env, ct) => d.DeployAsync(env!, ct), withEnv: true);
        yield return Status();
        yield return PullRequests.Create();
        yield return Serve();
    }

    private static async Task<IReadOnlyList<StageReport>> One(Task<StageReport> stage) => [await stage];

    private static Command Stage(string name, string description,
        Func<Deployer, string?, CancellationToken, Task<IReadOnlyList<StageReport>>> run,
        bool withEnv = false, string envName = "--env")
    {
        var config = ConfigOption();
        var output = Output.Option();
        var env = withEnv ? EnvOption(envName) : null;
        var command = new Command(name, description) { config, output };
        if (env is not null) command.Options.Add(env);
        command.SetAction(async (parse, ct) =>
        {
            var cfg = GitOpsConfigLoader.Load(parse.GetValue(config)!);
            var log = parse.GetValue(output) == "json" ? parse.InvocationConfiguration.Error : parse.InvocationConfiguration.Output;
            await using var endpoint = WebhookEndpoints.For(cfg, log);
            var deployer = DeployerFactory.Create(cfg, endpoint, log);
            var reports = await run(deployer, env is null ? null : parse.GetValue(env), ct);
            Output.Write(parse, output, reports, CliJson.Default.IReadOnlyListStageReport, r => Summary(r, deployer.State));
            return reports.Any(r => r.Outcome == "waiting") && name is "gate" ? (int)ExitCode.GateWaiting : 0;
        });
        return command;
    }

    // gitops bump: the chain's Bump stage from gitops.yaml, or, with --runtime-repo, one file of any runtime repo
    // for scripts (no gitops.yaml needed).
    private static Command Bump()
    {
        var config = ConfigOption();
        var output = Output.Option();
        var env = EnvOption();
        var repo = new Option<string>("--runtime-repo") { Description = "Bump a runtime repo directly (git URL or path), without a gitops.yaml." };
        var path = new Option<string>("--path") { Description = "With --runtime-repo: the file to edit, relative to the repo's root." };
        var image = new Option<string>("--image") { Description = "With --runtime-repo: the image repository to set." };
        var tag = new Option<string>("--tag") { Description = "With --runtime-repo: the tag to set." };
        var digest = new Option<string>("--digest") { Description = "With --runtime-repo: the digest to set (sha256:…)." };
        var branch = new Option<string>("--branch") { Description = "With --runtime-repo: the deploy branch.", DefaultValueFactory = _ => "main" };
        var gate = new Option<string>("--gate") { Description = "With --runtime-repo: direct (commit to the branch) or pr (push a bump branch).", DefaultValueFactory = _ => "direct" }
            .AcceptOnlyFromAmong("direct", "pr");
        var editor = new Option<string>("--editor") { Description = "With --runtime-repo: kustomize, helm, manifests, argocd or flux-setters (default: from the file name)." };
        var valuesKey = new Option<string>("--values-key") { Description = "With --runtime-repo: helm's image key or argocd's parameter prefix." };
        var policy = new Option<string>("--image-policy") { Description = "With --runtime-repo and flux-setters: the image policy, namespace:name." };
        var cache = new Option<string>("--cache-dir") { Description = "With --runtime-repo: where the cached clone lives." };
        var command = new Command("bump", "Set the pushed image in an environment on a branch of the runtime repo (stage Bump); with --runtime-repo, set an image in one file of any runtime repo.")
        {
            config, output, env, repo, path, image, tag, digest, branch, gate, editor, valuesKey, policy, cache,
        };
        command.SetAction(async (parse, ct) =>
        {
            var log = parse.GetValue(output) == "json" ? parse.InvocationConfiguration.Error : parse.InvocationConfiguration.Output;
            IReadOnlyList<StageReport> reports;
            ChainState? state = null;
            if (parse.GetValue(repo) is { } url)
            {
                string Required(Option<string> o) => parse.GetValue(o)
                    ?? throw new GitOpsException($"bump --runtime-repo needs {o.Name}", ExitCode.InvalidInput);
                var request = new RuntimeBumpRequest(url, Required(path), Required(image), parse.GetValue(tag), parse.GetValue(digest),
                    parse.GetValue(branch)!, parse.GetValue(gate)!, parse.GetValue(editor),
                    new Manifests.EditorOptions(parse.GetValue(valuesKey), parse.GetValue(policy)), parse.GetValue(cache));
                reports = [await RuntimeBump.RunAsync(request, log, ct)];
            }
            else
            {
                var cfg = GitOpsConfigLoader.Load(parse.GetValue(config)!);
                await using var endpoint = WebhookEndpoints.For(cfg, log);
                var deployer = DeployerFactory.Create(cfg, endpoint, log);
                reports = [await deployer.BumpAsync(parse.GetValue(env)!, cancellationToken: ct)];
                state = deployer.State;
            }
            Output.Write(parse, output, reports, CliJson.Default.IReadOnlyListStageReport, r => Summary(r, state));
            return 0;
        });
        return command;
    }

    private static Command Promote()
    {
        var config = ConfigOption();
        var output = Output.Option();
        var from = EnvOption("--from");
        var to = new Option<string>("--to") { Description = "Only this environment (default: every environment whose promoteFrom is --from)." };
        var command = new Command("promote", "Promote the verified digest of --from to --to (or to the environments that promote from --from), through their gates.")
        {
            config, output, from, to,
        };
        // As before --to: promote reports a waiting gate in its summary and exits 0.
        return WithDeployer(command, config, output, (d, parse, ct) => d.PromoteAsync(parse.GetValue(from)!, parse.GetValue(to), ct), waitingExits4: false);
    }

    private static Command Rollback()
    {
        var config = ConfigOption();
        var output = Output.Option();
        var env = EnvOption("--env", "production");
        var to = new Option<string>("--to") { Description = "A runtime-repo commit or tag to restore the environment's file to (default: its previous version)." };
        var command = new Command("rollback", "Restore an environment's previous image(s) from the runtime repo's history, through its gate (a pull request).")
        {
            config, output, env, to,
        };
        return WithDeployer(command, config, output, (d, parse, ct) => d.RollbackAsync(parse.GetValue(env)!, parse.GetValue(to), ct), waitingExits4: true);
    }

    private static Command WithDeployer(Command command, Option<string> config, Option<string> output,
        Func<Deployer, ParseResult, CancellationToken, Task<IReadOnlyList<StageReport>>> run, bool waitingExits4)
    {
        command.SetAction(async (parse, ct) =>
        {
            var cfg = GitOpsConfigLoader.Load(parse.GetValue(config)!);
            var log = parse.GetValue(output) == "json" ? parse.InvocationConfiguration.Error : parse.InvocationConfiguration.Output;
            await using var endpoint = WebhookEndpoints.For(cfg, log);
            var deployer = DeployerFactory.Create(cfg, endpoint, log);
            var reports = await run(deployer, parse, ct);
            Output.Write(parse, output, reports, CliJson.Default.IReadOnlyListStageReport, r => Summary(r, deployer.State));
            return waitingExits4 && reports.Any(r => r.Stage == "Gate" && r.Outcome == "waiting") ? (int)ExitCode.GateWaiting : 0;
        });
        return command;
    }

    private static string Summary(IReadOnlyList<StageReport> reports, ChainState? state)
    {
        var lines = reports.Select(r =>
            $"{r.Stage,-7} {r.Outcome,-10} {r.Environment ?? "",-11} {Short(r.Digest),-20} {(r.PullRequest is int n ? "#" + n : ""),-5} {Short(r.Revision),-13} {r.Seconds,6:0.00}s");
        return "stage   outcome    env         digest               pr    revision      time\n" + string.Join('\n', lines);
    }

    private static string Short(string? s) => s is null ? "" : s.StartsWith("sha256:", StringComparison.Ordinal) ? s[..19] : s.Length > 12 ? s[..12] : s;

    private static Command Status()
    {
        var config = ConfigOption();
        var output = Output.Option();
        var command = new Command("status", "What each environment runs: image, tag, digest and runtime-repo revision.") { config, output };
        command.SetAction(async (parse, ct) =>
        {
            var cfg = GitOpsConfigLoader.Load(parse.GetValue(config)!);
            var sync = DeployerFactory.LocalSync(cfg);
            var statuses = new List<DeploymentStatus>();
            foreach (var env in cfg.Environments)
                if (await sync.GetAsync(env.Name, ct) is { } s) statuses.Add(s);
            Output.Write(parse, output, (IReadOnlyList<DeploymentStatus>)statuses, CliJson.Default.IReadOnlyListDeploymentStatus, list =>
                "env         image                          tag              digest                                                                    revision                                  health\n" +
                string.Join('\n', list.SelectMany(s => s.Images.Select(i =>
                    $"{s.Environment,-11} {i.Name,-30} {i.Tag ?? "-",-16} {i.Digest ?? "-",-73} {s.Revision,-41} {s.Health}"))));
            return 0;
        });
        return command;
    }

    private static Command Serve()
    {
        var config = ConfigOption();
        var urls = new Option<string>("--urls") { Description = "Where to listen.", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        var command = new Command("serve", "Run the webhook service: verifies forge webhooks and syncs what they name.") { config, urls };
        command.SetAction(async (parse, ct) =>
        {
            var cfg = GitOpsConfigLoader.Load(parse.GetValue(config)!);
            await WebhookEndpoints.ServeAsync(cfg, parse.GetValue(urls)!, ct);
            return 0;
        });
        return command;
    }
}

/// <summary>Source-generated JSON for the CLI's reports.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true)]
[JsonSerializable(typeof(IReadOnlyList<StageReport>))]
[JsonSerializable(typeof(IReadOnlyList<DeploymentStatus>))]
[JsonSerializable(typeof(IReadOnlyList<PullRequest>))]
[JsonSerializable(typeof(PullRequest))]
internal sealed partial class CliJson : JsonSerializerContext;
