using GitOps.Pipelines.Configuration;
using GitOps.Pipelines.Deploy;
using GitOps.Pipelines.Sync;
using GitOps.Pipelines.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cake.GitOps.Pipelines.Tests;

/// <summary>
/// The real webhook service (what <c>gitops serve</c> runs) on 127.0.0.1 with a secret the test chooses, syncing
/// a sample app's environments with the local sync: the service a Cake build points GitOpsSync at.
/// </summary>
public sealed class WebhookService : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WebhookService(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>The service's GitHub webhook route.</summary>
    public Uri Url { get; }

    /// <summary>Starts the service for the gitops.yaml at <paramref name="configPath"/>.</summary>
    public static async Task<WebhookService> StartAsync(string configPath, string secret)
    {
        var config = GitOpsConfigLoader.Load(configPath);
        var options = new WebhookServiceOptions { GitHubSecret = secret, Routes = WebhookEndpoints.Routes(config) };
        var sync = DeployerFactory.LocalSync(config);
        var app = WebhookApp.Create(["--urls", "http://127.0.0.1:0"], options, services =>
        {
            services.AddSingleton<ISyncTrigger>(sync);
            services.AddSingleton<IDeploymentObserver>(sync);
            services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new WebhookService(app, new Uri(new Uri(address), "/hooks/github"));
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
