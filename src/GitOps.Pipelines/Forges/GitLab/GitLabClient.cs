namespace GitOps.Pipelines.Forges.GitLab;

/// <summary>Which header carries a GitLab token.</summary>
public enum GitLabTokenKind
{
    /// <summary><c>PRIVATE-TOKEN</c>: a personal, project or group access token.</summary>
    Private,
    /// <summary><c>JOB-TOKEN</c>: a CI job's <c>CI_JOB_TOKEN</c> (GitLab allows it on few endpoints).</summary>
    Job,
}

/// <summary>Merge requests: create, read, list, update, merge; approvals and notes as sub-clients.</summary>
public interface IMergeRequestsClient
{
    /// <summary>Approvals.</summary>
    IMergeRequestApprovalsClient Approvals { get; }

    /// <summary>Notes (comments).</summary>
    IMergeRequestNotesClient Notes { get; }

    /// <summary><c>POST /projects/:id/merge_requests</c>; 409 "Another open merge request already exists" surfaces as <see cref="ForgeApiException"/>.</summary>
    Task<MergeRequestResponse> CreateAsync(string project, NewMergeRequestBody body, CancellationToken cancellationToken = default);

    /// <summary><c>GET /projects/:id/merge_requests/:iid</c>.</summary>
    Task<MergeRequestResponse> GetAsync(string project, int iid, CancellationToken cancellationToken = default);

    /// <summary>Merge requests in <paramref name="state"/> (opened, closed, locked, merged, all), optionally by branches; every page.</summary>
    Task<IReadOnlyList<MergeRequestResponse>> ListAsync(string project, string state = "opened", string? sourceBranch = null,
        string? targetBranch = null, CancellationToken cancellationToken = default);

    /// <summary><c>PUT /projects/:id/merge_requests/:iid</c>.</summary>
    Task<MergeRequestResponse> UpdateAsync(string project, int iid, MergeRequestUpdateBody body, CancellationToken cancellationToken = default);

    /// <summary><c>PUT …/merge</c>: 405 (draft, closed, pipeline pending), 406 (cannot be merged), 409 (SHA moved) surface as <see cref="ForgeApiException"/>.</summary>
    Task<MergeRequestResponse> MergeAsync(string project, int iid, AcceptMergeRequestBody body, CancellationToken cancellationToken = default);
}

/// <summary>Approvals of a merge request.</summary>
public interface IMergeRequestApprovalsClient
{
    /// <summary><c>POST …/approve</c> as the token's user, pinned to <paramref name="sha"/> when given.</summary>
    Task<ApprovalsResponse> ApproveAsync(string project, int iid, string? sha = null, CancellationToken cancellationToken = default);

    /// <summary><c>GET …/approvals</c>: who approved.</summary>
    Task<ApprovalsResponse> GetAsync(string project, int iid, CancellationToken cancellationToken = default);

    /// <summary><c>GET …/approval_state</c>: the approval rules and whether each is met (Premium).</summary>
    Task<ApprovalStateResponse> GetStateAsync(string project, int iid, CancellationToken cancellationToken = default);
}

/// <summary>Notes on a merge request.</summary>
public interface IMergeRequestNotesClient
{
    /// <summary><c>POST …/notes</c>.</summary>
    Task<NoteResponse> CreateAsync(string project, int iid, string body, CancellationToken cancellationToken = default);
}

/// <summary>Commit statuses.</summary>
public interface ICommitStatusesClient
{
    /// <summary><c>POST /projects/:id/statuses/:sha</c>.</summary>
    Task<CommitStatusResponse> CreateAsync(string project, string sha, NewCommitStatusBody body, CancellationToken cancellationToken = default);
}

/// <summary>Users.</summary>
public interface IUsersClient
{
    /// <summary><c>GET /users?username=</c>: the user's id, or null when there is none.</summary>
    Task<UserResponse?> FindAsync(string username, CancellationToken cancellationToken = default);
}

