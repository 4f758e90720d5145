using GitOps.Pipelines.Deploy;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace GitOps.Pipelines.Webhooks.ImageUpdates;

/// <summary>This running service as the Deployer's webhook endpoint: the local forge's merge webhooks come back here.</summary>
internal sealed class SelfWebhookEndpoint(IServer server, string secret) : IWebhookEndpoint
{
    public string Secret => secret;

    public Task<Uri> GetUrlAsync(CancellationToken cancellationToken = default)
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new GitOpsException("the webhook service is not listening yet");
        // A wildcard listen address is reached on loopback.
        var uri = new UriBuilder(address.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal));
        if (uri.Host is "0.0.0.0" or "[::]" or "::") uri.Host = "127.0.0.1";
        uri.Path = "/hooks/github";
        return Task.FromResult(uri.Uri);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
