using System.Net;
using System.Net.Sockets;
using System.Text;

namespace GitOps.Pipelines.Tests.Registries;

/// <summary>
/// A TCP proxy on 127.0.0.1 in front of a registry that resets the connection in the middle of blob uploads: when
/// a client sends <c>PUT …/blobs/uploads/…</c>, it passes the headers and part of the body on, then resets both
/// sides (linger 0), as a network failure would, while <see cref="DropsLeft"/> is positive.
/// </summary>
public sealed class DroppingProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _upstreamPort;
    private int _dropsLeft;
    private int _dropped;

    public DroppingProxy(int upstreamPort, int drops)
    {
        _upstreamPort = upstreamPort;
        _dropsLeft = drops;
        _listener.Start();
        _ = Task.Run(AcceptAsync);
    }

    /// <summary>The proxy as a registry host.</summary>
    public string Host => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Uploads still to be cut.</summary>
    public int DropsLeft => Volatile.Read(ref _dropsLeft);

    /// <summary>Connections cut so far.</summary>
    public int Dropped => Volatile.Read(ref _dropped);

    private async Task AcceptAsync()
    {
        while (true)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(); }
            catch (ObjectDisposedException) { return; }
            catch (SocketException) { return; }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var upstream = new TcpClient();
        using (client)
        {
            try
            {
                await upstream.ConnectAsync(IPAddress.Loopback, _upstreamPort);
                var down = Pump(upstream.GetStream(), client.GetStream(), null, client, upstream);
                var up = Pump(client.GetStream(), upstream.GetStream(), Inspect, client, upstream);
                await Task.WhenAny(up, down);
            }
            catch (IOException) { }
            catch (SocketException) { }
            catch (ObjectDisposedException) { }
        }
    }

    private bool Inspect(byte[] buffer, int count)
    {
        var head = Encoding.ASCII.GetString(buffer, 0, Math.Min(count, 512));
        return head.StartsWith("PUT ", StringComparison.Ordinal) && head.Contains("/blobs/uploads/", StringComparison.Ordinal)
            && Interlocked.Decrement(ref _dropsLeft) >= 0;
    }

    private async Task Pump(Stream from, Stream to, Func<byte[], int, bool>? cut, TcpClient client, TcpClient upstream)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer)) > 0)
        {
            if (cut is not null && cut(buffer, read))
            {
                await to.WriteAsync(buffer.AsMemory(0, Math.Min(read, Encoding.ASCII.GetString(buffer, 0, read).IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4 + 16)));
                await to.FlushAsync();
                Interlocked.Increment(ref _dropped);
                client.Client.LingerState = new LingerOption(true, 0);
                upstream.Client.LingerState = new LingerOption(true, 0);
                client.Close();
                upstream.Close();
                return;
            }
            await to.WriteAsync(buffer.AsMemory(0, read));
        }
    }

    public void Dispose() => _listener.Stop();
}
