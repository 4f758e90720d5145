namespace GitOps.Pipelines.Manifests;

/// <summary>What an editor needs beyond its kind, from the environment's settings in gitops.yaml.</summary>
/// <param name="ValuesKey">Helm: the dotted key of the image (<c>backend.image</c>); argocd: the Helm parameters' prefix.</param>
/// <param name="ImagePolicy">flux-setters: the image policy whose markers are set, <c>namespace:name</c>.</param>
public sealed record EditorOptions(string? ValuesKey = null, string? ImagePolicy = null);

/// <summary>The manifest editors by the kind gitops.yaml names (<c>editor:</c>).</summary>
public static class ManifestEditors
{
    /// <summary>The kinds <see cref="For"/> knows.</summary>
    public static IReadOnlyList<string> Kinds { get; } = ["kustomize", "helm", "manifests", "argocd", "flux-setters"];

    /// <summary>The editor for <paramref name="kind"/>; a clear error naming the known kinds otherwise.</summary>
    public static IManifestEditor For(string kind, EditorOptions? options = null) => kind switch
    {
        "kustomize" => new KustomizeImagesEditor(),
        "helm" => new HelmValuesEditor(options?.ValuesKey),
        "manifests" => new PlainManifestsEditor(),
        "argocd" => new ArgoCDSourceEditor(options?.ValuesKey),
        "flux-setters" => new FluxSettersEditor(options?.ImagePolicy
            ?? throw new GitOpsException("editor flux-setters needs the image policy whose markers it sets (imagePolicy: namespace:name)", ExitCode.InvalidInput)),
        _ => throw new GitOpsException(
            $"unknown editor kind '{kind}' (known: {string.Join(", ", Kinds)})", ExitCode.InvalidInput),
    };
}
