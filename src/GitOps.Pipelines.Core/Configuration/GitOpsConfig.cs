namespace GitOps.Pipelines.Configuration;

/// <summary>The whole of gitops.yaml: image, runtime repo, environments, sync, webhook, state folder.</summary>
public sealed record GitOpsConfig(
    ImageConfig Image,
    RuntimeRepoConfig Runtime,
    IReadOnlyList<EnvironmentConfig> Environments,
    SyncConfig Sync,
    WebhookConfig Webhook,
    string StateDir,
    string BaseDir,
    string? SourceFile = null)
{
    /// <summary>The environment by name; a clear error naming the known ones when absent.</summary>
    public EnvironmentConfig Environment(string name) =>
        Environments.FirstOrDefault(e => e.Name == name)
        ?? throw new GitOpsException(
            $"{SourceFile ?? "gitops.yaml"}: no environment '{name}' (known: {string.Join(", ", Environments.Select(e => e.Name))})",
            ExitCode.InvalidInput);

    /// <summary>A path from the config resolved against the folder the config file is in.</summary>
    public string Resolve(string path) => System.IO.Path.GetFullPath(path, BaseDir);
}

/// <summary>What image to build and where it goes.</summary>
/// <param name="Name">Repository name in the registry (e.g. <c>hello</c> or <c>ghcr.io/acme/hello</c>).</param>
/// <param name="Registry">Where images are pushed: <c>oci:PATH</c> (an OCI image layout) or <c>docker://HOST</c>.</param>
/// <param name="Context">The folder whose files become the image's application layer.</param>
/// <param name="Builder">The builder: <c>builtin</c>, <c>buildah</c>, <c>docker</c>, <c>dotnet</c> or <c>auto</c>.</param>
/// <param name="Base">The base image: <c>scratch</c> or a reference.</param>
/// <param name="WorkingDir">The image's working directory, where the context is placed.</param>
/// <param name="Entrypoint">The image's entrypoint.</param>
/// <param name="Tags">The tag policy used to select among existing tags.</param>
/// <param name="Labels">Extra OCI labels.</param>
public sealed record ImageConfig(
    string Name,
    string Registry,
    string Context,
    string Builder,
    string Base,
    string WorkingDir,
    IReadOnlyList<string> Entrypoint,
    TagRules Tags,
    IReadOnlyDictionary<string, string> Labels)
{
    /// <summary>Platforms to build, as <c>os/arch[/variant]</c>; several give an OCI index; empty: the builder's default.</summary>
    public IReadOnlyList<string> Platforms { get; init; } = [];

    /// <summary>How built images are tagged (metadata-action flavor: prefix, suffix, raw tags, latest).</summary>
    public GitOps.Pipelines.Tags.TagFlavor Tagging { get; init; } = GitOps.Pipelines.Tags.TagFlavor.Default;

    /// <summary>Registries (<c>HOST[:PORT]</c>) that may be reached over plain HTTP (loopback always may).</summary>
    public IReadOnlyList<string> InsecureRegistries { get; init; } = [];
}

/// <summary>Tag rules: how tags are chosen among a repository's tags.</summary>
public sealed record TagRules(string Strategy, string? Constraint, string? AllowTags, IReadOnlyList<string> IgnoreTags);