/// <summary>
/// The GitLab REST v4 client, one sub-client per API area. The API root is <c>https://gitlab.com/api/v4/</c> or a
/// self-managed <c>https://HOST/api/v4/</c>.
/// </summary>
public sealed class GitLabClient
{
    /// <summary>The gitlab.com API root.</summary>
    public static Uri GitLabApiUrl { get; } = new("https://gitlab.com/api/v4/");

    /// <summary>A client for <paramref name="apiUrl"/> sending <paramref name="token"/> in the header <paramref name="kind"/> names.</summary>
    /// <param name="apiUrl">The API root.</param>
    /// <param name="token">The token.</param>
    /// <param name="kind">Private (<c>PRIVATE-TOKEN</c>) or job (<c>JOB-TOKEN</c>).</param>
    /// <param name="http">The HTTP client (not disposed here).</param>
    /// <param name="tokenSource">Where the token came from, for the 401 message (never the token itself).</param>
    /// <param name="retry">Rate-limit behaviour (GitLab answers 429 with <c>Retry-After</c> and <c>RateLimit-*</c>).</param>
    public GitLabClient(Uri apiUrl, string token, GitLabTokenKind kind, HttpClient http, string tokenSource = "GITLAB_TOKEN",
        ForgeRetryOptions? retry = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        var header = kind == GitLabTokenKind.Job ? "JOB-TOKEN" : "PRIVATE-TOKEN";
        Connection = new ForgeConnection("GitLab", apiUrl, http, request =>
        {
            request.Headers.Add(header, token);
            request.Headers.UserAgent.Add(new System.Net.Http.Headers.ProductInfoHeaderValue("GitOps.Pipelines", "0.1"));
        }, tokenSource, retry);
        MergeRequest = new MergeRequestsClient(Connection);
        CommitStatus = new CommitStatusesClient(Connection);
        User = new UsersClient(Connection);
    }

    /// <summary>The HTTP core: base URL, last rate-limit headers.</summary>
    public ForgeConnection Connection { get; }

    /// <summary>Merge requests, approvals and notes.</summary>
    public IMergeRequestsClient MergeRequest { get; }

    /// <summary>Commit statuses.</summary>
    public ICommitStatusesClient CommitStatus { get; }

    /// <summary>Users.</summary>
    public IUsersClient User { get; }
}

/// <inheritdoc cref="IMergeRequestsClient" />
public sealed class MergeRequestsClient(ForgeConnection connection) : IMergeRequestsClient
{
    /// <inheritdoc />
    public IMergeRequestApprovalsClient Approvals { get; } = new MergeRequestApprovalsClient(connection);

    /// <inheritdoc />
    public IMergeRequestNotesClient Notes { get; } = new MergeRequestNotesClient(connection);

    /// <inheritdoc />
    public Task<MergeRequestResponse> CreateAsync(string project, NewMergeRequestBody body, CancellationToken cancellationToken = default) =>
        connection.SendAsync(HttpMethod.Post, connection.Url(GitLabApiUrls.MergeRequests(project)), body, GitLabJson.Default.NewMergeRequestBody,
            GitLabJson.Default.MergeRequestResponse, cancellationToken);

