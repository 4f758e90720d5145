using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using GitOps.Pipelines.Kubernetes;
using static GitOps.Pipelines.Kubernetes.KubernetesObjects;

namespace GitOps.Pipelines.Sync;

/// <summary>A Flux object: its kind (GitRepository, OCIRepository, Kustomization, HelmRelease), namespace and name.</summary>
/// <param name="Kind">The kind.</param>
/// <param name="Namespace">The namespace (Flux's own is usually <c>flux-system</c>).</param>
/// <param name="Name">The name.</param>
public sealed record FluxObjectRef(string Kind, string Namespace, string Name)
{
    /// <summary>The resource type of <see cref="Kind"/>; an unknown kind is an error naming the known ones.</summary>
    public CustomResource Resource => CustomResource.FluxKinds.TryGetValue(Kind, out var r)
        ? r
        : throw new GitOpsException($"Flux kind '{Kind}' is not one of {string.Join(", ", CustomResource.FluxKinds.Keys)}", ExitCode.InvalidInput);
}

/// <summary>What one environment is in Flux: the object that applies it and, optionally, its source to fetch first.</summary>
/// <param name="Workload">The Kustomization or HelmRelease that applies the environment (and is observed).</param>
/// <param name="Source">The GitRepository or OCIRepository to reconcile first, so the new revision is fetched.</param>
public sealed record FluxTarget(FluxObjectRef Workload, FluxObjectRef? Source = null);

/// <summary>The Flux target of each environment, by environment name.</summary>
/// <param name="Targets">The targets.</param>
public sealed record FluxSyncOptions(IReadOnlyDictionary<string, FluxTarget> Targets);

/// <summary>
/// Triggers and observes Flux through the Kubernetes API. A trigger merge-patches the source and then the workload
/// with <c>reconcile.fluxcd.io/requestedAt</c> set to the requested revision; the observer reads the workload's
/// <c>Ready</c> condition and <c>status.lastAppliedRevision</c>.
/// </summary>
public sealed class FluxSync : IClusterSync
{
    /// <summary>The annotation Flux controllers reconcile on: any new value is a new request.</summary>
    public const string RequestedAtAnnotation = "reconcile.fluxcd.io/requestedAt";

    private readonly KubernetesClient _client;
    private readonly FluxSyncOptions _options;
    private readonly bool _ownsClient;

