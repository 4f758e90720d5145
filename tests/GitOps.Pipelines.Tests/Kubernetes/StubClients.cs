using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using GitOps.Pipelines.Kubernetes;
using GitOps.Pipelines.TestKit;
using GitOps.Pipelines.Tests.Kubernetes.ApiStub;

namespace GitOps.Pipelines.Tests.Kubernetes;

/// <summary>Kubeconfigs and clients pointing at a <see cref="KubernetesApiStub"/>.</summary>
public static class StubClients
{
    /// <summary>Retries without long pauses, so retry tests run in milliseconds.</summary>
    public static KubernetesClientOptions Fast { get; } = new()
    {
        MaxAttempts = 4,
        InitialBackoff = TimeSpan.FromMilliseconds(5),
        MaxBackoff = TimeSpan.FromMilliseconds(20),
        RequestTimeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>Writes a kubeconfig for the stub (TLS with its CA when it has one) with a token user; returns its path.</summary>
    public static string WriteKubeconfig(TempDir dir, KubernetesApiStub stub, string token, string? clientCertPem = null, string? clientKeyPem = null)
    {
        static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));
        var ca = stub.CaPem is null ? "" : $"\n    certificate-authority-data: {B64(stub.CaPem)}";
        var cert = clientCertPem is null ? "" : $"\n    client-certificate-data: {B64(clientCertPem)}\n    client-key-data: {B64(clientKeyPem!)}";
        return dir.Write("kubeconfig", $"""
            apiVersion: v1
            kind: Config
            current-context: stub
            clusters:
            - name: stub
              cluster:
                server: {stub.Url.ToString().TrimEnd('/')}{ca}
            contexts:
            - name: stub
              context:
                cluster: stub
                user: robot
                namespace: argocd
            users:
            - name: robot
              user:
                token: {token}{cert}
            """);
    }

    /// <summary>A client for the stub from a kubeconfig written into <paramref name="dir"/>.</summary>
    public static KubernetesClient For(TempDir dir, KubernetesApiStub stub, string token = "t0ken", KubernetesClientOptions? options = null) =>
        new(KubernetesClientConfiguration.FromKubeconfig(WriteKubeconfig(dir, stub, token)), options ?? Fast);

    /// <summary>A self-signed client certificate and its key, as PEM.</summary>
    public static (string CertPem, string KeyPem) ClientCertificate(string commonName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}, O=system:masters", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return (cert.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }
}
