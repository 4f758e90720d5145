using System.Security.Cryptography;
using GitOps.Pipelines.Configuration;
using GitOps.Pipelines.Deploy;
using GitOps.Pipelines.Forges;
using GitOps.Pipelines.Forges.GitHub;
using GitOps.Pipelines.Forges.GitLab;
using GitOps.Pipelines.Webhooks.ImageUpdates;
using GitOps.Pipelines.Webhooks.Processing;
using GitOps.Pipelines.Webhooks.Reporting;
using GitOps.Pipelines.Git;
using GitOps.Pipelines.Builders;
using GitOps.Pipelines.Registries;
using GitOps.Pipelines.Sync;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GitOps.Pipelines.Webhooks;

/// <summary>The webhook service as the chain and <c>gitops serve</c> run it for a gitops.yaml.</summary>
public static class WebhookEndpoints
{
    /// <summary>
    /// Where the chain delivers webhooks: <c>webhook.url</c> when configured (secret from the variable named by
    /// <c>webhook.secretEnv</c> or <c>webhook.secret</c>), else this service started in-process on 127.0.0.1 on a
    /// free port with a one-time secret, syncing with what <c>sync.kind</c> names (the local sync, Argo CD or Flux).
    /// </summary>
    public static IWebhookEndpoint For(GitOpsConfig config, TextWriter log)
    {
        if (config.Webhook.Url is { Length: > 0 } url)
            return new FixedWebhookEndpoint(new Uri(url), Secret(config)
                ?? throw new GitOpsException($"{config.SourceFile}: webhook.url is set but no secret: set {config.Webhook.SecretEnv} or webhook.secret", ExitCode.InvalidInput));
        return new InProcessWebhookEndpoint(config, log);
    }

    /// <summary>Runs the service until <paramref name="cancellationToken"/> fires (<c>gitops serve</c>).</summary>
    public static async Task ServeAsync(GitOpsConfig config, string urls, CancellationToken cancellationToken)
    {
        var secret = Secret(config)
            ?? throw new GitOpsException($"the webhook service needs a secret: set {config.Webhook.SecretEnv} or webhook.secret in {config.SourceFile}", ExitCode.InvalidInput);
        await using var app = Build(config, secret, ["--urls", urls], quiet: false);
        await app.StartAsync(cancellationToken);
        await app.WaitForShutdownAsync(cancellationToken);
    }

    /// <summary>The routes for a config: merges to the runtime repo's branch sync every environment.</summary>
    public static IReadOnlyList<WebhookRoute> Routes(GitOpsConfig config) =>
        [new WebhookRoute(LocalForge.RepositoryUrlFor(DeployerFactory.RuntimeUrl(config)), config.Runtime.Branch,
            [.. config.Environments.Select(e => e.Name)])];

    internal static WebApplication Build(GitOpsConfig config, string secret, string[] args, bool quiet,
        Func<WebhookServiceOptions, WebhookServiceOptions>? tune = null)
    {
        var options = WebhookServiceOptions.FromEnvironment(Routes(config)) with
        {
            GitHubSecret = secret,
            StateDirectory = Path.Combine(config.Resolve(config.StateDir), "webhooks"),
            VerifyTimeout = config.Sync.Timeout > TimeSpan.Zero ? config.Sync.Timeout : TimeSpan.FromMinutes(5),
        };
        if (tune is not null) options = tune(options);
        // Made before the app, so a hosted forge without a token fails at start, not after the first merge.
        var reporter = Reporter(config, Environment.GetEnvironmentVariable);
        return WebhookApp.Create(args, options, services =>
        {
            if (reporter is not null) services.AddSingleton(reporter);
            if (config.Sync.Kind == "local")
            {
                var sync = DeployerFactory.LocalSync(config);
                services.AddSingleton<ISyncTrigger>(sync);
                services.AddSingleton<IDeploymentObserver>(sync);
            }
            else
            {
                // Made by the container so it is disposed with it (with its Kubernetes client); resolved at creation,
                // so a missing kubeconfig or target fails at start, not at the first merge.
                services.AddSingleton(_ => DeployerFactory.ClusterSync(config));
                services.AddSingleton<ISyncTrigger>(sp => sp.GetRequiredService<IClusterSync>());
                services.AddSingleton<IDeploymentObserver>(sp => sp.GetRequiredService<IClusterSync>());
            }
            if (config.Webhook.ImageUpdates.Count > 0)
            {
                // Image-updater mode replaces the default push log: pushes of the configured images open bump PRs.
                services.AddSingleton<IImagePushHandler>(sp =>
                {
                    var observer = sp.GetRequiredService<IDeploymentObserver>();
                    var self = new SelfWebhookEndpoint(sp.GetRequiredService<IServer>(), secret);
                    return new ImageUpdater(config, log => UpdateDeployer(config, observer, self, log), observer, sp.GetRequiredService<ILogger<ImageUpdater>>());
                });
            }
            if (quiet) services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
            // ASP.NET Core's per-request Information lines (request starting/finished, endpoint executing) cost about
            // 90 % of the throughput under load (bench/webhooks.sh) and say less than the service's own delivery lines.
            else services.AddLogging(b => b.AddFilter("Microsoft.AspNetCore", LogLevel.Warning));
        });
    }

