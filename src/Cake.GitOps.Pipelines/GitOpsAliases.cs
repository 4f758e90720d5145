using Cake.Core;
using Cake.Core.Annotations;
using GitOps.Pipelines.Deploy;

namespace Cake.GitOps.Pipelines;

/// <summary>
/// Cake aliases for the GitOps chain: build the image, push it, bump it in the runtime repo through a PR, sync,
/// verify and promote. Each alias is one stage of the same library API the <c>gitops</c> CLI runs.
/// </summary>
[CakeAliasCategory("GitOps")]
public static class GitOpsAliases
{
    /// <summary>Builds the app image with the builder gitops.yaml names.</summary>
    /// <example><code>Task("Image").Does(ctx => ctx.GitOpsBuild());</code></example>
    [CakeMethodAlias]
    public static StageReport GitOpsBuild(this ICakeContext context, GitOpsSettings? settings = null) =>
        Single(context, settings, (d, _, ct) => d.BuildAsync(ct));

    /// <summary>Pushes the built image to the registry.</summary>
    /// <example><code>Task("Push").Does(ctx => ctx.GitOpsPush());</code></example>
    [CakeMethodAlias]
    public static StageReport GitOpsPush(this ICakeContext context, GitOpsSettings? settings = null) =>
        Single(context, settings, (d, _, ct) => d.PushAsync(ct));

    /// <summary>Sets the pushed image in an environment on a bump branch of the runtime repo.</summary>
    /// <example><code>Task("Bump").Does(ctx => ctx.GitOpsBump(new GitOpsSettings { Environment = "staging" }));</code></example>
    [CakeMethodAlias]
    public static StageReport GitOpsBump(this ICakeContext context, GitOpsSettings? settings = null) =>
        Single(context, settings, (d, env, ct) => d.BumpAsync(env, cancellationToken: ct));

    /// <summary>Opens the bump's pull request and merges it when its gate allows.</summary>
    /// <example><code>Task("Gate").Does(ctx => ctx.GitOpsGate());</code></example>
    [CakeMethodAlias]
    public static StageReport GitOpsGate(this ICakeContext context, GitOpsSettings? settings = null) =>
        Single(context, settings, (d, env, ct) => d.GateAsync(env, ct));

    /// <summary>Delivers merge webhooks to the webhook service, which syncs the environments they name.</summary>
    /// <example><code>Task("Sync").Does(ctx => ctx.GitOpsSync(new GitOpsSettings { WebhookUrl = new Uri("http://gitops:8080/hooks/github") }));</code></example>
    [CakeMethodAlias]
    public static StageReport GitOpsSync(this ICakeContext context, GitOpsSettings? settings = null) =>
        Single(context, settings, (d, _, ct) => d.SyncAsync(ct));

    /// <summary>Waits until the environment runs its merged revision.</summary>
    /// <example><code>Task("Verify").Does(ctx => ctx.GitOpsVerify());</code></example>
    [CakeMethodAlias]
    public static StageReport GitOpsVerify(this ICakeContext context, GitOpsSettings? settings = null) =>
        Single(context, settings, (d, env, ct) => d.VerifyAsync(env, ct));

    /// <summary>Promotes the verified digest of <see cref="GitOpsSettings.Environment"/> to the environments that promote from it.</summary>
    /// <example><code>Task("Promote").Does(ctx => ctx.GitOpsPromote(new GitOpsSettings { Environment = "staging" }));</code></example>
    [CakeMethodAlias]
    public static IReadOnlyList<StageReport> GitOpsPromote(this ICakeContext context, GitOpsSettings? settings = null) =>
        new GitOpsRunner(context).Run(settings, (d, env, ct) => d.PromoteAsync(env, ct));

    /// <summary>The whole chain: build, push, bump, gate, sync, verify, then promotion PRs.</summary>
    /// <example><code>Task("Deploy").Does(ctx => ctx.GitOpsDeploy());</code></example>
    [CakeMethodAlias]
    public static IReadOnlyList<StageReport> GitOpsDeploy(this ICakeContext context, GitOpsSettings? settings = null) =>
        new GitOpsRunner(context).Run(settings, (d, env, ct) => d.DeployAsync(env, ct));

    private static StageReport Single(ICakeContext context, GitOpsSettings? settings, Func<Deployer, string, CancellationToken, Task<StageReport>> stage) =>
        new GitOpsRunner(context).Run(settings, async (d, env, ct) => (IReadOnlyList<StageReport>)[await stage(d, env, ct)])[0];
}
