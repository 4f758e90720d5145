using Microsoft.Extensions.Logging;
using GitOps.Pipelines.Sync;

namespace GitOps.Pipelines.Webhooks.Processing;

/// <summary>
/// An accepted delivery as the journal keeps it: what to do (syncs, image pushes) and where it came from.
/// It is on disk before the sender gets its answer, and leaves the journal only once processed.
/// </summary>
/// <param name="Id">The journal's own id for the entry.</param>
/// <param name="Source">Which receiver accepted it: <c>github</c>, <c>gitlab</c>, <c>registry/acr</c>, ….</param>
/// <param name="Event">The event name as the sender gave it.</param>
/// <param name="Delivery">The sender's delivery id, when it gave one.</param>
/// <param name="Repository">The repository (git URL or image repository) the event is about.</param>
/// <param name="ReceivedAt">When the delivery arrived.</param>
/// <param name="Syncs">The environments to sync and at which revision.</param>
/// <param name="Images">The image pushes to hand to the <see cref="IImagePushHandler"/>.</param>
public sealed record JournalEntry(
    string Id,
    string Source,
    string Event,
    string? Delivery,
    string? Repository,
    DateTimeOffset ReceivedAt,
    IReadOnlyList<SyncRequest> Syncs,
    IReadOnlyList<ImagePushed> Images)
{
    /// <summary>The pull (merge) request whose merge this is, 0 when the event is not a merge; its syncs are then followed and reported.</summary>
    public int PullRequest { get; init; }

    /// <summary>The branch the merge landed on, when <see cref="PullRequest"/> is set.</summary>
    public string? Branch { get; init; }

    /// <summary>A new entry with a fresh id, received now.</summary>
    public static JournalEntry Create(string source, string @event, string? delivery, string? repository,
        IReadOnlyList<SyncRequest>? syncs = null, IReadOnlyList<ImagePushed>? images = null) =>
        new(Guid.NewGuid().ToString("N"), source, @event, delivery, repository, DateTimeOffset.UtcNow, syncs ?? [], images ?? []);
}

/// <summary>An image pushed to a registry, as a registry webhook reported it.</summary>
/// <param name="Registry">The registry host (<c>myregistry.azurecr.io</c>, <c>docker.io</c>), when the payload says.</param>
/// <param name="Repository">The repository within the registry (<c>library/nginx</c>).</param>
/// <param name="Tag">The pushed tag; empty for a push by digest only.</param>
/// <param name="Digest">The manifest digest, when the payload carries one.</param>
public sealed record ImagePushed(string? Registry, string Repository, string Tag, string? Digest);

/// <summary>What a registry push sets off. The default only records it; image-updater mode (tag policy → bump PR) plugs in here.</summary>
public interface IImagePushHandler
{
    /// <summary>Handles one push; throwing makes the journal keep the event and retry it.</summary>
    Task HandleAsync(ImagePushed push, CancellationToken cancellationToken);
}

/// <summary>The default <see cref="IImagePushHandler"/>: logs the push and remembers the most recent ones.</summary>
public sealed partial class ImagePushLog(ILogger<ImagePushLog> log) : IImagePushHandler
{
    private const int Capacity = 100;
    private readonly Lock _lock = new();
    private readonly LinkedList<ImagePushed> _recent = new();

    /// <summary>The most recent pushes, newest first.</summary>
    public IReadOnlyList<ImagePushed> Recent
    {
        get { lock (_lock) return [.. _recent]; }
    }

    /// <inheritdoc />
    public Task HandleAsync(ImagePushed push, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(push);
        lock (_lock)
        {
            _recent.AddFirst(push);
            while (_recent.Count > Capacity) _recent.RemoveLast();
        }
        LogPushed(log, push.Registry ?? "", push.Repository, push.Tag, push.Digest ?? "");
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "image pushed: {Registry}/{Repository}:{Tag} {Digest} (recorded; no image-updater configured)")]
    private static partial void LogPushed(ILogger log, string registry, string repository, string tag, string digest);
}
