using System.Net;
using System.Text.Json;

namespace GitOps.Pipelines.Forges.GitHub;

/// <summary>Pull requests: create, read, list, update, merge, request reviewers, and auto-merge (GraphQL).</summary>
public interface IPullRequestsClient
{
    /// <summary>Reviews of pull requests.</summary>
    IPullRequestReviewsClient Review { get; }

    /// <summary><c>POST /repos/{owner}/{repo}/pulls</c>. A 422 "A pull request already exists" surfaces as <see cref="ForgeApiException"/>.</summary>
    Task<PullRequestResponse> CreateAsync(string owner, string repo, NewPullRequestBody body, CancellationToken cancellationToken = default);

    /// <summary><c>GET /repos/{owner}/{repo}/pulls/{number}</c>.</summary>
    Task<PullRequestResponse> GetAsync(string owner, string repo, int number, CancellationToken cancellationToken = default);

    /// <summary>Pull requests in <paramref name="state"/> (open, closed, all), optionally by head (<c>owner:branch</c>) and base; every page.</summary>
    Task<IReadOnlyList<PullRequestResponse>> ListAsync(string owner, string repo, string state = "open", string? head = null,
        string? @base = null, CancellationToken cancellationToken = default);

    /// <summary><c>PATCH /repos/{owner}/{repo}/pulls/{number}</c>: title, body, state (<c>closed</c> closes it), base.</summary>
    Task<PullRequestResponse> UpdateAsync(string owner, string repo, int number, PullRequestUpdateBody body, CancellationToken cancellationToken = default);

    /// <summary><c>PUT …/pulls/{number}/merge</c>. 405 (not mergeable) and 409 (head modified) surface as <see cref="ForgeApiException"/>.</summary>
    Task<MergeResponse> MergeAsync(string owner, string repo, int number, MergePullRequestBody body, CancellationToken cancellationToken = default);

    /// <summary><c>POST …/pulls/{number}/requested_reviewers</c>: users and teams (team slugs).</summary>
    Task<PullRequestResponse> RequestReviewersAsync(string owner, string repo, int number, ReviewRequestBody body, CancellationToken cancellationToken = default);

    /// <summary>
    /// GraphQL <c>enablePullRequestAutoMerge(input: {pullRequestId, mergeMethod})</c>: GitHub merges once the branch
    /// protection's requirements (approvals, checks) are met. <paramref name="mergeMethod"/> is merge, squash or rebase.
    /// </summary>
    Task EnableAutoMergeAsync(string pullRequestNodeId, string mergeMethod, CancellationToken cancellationToken = default);
}

/// <summary>Reviews of a pull request.</summary>
public interface IPullRequestReviewsClient
{
    /// <summary><c>GET …/pulls/{number}/reviews</c>, oldest first, every page.</summary>
    Task<IReadOnlyList<ReviewResponse>> GetAllAsync(string owner, string repo, int number, CancellationToken cancellationToken = default);

    /// <summary><c>POST …/pulls/{number}/reviews</c>; an APPROVE event approves as the token's user.</summary>
    Task<ReviewResponse> CreateAsync(string owner, string repo, int number, NewReviewBody body, CancellationToken cancellationToken = default);
}

/// <inheritdoc cref="IPullRequestsClient" />
public sealed class PullRequestsClient(ForgeConnection connection) : IPullRequestsClient
{
    /// <inheritdoc />
    public IPullRequestReviewsClient Review { get; } = new PullRequestReviewsClient(connection);

    /// <inheritdoc />
    public Task<PullRequestResponse> CreateAsync(string owner, string repo, NewPullRequestBody body, CancellationToken cancellationToken = default) =>
        connection.SendAsync(HttpMethod.Post, connection.Url(GitHubApiUrls.PullRequests(owner, repo)), body, GitHubJson.Default.NewPullRequestBody,
            GitHubJson.Default.PullRequestResponse, cancellationToken);

