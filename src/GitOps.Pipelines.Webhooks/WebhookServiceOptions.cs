namespace GitOps.Pipelines.Webhooks;

/// <summary>Where merges deploy: a merge to <paramref name="Branch"/> of <paramref name="RepositoryUrl"/> syncs these environments.</summary>
/// <param name="RepositoryUrl">The runtime repo as any git URL (https, ssh, scp-like, with or without <c>.git</c>) or a local path.</param>
/// <param name="Branch">The branch the merge lands on (<c>main</c> or <c>refs/heads/main</c>).</param>
/// <param name="Environments">The environments to sync, in order.</param>
public sealed record WebhookRoute(string RepositoryUrl, string Branch, IReadOnlyList<string> Environments)
{
    /// <summary>
    /// Changed-path globs (<c>*</c>, <c>**</c>, <c>?</c>, relative to the repository root); a push syncs the route only
    /// when one of its changed files matches. Null or empty: every push matches. Merges always match.
    /// </summary>
    public IReadOnlyList<string>? Paths { get; init; }
}

/// <summary>The webhook service's settings: secrets, routes, limits, and where the journal lives.</summary>
public sealed record WebhookServiceOptions
{
    /// <summary>The environment variable <see cref="FromEnvironment"/> reads the GitHub secret from.</summary>
    public const string GitHubSecretVariable = "GITOPS_WEBHOOK_GITHUB_SECRET";

    /// <summary>The environment variable <see cref="FromEnvironment"/> reads the GitLab token from.</summary>
    public const string GitLabTokenVariable = "GITOPS_WEBHOOK_GITLAB_TOKEN";

    /// <summary>The environment variable <see cref="FromEnvironment"/> reads the GitLab signing token from.</summary>
    public const string GitLabSigningTokenVariable = "GITOPS_WEBHOOK_GITLAB_SIGNING_TOKEN";

    /// <summary>The environment variable <see cref="FromEnvironment"/> reads the registry secret from.</summary>
    public const string RegistrySecretVariable = "GITOPS_WEBHOOK_REGISTRY_SECRET";

    /// <summary>The default body cap: GitHub caps payloads at 25 MB.</summary>
    public const long DefaultMaxBodyBytes = 25L * 1024 * 1024;

    /// <summary>The HMAC secret GitHub signs deliveries with; required, unsigned deliveries are never accepted.</summary>
    public string? GitHubSecret { get; init; }

    /// <summary>The GitLab webhook's secret token (<c>X-Gitlab-Token</c>); without it <c>/hooks/gitlab</c> refuses every delivery.</summary>
    public string? GitLabToken { get; init; }

    /// <summary>
    /// The GitLab webhook's signing token (<c>whsec_BASE64</c>): when set, every GitLab delivery must carry a valid, recent
    /// <c>webhook-signature</c> (see <see cref="GitLab.GitLabSignature"/>), besides <c>X-Gitlab-Token</c> when that is set too.
    /// </summary>
    public string? GitLabSigningToken { get; init; }

