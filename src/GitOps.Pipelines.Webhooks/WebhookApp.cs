using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace GitOps.Pipelines.Webhooks;

/// <summary>Builds the webhook service: Program-style table of contents, one Map call per feature.</summary>
public static class WebhookApp
{
    /// <summary>Creates the app; <paramref name="configureServices"/> lets a host add the sync trigger and options.</summary>
    public static WebApplication Create(string[] args, Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        configureServices?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapGet("/healthz", () => Results.Text("ok"));
        return app;
    }
}