    /// <inheritdoc />
    public Task<PullRequestResponse> GetAsync(string owner, string repo, int number, CancellationToken cancellationToken = default) =>
        connection.SendAsync(HttpMethod.Get, connection.Url(GitHubApiUrls.PullRequest(owner, repo, number)), GitHubJson.Default.PullRequestResponse,
            cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<PullRequestResponse>> ListAsync(string owner, string repo, string state = "open", string? head = null,
        string? @base = null, CancellationToken cancellationToken = default) =>
        connection.GetAllAsync(connection.Url(GitHubApiUrls.PullRequests(owner, repo, state, head, @base)), GitHubJson.Default.ListPullRequestResponse,
            cancellationToken);

    /// <inheritdoc />
    public Task<PullRequestResponse> UpdateAsync(string owner, string repo, int number, PullRequestUpdateBody body, CancellationToken cancellationToken = default) =>
        connection.SendAsync(HttpMethod.Patch, connection.Url(GitHubApiUrls.PullRequest(owner, repo, number)), body, GitHubJson.Default.PullRequestUpdateBody,
            GitHubJson.Default.PullRequestResponse, cancellationToken);

    /// <inheritdoc />
    public Task<MergeResponse> MergeAsync(string owner, string repo, int number, MergePullRequestBody body, CancellationToken cancellationToken = default) =>
        connection.SendAsync(HttpMethod.Put, connection.Url(GitHubApiUrls.MergePullRequest(owner, repo, number)), body, GitHubJson.Default.MergePullRequestBody,
            GitHubJson.Default.MergeResponse, cancellationToken);

    /// <inheritdoc />
    public Task<PullRequestResponse> RequestReviewersAsync(string owner, string repo, int number, ReviewRequestBody body, CancellationToken cancellationToken = default) =>
        connection.SendAsync(HttpMethod.Post, connection.Url(GitHubApiUrls.PullRequestReviewRequests(owner, repo, number)), body,
            GitHubJson.Default.ReviewRequestBody, GitHubJson.Default.PullRequestResponse, cancellationToken);

    /// <inheritdoc />
    public async Task EnableAutoMergeAsync(string pullRequestNodeId, string mergeMethod, CancellationToken cancellationToken = default)
    {
        const string mutation =
            "mutation($pullRequestId: ID!, $mergeMethod: PullRequestMergeMethod!) { " +
            "enablePullRequestAutoMerge(input: {pullRequestId: $pullRequestId, mergeMethod: $mergeMethod}) " +
            "{ pullRequest { number autoMergeRequest { enabledAt mergeMethod } } } }";
        var url = GitHubApiUrls.GraphQL(connection.BaseUrl);
        var request = new GraphQLRequest(mutation, new Dictionary<string, string>
        {
            ["pullRequestId"] = pullRequestNodeId,
            ["mergeMethod"] = mergeMethod.ToUpperInvariant(),
        });
        var response = await connection.SendAsync(HttpMethod.Post, url, request, GitHubJson.Default.GraphQLRequest, GitHubJson.Default.GraphQLResponse,
            cancellationToken);
        if (response.Errors is { Count: > 0 } errors)
        {
            var said = string.Join("; ", errors.Select(e => e.Message));
            throw new ForgeApiException($"{connection.Forge}: POST {url} enablePullRequestAutoMerge failed: {said} " +
                "(the repository must allow auto-merge and the base branch needs a protection rule)", HttpMethod.Post, url, HttpStatusCode.OK, said);
        }
    }
}

/// <inheritdoc cref="IPullRequestReviewsClient" />
public sealed class PullRequestReviewsClient(ForgeConnection connection) : IPullRequestReviewsClient
{
    /// <inheritdoc />
    public Task<IReadOnlyList<ReviewResponse>> GetAllAsync(string owner, string repo, int number, CancellationToken cancellationToken = default) =>
        connection.GetAllAsync(connection.Url(GitHubApiUrls.PullRequestReviews(owner, repo, number)), GitHubJson.Default.ListReviewResponse, cancellationToken);

    /// <inheritdoc />
    public Task<ReviewResponse> CreateAsync(string owner, string repo, int number, NewReviewBody body, CancellationToken cancellationToken = default) =>
        connection.SendAsync(HttpMethod.Post, connection.Url(GitHubApiUrls.PullRequestReviews(owner, repo, number).Split('?')[0]), body,
            GitHubJson.Default.NewReviewBody, GitHubJson.Default.ReviewResponse, cancellationToken);
}
