using System.Text.Json;
using System.Text.Json.Serialization;

namespace GitOps.Pipelines.Webhooks.GitLab;

// Only the fields the service reads; GitLab sends many more.

/// <summary>The part of a GitLab push, tag push or merge request event the service reads.</summary>
public sealed record GitLabEvent(
    string? ObjectKind,
    string? Ref,
    string? After,
    string? CheckoutSha,
    GitLabProject? Project,
    GitLabRepository? Repository,
    IReadOnlyList<GitLabCommit>? Commits,
    int? TotalCommitsCount,
    GitLabMergeRequest? ObjectAttributes);

/// <summary>A GitLab project (the event's, or a merge request's target).</summary>
public sealed record GitLabProject(string? GitHttpUrl, string? GitSshUrl, string? WebUrl, string? DefaultBranch);

/// <summary>The repository block of a GitLab event.</summary>
public sealed record GitLabRepository(string? Url, string? Homepage, string? GitHttpUrl, string? GitSshUrl);

/// <summary>A pushed commit's changed files.</summary>
public sealed record GitLabCommit(string? Id, IReadOnlyList<string>? Added, IReadOnlyList<string>? Modified, IReadOnlyList<string>? Removed);

/// <summary>A merge request's attributes in a Merge Request Hook.</summary>
public sealed record GitLabMergeRequest(
    int Iid, string? Action, string? State, string? TargetBranch, string? MergeCommitSha, GitLabProject? Target, GitLabLastCommit? LastCommit);

/// <summary>A merge request's newest commit.</summary>
public sealed record GitLabLastCommit(string? Id);

/// <summary>GitLab's snake_case payloads, read without reflection.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(GitLabEvent))]
internal sealed partial class GitLabJsonContext : JsonSerializerContext;
