namespace GitOps.Pipelines.Forges.GitLab;

/// <summary>Every GitLab REST v4 route the clients call, relative to the API root (<c>https://HOST/api/v4/</c>).</summary>
public static class GitLabApiUrls
{
    private static string E(string s) => Uri.EscapeDataString(s);

    /// <summary>A project by numeric id or by path (<c>group/sub/project</c>, URL-encoded as one segment).</summary>
    public static string Project(string project) => $"projects/{E(project)}";

    /// <summary><c>POST</c> create a merge request.</summary>
    public static string MergeRequests(string project) => $"{Project(project)}/merge_requests";

    /// <summary><c>GET</c> merge requests by state (opened, closed, locked, merged, all) and branches, 100 a page.</summary>
    public static string MergeRequests(string project, string state, string? sourceBranch, string? targetBranch) =>
        $"{Project(project)}/merge_requests?state={E(state)}{(sourceBranch is null ? "" : $"&source_branch={E(sourceBranch)}")}" +
        $"{(targetBranch is null ? "" : $"&target_branch={E(targetBranch)}")}&order_by=created_at&sort=desc&per_page=100";

    /// <summary><c>GET</c> / <c>PUT</c> one merge request.</summary>
    public static string MergeRequest(string project, int iid) => $"{Project(project)}/merge_requests/{iid}";

    /// <summary><c>PUT</c> merge (accept) a merge request, now or when the pipeline succeeds.</summary>
    public static string Merge(string project, int iid) => $"{MergeRequest(project, iid)}/merge";

    /// <summary><c>POST</c> approve as the token's user.</summary>
    public static string Approve(string project, int iid) => $"{MergeRequest(project, iid)}/approve";

    /// <summary><c>POST</c> withdraw the token user's approval.</summary>
    public static string Unapprove(string project, int iid) => $"{MergeRequest(project, iid)}/unapprove";

    /// <summary><c>GET</c> who approved and how many approvals are left.</summary>
    public static string Approvals(string project, int iid) => $"{MergeRequest(project, iid)}/approvals";

    /// <summary><c>GET</c> the approval rules and their state (Premium).</summary>
    public static string ApprovalState(string project, int iid) => $"{MergeRequest(project, iid)}/approval_state";

    /// <summary><c>POST</c> a comment (note) on a merge request.</summary>
    public static string Notes(string project, int iid) => $"{MergeRequest(project, iid)}/notes";

    /// <summary><c>POST</c> set a commit status (pending, running, success, failed, canceled).</summary>
    public static string CommitStatuses(string project, string sha) => $"{Project(project)}/statuses/{E(sha)}";

    /// <summary><c>GET</c> users by exact username.</summary>
    public static string UsersByName(string username) => $"users?username={E(username)}";
}
