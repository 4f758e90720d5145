using System.Text.Json;
using System.Text.Json.Serialization;

namespace GitOps.Pipelines.Webhooks.GitHub;

// Only the fields the service reads; GitHub sends many more.

/// <summary>The part of a <c>pull_request</c> delivery the service reads.</summary>
public sealed record PullRequestEvent(string? Action, int Number, PullRequestPayload? PullRequest, RepositoryPayload? Repository);

/// <summary>The pull request in a delivery.</summary>
public sealed record PullRequestPayload(int Number, bool? Merged, string? MergeCommitSha, BranchPayload? Base);

/// <summary>A pull request's base (or head) branch.</summary>
public sealed record BranchPayload(string? Ref, string? Sha);

/// <summary>The repository a delivery is about.</summary>
public sealed record RepositoryPayload(string? FullName, string? CloneUrl, string? HtmlUrl, string? SshUrl, string? DefaultBranch = null);

/// <summary>The part of a <c>push</c> delivery the service reads.</summary>
public sealed record PushEvent(string? Ref, string? After, bool? Deleted, RepositoryPayload? Repository, IReadOnlyList<PushCommit>? Commits);

/// <summary>A pushed commit's changed files.</summary>
public sealed record PushCommit(string? Id, IReadOnlyList<string>? Added, IReadOnlyList<string>? Modified, IReadOnlyList<string>? Removed);

/// <summary>GitHub's snake_case payloads, read without reflection.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(PullRequestEvent))]
[JsonSerializable(typeof(PushEvent))]
internal sealed partial class GitHubJsonContext : JsonSerializerContext;
