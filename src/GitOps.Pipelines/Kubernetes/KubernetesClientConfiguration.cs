using System.Security.Cryptography.X509Certificates;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace GitOps.Pipelines.Kubernetes;

/// <summary>
/// Where the Kubernetes API is and how to authenticate to it, read from a kubeconfig file or the in-cluster
/// service account (the shape of kubernetes-client/csharp's <c>KubernetesClientConfiguration</c>).
/// </summary>
public sealed class KubernetesClientConfiguration
{
    /// <summary>The in-cluster service account folder (token, ca.crt, namespace).</summary>
    public const string ServiceAccountPath = "/var/run/secrets/kubernetes.io/serviceaccount";

    private Func<string?> _token = () => null;

    /// <summary>The API server's base address, e.g. <c>https://10.0.0.1:443</c>.</summary>
    public required Uri Server { get; init; }

    /// <summary>The certificates the server's certificate must chain to; empty: the system's trust store.</summary>
    public X509Certificate2Collection CertificateAuthorities { get; init; } = [];

    /// <summary>The client certificate (with its private key) presented to the server, if any.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>Accept any server certificate (kubeconfig <c>insecure-skip-tls-verify</c>).</summary>
    public bool SkipTlsVerify { get; init; }

    /// <summary>The namespace of the context (or the service account), used when a target names none.</summary>
    public string? Namespace { get; init; }

    /// <summary>The kubeconfig context this came from; <c>in-cluster</c> for the service account.</summary>
    public string? ContextName { get; init; }

    /// <summary>Where the configuration was read from (a file path, or the service account folder).</summary>
    public string? Source { get; init; }

    /// <summary>
    /// A fixed bearer token; for a token read from a file use <see cref="TokenFile"/>.
    /// Never shown in messages or logs.
    /// </summary>
    public string? Token
    {
        init => _token = () => value;
    }

    /// <summary>
    /// A file holding the bearer token, read again for every request: the kubelet rotates projected
    /// service-account tokens in place, so a token read once expires (after an hour by default).
    /// </summary>
    public string? TokenFile
    {
        init
        {
            if (value is null) return;
            _token = () =>
            {
                try
                {
                    return File.ReadAllText(value).Trim();
                }
                catch (IOException e)
                {
                    throw new GitOpsException($"cannot read the Kubernetes token file {value}: {e.Message}", ExitCode.Failure, e);
                }
                catch (UnauthorizedAccessException e)
                {
                    throw new GitOpsException($"cannot read the Kubernetes token file {value}: {e.Message}", ExitCode.Failure, e);
                }
            };
        }
    }

    /// <summary>The bearer token for the next request, or null to send none.</summary>
    public string? CurrentToken() => _token() is { Length: > 0 } t ? t : null;

    /// <summary>
    /// The configuration to use, found in this order:
    /// 1. <paramref name="kubeconfigPath"/> when given (it must exist);
    /// 2. the <c>KUBECONFIG</c> variable: the first existing file of its list (separated by <see cref="Path.PathSeparator"/>);
    /// 3. <c>~/.kube/config</c> when it exists;
    /// 4. the in-cluster service account, when <c>KUBERNETES_SERVICE_HOST</c> and <c>KUBERNETES_SERVICE_PORT</c> are set.
    /// <paramref name="context"/> picks a kubeconfig context instead of <c>current-context</c>.
    /// Throws <see cref="GitOpsException"/> (<see cref="ExitCode.InvalidInput"/>) naming what was tried when none applies.
    /// </summary>
    public static KubernetesClientConfiguration Load(string? kubeconfigPath = null, string? context = null) =>
        Load(kubeconfigPath, context, Environment.GetEnvironmentVariable,
            Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ServiceAccountPath);

    /// <summary><see cref="Load(string?, string?)"/> with the environment, home folder and service account folder given (for tests).</summary>
    internal static KubernetesClientConfiguration Load(string? kubeconfigPath, string? context, Func<string, string?> environment,
        string home, string serviceAccountPath)
    {
        if (!string.IsNullOrWhiteSpace(kubeconfigPath))
        {
            if (!File.Exists(kubeconfigPath))
                throw new GitOpsException($"kubeconfig {kubeconfigPath} not found", ExitCode.InvalidInput);
            return FromKubeconfig(kubeconfigPath, context);
        }
        var tried = new List<string>();
        if (environment("KUBECONFIG") is { Length: > 0 } list)
        {
            foreach (var file in list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                if (File.Exists(file)) return FromKubeconfig(file, context);
                tried.Add(file);
            }
        }
        var userConfig = Path.Combine(home, ".kube", "config");
        if (File.Exists(userConfig)) return FromKubeconfig(userConfig, context);
        tried.Add(userConfig);
        if (IsInCluster(environment))
        {
            if (context is not null)
                throw new GitOpsException($"context '{context}' was asked for, but no kubeconfig was found (tried {string.Join(", ", tried)}); in the cluster there are no contexts", ExitCode.InvalidInput);
            return InCluster(serviceAccountPath, environment);
        }
        throw new GitOpsException(
            $"no Kubernetes configuration: tried {string.Join(", ", tried)} and the in-cluster service account (KUBERNETES_SERVICE_HOST is not set)",
            ExitCode.InvalidInput);
    }

