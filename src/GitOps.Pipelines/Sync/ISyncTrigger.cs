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
