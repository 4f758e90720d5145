using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using GitOps.Pipelines.TestKit;

namespace GitOps.Pipelines.Tests.Registries;

/// <summary>How a <see cref="DistributionServer"/> checks who is calling.</summary>
public enum RegistryAuthMode
{
    /// <summary>Anyone may push and pull.</summary>
    Anonymous,
    /// <summary>Basic auth against an htpasswd file (bcrypt).</summary>
    Htpasswd,
    /// <summary>Bearer tokens from a <see cref="TokenIssuer"/> (ES256 JWTs signed by a certificate the registry trusts).</summary>
    Token,
}

/// <summary>
/// The real CNCF distribution registry (Debian's <c>docker-registry</c>) on 127.0.0.1, with a throwaway config and
/// filesystem storage in a temp folder; stopped and removed on dispose. A missing binary fails the test
/// (tests/tools/install.sh installs it).
/// </summary>
public sealed class DistributionServer : IDisposable
{
    /// <summary>The user of the htpasswd mode.</summary>
    public const string User = "alice";

    /// <summary>Her password (tests check it never shows up in a message).</summary>
    public const string Password = "s3cret-Pa55word";

    private const string Binary = "/usr/bin/docker-registry";
    private readonly TempDir _dir = new("gitops-registry");
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    public DistributionServer(RegistryAuthMode mode = RegistryAuthMode.Anonymous, TokenIssuer? issuer = null)
    {
        Assert.True(File.Exists(Binary), $"{Binary} is missing: the registry tests run the real CNCF distribution (Debian: apt-get install docker-registry)");
        Port = FreePort();
        var auth = "";
        if (mode == RegistryAuthMode.Htpasswd)
        {
            Assert.True(Run.OnPath("htpasswd"), "htpasswd is not on PATH (Debian: apt-get install apache2-utils)");
            var htpasswd = Run.Process("htpasswd", ["-Bbn", User, Password]);
            Assert.True(htpasswd.ExitCode == 0, $"htpasswd failed: {htpasswd}");
            var line = htpasswd.StdOut.Trim();
            File.WriteAllText(_dir.Combine("htpasswd"), line + "\n");
            auth = $"auth:\n  htpasswd:\n    realm: gitops-test\n    path: {_dir.Combine("htpasswd")}\n";
        }
        if (mode == RegistryAuthMode.Token)
        {
            ArgumentNullException.ThrowIfNull(issuer);
            File.WriteAllText(_dir.Combine("token.crt"), issuer.CertificatePem);
            auth = $"auth:\n  token:\n    realm: {issuer.Realm}\n    service: {TokenIssuer.Service}\n    issuer: {TokenIssuer.Issuer}\n" +
                $"    rootcertbundle: {_dir.Combine("token.crt")}\n";
        }
        var config = _dir.Write("config.yml", $"""
            version: 0.1
            log:
              level: warn
              accesslog:
                disabled: true
            storage:
              filesystem:
                rootdirectory: {_dir.Combine("storage")}
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:{Port}
              secret: {Guid.NewGuid():N}
            {auth}
            """);
        var psi = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("serve");
        psi.ArgumentList.Add(config);
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        WaitUntilUp();
    }

    /// <summary>The port the registry listens on.</summary>
    public int Port { get; }

    /// <summary>The registry as image references name it: <c>127.0.0.1:PORT</c>.</summary>
    public string Host => $"127.0.0.1:{Port}";

    /// <summary>What the registry logged so far.</summary>
    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    /// <summary>A Docker config folder (for DOCKER_CONFIG) holding <paramref name="user"/>:<paramref name="password"/> for this registry.</summary>
    public string DockerConfig(string user, string password)
    {
        var dir = _dir.Combine("docker-" + Guid.NewGuid().ToString("N")[..8]);
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));
        File.WriteAllText(Path.Combine(Directory.CreateDirectory(dir).FullName, "config.json"),
            "{\"auths\":{\"" + Host + "\":{\"auth\":\"" + auth + "\"}}}");
        return dir;
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private void WaitUntilUp()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                Assert.Fail($"docker-registry exited with {_process.ExitCode} before answering:\n{Log}");
            try
            {
                using var response = http.GetAsync($"http://{Host}/v2/").GetAwaiter().GetResult();
                if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            Thread.Sleep(100);
        }
        Assert.Fail($"docker-registry did not answer on {Host}/v2/ within 30 s:\n{Log}");
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
        _dir.Dispose();
    }
}

/// <summary>Counts the requests a client makes, by method and path (query dropped).</summary>
public sealed class CountingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private readonly List<(string Method, string Path, HttpStatusCode Status, string? Authorization)> _seen = [];

    /// <summary>Every request sent so far with its answer's status.</summary>
    public IReadOnlyList<(string Method, string Path, HttpStatusCode Status, string? Authorization)> Seen
    {
        get { lock (_seen) return [.. _seen]; }
    }

    /// <summary>Requests that upload blob bytes or start an upload.</summary>
    public int Uploads => Seen.Count(r => r.Path.Contains("/blobs/uploads/", StringComparison.Ordinal));

    /// <summary>Forgets what was counted.</summary>
    public void Reset()
    {
        lock (_seen) _seen.Clear();
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        lock (_seen)
            _seen.Add((request.Method.Method, request.RequestUri!.AbsolutePath, response.StatusCode, request.Headers.Authorization?.Scheme));
        return response;
    }
}
