namespace Cake.GitOps.Pipelines;

/// <summary>Options for the GitOps aliases: which gitops.yaml, which environment, where webhooks go.</summary>
public sealed class GitOpsSettings
{
    /// <summary>Path to gitops.yaml, relative to the working directory. Default <c>gitops.yaml</c>.</summary>
    public string ConfigPath { get; set; } = "gitops.yaml";

    /// <summary>The environment a stage acts on (promotion: the one promoted from). Default <c>staging</c>.</summary>
    public string Environment { get; set; } = "staging";

    /// <summary>
    /// Where the forge's webhooks are delivered (the webhook service's <c>/hooks/github</c>). When null, the
    /// <c>GITOPS_WEBHOOK_URL</c> environment variable, else the URL in gitops.yaml.
    /// </summary>
    public Uri? WebhookUrl { get; set; }
}
