namespace GitOps.Pipelines.Sync;

/// <summary>One environment the local sync renders: its name and its kustomize folder in the runtime repo.</summary>
/// <param name="Name">The environment's name (also the folder name under <c>&lt;StateDir&gt;/sync</c>).</param>
/// <param name="Path">The kustomize folder, relative to the runtime repo's root.</param>
public sealed record LocalSyncEnvironment(string Name, string Path);

/// <summary>Where the local sync pulls from, where it keeps its state, and which environments it knows.</summary>
/// <param name="RepositoryUrl">The runtime repo: any git URL or a local (bare) repository path.</param>
/// <param name="StateDir">The state folder; the sync works under <c>&lt;StateDir&gt;/sync</c>.</param>
/// <param name="Environments">The environments it can sync.</param>
public sealed record LocalSyncOptions(string RepositoryUrl, string StateDir, IReadOnlyList<LocalSyncEnvironment> Environments)
{
    /// <summary>The kubectl program used to render (<c>kubectl kustomize</c>); a name on PATH or a full path.</summary>
    public string Kubectl { get; init; } = "kubectl";
}