    /// <summary>True when running in a pod: <c>KUBERNETES_SERVICE_HOST</c> and <c>KUBERNETES_SERVICE_PORT</c> are set.</summary>
    public static bool IsInCluster() => IsInCluster(Environment.GetEnvironmentVariable);

    private static bool IsInCluster(Func<string, string?> environment) =>
        !string.IsNullOrEmpty(environment("KUBERNETES_SERVICE_HOST")) && !string.IsNullOrEmpty(environment("KUBERNETES_SERVICE_PORT"));

    /// <summary>
    /// The in-cluster service account: server from <c>KUBERNETES_SERVICE_HOST</c>/<c>PORT</c>, the token file
    /// (re-read on each request), <c>ca.crt</c> and <c>namespace</c> from <paramref name="serviceAccountPath"/>.
    /// </summary>
    public static KubernetesClientConfiguration InCluster(string serviceAccountPath = ServiceAccountPath) =>
        InCluster(serviceAccountPath, Environment.GetEnvironmentVariable);

    /// <summary><see cref="InCluster(string)"/> with the environment given (for tests).</summary>
    internal static KubernetesClientConfiguration InCluster(string serviceAccountPath, Func<string, string?> environment)
    {
        var host = environment("KUBERNETES_SERVICE_HOST");
        var port = environment("KUBERNETES_SERVICE_PORT");
        if (string.IsNullOrEmpty(host) || string.IsNullOrEmpty(port))
            throw new GitOpsException("not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set", ExitCode.InvalidInput);
        var tokenFile = Path.Combine(serviceAccountPath, "token");
        if (!File.Exists(tokenFile))
            throw new GitOpsException($"the service account token {tokenFile} does not exist (is automountServiceAccountToken off?)", ExitCode.InvalidInput);
        var ca = Path.Combine(serviceAccountPath, "ca.crt");
        var ns = Path.Combine(serviceAccountPath, "namespace");
        // An IPv6 service address needs brackets in a URI.
        var server = new Uri($"https://{(host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host)}:{port}");
        return new KubernetesClientConfiguration
        {
            Server = server,
            TokenFile = tokenFile,
            CertificateAuthorities = File.Exists(ca) ? LoadPemBundle(File.ReadAllText(ca), ca) : [],
            Namespace = File.Exists(ns) ? File.ReadAllText(ns).Trim() : null,
            ContextName = "in-cluster",
            Source = serviceAccountPath,
        };
    }

