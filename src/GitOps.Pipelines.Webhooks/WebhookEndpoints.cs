using System.Security.Cryptography;
using GitOps.Pipelines.Configuration;
using GitOps.Pipelines.Deploy;
using GitOps.Pipelines.Forges;
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

    internal static WebApplication Build(GitOpsConfig config, string secret, string[] args, bool quiet)
    {
        var options = WebhookServiceOptions.FromEnvironment(Routes(config)) with { GitHubSecret = secret, StateDirectory = Path.Combine(config.Resolve(config.StateDir), "webhooks") };
        return WebhookApp.Create(args, options, services =>
        {
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
            if (quiet) services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        });
    }

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