    /// <summary>Creates the sync over <paramref name="client"/>, which it disposes only when <paramref name="ownsClient"/>.</summary>
    public FluxSync(KubernetesClient client, FluxSyncOptions options, bool ownsClient = false)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        foreach (var (env, target) in options.Targets)
        {
            if (target.Workload.Kind is not ("Kustomization" or "HelmRelease"))
                throw new GitOpsException($"environment '{env}': the Flux workload must be a Kustomization or a HelmRelease, got '{target.Workload.Kind}'", ExitCode.InvalidInput);
            if (target.Source is { Kind: not ("GitRepository" or "OCIRepository") } s)
                throw new GitOpsException($"environment '{env}': the Flux source must be a GitRepository or an OCIRepository, got '{s.Kind}'", ExitCode.InvalidInput);
        }
        _client = client;
        _options = options;
        _ownsClient = ownsClient;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsClient) _client.Dispose();
    }

    /// <summary>
    /// The annotation value for a request: the revision itself. Flux treats the value as a token and reconciles when it
    /// changes, so every replica handling one merge writes the same value and Flux reconciles once.
    /// </summary>
    public static string RequestedAtValue(SyncRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Revision;
    }

    /// <inheritdoc />
    public async Task TriggerAsync(SyncRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.Revision))
            throw new GitOpsException("a sync request needs a revision", ExitCode.InvalidInput);
        var target = Find(request.Environment);
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [RequestedAtAnnotation] = RequestedAtValue(request) } },
        };
        // Source first: the workload's reconcile then finds the new artifact instead of the old one.
        if (target.Source is { } source)
            await _client.PatchAsync(source.Resource, source.Namespace, source.Name, patch.DeepClone(), cancellationToken: cancellationToken);
        var w = target.Workload;
        await _client.PatchAsync(w.Resource, w.Namespace, w.Name, patch, cancellationToken: cancellationToken);
    }

    /// <inheritdoc />
    public async Task<DeploymentStatus?> GetAsync(string environment, CancellationToken cancellationToken = default)
    {
        var w = Find(environment).Workload;
        return Describe(environment, await _client.GetAsync(w.Resource, w.Namespace, w.Name, cancellationToken));
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<DeploymentStatus?> WatchAsync(string environment, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var w = Find(environment).Workload;
        await foreach (var (type, obj) in _client.WatchAsync(w.Resource, w.Namespace, w.Name, cancellationToken: cancellationToken))
        {
            if (type is WatchEventType.Added or WatchEventType.Modified) yield return Describe(environment, obj);
            else if (type is WatchEventType.Deleted) yield return null;
        }
    }

    /// <summary>
    /// A Kustomization's or HelmRelease's status as a <see cref="DeploymentStatus"/>, or null before it was applied once.
    /// Healthy: <c>Ready=True</c> at <c>lastAppliedRevision</c>, with the current generation observed and the last
    /// reconcile request handled. Degraded: <c>Ready=False</c>, reported at <c>lastAttemptedRevision</c> (the one that
    /// failed). Anything else is Progressing. Revisions are reduced to the commit id (<c>main@sha1:abc</c> → <c>abc</c>).
    /// </summary>
    public static DeploymentStatus? Describe(string environment, JsonElement obj)
    {
        var applied = String(obj, "status.lastAppliedRevision");
        var attempted = String(obj, "status.lastAttemptedRevision");
        var ready = Condition(obj, "Ready");
        if (applied is null && attempted is null) return null;
        var at = ready is { } r ? Time(r, "lastTransitionTime") ?? DateTimeOffset.MinValue : DateTimeOffset.MinValue;
        var readyStatus = ready is { } c ? String(c, "status") : null;
        var message = ready is { } m ? $"{String(m, "reason")}: {String(m, "message")}" : null;

        if (readyStatus == "False")
            return new DeploymentStatus(environment, CommitOf(attempted ?? applied!), [], at, "Degraded", message);
        var generation = Number(obj, "metadata.generation");
        var observed = Number(obj, "status.observedGeneration");
        var requested = Annotation(obj, RequestedAtAnnotation);
        var handled = String(obj, "status.lastHandledReconcileAt");
        string? waiting = null;
        if (generation is { } g && (observed is null || observed < g)) waiting = $"generation {g} not yet observed (observed {observed?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"})";
        else if (requested is not null && requested != handled) waiting = $"reconcile request '{requested}' not yet handled";
        if (applied is null || readyStatus != "True" || waiting is not null)
            return new DeploymentStatus(environment, CommitOf(applied ?? attempted!), [], at, "Progressing", waiting ?? message ?? "not Ready yet");
        return new DeploymentStatus(environment, CommitOf(applied), [], at, "Healthy");
    }

    /// <summary>The commit (or digest) of a Flux revision: <c>main@sha1:abc</c>, <c>sha1:abc</c> and <c>main/abc</c> all give <c>abc</c>.</summary>
    public static string CommitOf(string revision)
    {
        ArgumentNullException.ThrowIfNull(revision);
        var at = revision.LastIndexOf('@');
        var tail = at >= 0 ? revision[(at + 1)..] : revision;
        if (tail.StartsWith("sha1:", StringComparison.Ordinal)) return tail["sha1:".Length..];
        if (at >= 0 || tail.StartsWith("sha256:", StringComparison.Ordinal)) return tail;
        var slash = tail.LastIndexOf('/');
        return slash >= 0 ? tail[(slash + 1)..] : tail;
    }

    private FluxTarget Find(string environment) =>
        _options.Targets.TryGetValue(environment, out var t)
            ? t
            : throw new GitOpsException(
                $"no Flux target is configured for environment '{environment}' (known: {string.Join(", ", _options.Targets.Keys)})",
                ExitCode.InvalidInput);
}
