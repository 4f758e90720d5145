using System.Net;

namespace GitOps.Pipelines.Forges.GitHub;

/// <summary>Labels on issues and pull requests.</summary>
public interface IIssuesLabelsClient
{
    /// <summary><c>POST …/issues/{number}/labels</c>: adds labels (creating unknown ones), returns all labels now on it.</summary>
    Task<IReadOnlyList<LabelResponse>> AddToIssueAsync(string owner, string repo, int number, IReadOnlyList<string> labels,
        CancellationToken cancellationToken = default);
}

/// <summary>The git database: references (branches and tags).</summary>
public interface IGitDatabaseClient
{
    /// <summary>References.</summary>
    IReferencesClient Reference { get; }
}

/// <summary>Git references: read, create, move.</summary>
public interface IReferencesClient
{
    /// <summary><c>GET …/git/ref/{reference}</c> (e.g. <c>heads/main</c>).</summary>
    Task<ReferenceResponse> GetAsync(string owner, string repo, string reference, CancellationToken cancellationToken = default);

    /// <summary><c>POST …/git/refs</c>: creates <c>refs/heads/x</c> at a SHA (422 when it exists).</summary>
    Task<ReferenceResponse> CreateAsync(string owner, string repo, NewReferenceBody body, CancellationToken cancellationToken = default);

    /// <summary><c>PATCH …/git/refs/{reference}</c>: moves it (a non-fast-forward needs <c>Force</c>).</summary>
    Task<ReferenceResponse> UpdateAsync(string owner, string repo, string reference, ReferenceUpdateBody body, CancellationToken cancellationToken = default);
}

/// <summary>Commit statuses: report a state on a SHA, read the combined state.</summary>
public interface IRepositoryStatusesClient
{
    /// <summary><c>POST …/statuses/{sha}</c>.</summary>
    Task<CommitStatusResponse> CreateAsync(string owner, string repo, string sha, NewCommitStatusBody body, CancellationToken cancellationToken = default);

    /// <summary><c>GET …/commits/{reference}/status</c>: the combined state and the latest status per context.</summary>
    Task<CombinedStatusResponse> GetCombinedAsync(string owner, string repo, string reference, CancellationToken cancellationToken = default);
}

/// <summary>The Checks API.</summary>
public interface IChecksClient
{
    /// <summary>Check runs.</summary>
    ICheckRunsClient Run { get; }
}

/// <summary>Check runs (GitHub Actions jobs and other GitHub Apps' checks).</summary>
public interface ICheckRunsClient
{
    /// <summary><c>GET …/commits/{reference}/check-runs</c>: the latest check runs of a ref or SHA (first 100).</summary>
    Task<CheckRunsResponse> GetAllForReferenceAsync(string owner, string repo, string reference, CancellationToken cancellationToken = default);
}

/// <summary>Deployments and their statuses.</summary>
public interface IDeploymentsClient
{
    /// <summary>Deployment statuses.</summary>
    IDeploymentStatusClient Status { get; }

    /// <summary><c>POST …/deployments</c>; a 202 (GitHub merged the default branch into the ref instead) is an error.</summary>
    Task<DeploymentResponse> CreateAsync(string owner, string repo, NewDeploymentBody body, CancellationToken cancellationToken = default);
}

/// <summary>Statuses of one deployment.</summary>
public interface IDeploymentStatusClient
{
    /// <summary><c>POST …/deployments/{id}/statuses</c>.</summary>
    Task<DeploymentStatusResponse> CreateAsync(string owner, string repo, long deploymentId, NewDeploymentStatusBody body,
        CancellationToken cancellationToken = default);

    /// <summary><c>GET …/deployments/{id}/statuses</c>, newest first, every page.</summary>
    Task<IReadOnlyList<DeploymentStatusResponse>> GetAllAsync(string owner, string repo, long deploymentId, CancellationToken cancellationToken = default);
}

/// <inheritdoc cref="IIssuesLabelsClient" />
public sealed class IssuesLabelsClient(ForgeConnection connection) : IIssuesLabelsClient
{
    /// <inheritdoc />
    public async Task<IReadOnlyList<LabelResponse>> AddToIssueAsync(string owner, string repo, int number, IReadOnlyList<string> labels,
        CancellationToken cancellationToken = default) =>
        await connection.SendAsync(HttpMethod.Post, connection.Url(GitHubApiUrls.IssueLabels(owner, repo, number)), new LabelsBody(labels),
            GitHubJson.Default.LabelsBody, GitHubJson.Default.ListLabelResponse, cancellationToken);
}

/// <inheritdoc cref="IGitDatabaseClient" />
public sealed class GitDatabaseClient(ForgeConnection connection) : IGitDatabaseClient
{
    /// <inheritdoc />
    public IReferencesClient Reference { get; } = new ReferencesClient(connection);
}

/// <inheritdoc cref="IReferencesClient" />
public sealed class ReferencesClient(ForgeConnection connection) : IReferencesClient
{
    /// <inheritdoc />
    public Task<ReferenceResponse> GetAsync(string owner, string repo, string reference, CancellationToken cancellationToken = default) =>
        connection.SendAsync(HttpMethod.Get, connection.Url(GitHubApiUrls.Reference(owner, repo, reference)), GitHubJson.Default.ReferenceResponse,
            cancellationToken);