/// <summary>The runtime repo: where the deployed manifests live and which forge gates changes to it.</summary>
/// <param name="Url">A git URL or a local path; the embedded default is a bare repo under the state folder.</param>
/// <param name="Branch">The branch environments deploy from.</param>
/// <param name="Forge">The forge: <c>local</c>, <c>github</c> or <c>gitlab</c>.</param>
/// <param name="Seed">A folder that seeds the repo when the URL is a local path that does not exist yet.</param>
/// <param name="AuthorName">Commit author name.</param>
/// <param name="AuthorEmail">Commit author email.</param>
/// <param name="ApiUrl">The forge's API root; null: derived from <paramref name="Url"/> (api.github.com, <c>https://HOST/api/v3</c>, <c>https://HOST/api/v4</c>).</param>
/// <param name="Project">GitHub <c>owner/repo</c> or GitLab <c>group/…/project</c>; null: parsed from <paramref name="Url"/>.</param>
/// <param name="TokenEnv">The environment variable holding the forge token; null: the forge's default lookup order.</param>
/// <param name="PullRequests">How pull/merge requests are opened and merged; null: <see cref="PullRequestConfig.Default"/>.</param>
/// <param name="CommitterName">Committer name; the author's when not set.</param>
/// <param name="CommitterEmail">Committer email; the author's when not set.</param>
/// <param name="CommitMessage">The bump commit's subject template: <c>{env}</c>, <c>{image}</c>, <c>{old}</c>, <c>{new}</c>, <c>{tag}</c>, <c>{digest}</c>, <c>{source}</c>.</param>
/// <param name="Trailers">Extra trailers (<c>Key: value</c>) on every bump commit; values take the same placeholders.</param>
public sealed record RuntimeRepoConfig(
    string Url,
    string Branch,
    string Forge,
    string? Seed,
    string AuthorName,
    string AuthorEmail,
    string? ApiUrl = null,
    string? Project = null,
    string? TokenEnv = null,
    PullRequestConfig? PullRequests = null,
    string? CommitterName = null,
    string? CommitterEmail = null,
    string? CommitMessage = null,
    IReadOnlyDictionary<string, string>? Trailers = null);

/// <summary>How the GitHub or GitLab forge opens and merges pull (merge) requests.</summary>
/// <param name="MergeMethod"><c>merge</c>, <c>squash</c> or <c>rebase</c> (GitHub only).</param>
/// <param name="AutoMerge">When only checks (a pipeline) hold the gate, hand the merge to the forge's auto-merge.</param>
/// <param name="Draft">Open new ones as drafts (a draft is never merged).</param>
/// <param name="Labels">Labels added to each.</param>
/// <param name="Reviewers">Users asked to review a new one.</param>
/// <param name="TeamReviewers">GitHub team slugs asked to review a new one.</param>
/// <param name="Assignees">GitLab usernames assigned to a new one.</param>
/// <param name="RequiredChecks">GitHub status contexts that must succeed before a merge.</param>
public sealed record PullRequestConfig(
    string MergeMethod,
    bool AutoMerge,
    bool Draft,
    IReadOnlyList<string> Labels,
    IReadOnlyList<string> Reviewers,
    IReadOnlyList<string> TeamReviewers,
    IReadOnlyList<string> Assignees,
    IReadOnlyList<string> RequiredChecks)
{
    /// <summary>Merge commits, no auto-merge, no draft, nothing extra.</summary>
    public static PullRequestConfig Default { get; } = new("merge", false, false, [], [], [], [], []);
}

/// <summary>One environment: its folder in the runtime repo, how it is edited and gated, where it promotes from.</summary>
/// <param name="Name">The environment's name.</param>
/// <param name="Path">Folder (or file) in the runtime repo.</param>
/// <param name="Editor">Editor kind: <c>kustomize</c>, <c>helm</c>, <c>manifests</c>, <c>argocd</c> or <c>flux-setters</c>.</param>
/// <param name="File">The file edited, relative to <paramref name="Path"/>.</param>
/// <param name="Gate"><c>pr</c> or <c>direct</c>.</param>
/// <param name="Approvals">Approvals required before merge.</param>
/// <param name="AutoMerge">Merge as soon as the gate allows.</param>
/// <param name="PromoteFrom">The environment whose healthy digest this one takes.</param>
/// <param name="Target">What the environment is in the cluster (sync.kind argocd or flux); null for the local sync.</param>
/// <param name="ValuesKey">helm: the dotted key of the image (found by repository when absent); argocd: the Helm parameters' prefix.</param>
/// <param name="ImagePolicy">flux-setters: the Flux image policy whose markers are set, <c>namespace:name</c>.</param>
public sealed record EnvironmentConfig(
    string Name,
    string Path,
    string Editor,
    string File,
    string Gate,
    int Approvals,
    bool AutoMerge,
    string? PromoteFrom,
    SyncTarget? Target = null,
    string? ValuesKey = null,
    string? ImagePolicy = null)
{
    /// <summary>What this environment's editor needs beyond its kind.</summary>
    public Manifests.EditorOptions EditorOptions => new(ValuesKey, ImagePolicy);
}

