using GitOps.Pipelines.Webhooks.Operability;
using GitOps.Pipelines.Webhooks.Processing;
using GitOps.Pipelines.Webhooks.Routing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GitOps.Pipelines.Webhooks;

/// <summary>Registers what the webhook routes need.</summary>
public static class WebhookServiceExtensions
{
    /// <summary>The journal's folder under <see cref="WebhookServiceOptions.StateDirectory"/>.</summary>
    public const string JournalFolder = "journal";

    /// <summary>Validates <paramref name="options"/> (no GitHub secret: refuses to start) and registers the service's parts.</summary>
    public static WebApplicationBuilder AddGitOpsWebhooks(this WebApplicationBuilder builder, WebhookServiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(new SyncRoutes(options.Routes));
        services.AddSingleton(new DeliveryLog(options.RememberedDeliveries));
        services.AddSingleton(new DeliveryRecords(options.RecentDeliveries));
        services.AddSingleton(_ => options.StateDirectory is { Length: > 0 } state
            ? new EventJournal(Path.Combine(state, JournalFolder))
            : new EventJournal(Path.Combine(Path.GetTempPath(), "gitops-webhooks-" + Guid.NewGuid().ToString("N"), JournalFolder), deleteOnDispose: true));
        services.AddSingleton<WebhookMetrics>();
        services.AddSingleton<EventProcessor>();
        services.AddHostedService(sp => sp.GetRequiredService<EventProcessor>());
        services.AddSingleton<Reporting.DeploymentFollower>();
        services.AddSingleton<ImagePushLog>();
        services.AddSingleton<IImagePushHandler>(sp => sp.GetRequiredService<ImagePushLog>());
        services.AddWebhookRateLimits(options);
        services.AddProblemDetails();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, WebhookJsonContext.Default));
        return builder;
    }
}
