using System.Net;
using System.Net.Sockets;
using System.Text;

namespace GitOps.Pipelines.TestKit;

/// <summary>One HTTP request as a <see cref="LoopbackReceiver"/> got it.</summary>
public sealed record ReceivedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>
/// A minimal HTTP/1.1 receiver on 127.0.0.1 (bound to port 0, so no port race) that records each request and
/// answers with a fixed status. Enough to stand in for a webhook receiver; one request per connection.
/// </summary>
public sealed class LoopbackReceiver : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<ReceivedRequest> _requests = [];

    public LoopbackReceiver(HttpStatusCode answer, string path = "/hooks/github")
    {
        _listener.Start();
        Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}{path}");
        _ = Task.Run(() => Loop(answer));
    }

    /// <summary>Where to send requests.</summary>
    public Uri Url { get; }

    /// <summary>The requests received so far.</summary>
    public IReadOnlyList<ReceivedRequest> Requests
    {
        get { lock (_requests) return [.. _requests]; }
    }

    private async Task Loop(HttpStatusCode answer)
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (SocketException) { return; }
            using (client)
            {
                var stream = client.GetStream();
                if (await ReadRequestAsync(stream) is not { } request) continue;
                lock (_requests) _requests.Add(request);
                var reply = Encoding.ASCII.GetBytes($"HTTP/1.1 {(int)answer} {answer}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                await stream.WriteAsync(reply);
            }
        }
    }

    /// <summary>
    /// Reads one HTTP/1.1 request (head, then a Content-Length body) from <paramref name="stream"/>; null when the
    /// peer closes first. Repeated headers are joined with ", ".
    /// </summary>
    public static async Task<ReceivedRequest?> ReadRequestAsync(NetworkStream stream)
    {
        var buffer = new List<byte>();
        var one = new byte[1];
        while (!(buffer.Count >= 4 && buffer[^4] == '\r' && buffer[^3] == '\n' && buffer[^2] == '\r' && buffer[^1] == '\n'))
        {
            if (await stream.ReadAsync(one) == 0) return null;
            buffer.Add(one[0]);
        }
        var lines = Encoding.ASCII.GetString([.. buffer]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var start = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in lines.Skip(1).Select(l => l.Split(':', 2)))
            headers[pair[0].Trim()] = headers.TryGetValue(pair[0].Trim(), out var before) ? $"{before}, {pair[1].Trim()}" : pair[1].Trim();
        var length = headers.TryGetValue("Content-Length", out var l) ? int.Parse(l) : 0;
        var body = new byte[length];
        var read = 0;
        while (read < length)
        {
            var n = await stream.ReadAsync(body.AsMemory(read));
            if (n == 0) break;
            read += n;
        }
        return new ReceivedRequest(start[0], start[1], headers, Encoding.UTF8.GetString(body, 0, read));
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }
}