/// <summary>The cluster object a trigger patches and an observer reads for one environment.</summary>
/// <param name="Kind"><c>Application</c> (Argo CD), or <c>Kustomization</c> / <c>HelmRelease</c> (Flux).</param>
/// <param name="Namespace">Its namespace.</param>
/// <param name="Name">Its name.</param>
/// <param name="Source">Flux only: the source reconciled first, so the new revision is fetched.</param>
public sealed record SyncTarget(string Kind, string Namespace, string Name, SyncSource? Source = null);

/// <summary>A Flux source: <c>GitRepository</c> or <c>OCIRepository</c>, its namespace and name.</summary>
/// <param name="Kind">The kind.</param>
/// <param name="Namespace">Its namespace.</param>
/// <param name="Name">Its name.</param>
public sealed record SyncSource(string Kind, string Namespace, string Name);

/// <summary>How the cluster side syncs: <c>local</c>, <c>argocd</c> or <c>flux</c>.</summary>
/// <param name="Kind">The sync kind.</param>
/// <param name="Timeout">How long verification waits.</param>
/// <param name="Kubeconfig">argocd/flux: the kubeconfig file; null: KUBECONFIG, ~/.kube/config, then in-cluster.</param>
/// <param name="Context">argocd/flux: the kubeconfig context; null: its current-context.</param>
/// <param name="Refresh">argocd: the refresh asked for, <c>normal</c> or <c>hard</c>.</param>
/// <param name="SyncOperation">argocd: also start a sync operation at the merged revision.</param>
public sealed record SyncConfig(string Kind, TimeSpan Timeout, string? Kubeconfig = null, string? Context = null,
    string Refresh = "normal", bool SyncOperation = false);

/// <summary>The webhook service as the chain uses it.</summary>
/// <param name="Url">Where the forge delivers; empty: the chain starts the service on 127.0.0.1 on a free port.</param>
/// <param name="SecretEnv">The environment variable holding the HMAC secret.</param>
/// <param name="Secret">The secret itself (from configuration; the variable wins).</param>
/// <param name="Report">
/// How the service reports a merge's deployments back on the forge: <c>status</c> (a commit status <c>gitops/ENV</c> on the
/// merge commit), <c>deployment</c> (GitHub: a Deployment and its statuses; GitLab: a commit status), or <c>none</c>;
/// either way a PR/MR comment summarizes the result.
/// </param>
public sealed record WebhookConfig(string? Url, string SecretEnv, string? Secret, string Report = "status")
{
    /// <summary>Image-updater mode: a registry push of one of these images opens the bump PR for its environment.</summary>
    public IReadOnlyList<ImageUpdateConfig> ImageUpdates { get; init; } = [];

    /// <summary>Equal when every value is, the image updates compared entry by entry.</summary>
    public bool Equals(WebhookConfig? other) =>
        other is not null && Url == other.Url && SecretEnv == other.SecretEnv && Secret == other.Secret && Report == other.Report
        && ImageUpdates.SequenceEqual(other.ImageUpdates);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Url, SecretEnv, Secret, Report, ImageUpdates.Count);
}

/// <summary>One <c>webhook.imageUpdates</c> entry: pushes of <paramref name="Image"/> bump <paramref name="Environment"/>.</summary>
/// <param name="Image">The image repository as pushed (<c>ghcr.io/acme/hello</c>, or a registry-less <c>acme/hello</c>).</param>
/// <param name="Environment">The environment whose bump PR a newer tag opens.</param>
public sealed record ImageUpdateConfig(string Image, string Environment);
