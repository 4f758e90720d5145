namespace GitOps.Pipelines.Sync;

/// <summary>Asks the cluster side to pull the runtime repo at a revision (Argo CD, Flux, or the local sync).</summary>
public interface ISyncTrigger
{
    /// <summary>Triggers the sync; idempotent for one request.</summary>
    Task TriggerAsync(SyncRequest request, CancellationToken cancellationToken = default);
}

/// <summary>Reads what an environment runs and whether it is healthy.</summary>
public interface IDeploymentObserver
{
    /// <summary>The environment's current status, or null when it was never synced.</summary>
    Task<DeploymentStatus?> GetAsync(string environment, CancellationToken cancellationToken = default);
}

/// <summary>An observer that can follow an environment as it changes (a Kubernetes watch) instead of polling.</summary>
public interface IWatchingDeploymentObserver : IDeploymentObserver
{
    /// <summary>
    /// The environment's status now and after each change, until cancelled; null while the target has no status
    /// (or was deleted).
    /// </summary>
    IAsyncEnumerable<DeploymentStatus?> WatchAsync(string environment, CancellationToken cancellationToken = default);
}

/// <summary>A trigger and watching observer over the Kubernetes API (Argo CD or Flux), owning its client when it made it.</summary>
public interface IClusterSync : ISyncTrigger, IWatchingDeploymentObserver, IDisposable;
