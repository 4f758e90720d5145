using System.Text.Json.Serialization;
using GitOps.Pipelines.Webhooks.GitHub;

namespace GitOps.Pipelines.Webhooks;

/// <summary>The answer to a ping: <c>{"msg":"pong"}</c>.</summary>
public sealed record PongReply(string Msg);

/// <summary>The answer to a delivery the service looked at and chose not to act on, with the reason.</summary>
public sealed record IgnoredReply(string Event, string? Delivery, string Reason);

/// <summary>The answer to a merge that was deployed: which repo, branch and revision went to which environments.</summary>
public sealed record SyncedReply(string? Delivery, string Repository, string Branch, string Revision, int PullRequest, IReadOnlyList<string> Environments);

/// <summary>The answer to a delivery that was journaled for processing: which environments will sync, which image pushes are handled.</summary>
public sealed record QueuedReply(string Event, string? Delivery, string Entry, IReadOnlyList<string> Environments, string? Revision, IReadOnlyList<string> Images);

/// <summary>The service's replies, serialized without reflection.</summary>
[JsonSerializable(typeof(PongReply))]
[JsonSerializable(typeof(IgnoredReply))]
[JsonSerializable(typeof(SyncedReply))]
[JsonSerializable(typeof(QueuedReply))]
[JsonSerializable(typeof(GitOps.Pipelines.Webhooks.Processing.JournalEntry))]
internal sealed partial class WebhookJsonContext : JsonSerializerContext;
