using GitOps.Pipelines.Builders;
using GitOps.Pipelines.Configuration;
using GitOps.Pipelines.Forges;
using GitOps.Pipelines.Git;
using GitOps.Pipelines.Registries;
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

    /// <summary>A deployer for <paramref name="config"/>, delivering webhooks to <paramref name="webhooks"/>.</summary>
    public static Deployer Create(GitOpsConfig config, IWebhookEndpoint webhooks, TextWriter log)
    {
        var state = config.Resolve(config.StateDir);
        if (config.Sync.Kind != "local")
            throw new GitOpsException($"{config.SourceFile}: sync.kind '{config.Sync.Kind}' needs the Kubernetes client (issue 5); only 'local' runs here yet", ExitCode.InvalidInput);
        IImageBuilder builder = config.Image.Builder switch
        {
            "builtin" or "auto" => new BuiltinImageBuilder(),
            var other => throw new GitOpsException($"{config.SourceFile}: image.builder '{other}' is not available yet; use 'builtin'", ExitCode.InvalidInput),
        };
        var registry = RegistryFactory.Open(config.Image.Registry, config.BaseDir);
        var r = config.Runtime;
        var runtime = new RuntimeRepo(RuntimeUrl(config), r.Branch, Path.Combine(state, "work", "runtime"), r.AuthorName, r.AuthorEmail);
        // A hosted forge delivers its own merge webhooks; only the local forge has an outbox to drain.
        var forge = Forge(config);
        return new Deployer(config, builder, registry, runtime, forge, (forge as LocalForge)?.Outbox, LocalSync(config), webhooks, log);
    }
}
