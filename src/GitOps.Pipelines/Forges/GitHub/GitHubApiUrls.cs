namespace GitOps.Pipelines.Forges.GitHub;

/// <summary>Every GitHub REST route the clients call, relative to the API root (one place to read them all).</summary>
public static class GitHubApiUrls
{
    private static string E(string s) => Uri.EscapeDataString(s);

    // A ref keeps its slashes (heads/feature/x), each segment escaped.
    private static string Ref(string reference) => string.Join('/', reference.Split('/').Select(E));

    private static string Repo(string owner, string repo) => $"repos/{E(owner)}/{E(repo)}";

    /// <summary><c>POST</c> create / <c>GET</c> list pull requests.</summary>
    public static string PullRequests(string owner, string repo) => $"{Repo(owner, repo)}/pulls";

    /// <summary>Pull requests filtered by state, head (<c>owner:branch</c>) and base, 100 a page.</summary>
    public static string PullRequests(string owner, string repo, string state, string? head, string? @base) =>
        $"{Repo(owner, repo)}/pulls?state={E(state)}{(head is null ? "" : $"&head={E(head)}")}{(@base is null ? "" : $"&base={E(@base)}")}&per_page=100";

    /// <summary><c>GET</c> / <c>PATCH</c> one pull request.</summary>
    public static string PullRequest(string owner, string repo, int number) => $"{Repo(owner, repo)}/pulls/{number}";

    /// <summary><c>PUT</c> merge a pull request.</summary>
    public static string MergePullRequest(string owner, string repo, int number) => $"{Repo(owner, repo)}/pulls/{number}/merge";

    /// <summary><c>GET</c> list / <c>POST</c> create reviews of a pull request.</summary>
    public static string PullRequestReviews(string owner, string repo, int number) => $"{Repo(owner, repo)}/pulls/{number}/reviews?per_page=100";

    /// <summary><c>POST</c> request reviewers and teams.</summary>
    public static string PullRequestReviewRequests(string owner, string repo, int number) => $"{Repo(owner, repo)}/pulls/{number}/requested_reviewers";

    /// <summary><c>POST</c> add labels to an issue or pull request.</summary>
    public static string IssueLabels(string owner, string repo, int number) => $"{Repo(owner, repo)}/issues/{number}/labels";

    /// <summary><c>GET</c> one reference, e.g. <c>heads/main</c>.</summary>
    public static string Reference(string owner, string repo, string reference) => $"{Repo(owner, repo)}/git/ref/{Ref(reference)}";

    /// <summary><c>POST</c> create a reference.</summary>
    public static string References(string owner, string repo) => $"{Repo(owner, repo)}/git/refs";

    /// <summary><c>PATCH</c> update a reference.</summary>
    public static string UpdateReference(string owner, string repo, string reference) => $"{Repo(owner, repo)}/git/refs/{Ref(reference)}";

    /// <summary><c>POST</c> create a commit status.</summary>
    public static string CommitStatuses(string owner, string repo, string sha) => $"{Repo(owner, repo)}/statuses/{E(sha)}";

    /// <summary><c>GET</c> the combined status of a ref or SHA.</summary>
    public static string CombinedStatus(string owner, string repo, string reference) => $"{Repo(owner, repo)}/commits/{Ref(reference)}/status?per_page=100";

    /// <summary><c>GET</c> the check runs (Checks API) of a ref or SHA, 100 a page.</summary>
    public static string CheckRuns(string owner, string repo, string reference) => $"{Repo(owner, repo)}/commits/{Ref(reference)}/check-runs?per_page=100";

    /// <summary><c>POST</c> create / <c>GET</c> list deployments.</summary>
    public static string Deployments(string owner, string repo) => $"{Repo(owner, repo)}/deployments";

    /// <summary><c>POST</c> create / <c>GET</c> list statuses of a deployment.</summary>
    public static string DeploymentStatuses(string owner, string repo, long deploymentId) => $"{Repo(owner, repo)}/deployments/{deploymentId}/statuses";

    /// <summary><c>GET</c> the rate limit (does not count against it).</summary>
    public static string RateLimit() => "rate_limit";

    /// <summary>
    /// The GraphQL endpoint for a REST root: <c>https://api.github.com/graphql</c>, or <c>https://HOST/api/graphql</c>
    /// for GitHub Enterprise Server's <c>https://HOST/api/v3/</c>.
    /// </summary>
    public static Uri GraphQL(Uri restRoot)
    {
        ArgumentNullException.ThrowIfNull(restRoot);
        var root = restRoot.AbsoluteUri.TrimEnd('/');
        return root.EndsWith("/api/v3", StringComparison.OrdinalIgnoreCase)
            ? new Uri(root[..^"/v3".Length] + "/graphql")
            : new Uri(root + "/graphql");
    }
}
