namespace GitOps.Pipelines.Manifests;

/// <summary>The manifest editors by the kind gitops.yaml names (<c>editor:</c>).</summary>
public static class ManifestEditors
{
    /// <summary>The kinds <see cref="For"/> knows.</summary>
    public static IReadOnlyList<string> Kinds { get; } = ["kustomize", "helm"];

    /// <summary>The editor for <paramref name="kind"/>; a clear error naming the known kinds otherwise.</summary>
    public static IManifestEditor For(string kind) => kind switch
    {
        "kustomize" => new KustomizeImagesEditor(),
        "helm" => new HelmValuesEditor(),
        _ => throw new GitOpsException(
            $"unknown editor kind '{kind}' (known: {string.Join(", ", Kinds)})", ExitCode.InvalidInput),
    };
}
