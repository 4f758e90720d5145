using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using GitOps.Pipelines.Kubernetes;
using static GitOps.Pipelines.Kubernetes.KubernetesObjects;

namespace GitOps.Pipelines.Sync;

/// <summary>An Argo CD Application: the namespace it lives in (Argo CD's own, usually <c>argocd</c>) and its name.</summary>
/// <param name="Namespace">The Application's namespace.</param>
/// <param name="Name">The Application's name.</param>
public sealed record ArgoCdApplicationRef(string Namespace, string Name);

/// <summary>Which Application each environment is, and how a trigger asks Argo CD to act.</summary>
/// <param name="Applications">The Application of each environment, by environment name.</param>
public sealed record ArgoCdSyncOptions(IReadOnlyDictionary<string, ArgoCdApplicationRef> Applications)
{
    /// <summary>The refresh asked for: <c>normal</c> (re-read the repo) or <c>hard</c> (also drop the manifest cache).</summary>
    public string Refresh { get; init; } = "normal";

    /// <summary>Also start a sync operation at the revision (for Applications without automated sync).</summary>
    public bool SyncOperation { get; init; }

    /// <summary>The name recorded in <c>operation.initiatedBy.username</c>.</summary>
    public string InitiatedBy { get; init; } = "gitops-pipelines";
}

/// <summary>
/// Triggers and observes Argo CD Applications through the Kubernetes API. A trigger merge-patches the Application
/// with <c>argocd.argoproj.io/refresh</c> (and, when configured, an <c>operation.sync</c> at the revision); the
/// observer reads <c>status.sync</c>, <c>status.health</c> and <c>status.operationState</c>.
/// </summary>
public sealed class ArgoCdSync : IClusterSync
{
    /// <summary>The annotation Argo CD's controller acts on and then removes.</summary>
    public const string RefreshAnnotation = "argocd.argoproj.io/refresh";

    /// <summary>
    /// The annotation recording the revision last requested. It makes a trigger idempotent: a request for the
    /// revision already recorded is not sent again, so replicas handling one delivery cause one refresh.
    /// </summary>
    public const string RequestedRevisionAnnotation = "gitops-pipelines.io/requested-revision";

    private readonly KubernetesClient _client;
    private readonly ArgoCdSyncOptions _options;
    private readonly bool _ownsClient;

