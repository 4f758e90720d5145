using System.Collections.Concurrent;
using GitOps.Pipelines.Configuration;
using GitOps.Pipelines.Deploy;
using GitOps.Pipelines.Sync;
using GitOps.Pipelines.Tags;
using GitOps.Pipelines.Webhooks.Processing;
using Microsoft.Extensions.Logging;

namespace GitOps.Pipelines.Webhooks.ImageUpdates;

/// <summary>
/// Image-updater mode (<c>webhook.imageUpdates</c>): a registry push of a configured image is weighed by the image's tag
/// policy (<c>image.tags</c>) against what the environment runs and what its open bump already proposes; when the pushed
/// tag wins, the Deployer's bump and gate (the library path of <c>gitops bump</c> / <c>gitops gate</c>) open or update the
/// bump PR, and an auto-merged one is delivered to this service so it syncs. Pushes for one environment are handled one
/// at a time, so a burst re-uses one bump branch and one PR.
/// </summary>
public sealed partial class ImageUpdater : IImagePushHandler
{
    private readonly GitOpsConfig _config;
    private readonly Func<TextWriter, Deployer> _deployer;
    private readonly IDeploymentObserver? _observer;
    private readonly ILogger<ImageUpdater> _log;
    private readonly TagPolicy _policy;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    /// <summary>An updater for <paramref name="config"/>'s <c>webhook.imageUpdates</c>, bumping through the deployers <paramref name="deployer"/> makes.</summary>
    public ImageUpdater(GitOpsConfig config, Func<TextWriter, Deployer> deployer, IDeploymentObserver? observer, ILogger<ImageUpdater> log)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;
        _deployer = deployer;
        _observer = observer;
        _log = log;
        var t = config.Image.Tags;
        _policy = TagPolicy.Create(t.Strategy, t.Constraint, t.AllowTags, t.IgnoreTags.Count == 0 ? null : string.Join(",", t.IgnoreTags));
    }

    /// <summary>True when <paramref name="push"/> is of <paramref name="image"/>: the same repository, with or without the registry host.</summary>
    public static bool Matches(string image, ImagePushed push)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(push);
        var full = string.IsNullOrEmpty(push.Registry) ? push.Repository : $"{push.Registry}/{push.Repository}";
        return string.Equals(image, full, StringComparison.OrdinalIgnoreCase)
            || string.Equals(image, push.Repository, StringComparison.OrdinalIgnoreCase)
            || (push.Registry is "docker.io" or "index.docker.io" or "registry-1.docker.io"
                && string.Equals(image, push.Repository.StartsWith("library/", StringComparison.Ordinal) ? push.Repository[8..] : push.Repository, StringComparison.OrdinalIgnoreCase));
    }

    /// <inheritdoc />
    public async Task HandleAsync(ImagePushed push, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(push);
        var updates = _config.Webhook.ImageUpdates.Where(u => Matches(u.Image, push)).ToList();
        if (updates.Count == 0)
        {
            LogSkipped(_log, push.Repository, push.Tag, "no webhook.imageUpdates entry names this image");
            return;
        }
        if (string.IsNullOrEmpty(push.Tag) || string.IsNullOrEmpty(push.Digest))
        {
            LogSkipped(_log, push.Repository, push.Tag, "the push names no tag or no digest; a bump pins both");
            return;
        }
        foreach (var update in updates)
        {
            var gate = _locks.GetOrAdd(update.Environment, _ => new SemaphoreSlim(1, 1));
            await gate.WaitAsync(cancellationToken);
            try
            {
                await UpdateAsync(update, push, cancellationToken);
            }
            finally
            {
                gate.Release();
            }
        }
    }

    private async Task UpdateAsync(ImageUpdateConfig update, ImagePushed push, CancellationToken cancellationToken)
    {
        var output = new StringWriter();
        var deployer = _deployer(output);
        var pushed = new TagInfo(push.Tag, DateTimeOffset.UtcNow, push.Digest);
        var candidates = new List<TagInfo> { pushed };
        // What the environment runs (its observer), and what its open bump proposes (the chain state).
        var running = _observer is null ? null : await _observer.GetAsync(update.Environment, cancellationToken);
        var image = running?.Images.FirstOrDefault(i => string.Equals(i.Name, update.Image, StringComparison.OrdinalIgnoreCase) || i.Name.EndsWith("/" + update.Image, StringComparison.OrdinalIgnoreCase));
        if (image?.Tag is { Length: > 0 } runningTag && runningTag != push.Tag) candidates.Add(new TagInfo(runningTag, running!.SyncedAt, image.Digest));
        var proposed = deployer.State.Environment(update.Environment);
        if (proposed.Tag is { Length: > 0 } proposedTag && proposedTag != push.Tag && candidates.All(c => c.Name != proposedTag))
            candidates.Add(new TagInfo(proposedTag, null, proposed.Digest));

        if (image?.Tag == push.Tag && (image.Digest is null || image.Digest == push.Digest))
        {
            LogSkipped(_log, push.Repository, push.Tag, $"{update.Environment} already runs it");
            return;
        }
        var selection = _policy.Select(candidates);
        if (selection.Tag?.Name != push.Tag)
        {
            LogSkipped(_log, push.Repository, push.Tag,
                $"the {_policy.Strategy.Name()} policy keeps {selection.Tag?.Name ?? "none"} for {update.Environment}: {selection.Reason}");
            return;
        }

        var bump = await deployer.BumpAsync(update.Environment, new ImageRecord(update.Image, push.Digest!, [push.Tag], null), cancellationToken);
        var gate = await deployer.GateAsync(update.Environment, cancellationToken);
        if (gate.Outcome == "merged") await deployer.SyncAsync(cancellationToken); // deliver the merge webhook to this service
        LogBumped(_log, update.Environment, update.Image, push.Tag, bump.Outcome, gate.Outcome, gate.PullRequest?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-");
        LogOutput(_log, output.ToString());
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "image update skipped for {Repository}:{Tag}: {Reason}")]
    private static partial void LogSkipped(ILogger log, string repository, string tag, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "image update: {Environment} {Image} → {Tag}: bump {Bump}, gate {Gate}, PR #{PullRequest}")]
    private static partial void LogBumped(ILogger log, string environment, string image, string tag, string bump, string gate, string pullRequest);

    [LoggerMessage(Level = LogLevel.Debug, Message = "image update output:\n{Output}")]
    private static partial void LogOutput(ILogger log, string output);
}
