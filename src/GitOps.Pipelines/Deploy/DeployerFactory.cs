using GitOps.Pipelines.Builders;
using GitOps.Pipelines.Configuration;
using GitOps.Pipelines.Forges;
using GitOps.Pipelines.Git;
using GitOps.Pipelines.Kubernetes;
using GitOps.Pipelines.Registries;
using GitOps.Pipelines.Registries.Distribution;
using GitOps.Pipelines.Sync;

namespace GitOps.Pipelines.Deploy;

/// <summary>Wires the adapters gitops.yaml names (the embedded defaults unless configured otherwise).</summary>
public static class DeployerFactory
{
    /// <summary>The runtime repo's URL as configured, resolved against the config's folder when it is a path.</summary>
    public static string RuntimeUrl(GitOpsConfig config) =>
        RuntimeRepo.IsLocal(config.Runtime.Url) ? config.Resolve(config.Runtime.Url) : config.Runtime.Url;

    /// <summary>The local sync for the configured environments (the embedded pull-mode sync).</summary>
    public static LocalSync LocalSync(GitOpsConfig config) =>
        new(new LocalSyncOptions(RuntimeUrl(config), config.Resolve(config.StateDir),
            [.. config.Environments.Select(e => new LocalSyncEnvironment(e.Name, e.Path))]));

    /// <summary>
    /// The Kubernetes client for <c>sync.kubeconfig</c> and <c>sync.context</c> (a relative path resolves against the
    /// config's folder, <c>~/</c> against the home folder); without them, the lookup order of
    /// <see cref="KubernetesClientConfiguration.Load(string?, string?)"/>.
    /// </summary>
    public static KubernetesClient KubernetesClient(GitOpsConfig config)
    {
        var path = config.Sync.Kubeconfig switch
        {
            null or "" => null,
            var p when p.StartsWith("~/", StringComparison.Ordinal) =>
                Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), p[2..]),
            var p => config.Resolve(p),
        };
        return new KubernetesClient(KubernetesClientConfiguration.Load(path, config.Sync.Context));
    }

    /// <summary>
    /// The Argo CD or Flux sync for <c>sync.kind</c> argocd|flux, with each environment's <c>target</c>. It uses
    /// <paramref name="client"/> when given (the caller keeps it), else makes one from the config and disposes it.
    /// </summary>
    public static IClusterSync ClusterSync(GitOpsConfig config, KubernetesClient? client = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Sync.Kind is not ("argocd" or "flux"))
            throw new GitOpsException($"{config.SourceFile}: sync.kind '{config.Sync.Kind}' does not sync through the Kubernetes API", ExitCode.InvalidInput);
        var targets = config.Environments.Select(e => (e.Name, Target: e.Target
            ?? throw new GitOpsException($"{config.SourceFile}: environment '{e.Name}' has no sync target", ExitCode.InvalidInput))).ToList();
        var owned = client is null;
        client ??= KubernetesClient(config);
        if (config.Sync.Kind == "argocd")
        {
            return new ArgoCdSync(client, new ArgoCdSyncOptions(targets.ToDictionary(t => t.Name, t => new ArgoCdApplicationRef(t.Target.Namespace, t.Target.Name)))
            {
                Refresh = config.Sync.Refresh,
                SyncOperation = config.Sync.SyncOperation,
            }, owned);
        }
        return new FluxSync(client, new FluxSyncOptions(targets.ToDictionary(t => t.Name, t => new FluxTarget(
            new FluxObjectRef(t.Target.Kind, t.Target.Namespace, t.Target.Name),
            t.Target.Source is { } s ? new FluxObjectRef(s.Kind, s.Namespace, s.Name) : null))), owned);
    }

    /// <summary>What verifies deployments for <c>sync.kind</c>: the local sync's record, or the Argo CD/Flux status.</summary>
    public static IDeploymentObserver Observer(GitOpsConfig config) =>
        config.Sync.Kind == "local" ? LocalSync(config) : ClusterSync(config);

    /// <summary>The local forge over the runtime repo, with its own merge clone.</summary>
    public static LocalForge LocalForge(GitOpsConfig config)
    {
        var state = config.Resolve(config.StateDir);
        var r = config.Runtime;
        return new LocalForge(Path.Combine(state, "forge"),
            new RuntimeRepo(RuntimeUrl(config), r.Branch, Path.Combine(state, "forge", "work"), r.AuthorName, r.AuthorEmail));
    }

    /// <summary>
    /// The forge that gates the runtime repo: the local forge, or GitHub/GitLab as <c>runtime.forge</c> says, with its token
    /// read from <paramref name="environment"/> (the process environment by default; see <see cref="HostedForges.Token"/>).
    /// </summary>
    public static IForge Forge(GitOpsConfig config, Func<string, string?>? environment = null) =>
        config.Runtime.Forge == "local" ? LocalForge(config) : HostedForges.Open(config.Runtime, environment ?? System.Environment.GetEnvironmentVariable);

    /// <summary>How registries are reached: <c>image.insecureRegistries</c> may use plain HTTP; credentials as <see cref="RegistryCredentials"/> finds them.</summary>
    public static RegistryClientOptions RegistryOptions(GitOpsConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new RegistryClientOptions
        {
            InsecureRegistries = new HashSet<string>(config.Image.InsecureRegistries, StringComparer.OrdinalIgnoreCase),
        };
    }

    /// <summary>A deployer for <paramref name="config"/>, delivering webhooks to <paramref name="webhooks"/>.</summary>
    public static Deployer Create(GitOpsConfig config, IWebhookEndpoint webhooks, TextWriter log)
    {
        var state = config.Resolve(config.StateDir);
        var builder = ImageBuilders.Create(config.Image.Builder, [.. config.Image.Platforms.Select(BuiltinImageBuilder.ParsePlatform)],
            config.BaseDir, config.Image.Base, log);
        var registry = RegistryFactory.Open(config.Image.Registry, config.BaseDir, RegistryOptions(config));
        var r = config.Runtime;
        var runtime = new RuntimeRepo(RuntimeUrl(config), r.Branch, Path.Combine(state, "work", "runtime"), r.AuthorName, r.AuthorEmail);
        // A hosted forge delivers its own merge webhooks; only the local forge has an outbox to drain.
        var forge = Forge(config);
        return new Deployer(config, builder, registry, runtime, forge, (forge as LocalForge)?.Outbox, Observer(config), webhooks, log);
    }
}