    /// <summary>Creates the sync over <paramref name="client"/>, which it disposes only when <paramref name="ownsClient"/>.</summary>
    public ArgoCdSync(KubernetesClient client, ArgoCdSyncOptions options, bool ownsClient = false)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Refresh is not ("normal" or "hard"))
            throw new GitOpsException($"the Argo CD refresh must be 'normal' or 'hard', got '{options.Refresh}'", ExitCode.InvalidInput);
        _client = client;
        _options = options;
        _ownsClient = ownsClient;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsClient) _client.Dispose();
    }

    /// <inheritdoc />
    /// <remarks>
    /// Reads the Application, and unless it already records this revision, patches it with the refresh annotation,
    /// the revision and (when configured) the sync operation, with the read resourceVersion as a precondition.
    /// A replica that loses that race (409 Conflict) reads again and finds the revision recorded.
    /// </remarks>
    public async Task TriggerAsync(SyncRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.Revision))
            throw new GitOpsException("a sync request needs a revision", ExitCode.InvalidInput);
        var app = Find(request.Environment);
        for (var attempt = 1; ; attempt++)
        {
            var current = await _client.GetAsync(CustomResource.ArgoCdApplication, app.Namespace, app.Name, cancellationToken);
            if (Annotation(current, RequestedRevisionAnnotation) == request.Revision) return;
            var patch = new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["resourceVersion"] = KubernetesClient.ResourceVersionOf(current),
                    ["annotations"] = new JsonObject
                    {
                        [RefreshAnnotation] = _options.Refresh,
                        [RequestedRevisionAnnotation] = request.Revision,
                    },
                },
            };
            if (_options.SyncOperation)
            {
                patch["operation"] = new JsonObject
                {
                    ["initiatedBy"] = new JsonObject { ["username"] = _options.InitiatedBy },
                    ["sync"] = new JsonObject { ["revision"] = request.Revision },
                };
            }
            try
            {
                await _client.PatchAsync(CustomResource.ArgoCdApplication, app.Namespace, app.Name, patch, retryConflicts: false, cancellationToken);
                return;
            }
            catch (KubernetesApiException e) when (e.StatusCode == HttpStatusCode.Conflict && attempt < 5)
            {
                // Changed since read (another replica, or Argo CD itself): read again.
            }
        }
    }

    /// <inheritdoc />
    public async Task<DeploymentStatus?> GetAsync(string environment, CancellationToken cancellationToken = default)
    {
        var app = Find(environment);
        var obj = await _client.GetAsync(CustomResource.ArgoCdApplication, app.Namespace, app.Name, cancellationToken);
        return Describe(environment, obj);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<DeploymentStatus?> WatchAsync(string environment, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var app = Find(environment);
        await foreach (var (type, obj) in _client.WatchAsync(CustomResource.ArgoCdApplication, app.Namespace, app.Name, cancellationToken: cancellationToken))
        {
            if (type is WatchEventType.Added or WatchEventType.Modified) yield return Describe(environment, obj);
            else if (type is WatchEventType.Deleted) yield return null;
        }
    }

    /// <summary>
    /// An Application's status as a <see cref="DeploymentStatus"/>, or null before Argo CD has compared it once.
    /// Healthy: Synced and Healthy at <c>status.sync.revision</c>. Degraded: the last sync operation Failed or
    /// Errored (reported at its revision), or Synced but health Degraded. Anything else is Progressing.
    /// </summary>
    public static DeploymentStatus? Describe(string environment, JsonElement app)
    {
        var revision = String(app, "status.sync.revision")
            ?? (At(app, "status.sync.revisions") is { ValueKind: JsonValueKind.Array } rs && rs.GetArrayLength() > 0 ? rs[0].GetString() : null);
        var phase = String(app, "status.operationState.phase");
        var operationRevision = String(app, "status.operationState.syncResult.revision") ?? String(app, "status.operationState.operation.sync.revision");
        if (revision is null && operationRevision is null) return null;
        var sync = String(app, "status.sync.status") ?? "Unknown";
        var health = String(app, "status.health.status") ?? "Unknown";
        var at = Time(app, "status.operationState.finishedAt") ?? Time(app, "status.reconciledAt") ?? DateTimeOffset.MinValue;
        IReadOnlyList<DeployedImage> images = At(app, "status.summary.images") is { ValueKind: JsonValueKind.Array } list
            ? [.. list.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.String).Select(i => RenderedImages.Split(i.GetString()!))]
            : [];

        if (phase is "Failed" or "Error")
            return new DeploymentStatus(environment, operationRevision ?? revision!, images, at, "Degraded",
                $"sync operation {phase}: {String(app, "status.operationState.message")}");
        var state = $"sync {sync}, health {health}{(phase is null ? "" : $", operation {phase}")}";
        if (sync == "Synced" && health == "Healthy")
            return new DeploymentStatus(environment, revision!, images, at, "Healthy");
        if (sync == "Synced" && health == "Degraded")
            return new DeploymentStatus(environment, revision!, images, at, "Degraded",
                String(app, "status.health.message") is { Length: > 0 } m ? $"{state}: {m}" : state);
        return new DeploymentStatus(environment, revision ?? operationRevision!, images, at, "Progressing", state);
    }

    private ArgoCdApplicationRef Find(string environment) =>
        _options.Applications.TryGetValue(environment, out var app)
            ? app
            : throw new GitOpsException(
                $"no Argo CD Application is configured for environment '{environment}' (known: {string.Join(", ", _options.Applications.Keys)})",
                ExitCode.InvalidInput);
}
