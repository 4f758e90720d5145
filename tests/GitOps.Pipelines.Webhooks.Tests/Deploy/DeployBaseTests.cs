using GitOps.Pipelines.TestKit;
using YamlDotNet.RepresentationModel;

namespace GitOps.Pipelines.Webhooks.Tests.Deploy;

/// <summary>deploy/base rendered by the real `kubectl kustomize`: hardened, least privilege, config wired.</summary>
public class DeployBaseTests
{
    private static readonly Lazy<IReadOnlyList<YamlMappingNode>> Objects = new(() =>
    {
        var r = Run.Process("kubectl", ["kustomize", Path.Combine(Paths.RepoRoot, "deploy", "base")]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var stream = new YamlStream();
        stream.Load(new StringReader(r.StdOut));
        return [.. stream.Documents.Select(d => (YamlMappingNode)d.RootNode)];
    });

    private static YamlMappingNode Object(string kind) =>
        Objects.Value.Single(o => ((YamlScalarNode)o["kind"]).Value == kind);

    private static YamlNode At(YamlNode node, params object[] path)
    {
        foreach (var step in path)
            node = step is int i ? ((YamlSequenceNode)node)[i] : ((YamlMappingNode)node)[(string)step];
        return node;
    }

    private static string Scalar(YamlNode node, params object[] path) => ((YamlScalarNode)At(node, path)).Value!;

    [Fact]
    public void The_service_runs_non_root_with_a_read_only_root_filesystem_and_probes()
    {
        var pod = At(Object("Deployment"), "spec", "template", "spec");
        var container = At(pod, "containers", 0);

        Assert.Equal("true", Scalar(pod, "securityContext", "runAsNonRoot"));
        Assert.Equal("true", Scalar(container, "securityContext", "readOnlyRootFilesystem"));
        Assert.Equal("false", Scalar(container, "securityContext", "allowPrivilegeEscalation"));
        Assert.Equal("/healthz", Scalar(container, "readinessProbe", "httpGet", "path"));
        Assert.Equal("/healthz", Scalar(container, "livenessProbe", "httpGet", "path"));
        Assert.NotNull(At(container, "resources", "limits", "memory"));
        Assert.Equal(["serve", "--urls", "http://0.0.0.0:8080", "--config", "/config/gitops.yaml"],
            ((YamlSequenceNode)At(container, "args")).Select(n => ((YamlScalarNode)n).Value!));
    }

    [Fact]
    public void Secrets_come_from_a_secret_reference_never_inline()
    {
        var env = (YamlSequenceNode)At(Object("Deployment"), "spec", "template", "spec", "containers", 0, "env");
        var secret = env.Cast<YamlMappingNode>().Single(e => Scalar(e, "name") == "GITOPS_WEBHOOK_GITHUB_SECRET");

        Assert.Equal("gitops-webhooks", Scalar(secret, "valueFrom", "secretKeyRef", "name"));
        Assert.False(secret.Children.ContainsKey("value"));
    }

    [Fact]
    public void The_role_may_only_read_watch_and_patch_the_sync_targets()
    {
        var rules = (YamlSequenceNode)At(Object("ClusterRole"), "rules");
        var allowed = new HashSet<string> { "get", "list", "watch", "patch" };
        var groups = new HashSet<string> { "argoproj.io", "source.toolkit.fluxcd.io", "kustomize.toolkit.fluxcd.io", "helm.toolkit.fluxcd.io" };

        foreach (YamlMappingNode rule in rules)
        {
            Assert.All((YamlSequenceNode)rule["verbs"], v => Assert.Contains(((YamlScalarNode)v).Value!, allowed));
            Assert.All((YamlSequenceNode)rule["apiGroups"], g => Assert.Contains(((YamlScalarNode)g).Value!, groups));
            Assert.DoesNotContain((YamlSequenceNode)rule["resources"], r => ((YamlScalarNode)r).Value == "*");
        }
        Assert.Equal("gitops-webhooks", Scalar(Object("ClusterRoleBinding"), "subjects", 0, "name"));
    }

    [Fact]
    public void The_config_map_holds_a_gitops_yaml_the_loader_accepts()
    {
        var data = Scalar(Object("ConfigMap"), "data", "gitops.yaml");
        using var dir = new TempDir("deploy-config");
        var file = dir.Write("gitops.yaml", data);

        var config = GitOps.Pipelines.Configuration.GitOpsConfigLoader.Load(file);

        Assert.Equal("/var/lib/gitops", config.StateDir);
        Assert.Equal(["staging", "production"], config.Environments.Select(e => e.Name));
    }
}
