using System.Text.Json.Serialization;

namespace GitOps.Pipelines.Forges.GitLab;

// Request bodies (GitLab accepts JSON; snake_case through GitLabJson, nulls not sent).

/// <summary>Body of <c>POST /projects/:id/merge_requests</c>; <c>Labels</c> is comma-separated.</summary>
public sealed record NewMergeRequestBody(string SourceBranch, string TargetBranch, string Title, string? Description = null,
    string? Labels = null, IReadOnlyList<long>? AssigneeIds = null, IReadOnlyList<long>? ReviewerIds = null,
    bool? RemoveSourceBranch = null, bool? Squash = null);

/// <summary>Body of <c>PUT /projects/:id/merge_requests/:iid</c>; <c>StateEvent</c> close or reopen.</summary>
public sealed record MergeRequestUpdateBody(string? Title = null, string? Description = null, string? AddLabels = null,
    string? StateEvent = null, IReadOnlyList<long>? AssigneeIds = null, IReadOnlyList<long>? ReviewerIds = null);

/// <summary>
/// Body of <c>PUT …/merge</c>. <c>Sha</c> makes GitLab refuse (409) when the source moved. <c>AutoMerge</c> (GitLab 17.11+)
/// and its older name <c>MergeWhenPipelineSucceeds</c> ask GitLab to merge once the pipeline succeeds.
/// </summary>
public sealed record AcceptMergeRequestBody(string? Sha = null, bool? Squash = null, bool? ShouldRemoveSourceBranch = null,
    bool? AutoMerge = null, bool? MergeWhenPipelineSucceeds = null, string? MergeCommitMessage = null);

/// <summary>Body of <c>POST …/approve</c>: the HEAD the approval is for (409 when it moved).</summary>
public sealed record ApproveBody(string? Sha = null);

/// <summary>Body of <c>POST …/notes</c>.</summary>
public sealed record NewNoteBody(string Body);

/// <summary>Body of <c>POST /projects/:id/statuses/:sha</c>; <c>State</c> is pending, running, success, failed or canceled.</summary>
public sealed record NewCommitStatusBody(string State, string? Name = null, string? Ref = null, string? TargetUrl = null,
    string? Description = null);

// Response models: the fields the suite reads.

/// <summary>A GitLab user.</summary>
public sealed record UserResponse(long Id, string Username, string? Name = null);

/// <summary>A merge request. <c>DetailedMergeStatus</c> (GitLab 15.6+) says what blocks it, e.g. mergeable, checking, ci_still_running, not_approved.</summary>
public sealed record MergeRequestResponse(
    long Id,
    int Iid,
    long ProjectId,
    string Title,
    string? Description,
    string State,
    string SourceBranch,
    string TargetBranch,
    string? Sha = null,
    string? MergeCommitSha = null,
    string? SquashCommitSha = null,
    string? DetailedMergeStatus = null,
    string? MergeStatus = null,
    bool? Draft = null,
    bool? MergeWhenPipelineSucceeds = null,
    bool? HasConflicts = null,
    string? WebUrl = null,
    IReadOnlyList<string>? Labels = null);

/// <summary>One approver in an approvals answer.</summary>
public sealed record ApprovedBy(UserResponse User);

/// <summary>The approvals of a merge request: who approved, how many are required and left.</summary>
public sealed record ApprovalsResponse(IReadOnlyList<ApprovedBy>? ApprovedBy, int? ApprovalsRequired = null, int? ApprovalsLeft = null,
    bool? Approved = null);

/// <summary>One approval rule (Premium).</summary>
public sealed record ApprovalRule(long Id, string Name, int ApprovalsRequired, bool Approved, IReadOnlyList<UserResponse>? ApprovedBy = null);

/// <summary>The approval rules of a merge request and whether each is met.</summary>
public sealed record ApprovalStateResponse(IReadOnlyList<ApprovalRule> Rules, bool? ApprovalRulesOverwritten = null);

/// <summary>A note (comment).</summary>
public sealed record NoteResponse(long Id, string Body);

/// <summary>A commit status (GitLab answers with <c>status</c>, not <c>state</c>).</summary>
public sealed record CommitStatusResponse(long Id, string Sha, string Status, string Name, string? Ref = null, string? TargetUrl = null,
    string? Description = null);

/// <summary>The System.Text.Json source-generated context for GitLab's REST bodies (snake_case, nulls omitted).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(NewMergeRequestBody))]
[JsonSerializable(typeof(MergeRequestUpdateBody))]
[JsonSerializable(typeof(AcceptMergeRequestBody))]
[JsonSerializable(typeof(ApproveBody))]
[JsonSerializable(typeof(NewNoteBody))]
[JsonSerializable(typeof(NewCommitStatusBody))]
[JsonSerializable(typeof(MergeRequestResponse))]
[JsonSerializable(typeof(List<MergeRequestResponse>))]
[JsonSerializable(typeof(ApprovalsResponse))]
[JsonSerializable(typeof(ApprovalStateResponse))]
[JsonSerializable(typeof(NoteResponse))]
[JsonSerializable(typeof(CommitStatusResponse))]
[JsonSerializable(typeof(List<UserResponse>))]
public sealed partial class GitLabJson : JsonSerializerContext;
