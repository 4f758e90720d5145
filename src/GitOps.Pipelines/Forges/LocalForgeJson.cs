using System.Text.Json.Serialization;

namespace GitOps.Pipelines.Forges;

/// <summary>A pull request as the local forge stores it on disk.</summary>
internal sealed record LocalPullRecord(
    int Number, string Title, string Body, string Head, string Base, string State,
    List<string> Approvals, int RequiredApprovals, string? HeadSha, string? MergeCommitSha,
    Dictionary<string, string> Labels, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

// The GitHub `pull_request` webhook payload, as much of it as receivers read (GitHub's field names).
internal sealed record GitHubRef(
    [property: JsonPropertyName("ref")] string Ref,
    [property: JsonPropertyName("sha")] string? Sha);

internal sealed record GitHubUser([property: JsonPropertyName("login")] string Login);

internal sealed record GitHubRepository(
    [property: JsonPropertyName("full_name")] string FullName,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("clone_url")] string CloneUrl,
    [property: JsonPropertyName("html_url")] string HtmlUrl,
    [property: JsonPropertyName("default_branch")] string DefaultBranch);

internal sealed record GitHubPullRequest(
    [property: JsonPropertyName("number")] int Number,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("body")] string Body,
    [property: JsonPropertyName("html_url")] string HtmlUrl,
    [property: JsonPropertyName("merged")] bool Merged,
    [property: JsonPropertyName("merge_commit_sha")] string? MergeCommitSha,
    [property: JsonPropertyName("merged_at")] DateTimeOffset? MergedAt,
    [property: JsonPropertyName("head")] GitHubRef Head,
    [property: JsonPropertyName("base")] GitHubRef Base,
    [property: JsonPropertyName("labels")] IReadOnlyList<GitHubLabel> Labels);

internal sealed record GitHubLabel([property: JsonPropertyName("name")] string Name);

internal sealed record GitHubPullRequestEvent(
    [property: JsonPropertyName("action")] string Action,
    [property: JsonPropertyName("number")] int Number,
    [property: JsonPropertyName("pull_request")] GitHubPullRequest PullRequest,
    [property: JsonPropertyName("repository")] GitHubRepository Repository,
    [property: JsonPropertyName("sender")] GitHubUser Sender);

/// <summary>A webhook waiting in the outbox: event name, delivery id and the exact body to sign and send.</summary>
internal sealed record OutboxDelivery(string Id, string Event, string Body, DateTimeOffset CreatedAt, int Attempts, string? LastError);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(LocalPullRecord))]
[JsonSerializable(typeof(OutboxDelivery))]
internal sealed partial class LocalForgeJson : JsonSerializerContext;

[JsonSourceGenerationOptions(WriteIndented = false)]
[JsonSerializable(typeof(GitHubPullRequestEvent))]
internal sealed partial class GitHubWebhookJson : JsonSerializerContext;