    /// <inheritdoc />
    public Task<MergeRequestResponse> GetAsync(string project, int iid, CancellationToken cancellationToken = default) =>
        connection.SendAsync(HttpMethod.Get, connection.Url(GitLabApiUrls.MergeRequest(project, iid)), GitLabJson.Default.MergeRequestResponse, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<MergeRequestResponse>> ListAsync(string project, string state = "opened", string? sourceBranch = null,
        string? targetBranch = null, CancellationToken cancellationToken = default) =>
        connection.GetAllAsync(connection.Url(GitLabApiUrls.MergeRequests(project, state, sourceBranch, targetBranch)),
            GitLabJson.Default.ListMergeRequestResponse, cancellationToken);

    /// <inheritdoc />
    public Task<MergeRequestResponse> UpdateAsync(string project, int iid, MergeRequestUpdateBody body, CancellationToken cancellationToken = default) =>
        connection.SendAsync(HttpMethod.Put, connection.Url(GitLabApiUrls.MergeRequest(project, iid)), body, GitLabJson.Default.MergeRequestUpdateBody,
            GitLabJson.Default.MergeRequestResponse, cancellationToken);

    /// <inheritdoc />
    public Task<MergeRequestResponse> MergeAsync(string project, int iid, AcceptMergeRequestBody body, CancellationToken cancellationToken = default) =>
        connection.SendAsync(HttpMethod.Put, connection.Url(GitLabApiUrls.Merge(project, iid)), body, GitLabJson.Default.AcceptMergeRequestBody,
            GitLabJson.Default.MergeRequestResponse, cancellationToken);
}

/// <inheritdoc cref="IMergeRequestApprovalsClient" />
public sealed class MergeRequestApprovalsClient(ForgeConnection connection) : IMergeRequestApprovalsClient
{
    /// <inheritdoc />
    public Task<ApprovalsResponse> ApproveAsync(string project, int iid, string? sha = null, CancellationToken cancellationToken = default) =>
        connection.SendAsync(HttpMethod.Post, connection.Url(GitLabApiUrls.Approve(project, iid)), new ApproveBody(sha), GitLabJson.Default.ApproveBody,
            GitLabJson.Default.ApprovalsResponse, cancellationToken);

    /// <inheritdoc />
    public Task<ApprovalsResponse> GetAsync(string project, int iid, CancellationToken cancellationToken = default) =>
        connection.SendAsync(HttpMethod.Get, connection.Url(GitLabApiUrls.Approvals(project, iid)), GitLabJson.Default.ApprovalsResponse, cancellationToken);

    /// <inheritdoc />
    public Task<ApprovalStateResponse> GetStateAsync(string project, int iid, CancellationToken cancellationToken = default) =>
        connection.SendAsync(HttpMethod.Get, connection.Url(GitLabApiUrls.ApprovalState(project, iid)), GitLabJson.Default.ApprovalStateResponse, cancellationToken);
}

/// <inheritdoc cref="IMergeRequestNotesClient" />
public sealed class MergeRequestNotesClient(ForgeConnection connection) : IMergeRequestNotesClient
{
    /// <inheritdoc />
    public Task<NoteResponse> CreateAsync(string project, int iid, string body, CancellationToken cancellationToken = default) =>
        connection.SendAsync(HttpMethod.Post, connection.Url(GitLabApiUrls.Notes(project, iid)), new NewNoteBody(body), GitLabJson.Default.NewNoteBody,
            GitLabJson.Default.NoteResponse, cancellationToken);
}

/// <inheritdoc cref="ICommitStatusesClient" />
public sealed class CommitStatusesClient(ForgeConnection connection) : ICommitStatusesClient
{
    /// <inheritdoc />
    public Task<CommitStatusResponse> CreateAsync(string project, string sha, NewCommitStatusBody body, CancellationToken cancellationToken = default) =>
        connection.SendAsync(HttpMethod.Post, connection.Url(GitLabApiUrls.CommitStatuses(project, sha)), body, GitLabJson.Default.NewCommitStatusBody,
            GitLabJson.Default.CommitStatusResponse, cancellationToken);
}

/// <inheritdoc cref="IUsersClient" />
public sealed class UsersClient(ForgeConnection connection) : IUsersClient
{
    /// <inheritdoc />
    public async Task<UserResponse?> FindAsync(string username, CancellationToken cancellationToken = default)
    {
        var users = await connection.SendAsync(HttpMethod.Get, connection.Url(GitLabApiUrls.UsersByName(username)), GitLabJson.Default.ListUserResponse,
            cancellationToken);
        return users.FirstOrDefault(u => string.Equals(u.Username, username, StringComparison.OrdinalIgnoreCase));
    }
}
