using GitOps.Pipelines.Kubernetes;
using GitOps.Pipelines.TestKit;

namespace GitOps.Pipelines.Tests.Kubernetes;

public sealed class KubernetesClientConfigurationTests : IDisposable
{
    private readonly TempDir _dir = new("gitops-kubeconfig");

    public void Dispose() => _dir.Dispose();

    private const string TwoContexts = """
        apiVersion: v1
        kind: Config
        current-context: staging
        clusters:
        - name: staging-cluster
          cluster:
            server: https://staging.example:6443
            insecure-skip-tls-verify: true
        - name: prod-cluster
          cluster:
            server: https://prod.example:6443
            certificate-authority: ca/prod.crt
        contexts:
        - name: staging
          context: { cluster: staging-cluster, user: dev, namespace: argocd }
        - name: prod
          context: { cluster: prod-cluster, user: deployer }
        users:
        - name: dev
          user: { token: dev-token }
        - name: deployer
          user: { tokenFile: tokens/deployer }
        """;

    public sealed class FromKubeconfig : IDisposable
    {
        private readonly KubernetesClientConfigurationTests _t = new();
        public void Dispose() => _t.Dispose();

        [Fact]
        public void Uses_the_current_context_with_its_cluster_user_and_namespace()
        {
            var path = _t._dir.Write("config", TwoContexts);

            var config = KubernetesClientConfiguration.FromKubeconfig(path);

            Assert.Equal(new Uri("https://staging.example:6443"), config.Server);
            Assert.True(config.SkipTlsVerify);
            Assert.Equal("argocd", config.Namespace);
            Assert.Equal("staging", config.ContextName);
            Assert.Equal("dev-token", config.CurrentToken());
        }

        [Fact]
        public void Takes_another_context_when_asked_and_resolves_files_beside_the_kubeconfig()
        {
            // Given a context whose CA and token are files relative to the kubeconfig
            var (certPem, _) = StubClients.ClientCertificate("prod-ca");
            _t._dir.Write("ca/prod.crt", certPem);
            _t._dir.Write("tokens/deployer", "first-token\n");
            var path = _t._dir.Write("config", TwoContexts);

            // When the prod context is loaded
            var config = KubernetesClientConfiguration.FromKubeconfig(path, "prod");

            // Then its server, CA and token file are used, and the token is read again after it rotates
            Assert.Equal(new Uri("https://prod.example:6443"), config.Server);
            Assert.False(config.SkipTlsVerify);
            Assert.Single(config.CertificateAuthorities);
            Assert.Equal("first-token", config.CurrentToken());
            _t._dir.Write("tokens/deployer", "rotated-token");
            Assert.Equal("rotated-token", config.CurrentToken());
        }

        [Fact]
        public void Loads_client_certificate_data_with_its_private_key()
        {
            var (cert, key) = StubClients.ClientCertificate("alice");
            static string B64(string s) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(s));
            var path = _t._dir.Write("config", $$"""
                current-context: c
                clusters: [{ name: k, cluster: { server: "https://10.0.0.1" } }]
                contexts: [{ name: c, context: { cluster: k, user: u } }]
                users:
                - name: u
                  user:
                    client-certificate-data: {{B64(cert)}}
                    client-key-data: {{B64(key)}}
                """);

            var config = KubernetesClientConfiguration.FromKubeconfig(path);

            Assert.NotNull(config.ClientCertificate);
            Assert.True(config.ClientCertificate.HasPrivateKey);
            Assert.Contains("CN=alice", config.ClientCertificate.Subject);
            Assert.Null(config.CurrentToken());
        }

        [Fact]
        public void An_unknown_context_is_an_error_naming_the_known_ones()
        {
            var path = _t._dir.Write("config", TwoContexts);
            var e = Assert.Throws<GitOpsException>(() => KubernetesClientConfiguration.FromKubeconfig(path, "qa"));
            Assert.Contains("no context named 'qa' (known: staging, prod)", e.Message);
            Assert.Equal(ExitCode.InvalidInput, e.Code);
        }

        [Fact]
        public void An_exec_plugin_user_is_refused_with_a_hint()
        {
            var path = _t._dir.Write("config", """
                current-context: c
                clusters: [{ name: k, cluster: { server: "https://10.0.0.1" } }]
                contexts: [{ name: c, context: { cluster: k, user: u } }]
                users: [{ name: u, user: { exec: { command: aws } } }]
                """);
            var e = Assert.Throws<GitOpsException>(() => KubernetesClientConfiguration.FromKubeconfig(path));
            Assert.Contains("exec or auth-provider plugin", e.Message);
        }
    }

    public sealed class Load : IDisposable
    {
        private readonly KubernetesClientConfigurationTests _t = new();
        public void Dispose() => _t.Dispose();

        private static string Config(string server) => $$"""
            current-context: c
            clusters: [{ name: k, cluster: { server: "{{server}}" } }]
            contexts: [{ name: c, context: { cluster: k } }]
            """;

        [Fact]
        public void Looks_at_the_explicit_path_then_KUBECONFIG_then_the_home_config_then_the_service_account()
        {
            // Given a file for each place
            var explicitPath = _t._dir.Write("explicit", Config("https://explicit:1"));
            var fromVariable = _t._dir.Write("from-variable", Config("https://variable:1"));
            var home = _t._dir.Combine("home");
            _t._dir.Write("home/.kube/config", Config("https://home:1"));
            var sa = _t._dir.Combine("sa");
            _t._dir.Write("sa/token", "sa-token");
            _t._dir.Write("sa/namespace", "gitops");
            var env = new Dictionary<string, string?>
            {
                ["KUBECONFIG"] = $"{_t._dir.Combine("missing")}{Path.PathSeparator}{fromVariable}",
                ["KUBERNETES_SERVICE_HOST"] = "10.96.0.1",
                ["KUBERNETES_SERVICE_PORT"] = "443",
            };
            KubernetesClientConfiguration LoadNow(string? path) =>
                KubernetesClientConfiguration.Load(path, null, k => env.GetValueOrDefault(k), home, sa);

            // Then each place wins over the ones after it
            Assert.Equal("explicit", LoadNow(explicitPath).Server.Host);
            Assert.Equal("variable", LoadNow(null).Server.Host);
            env.Remove("KUBECONFIG");
            Assert.Equal("home", LoadNow(null).Server.Host);
            File.Delete(Path.Combine(home, ".kube", "config"));
            var inCluster = LoadNow(null);
            Assert.Equal(new Uri("https://10.96.0.1:443"), inCluster.Server);
            Assert.Equal("gitops", inCluster.Namespace);
            Assert.Equal("sa-token", inCluster.CurrentToken());
            Assert.Equal("in-cluster", inCluster.ContextName);

            // And with nothing at all, the error says what was tried
            env.Clear();
            var e = Assert.Throws<GitOpsException>(() => LoadNow(null));
            Assert.Contains(".kube", e.Message);
            Assert.Contains("KUBERNETES_SERVICE_HOST is not set", e.Message);
        }

        [Fact]
        public void An_explicit_path_that_does_not_exist_is_an_error_not_a_fallback()
        {
            var e = Assert.Throws<GitOpsException>(() =>
                KubernetesClientConfiguration.Load(_t._dir.Combine("nope"), null, _ => null, _t._dir.Path, _t._dir.Path));
            Assert.Contains("not found", e.Message);
        }
    }
}
