using System.Net.Http.Headers;

namespace GitOps.Pipelines.Forges.GitHub;

/// <summary>
/// The GitHub REST v3 client, one sub-client per API area (as Octokit.net). The API root is
/// <c>https://api.github.com/</c>, or <c>https://HOST/api/v3/</c> for GitHub Enterprise Server.
/// </summary>
public sealed class GitHubClient
{
    /// <summary>The public GitHub API root.</summary>
    public static Uri GitHubApiUrl { get; } = new("https://api.github.com/");

    /// <summary>A client for <paramref name="apiUrl"/> authenticating with <paramref name="token"/> (<c>Authorization: Bearer</c>).</summary>
    /// <param name="apiUrl">The API root.</param>
    /// <param name="token">A personal access token, GitHub App installation token or Actions <c>GITHUB_TOKEN</c>.</param>
    /// <param name="http">The HTTP client (not disposed here).</param>
    /// <param name="tokenSource">Where the token came from, for the 401 message (never the token itself).</param>
    /// <param name="retry">Rate-limit behaviour.</param>
    public GitHubClient(Uri apiUrl, string token, HttpClient http, string tokenSource = "GITHUB_TOKEN", ForgeRetryOptions? retry = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        Connection = new ForgeConnection("GitHub", apiUrl, http, request =>
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.github+json"));
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("GitOps.Pipelines", "0.1"));
            request.Headers.Add("X-GitHub-Api-Version", "2022-11-28");
        }, tokenSource, retry);
        PullRequest = new PullRequestsClient(Connection);
        IssueLabels = new IssuesLabelsClient(Connection);
        Git = new GitDatabaseClient(Connection);
        Status = new RepositoryStatusesClient(Connection);
        Check = new ChecksClient(Connection);
        Deployment = new DeploymentsClient(Connection);
    }

    /// <summary>The HTTP core: base URL, last rate-limit headers.</summary>
    public ForgeConnection Connection { get; }

    /// <summary>Pull requests and their reviews.</summary>
    public IPullRequestsClient PullRequest { get; }

    /// <summary>Labels on issues and pull requests.</summary>
    public IIssuesLabelsClient IssueLabels { get; }

    /// <summary>The git database (references).</summary>
    public IGitDatabaseClient Git { get; }

    /// <summary>Commit statuses.</summary>
    public IRepositoryStatusesClient Status { get; }

    /// <summary>Check runs.</summary>
    public IChecksClient Check { get; }

    /// <summary>Deployments and deployment statuses.</summary>
    public IDeploymentsClient Deployment { get; }
}
