using System.Text.Json;
using System.Text.Json.Serialization;

namespace GitOps.Pipelines.Forges.GitHub;

// Response models: the fields the suite reads, as GitHub names them (snake_case through GitHubJson).

/// <summary>A GitHub user or team member as responses name it.</summary>
public sealed record UserResponse(string Login, long Id = 0);

/// <summary>A label on an issue or pull request.</summary>
public sealed record LabelResponse(string Name, string? Color = null);

/// <summary>One side of a pull request: branch, SHA, <c>owner:branch</c> label.</summary>
public sealed record PullRequestRef(string Ref, string Sha, string? Label = null);

/// <summary>A pull request.</summary>
public sealed record PullRequestResponse(
    long Id,
    int Number,
    string State,
    string Title,
    string? Body,
    PullRequestRef Head,
    PullRequestRef Base,
    string? NodeId = null,
    string? HtmlUrl = null,
    bool? Merged = null,
    DateTimeOffset? MergedAt = null,
    DateTimeOffset? ClosedAt = null,
    string? MergeCommitSha = null,
    bool? Draft = null,
    bool? Mergeable = null,
    string? MergeableState = null,
    IReadOnlyList<LabelResponse>? Labels = null,
    UserResponse? User = null);

/// <summary>A review: APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED or PENDING.</summary>
public sealed record ReviewResponse(long Id, UserResponse? User, string State, string? Body = null, string? CommitId = null,
    DateTimeOffset? SubmittedAt = null);

/// <summary>The answer to a merge.</summary>
public sealed record MergeResponse(string? Sha, bool Merged, string? Message);

/// <summary>The object a reference points at.</summary>
public sealed record ReferenceObject(string Sha, string Type);

/// <summary>A git reference.</summary>
public sealed record ReferenceResponse(string Ref, ReferenceObject Object, string? NodeId = null, string? Url = null);

/// <summary>A commit status.</summary>
public sealed record CommitStatusResponse(long Id, string State, string? Context, string? Description = null, string? TargetUrl = null);

/// <summary>The combined status of a ref: failure, pending or success, and the latest status per context.</summary>
public sealed record CombinedStatusResponse(string State, string Sha, int TotalCount, IReadOnlyList<CommitStatusResponse> Statuses);

/// <summary>A check run: <c>Status</c> queued, in_progress or completed; <c>Conclusion</c> once completed (success, failure, neutral, cancelled, skipped, timed_out, action_required, stale).</summary>
public sealed record CheckRunResponse(long Id, string Name, string Status, string? Conclusion = null, string? HtmlUrl = null);

/// <summary>The check runs of a ref.</summary>
public sealed record CheckRunsResponse(int TotalCount, IReadOnlyList<CheckRunResponse> CheckRuns);

/// <summary>A deployment.</summary>
public sealed record DeploymentResponse(long Id, string? Sha, string? Ref, string? Environment, string? Description = null,
    string? Task = null, string? NodeId = null, string? Url = null);

/// <summary>A deployment status.</summary>
public sealed record DeploymentStatusResponse(long Id, string State, string? Description = null, string? Environment = null,
    string? EnvironmentUrl = null, string? LogUrl = null, string? TargetUrl = null);

/// <summary>A GraphQL answer: data, or errors (GitHub answers 200 with <c>errors</c> when a mutation fails).</summary>
public sealed record GraphQLResponse(
    [property: JsonPropertyName("data")] JsonElement? Data,
    [property: JsonPropertyName("errors")] IReadOnlyList<GraphQLError>? Errors);

/// <summary>One GraphQL error.</summary>
public sealed record GraphQLError(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("type")] string? Type = null);

/// <summary>The System.Text.Json source-generated context for GitHub's REST and GraphQL bodies (snake_case, nulls omitted).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(NewPullRequestBody))]
[JsonSerializable(typeof(PullRequestUpdateBody))]
[JsonSerializable(typeof(NewReviewBody))]
[JsonSerializable(typeof(MergePullRequestBody))]
[JsonSerializable(typeof(ReviewRequestBody))]
[JsonSerializable(typeof(LabelsBody))]
[JsonSerializable(typeof(NewReferenceBody))]
[JsonSerializable(typeof(ReferenceUpdateBody))]
[JsonSerializable(typeof(NewCommitStatusBody))]
[JsonSerializable(typeof(NewDeploymentBody))]
[JsonSerializable(typeof(NewDeploymentStatusBody))]
[JsonSerializable(typeof(GraphQLRequest))]
[JsonSerializable(typeof(PullRequestResponse))]
[JsonSerializable(typeof(List<PullRequestResponse>))]
[JsonSerializable(typeof(ReviewResponse))]
[JsonSerializable(typeof(List<ReviewResponse>))]
[JsonSerializable(typeof(MergeResponse))]
[JsonSerializable(typeof(ReferenceResponse))]
[JsonSerializable(typeof(CommitStatusResponse))]
[JsonSerializable(typeof(CombinedStatusResponse))]
[JsonSerializable(typeof(CheckRunsResponse))]
[JsonSerializable(typeof(DeploymentResponse))]
[JsonSerializable(typeof(DeploymentStatusResponse))]
[JsonSerializable(typeof(List<DeploymentStatusResponse>))]
[JsonSerializable(typeof(List<LabelResponse>))]
[JsonSerializable(typeof(GraphQLResponse))]
public sealed partial class GitHubJson : JsonSerializerContext;