    /// <summary>Reads one kubeconfig file: <paramref name="context"/> or its <c>current-context</c>, that context's cluster and user.</summary>
    public static KubernetesClientConfiguration FromKubeconfig(string path, string? context = null)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        YamlMappingNode root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(File.ReadAllText(full)));
            root = stream.Documents.Count > 0 && stream.Documents[0].RootNode is YamlMappingNode m
                ? m
                : throw new GitOpsException($"kubeconfig {path}: not a mapping", ExitCode.InvalidInput);
        }
        catch (YamlException e)
        {
            throw new GitOpsException($"kubeconfig {path}: not valid YAML: {e.Message}", ExitCode.InvalidInput, e);
        }

        var contextName = context ?? Scalar(root, "current-context");
        if (string.IsNullOrEmpty(contextName))
            throw new GitOpsException($"kubeconfig {path}: no current-context and no context was asked for", ExitCode.InvalidInput);
        var ctx = Named(root, "contexts", "context", contextName, path);
        var clusterName = Scalar(ctx, "cluster") ?? throw new GitOpsException($"kubeconfig {path}: context '{contextName}' names no cluster", ExitCode.InvalidInput);
        var cluster = Named(root, "clusters", "cluster", clusterName, path);
        var userName = Scalar(ctx, "user");
        var user = userName is null ? null : Named(root, "users", "user", userName, path);

        var serverText = Scalar(cluster, "server") ?? throw new GitOpsException($"kubeconfig {path}: cluster '{clusterName}' has no server", ExitCode.InvalidInput);
        if (!Uri.TryCreate(serverText, UriKind.Absolute, out var server) || server.Scheme is not ("https" or "http"))
            throw new GitOpsException($"kubeconfig {path}: cluster '{clusterName}': server '{serverText}' is not an http(s) URL", ExitCode.InvalidInput);

        X509Certificate2Collection cas = [];
        if (Scalar(cluster, "certificate-authority-data") is { Length: > 0 } caData)
            cas = LoadPemBundle(Base64(caData, path, "certificate-authority-data"), $"{path} (cluster {clusterName})");
        else if (Scalar(cluster, "certificate-authority") is { Length: > 0 } caFile)
            cas = LoadPemBundle(ReadRelative(dir, caFile, path), caFile);

        X509Certificate2? clientCert = null;
        string? token = null, tokenFile = null;
        if (user is not null)
        {
            if (Node(user, "exec") is not null || Node(user, "auth-provider") is not null)
                throw new GitOpsException($"kubeconfig {path}: user '{userName}' uses an exec or auth-provider plugin, which this client does not run; use a token or a client certificate", ExitCode.InvalidInput);
            var certPem = Scalar(user, "client-certificate-data") is { Length: > 0 } cd ? Base64(cd, path, "client-certificate-data")
                : Scalar(user, "client-certificate") is { Length: > 0 } cf ? ReadRelative(dir, cf, path) : null;
            var keyPem = Scalar(user, "client-key-data") is { Length: > 0 } kd ? Base64(kd, path, "client-key-data")
                : Scalar(user, "client-key") is { Length: > 0 } kf ? ReadRelative(dir, kf, path) : null;
            if ((certPem is null) != (keyPem is null))
                throw new GitOpsException($"kubeconfig {path}: user '{userName}' has a client certificate without its key (or a key without its certificate)", ExitCode.InvalidInput);
            if (certPem is not null)
            {
                try
                {
                    using var ephemeral = X509Certificate2.CreateFromPem(certPem, keyPem);
                    // TLS client authentication needs a key the platform can use outside this object: round-trip through PKCS#12.
                    clientCert = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
                }
                catch (System.Security.Cryptography.CryptographicException e)
                {
                    throw new GitOpsException($"kubeconfig {path}: user '{userName}': the client certificate or key is not valid PEM: {e.Message}", ExitCode.InvalidInput, e);
                }
            }
            token = Scalar(user, "token") is { Length: > 0 } t ? t : null;
            if (token is null && Scalar(user, "tokenFile") is { Length: > 0 } tf)
                tokenFile = Path.GetFullPath(tf, dir);
        }

        var config = new KubernetesClientConfiguration
        {
            Server = server,
            CertificateAuthorities = cas,
            ClientCertificate = clientCert,
            SkipTlsVerify = Scalar(cluster, "insecure-skip-tls-verify") == "true",
            Namespace = Scalar(ctx, "namespace"),
            ContextName = contextName,
            Source = full,
        };
        if (tokenFile is not null) return With(config, tokenFile: tokenFile);
        return token is null ? config : With(config, token: token);
    }

    private static KubernetesClientConfiguration With(KubernetesClientConfiguration c, string? token = null, string? tokenFile = null) => new()
    {
        Server = c.Server,
        CertificateAuthorities = c.CertificateAuthorities,
        ClientCertificate = c.ClientCertificate,
        SkipTlsVerify = c.SkipTlsVerify,
        Namespace = c.Namespace,
        ContextName = c.ContextName,
        Source = c.Source,
        Token = token,
        TokenFile = tokenFile,
    };

    /// <summary>Every certificate in a PEM bundle.</summary>
    internal static X509Certificate2Collection LoadPemBundle(string pem, string where)
    {
        var bundle = new X509Certificate2Collection();
        try
        {
            bundle.ImportFromPem(pem);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new GitOpsException($"{where}: the certificate authority is not valid PEM: {e.Message}", ExitCode.InvalidInput, e);
        }
        if (bundle.Count == 0)
            throw new GitOpsException($"{where}: the certificate authority holds no certificate", ExitCode.InvalidInput);
        return bundle;
    }

    private static string Base64(string data, string path, string key)
    {
        try
        {
            return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(data));
        }
        catch (FormatException e)
        {
            throw new GitOpsException($"kubeconfig {path}: {key} is not base64", ExitCode.InvalidInput, e);
        }
    }

    private static string ReadRelative(string dir, string file, string kubeconfig)
    {
        var full = Path.GetFullPath(file, dir);
        if (!File.Exists(full))
            throw new GitOpsException($"kubeconfig {kubeconfig}: {file} not found (looked at {full})", ExitCode.InvalidInput);
        return File.ReadAllText(full);
    }

    private static YamlNode? Node(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

    private static string? Scalar(YamlMappingNode map, string key) =>
        Node(map, key) is YamlScalarNode { Value: { Length: > 0 } s } ? s : null;

    /// <summary>The inner mapping (<paramref name="inner"/>) of the entry named <paramref name="name"/> in list <paramref name="list"/>.</summary>
    private static YamlMappingNode Named(YamlMappingNode root, string list, string inner, string name, string path)
    {
        if (Node(root, list) is YamlSequenceNode seq)
        {
            foreach (var entry in seq.Children.OfType<YamlMappingNode>())
            {
                if (Scalar(entry, "name") == name)
                    return Node(entry, inner) as YamlMappingNode ?? new YamlMappingNode();
            }
        }
        var known = Node(root, list) is YamlSequenceNode s
            ? string.Join(", ", s.Children.OfType<YamlMappingNode>().Select(e => Scalar(e, "name")).Where(n => n is not null))
            : "";
        throw new GitOpsException($"kubeconfig {path}: no {inner} named '{name}' (known: {(known.Length == 0 ? "none" : known)})", ExitCode.InvalidInput);
    }
}
