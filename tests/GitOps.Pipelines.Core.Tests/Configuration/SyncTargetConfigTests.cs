using GitOps.Pipelines.Configuration;

namespace GitOps.Pipelines.Core.Tests.Configuration;

/// <summary>gitops.yaml's Kubernetes sync keys: sync.kubeconfig/context/refresh/syncOperation and environments[].target.</summary>
public sealed class SyncTargetConfigTests
{
    private static GitOpsConfig Parse(string yaml) => GitOpsConfigLoader.Parse(yaml, "gitops.yaml", "/repo");

    private static GitOpsException Fails(string yaml)
    {
        var e = Assert.Throws<GitOpsException>(() => Parse(yaml));
        Assert.Equal(ExitCode.InvalidInput, e.Code);
        return e;
    }

    public sealed class ArgoCd
    {
        [Fact]
        public void Reads_the_cluster_keys_and_each_environments_application()
        {
            var c = Parse("""
                image: { name: hello }
                sync:
                  kind: argocd
                  kubeconfig: ../kube/config
                  context: prod
                  refresh: hard
                  syncOperation: true
                environments:
                  - name: staging
                    path: overlays/staging
                    target: { name: hello-staging, namespace: gitops }
                  - name: production
                    path: overlays/production
                """);

            Assert.Equal(new SyncConfig("argocd", TimeSpan.FromSeconds(60), "../kube/config", "prod", "hard", true), c.Sync);
            Assert.Equal(new SyncTarget("Application", "gitops", "hello-staging"), c.Environments[0].Target);
            // Without a target: an Application named after the environment in argocd
            Assert.Equal(new SyncTarget("Application", "argocd", "production"), c.Environments[1].Target);
        }

        [Fact]
        public void Defaults_are_a_normal_refresh_without_an_operation_and_the_default_kubeconfig_lookup()
        {
            var c = Parse("image: { name: hello }\nsync: { kind: argocd }\n");
            Assert.Equal(new SyncConfig("argocd", TimeSpan.FromSeconds(60)), c.Sync);
            Assert.Null(c.Sync.Kubeconfig);
            Assert.Equal("normal", c.Sync.Refresh);
            Assert.False(c.Sync.SyncOperation);
        }

        [Fact]
        public void A_flux_kind_or_a_source_is_an_error_at_its_line()
        {
            var kind = Fails("image: { name: hello }\nsync: { kind: argocd }\nenvironments:\n  - name: a\n    path: a\n    target: { kind: Kustomization }\n");
            Assert.Equal("gitops.yaml:6:21: environments[0].target.kind: must be 'Application', got 'Kustomization'", kind.Message);

            var source = Fails("image: { name: hello }\nsync: { kind: argocd }\nenvironments:\n  - name: a\n    path: a\n    target:\n      source: { name: x }\n");
            Assert.Contains("gitops.yaml:7:15: environments[0].target.source: a source applies to Flux targets only", source.Message);
        }

        [Fact]
        public void A_refresh_other_than_normal_or_hard_is_an_error()
        {
            var e = Fails("image: { name: hello }\nsync: { kind: argocd, refresh: soft }\n");
            Assert.Contains("sync.refresh: must be 'normal' or 'hard', got 'soft'", e.Message);
        }
    }

    public sealed class Flux
    {
        [Fact]
        public void Reads_a_helmrelease_and_a_source_defaulting_to_the_targets_namespace()
        {
            var c = Parse("""
                image: { name: hello }
                sync: { kind: flux }
                environments:
                  - name: staging
                    path: overlays/staging
                    target:
                      kind: HelmRelease
                      name: hello
                      namespace: apps
                      source: { kind: OCIRepository, name: hello-charts }
                  - name: production
                    path: overlays/production
                    target:
                      source: { name: flux-system }
                """);

            Assert.Equal(new SyncTarget("HelmRelease", "apps", "hello", new SyncSource("OCIRepository", "apps", "hello-charts")), c.Environments[0].Target);
            Assert.Equal(new SyncTarget("Kustomization", "flux-system", "production", new SyncSource("GitRepository", "flux-system", "flux-system")), c.Environments[1].Target);
        }

        [Fact]
        public void A_source_needs_a_name_and_a_known_kind()
        {
            Assert.Contains("environments[0].target.source.name is required",
                Fails("image: { name: hello }\nsync: { kind: flux }\nenvironments:\n  - name: a\n    path: a\n    target: { source: { kind: GitRepository } }\n").Message);
            Assert.Contains("must be 'GitRepository' or 'OCIRepository', got 'Bucket'",
                Fails("image: { name: hello }\nsync: { kind: flux }\nenvironments:\n  - name: a\n    path: a\n    target: { source: { kind: Bucket, name: b } }\n").Message);
        }

        [Fact]
        public void An_unknown_target_key_is_refused_with_a_suggestion()
        {
            var e = Fails("image: { name: hello }\nsync: { kind: flux }\nenvironments:\n  - name: a\n    path: a\n    target: { nmae: x }\n");
            Assert.Contains("unknown key 'nmae' (did you mean 'name'?)", e.Message);
        }
    }

    public sealed class Local
    {
        [Fact]
        public void Ignores_targets_so_a_config_can_switch_to_the_local_sync()
        {
            var c = Parse("image: { name: hello }\nenvironments:\n  - name: a\n    path: a\n    target: { name: hello-a }\n");
            Assert.Equal("local", c.Sync.Kind);
            Assert.Null(c.Environments[0].Target);
        }
    }
}
