using Cake.Core;
using GitOps.Pipelines;
using GitOps.Pipelines.Configuration;
using GitOps.Pipelines.Deploy;

namespace Cake.GitOps.Pipelines;

/// <summary>Runs one chain stage for an alias: loads gitops.yaml, wires the deployer, logs through Cake.</summary>
public sealed class GitOpsRunner(ICakeContext context)
{
    /// <summary>
    /// Runs <paramref name="stage"/> with a deployer for <paramref name="settings"/>. Every failure the CLI reports
    /// with an exit code (an invalid gitops.yaml, a missing webhook setting, a stage's own failure) fails the task
    /// with a <see cref="CakeException"/> carrying the same code and message.
    /// </summary>
    public IReadOnlyList<StageReport> Run(GitOpsSettings? settings, Func<Deployer, string, CancellationToken, Task<IReadOnlyList<StageReport>>> stage)
    {
        settings ??= new GitOpsSettings();
        try
        {
            var path = Path.GetFullPath(settings.ConfigPath, context.Environment.WorkingDirectory.FullPath);
            var config = GitOpsConfigLoader.Load(path);
            using var log = new CakeLogWriter(context.Log);
            var endpoint = Endpoint(config, settings);
            try
            {
                var deployer = DeployerFactory.Create(config, endpoint, log);
                return stage(deployer, settings.Environment, CancellationToken.None).GetAwaiter().GetResult();
            }
            finally
            {
                endpoint.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }
        catch (GitOpsException e)
        {
            throw new CakeException((int)e.Code, e.Message, e);
        }
    }

    private IWebhookEndpoint Endpoint(GitOpsConfig config, GitOpsSettings settings)
    {
        var url = settings.WebhookUrl?.ToString() ?? Variable("GITOPS_WEBHOOK_URL") ?? config.Webhook.Url;
        if (url is null) return new UnconfiguredWebhookEndpoint();
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new GitOpsException($"webhook url '{url}' is not an http(s) URL (GitOpsSettings.WebhookUrl, GITOPS_WEBHOOK_URL or webhook.url in {config.SourceFile})", ExitCode.InvalidInput);
        var secret = Variable(config.Webhook.SecretEnv) ?? config.Webhook.Secret;
        if (string.IsNullOrEmpty(secret))
            throw new GitOpsException($"webhook url {url} is set but no secret: set {config.Webhook.SecretEnv} or webhook.secret in {config.SourceFile}", ExitCode.InvalidInput);
        return new FixedWebhookEndpoint(uri, secret);
    }

    /// <summary>A variable of Cake's environment; set but empty counts as unset, as for the CLI.</summary>
    private string? Variable(string name) =>
        context.Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;

    /// <summary>An endpoint that explains how to configure one when a stage needs to deliver.</summary>
    private sealed class UnconfiguredWebhookEndpoint : IWebhookEndpoint
    {
        public string Secret => "";

        public Task<Uri> GetUrlAsync(CancellationToken cancellationToken = default) =>
            throw new GitOpsException("merge webhooks are waiting but no webhook service is configured: set GitOpsSettings.WebhookUrl, " +
                "GITOPS_WEBHOOK_URL or webhook.url in gitops.yaml, or run `gitops sync`, which starts the service itself", ExitCode.InvalidInput);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