    /// <summary>
    /// A Deployer for image-updater mode: the same bump and gate as <c>gitops bump</c>/<c>gate</c>, with the forge of
    /// <c>runtime.forge</c>; it never builds, so the builder is the built-in one whatever <c>image.builder</c> says.
    /// </summary>
    private static Deployer UpdateDeployer(GitOpsConfig config, IDeploymentObserver observer, IWebhookEndpoint webhooks, TextWriter log)
    {
        var state = config.Resolve(config.StateDir);
        var r = config.Runtime;
        var runtime = new RuntimeRepo(DeployerFactory.RuntimeUrl(config), r.Branch, Path.Combine(state, "work", "runtime"), r.AuthorName, r.AuthorEmail);
        var forge = DeployerFactory.Forge(config);
        return new Deployer(config, new BuiltinImageBuilder(), RegistryFactory.Open(config.Image.Registry, config.BaseDir), runtime, forge,
            (forge as LocalForge)?.Outbox, observer, webhooks, log);
    }

    /// <summary>
    /// The reporter for <c>runtime.forge</c> (null when <c>webhook.report</c> is <c>none</c>): the local forge's folder,
    /// or GitHub/GitLab at the runtime repo's API with the forge token (see <see cref="HostedForges.Token"/>).
    /// </summary>
    public static IDeploymentReporter? Reporter(GitOpsConfig config, Func<string, string?> environment, HttpClient? http = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Webhook.Report == "none") return null;
        var runtime = config.Runtime;
        if (runtime.Forge == "local") return new LocalDeploymentReporter(Path.Combine(config.Resolve(config.StateDir), "forge"));
        var where = HostedForges.Locate(runtime.Forge, runtime.Url, runtime.ApiUrl, runtime.Project);
        var token = HostedForges.Token(runtime.Forge, runtime.TokenEnv, environment);
        if (runtime.Forge == "gitlab")
            return new GitLabDeploymentReporter(new GitLabClient(where.ApiUrl, token.Value, token.Kind, http ?? ReportHttp, token.Source), where.Project);
        var parts = where.Project.Split('/');
        return new GitHubDeploymentReporter(new GitHubClient(where.ApiUrl, token.Value, http ?? ReportHttp, token.Source), parts[0], parts[1],
            config.Webhook.Report == "deployment" ? GitHubReportKind.Deployment : GitHubReportKind.CommitStatus);
    }

    private static readonly HttpClient ReportHttp = new() { Timeout = TimeSpan.FromSeconds(100) };

    private static string? Secret(GitOpsConfig config)
    {
        var fromEnv = Environment.GetEnvironmentVariable(config.Webhook.SecretEnv);
        return string.IsNullOrEmpty(fromEnv) ? config.Webhook.Secret : fromEnv;
    }

    /// <summary>The service started for one run on 127.0.0.1 on a free port, stopped on dispose.</summary>
    private sealed class InProcessWebhookEndpoint(GitOpsConfig config, TextWriter log) : IWebhookEndpoint
    {
        private WebApplication? _app;
        private Uri? _url;

        public string Secret { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

        public async Task<Uri> GetUrlAsync(CancellationToken cancellationToken = default)
        {
            if (_url is not null) return _url;
            _app = Build(config, Secret, ["--urls", "http://127.0.0.1:0"], quiet: true);
            await _app.StartAsync(cancellationToken);
            var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            _url = new Uri(new Uri(address), "/hooks/github");
            log.WriteLine($"[sync] webhook service listening on {address}");
            return _url;
        }

        public async ValueTask DisposeAsync()
        {
            if (_app is not null) await _app.DisposeAsync();
        }
    }
}
