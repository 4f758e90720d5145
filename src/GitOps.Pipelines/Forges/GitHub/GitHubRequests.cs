using System.Text.Json.Serialization;

namespace GitOps.Pipelines.Forges.GitHub;

// Request bodies, as GitHub names the fields (snake_case through GitHubJson). Nulls are not sent.

/// <summary>Body of <c>POST /repos/{owner}/{repo}/pulls</c>.</summary>
public sealed record NewPullRequestBody(string Title, string Head, string Base, string? Body = null, bool? Draft = null,
    bool? MaintainerCanModify = null);

/// <summary>Body of <c>PATCH /repos/{owner}/{repo}/pulls/{number}</c>: only what is set changes.</summary>
public sealed record PullRequestUpdateBody(string? Title = null, string? Body = null, string? State = null, string? Base = null);

/// <summary>Body of <c>POST …/pulls/{number}/reviews</c>; <c>Event</c> is APPROVE, REQUEST_CHANGES or COMMENT.</summary>
public sealed record NewReviewBody(string Event, string? Body = null, string? CommitId = null);

/// <summary>Body of <c>PUT …/pulls/{number}/merge</c>; <c>Sha</c> makes GitHub refuse (409) when the head moved.</summary>
public sealed record MergePullRequestBody(string? MergeMethod = null, string? Sha = null, string? CommitTitle = null,
    string? CommitMessage = null);

/// <summary>Body of <c>POST …/pulls/{number}/requested_reviewers</c>.</summary>
public sealed record ReviewRequestBody(IReadOnlyList<string> Reviewers, IReadOnlyList<string> TeamReviewers);

/// <summary>Body of <c>POST …/issues/{number}/labels</c>.</summary>
public sealed record LabelsBody(IReadOnlyList<string> Labels);

/// <summary>Body of <c>POST /repos/{owner}/{repo}/git/refs</c>: a fully qualified ref (<c>refs/heads/x</c>) and its SHA.</summary>
public sealed record NewReferenceBody(string Ref, string Sha);

/// <summary>Body of <c>PATCH …/git/refs/{ref}</c>.</summary>
public sealed record ReferenceUpdateBody(string Sha, bool Force = false);

/// <summary>Body of <c>POST …/statuses/{sha}</c>; <c>State</c> is error, failure, pending or success.</summary>
public sealed record NewCommitStatusBody(string State, string? Context = null, string? Description = null, string? TargetUrl = null);

/// <summary>
/// Body of <c>POST /repos/{owner}/{repo}/deployments</c>. <c>AutoMerge</c> defaults to false here (GitHub's default is
/// true, which may merge the default branch into the ref and answer 202 instead of creating the deployment).
/// </summary>
public sealed record NewDeploymentBody(string Ref, string Environment, string? Description = null, bool AutoMerge = false,
    IReadOnlyList<string>? RequiredContexts = null, string? Task = null, bool? ProductionEnvironment = null,
    bool? TransientEnvironment = null);

/// <summary>Body of <c>POST …/deployments/{id}/statuses</c>; <c>State</c> is error, failure, inactive, in_progress, queued, pending or success.</summary>
public sealed record NewDeploymentStatusBody(string State, string? Description = null, string? EnvironmentUrl = null,
    string? LogUrl = null, string? Environment = null, bool? AutoInactive = null);

/// <summary>A GraphQL request: the query and its variables.</summary>
public sealed record GraphQLRequest(
    [property: JsonPropertyName("query")] string Query,
    [property: JsonPropertyName("variables")] IReadOnlyDictionary<string, string> Variables);
