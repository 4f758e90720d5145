using System.Text.Json.Serialization;
using GitOps.Pipelines.Webhooks.GitHub;

namespace GitOps.Pipelines.Webhooks;

/// <summary>The answer to a ping: <c>{"msg":"pong"}</c>.</summary>
public sealed record PongReply(string Msg);

/// <summary>The answer to a delivery the service looked at and chose not to act on, with the reason.</summary>
public sealed record IgnoredReply(string Event, string? Delivery, string Reason);

/// <summary>The answer to a merge that was deployed: which repo, branch and revision went to which environments.</summary>
public sealed record SyncedReply(string? Delivery, string Repository, string Branch, string Revision, int PullRequest, IReadOnlyList<string> Environments);

/// <summary>The service's replies, serialized without reflection.</summary>
[JsonSerializable(typeof(PongReply))]
[JsonSerializable(typeof(IgnoredReply))]
[JsonSerializable(typeof(SyncedReply))]
internal sealed partial class WebhookJsonContext : JsonSerializerContext;
