using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace GitOps.Pipelines.TestKit;

/// <summary>
/// <c>git daemon</c> on 127.0.0.1 serving the bare repos under a folder over git:// (fetch and push), so tests
/// talk to a real remote. Stopped (only this process) on dispose.
/// </summary>
public sealed class GitDaemon : IDisposable
{
    private readonly Process _process;

    public GitDaemon(string basePath)
    {
        BasePath = basePath;
        Port = FreePort();
        var psi = new ProcessStartInfo("git")
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (var a in new[] { "daemon", "--reuseaddr", "--export-all", "--enable=receive-pack", "--informative-errors",
                     $"--base-path={basePath}", "--listen=127.0.0.1", $"--port={Port}", basePath })
            psi.ArgumentList.Add(a);
        _process = Process.Start(psi)!;
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, Port);
                break;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                Thread.Sleep(50);
            }
        }
    }

    public string BasePath { get; }

    public int Port { get; }

    /// <summary>The git:// URL of a bare repo under <see cref="BasePath"/>.</summary>
    public string Url(string repo) => $"git://127.0.0.1:{Port}/{repo}";

    /// <summary>Creates a bare repo holding <paramref name="files"/> in one commit on main; partial clones allowed.</summary>
    public string CreateRepo(string name, IReadOnlyDictionary<string, string> files)
    {
        var bare = Path.Combine(BasePath, name);
        Run.Git(BasePath, "init", "--quiet", "--bare", "--initial-branch", "main", bare);
        Run.Git(bare, "config", "uploadpack.allowFilter", "true");
        Run.Git(bare, "config", "uploadpack.allowAnySHA1InWant", "true");
        var staging = Path.Combine(BasePath, name + ".staging");
        Run.Git(BasePath, "init", "--quiet", "--initial-branch", "main", staging);
        foreach (var (path, text) in files)
        {
            var full = Path.Combine(staging, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, text);
        }
        Run.Git(staging, "add", "--all");
        Run.Git(staging, "-c", "user.name=seed", "-c", "user.email=seed@example.test", "commit", "--quiet", "-m", "seed");
        Run.Git(staging, "push", "--quiet", bare, "HEAD:refs/heads/main");
        return bare;
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