    /// <inheritdoc />
    public Task<ReferenceResponse> CreateAsync(string owner, string repo, NewReferenceBody body, CancellationToken cancellationToken = default) =>
        connection.SendAsync(HttpMethod.Post, connection.Url(GitHubApiUrls.References(owner, repo)), body, GitHubJson.Default.NewReferenceBody,
            GitHubJson.Default.ReferenceResponse, cancellationToken);

    /// <inheritdoc />
    public Task<ReferenceResponse> UpdateAsync(string owner, string repo, string reference, ReferenceUpdateBody body, CancellationToken cancellationToken = default) =>
        connection.SendAsync(HttpMethod.Patch, connection.Url(GitHubApiUrls.UpdateReference(owner, repo, reference)), body,
            GitHubJson.Default.ReferenceUpdateBody, GitHubJson.Default.ReferenceResponse, cancellationToken);
}

/// <inheritdoc cref="IRepositoryStatusesClient" />
public sealed class RepositoryStatusesClient(ForgeConnection connection) : IRepositoryStatusesClient
{
    /// <inheritdoc />
    public Task<CommitStatusResponse> CreateAsync(string owner, string repo, string sha, NewCommitStatusBody body, CancellationToken cancellationToken = default) =>
        connection.SendAsync(HttpMethod.Post, connection.Url(GitHubApiUrls.CommitStatuses(owner, repo, sha)), body, GitHubJson.Default.NewCommitStatusBody,
            GitHubJson.Default.CommitStatusResponse, cancellationToken);

    /// <inheritdoc />
    public Task<CombinedStatusResponse> GetCombinedAsync(string owner, string repo, string reference, CancellationToken cancellationToken = default) =>
        connection.SendAsync(HttpMethod.Get, connection.Url(GitHubApiUrls.CombinedStatus(owner, repo, reference)), GitHubJson.Default.CombinedStatusResponse,
            cancellationToken);
}

/// <inheritdoc cref="IChecksClient" />
public sealed class ChecksClient(ForgeConnection connection) : IChecksClient
{
    /// <inheritdoc />
    public ICheckRunsClient Run { get; } = new CheckRunsClient(connection);
}

/// <inheritdoc cref="ICheckRunsClient" />
public sealed class CheckRunsClient(ForgeConnection connection) : ICheckRunsClient
{
    /// <inheritdoc />
    public Task<CheckRunsResponse> GetAllForReferenceAsync(string owner, string repo, string reference, CancellationToken cancellationToken = default) =>
        connection.SendAsync(HttpMethod.Get, connection.Url(GitHubApiUrls.CheckRuns(owner, repo, reference)), GitHubJson.Default.CheckRunsResponse,
            cancellationToken);
}

/// <inheritdoc cref="IDeploymentsClient" />
public sealed class DeploymentsClient(ForgeConnection connection) : IDeploymentsClient
{
    /// <inheritdoc />
    public IDeploymentStatusClient Status { get; } = new DeploymentStatusClient(connection);

    /// <inheritdoc />
    public async Task<DeploymentResponse> CreateAsync(string owner, string repo, NewDeploymentBody body, CancellationToken cancellationToken = default)
    {
        var url = connection.Url(GitHubApiUrls.Deployments(owner, repo));
        var (status, text, _) = await connection.SendCoreAsync(HttpMethod.Post, url,
            System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(body, GitHubJson.Default.NewDeploymentBody), cancellationToken);
        if (status == HttpStatusCode.Accepted)
        {
            var said = ForgeConnection.ApiMessage(text);
            throw new ForgeApiException($"{connection.Forge}: POST {url} answered 202: {said} — no deployment was created; create it again",
                HttpMethod.Post, url, status, said);
        }
        return connection.Deserialize(text, GitHubJson.Default.DeploymentResponse, HttpMethod.Post, url);
    }
}

/// <inheritdoc cref="IDeploymentStatusClient" />
public sealed class DeploymentStatusClient(ForgeConnection connection) : IDeploymentStatusClient
{
    /// <inheritdoc />
    public Task<DeploymentStatusResponse> CreateAsync(string owner, string repo, long deploymentId, NewDeploymentStatusBody body,
        CancellationToken cancellationToken = default) =>
        connection.SendAsync(HttpMethod.Post, connection.Url(GitHubApiUrls.DeploymentStatuses(owner, repo, deploymentId)), body,
            GitHubJson.Default.NewDeploymentStatusBody, GitHubJson.Default.DeploymentStatusResponse, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<DeploymentStatusResponse>> GetAllAsync(string owner, string repo, long deploymentId, CancellationToken cancellationToken = default) =>
        connection.GetAllAsync(connection.Url(GitHubApiUrls.DeploymentStatuses(owner, repo, deploymentId) + "?per_page=100"),
            GitHubJson.Default.ListDeploymentStatusResponse, cancellationToken);
}