    /// <summary>How far a signed delivery's <c>webhook-timestamp</c> may be from now (Standard Webhooks: 5 minutes).</summary>
    public TimeSpan SignatureTolerance { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The registry webhooks' secret: the <c>Authorization</c> header (distribution, ACR, Harbor), <c>?secret=</c> (Docker Hub),
    /// the HMAC key (generic). Without it the generic receiver refuses everything and the others accept unauthenticated pushes.
    /// </summary>
    public string? RegistrySecret { get; init; }

    /// <summary>
    /// The folder for the service's state; the journal lives in <c>journal/</c> under it. Null: a fresh temporary folder
    /// per process (accepted events then survive a crash of the processing, not of the machine).
    /// </summary>
    public string? StateDirectory { get; init; }

    /// <summary>Bursts for one environment within this window become one trigger at the newest revision.</summary>
    public TimeSpan DebounceWindow { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Up to this much random delay is added to each debounced trigger, so replicas and targets do not stampede.</summary>
    public TimeSpan DebounceJitter { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Deliveries each source (per client address) may make per <see cref="RateLimitWindow"/>; more are answered 429.</summary>
    public int RateLimitPermits { get; init; } = 10_000;

    /// <summary>The rate limit's fixed window.</summary>
    public TimeSpan RateLimitWindow { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a merge's environments are watched for synced and healthy at the revision before it is reported failed.</summary>
    public TimeSpan VerifyTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often an observer that cannot watch (the local sync) is polled while following a merge.</summary>
    public TimeSpan VerifyPollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How many recent deliveries the status page shows.</summary>
    public int RecentDeliveries { get; init; } = 100;

    /// <summary>Which merges sync which environments.</summary>
    public IReadOnlyList<WebhookRoute> Routes { get; init; } = [];

    /// <summary>Bodies larger than this are refused with 413.</summary>
    public long MaxBodyBytes { get; init; } = DefaultMaxBodyBytes;

    /// <summary>How many delivery ids are remembered to drop replays (oldest forgotten first).</summary>
    public int RememberedDeliveries { get; init; } = 10_000;

    /// <summary>Options with the secrets from <see cref="GitHubSecretVariable"/>, <see cref="GitLabTokenVariable"/> and <see cref="RegistrySecretVariable"/>, and the given routes.</summary>
    public static WebhookServiceOptions FromEnvironment(IReadOnlyList<WebhookRoute>? routes = null) => new()
    {
        GitHubSecret = Environment.GetEnvironmentVariable(GitHubSecretVariable),
        GitLabToken = Environment.GetEnvironmentVariable(GitLabTokenVariable),
        GitLabSigningToken = Environment.GetEnvironmentVariable(GitLabSigningTokenVariable),
        RegistrySecret = Environment.GetEnvironmentVariable(RegistrySecretVariable),
        Routes = routes ?? [],
    };

    /// <summary>Throws a <see cref="GitOpsException"/> naming what is missing or wrong.</summary>
    public void Validate()
    {
        if (string.IsNullOrEmpty(GitHubSecret))
            throw new GitOpsException(
                $"the webhook service has no GitHub secret: set {GitHubSecretVariable} (it never accepts unsigned deliveries)",
                ExitCode.InvalidInput);
        if (MaxBodyBytes <= 0)
            throw new GitOpsException($"the webhook body cap must be positive (got {MaxBodyBytes})", ExitCode.InvalidInput);
        if (RememberedDeliveries <= 0)
            throw new GitOpsException($"the webhook must remember at least one delivery (got {RememberedDeliveries})", ExitCode.InvalidInput);
        if (RateLimitPermits <= 0 || RateLimitWindow <= TimeSpan.Zero)
            throw new GitOpsException($"the webhook rate limit must be positive (got {RateLimitPermits} per {RateLimitWindow})", ExitCode.InvalidInput);
        if (VerifyTimeout <= TimeSpan.Zero || VerifyPollInterval <= TimeSpan.Zero)
            throw new GitOpsException($"the webhook verify timeout and poll interval must be positive (got {VerifyTimeout}, {VerifyPollInterval})", ExitCode.InvalidInput);
        if (DebounceWindow < TimeSpan.Zero || DebounceJitter < TimeSpan.Zero)
            throw new GitOpsException("the webhook debounce window and jitter cannot be negative", ExitCode.InvalidInput);
        for (var i = 0; i < Routes.Count; i++)
        {
            var r = Routes[i];
            if (string.IsNullOrWhiteSpace(r.RepositoryUrl) || string.IsNullOrWhiteSpace(r.Branch))
                throw new GitOpsException($"webhook route {i + 1}: a repository URL and a branch are required", ExitCode.InvalidInput);
            if (r.Environments.Count == 0 || r.Environments.Any(string.IsNullOrWhiteSpace))
                throw new GitOpsException($"webhook route {i + 1} ({r.RepositoryUrl} {r.Branch}): name at least one environment", ExitCode.InvalidInput);
        }
    }
}
