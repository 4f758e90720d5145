using GitOps.Pipelines.Webhooks.Routing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace GitOps.Pipelines.Webhooks;

/// <summary>Registers what the webhook routes need.</summary>
public static class WebhookServiceExtensions
{
    /// <summary>Validates <paramref name="options"/> (no GitHub secret: refuses to start) and registers the service's parts.</summary>
    public static WebApplicationBuilder AddGitOpsWebhooks(this WebApplicationBuilder builder, WebhookServiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(new SyncRoutes(options.Routes));
        builder.Services.AddSingleton(new DeliveryLog(options.RememberedDeliveries));
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, WebhookJsonContext.Default));
        return builder;
    }
}
