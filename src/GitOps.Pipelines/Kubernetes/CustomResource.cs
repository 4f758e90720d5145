namespace GitOps.Pipelines.Kubernetes;

/// <summary>A namespaced custom resource type as the API serves it: <c>/apis/{group}/{version}/namespaces/{ns}/{plural}</c>.</summary>
/// <param name="Group">The API group, e.g. <c>argoproj.io</c>.</param>
/// <param name="Version">The served version, e.g. <c>v1alpha1</c>.</param>
/// <param name="Plural">The plural resource name, e.g. <c>applications</c>.</param>
/// <param name="Kind">The kind, e.g. <c>Application</c>.</param>
public sealed record CustomResource(string Group, string Version, string Plural, string Kind)
{
    /// <summary>Argo CD's Application.</summary>
    public static CustomResource ArgoCdApplication { get; } = new("argoproj.io", "v1alpha1", "applications", "Application");

    /// <summary>Flux's GitRepository source.</summary>
    public static CustomResource FluxGitRepository { get; } = new("source.toolkit.fluxcd.io", "v1", "gitrepositories", "GitRepository");

    /// <summary>Flux's OCIRepository source.</summary>
    public static CustomResource FluxOciRepository { get; } = new("source.toolkit.fluxcd.io", "v1beta2", "ocirepositories", "OCIRepository");

    /// <summary>Flux's Kustomization.</summary>
    public static CustomResource FluxKustomization { get; } = new("kustomize.toolkit.fluxcd.io", "v1", "kustomizations", "Kustomization");

    /// <summary>Flux's HelmRelease.</summary>
    public static CustomResource FluxHelmRelease { get; } = new("helm.toolkit.fluxcd.io", "v2", "helmreleases", "HelmRelease");

    /// <summary>The Flux kinds a trigger may name, by kind.</summary>
    public static IReadOnlyDictionary<string, CustomResource> FluxKinds { get; } = new Dictionary<string, CustomResource>(StringComparer.Ordinal)
    {
        ["GitRepository"] = FluxGitRepository,
        ["OCIRepository"] = FluxOciRepository,
        ["Kustomization"] = FluxKustomization,
        ["HelmRelease"] = FluxHelmRelease,
    };

    /// <summary><c>plural.group</c>, the name kubectl and RBAC use (e.g. <c>applications.argoproj.io</c>).</summary>
    public string FullName => $"{Plural}.{Group}";

    /// <summary>The collection path in a namespace.</summary>
    public string CollectionPath(string ns) =>
        $"/apis/{Group}/{Version}/namespaces/{Uri.EscapeDataString(ns)}/{Plural}";

    /// <summary>One object's path.</summary>
    public string ObjectPath(string ns, string name) => $"{CollectionPath(ns)}/{Uri.EscapeDataString(name)}";

    /// <inheritdoc />
    public override string ToString() => FullName;
}
