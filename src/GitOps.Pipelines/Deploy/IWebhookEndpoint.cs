namespace GitOps.Pipelines.Deploy;

/// <summary>Where the forge's webhooks go: a configured URL, or a service the chain starts for the run.</summary>
public interface IWebhookEndpoint : IAsyncDisposable
{
    /// <summary>The URL to POST GitHub-format deliveries to, starting the service first when needed.</summary>
    Task<Uri> GetUrlAsync(CancellationToken cancellationToken = default);

    /// <summary>The HMAC secret the endpoint verifies with.</summary>
    string Secret { get; }
}

/// <summary>A webhook service that runs elsewhere, at a fixed URL.</summary>
public sealed class FixedWebhookEndpoint(Uri url, string secret) : IWebhookEndpoint
{
    /// <inheritdoc />
    public string Secret { get; } = secret;

    /// <inheritdoc />
    public Task<Uri> GetUrlAsync(CancellationToken cancellationToken = default) => Task.FromResult(url);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
