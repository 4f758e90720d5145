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

/// <summary>The webhook service's settings: the GitHub secret, the routes, and the body cap.</summary>
public sealed record WebhookServiceOptions
{
    /// <summary>The environment variable <see cref="FromEnvironment"/> reads the GitHub secret from.</summary>
    public const string GitHubSecretVariable = "GITOPS_WEBHOOK_GITHUB_SECRET";

    /// <summary>The default body cap: GitHub caps payloads at 25 MB.</summary>
    public const long DefaultMaxBodyBytes = 25L * 1024 * 1024;

    /// <summary>The HMAC secret GitHub signs deliveries with; required, unsigned deliveries are never accepted.</summary>
    public string? GitHubSecret { get; init; }

    /// <summary>Which merges sync which environments.</summary>
    public IReadOnlyList<WebhookRoute> Routes { get; init; } = [];

    /// <summary>Bodies larger than this are refused with 413.</summary>
    public long MaxBodyBytes { get; init; } = DefaultMaxBodyBytes;

    /// <summary>How many delivery ids are remembered to drop replays (oldest forgotten first).</summary>
    public int RememberedDeliveries { get; init; } = 10_000;

    /// <summary>Options with the GitHub secret from <see cref="GitHubSecretVariable"/> and the given routes.</summary>
    public static WebhookServiceOptions FromEnvironment(IReadOnlyList<WebhookRoute>? routes = null) => new()
    {
        GitHubSecret = Environment.GetEnvironmentVariable(GitHubSecretVariable),
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
