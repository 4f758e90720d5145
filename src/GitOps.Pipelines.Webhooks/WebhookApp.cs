using GitOps.Pipelines.Sync;
using GitOps.Pipelines.Webhooks.GitHub;
using GitOps.Pipelines.Webhooks.GitLab;
using GitOps.Pipelines.Webhooks.Health;
using GitOps.Pipelines.Webhooks.Operability;
using GitOps.Pipelines.Webhooks.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace GitOps.Pipelines.Webhooks;

/// <summary>Builds the webhook service: Program-style table of contents, one Map call per feature.</summary>
public static class WebhookApp
{
    /// <summary>
    /// Creates the app (not started). <paramref name="configure"/> is where the host registers its
    /// <see cref="ISyncTrigger"/>; with routes configured and no trigger registered, creation fails.
    /// Listening addresses come from <paramref name="args"/> (<c>--urls</c>) or <c>app.Urls</c>.
    /// </summary>
    public static WebApplication Create(string[] args, WebhookServiceOptions options, Action<IServiceCollection>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.AddGitOpsWebhooks(options);
        configure?.Invoke(builder.Services);

        var app = builder.Build();
        if (options.Routes.Count > 0 && app.Services.GetService<ISyncTrigger>() is null)
            throw new GitOpsException("the webhook service has routes but no ISyncTrigger is registered to sync them", ExitCode.InvalidInput);

        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRateLimiter();
        app.MapHealth();
        app.MapOperability();
        app.MapGitHubWebhooks();
        app.MapGitLabWebhooks();
        app.MapRegistryWebhooks();
        return app;
    }
}
