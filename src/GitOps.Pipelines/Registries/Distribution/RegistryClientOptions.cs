using Azure.Core;

namespace GitOps.Pipelines.Registries.Distribution;

/// <summary>How a <see cref="RegistryClient"/> connects, authenticates and retries.</summary>
public sealed record RegistryClientOptions
{
    /// <summary>Where credentials come from (Docker config, environment); anonymous when nothing is found.</summary>
    public RegistryCredentials Credentials { get; init; } = new();

    /// <summary>
    /// Hosts (with port when not 443) allowed over plain HTTP. <c>localhost</c>, <c>127.0.0.1</c> and <c>[::1]</c>
    /// (any port) are always allowed, as docker does. HTTPS is tried first; HTTP only when TLS fails.
    /// Certificates of insecure hosts are not checked.
    /// </summary>
    public IReadOnlySet<string> InsecureRegistries { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Attempts per request on 429, 5xx and dropped connections (the first included).</summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>Delay before the first retry when the registry sends no <c>Retry-After</c>; doubled each time.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest wait honoured from a <c>Retry-After</c> header.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Wraps the HTTP handler (e.g. to count or log requests in tests); null for none.</summary>
    public Func<HttpMessageHandler, HttpMessageHandler>? WrapHandler { get; init; }

    /// <summary>
    /// Registries authenticated as Azure Container Registries when no other credential is found: host patterns, exact
    /// (<c>acme.azurecr.io</c>) or with a leading <c>*.</c> (<c>*.azurecr.io</c>). By default the public, China and US
    /// government ACR domains.
    /// </summary>
    public IReadOnlyList<string> AzureRegistries { get; init; } = ["*.azurecr.io", "*.azurecr.cn", "*.azurecr.us"];

    /// <summary>
    /// The Azure.Identity credential for ACR: its access token for <c>https://containerregistry.azure.net/.default</c> is
    /// exchanged at <c>/oauth2/exchange</c> for an ACR refresh token. Null: a <c>DefaultAzureCredential</c>, created
    /// when an ACR first asks for a token.
    /// </summary>
    public TokenCredential? AzureCredential { get; init; }

    /// <summary>The Azure AD tenant sent with the exchange (<c>tenant</c>); null to let ACR use the token's.</summary>
    public string? AzureTenant { get; init; }

    /// <summary>True when <paramref name="host"/> matches <see cref="AzureRegistries"/>.</summary>
    public bool IsAzureRegistry(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return AzureRegistries.Any(p => p.StartsWith("*.", StringComparison.Ordinal)
            ? host.EndsWith(p[1..], StringComparison.OrdinalIgnoreCase) && host.Length > p.Length - 1
            : string.Equals(p, host, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>True when <paramref name="host"/> may be reached over plain HTTP.</summary>
    public bool IsInsecure(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var name = host.StartsWith('[') ? host[..(host.IndexOf(']') + 1)] : host.Split(':')[0];
        return name is "localhost" or "127.0.0.1" or "[::1]" || InsecureRegistries.Contains(host);
    }
}
