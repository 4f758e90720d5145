using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Web;

namespace GitOps.Pipelines.Tests.Registries;

/// <summary>
/// A loopback HTTP proxy in front of a real registry. It forwards every request unchanged, except:
/// <list type="bullet">
/// <item>a fault hook may answer a request itself first (e.g. 429 with Retry-After, or 503);</item>
/// <item>with <see cref="PageTags"/>, <c>tags/list?n=&amp;last=</c> is paged here with a <c>Link</c> header, as the
/// distribution spec describes (Debian's distribution 2.8 ignores <c>n</c> and does not sort; the tags themselves come
/// from the real registry).</item>
/// </list>
/// </summary>
public sealed class RegistryProxy : IDisposable
{
    private HttpListener _listener = new();
    private readonly HttpClient _upstream = new(new HttpClientHandler { AllowAutoRedirect = false });
    private readonly Uri _target;
    private readonly List<string> _faults = [];

    public RegistryProxy(string upstreamHost)
    {
        _target = new Uri($"http://{upstreamHost}/");
        for (var tries = 0; ; tries++)
        {
            Port = FreePort();
            // A fresh listener per try: one whose start failed cannot even drop its prefix ("address already in use").
            _listener = new HttpListener();
            _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            try { _listener.Start(); break; }
            catch (HttpListenerException) when (tries < 5) { }
        }
        _ = Task.Run(LoopAsync);
    }

    /// <summary>The proxy's port on 127.0.0.1.</summary>
    public int Port { get; private set; }

    /// <summary>The proxy as a registry host: <c>127.0.0.1:PORT</c>.</summary>
    public string Host => $"127.0.0.1:{Port}";

    /// <summary>Page <c>tags/list</c> answers by <c>n</c> and <c>last</c>, with a <c>Link</c> to the next page.</summary>
    public bool PageTags { get; init; }

    /// <summary>Decides per request (method, path) whether to answer with a fault: a status and headers, or null to forward.</summary>
    public Func<string, string, (HttpStatusCode Status, IReadOnlyDictionary<string, string> Headers)?>? Fault { get; set; }

    /// <summary>The faults answered so far, as "STATUS METHOD PATH".</summary>
    public IReadOnlyList<string> Faults
    {
        get { lock (_faults) return [.. _faults]; }
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (HttpListenerException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (InvalidOperationException) { return; }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        // One request per connection: no client ever reuses a connection this proxy is about to close.
        response.KeepAlive = false;
        try
        {
            var path = request.Url!.AbsolutePath;
            if (Fault?.Invoke(request.HttpMethod, path) is { } fault)
            {
                lock (_faults) _faults.Add($"{(int)fault.Status} {request.HttpMethod} {path}");
                response.StatusCode = (int)fault.Status;
                foreach (var (k, v) in fault.Headers) response.Headers[k] = v;
                response.ContentLength64 = 0;
                response.Close();
                return;
            }
            var query = HttpUtility.ParseQueryString(request.Url.Query);
            var paging = PageTags && path.EndsWith("/tags/list", StringComparison.Ordinal) && query["n"] is not null;
            var forwardUri = new Uri(_target, paging ? path : request.Url.PathAndQuery);
            // The proxy's Host goes upstream, so the registry's Location headers point back through the proxy.
            using var forward = new HttpRequestMessage(new HttpMethod(request.HttpMethod), forwardUri) { Headers = { Host = request.UserHostName } };
            if (request.HasEntityBody)
            {
                using var body = new MemoryStream();
                await request.InputStream.CopyToAsync(body);
                forward.Content = new ByteArrayContent(body.ToArray());
            }
            foreach (var name in request.Headers.AllKeys.OfType<string>())
            {
                if (name is "Host" or "Connection" or "Content-Length" or "Transfer-Encoding" or "Expect") continue;
                var value = request.Headers[name]!;
                if (!forward.Headers.TryAddWithoutValidation(name, value))
                    forward.Content?.Headers.TryAddWithoutValidation(name, value);
            }
            using var answer = await _upstream.SendAsync(forward);
            var bytes = await answer.Content.ReadAsByteArrayAsync();
            response.StatusCode = (int)answer.StatusCode;
            foreach (var header in answer.Headers.Concat(answer.Content.Headers))
            {
                if (header.Key is "Content-Length" or "Transfer-Encoding" or "Connection") continue;
                response.Headers[header.Key] = string.Join(", ", header.Value);
            }
            if (paging && answer.StatusCode == HttpStatusCode.OK)
                bytes = Page(bytes, path, int.Parse(query["n"]!, System.Globalization.CultureInfo.InvariantCulture), query["last"], response);
            response.ContentLength64 = bytes.Length;
            if (request.HttpMethod != "HEAD") await response.OutputStream.WriteAsync(bytes);
            response.Close();
        }
        catch (Exception) when (!_listener.IsListening)
        {
        }
        catch (HttpListenerException)
        {
        }
    }

    private static byte[] Page(byte[] upstream, string path, int n, string? last, HttpListenerResponse response)
    {
        using var doc = JsonDocument.Parse(upstream);
        var name = doc.RootElement.GetProperty("name").GetString();
        var all = doc.RootElement.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).Order(StringComparer.Ordinal).ToList();
        var rest = last is null ? all : all.Where(t => string.CompareOrdinal(t, last) > 0).ToList();
        var page = rest.Take(n).ToList();
        if (rest.Count > n && page.Count > 0)
            response.Headers["Link"] = $"<{path}?n={n}&last={Uri.EscapeDataString(page[^1])}>; rel=\"next\"";
        return JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?> { ["name"] = name, ["tags"] = page });
    }

    public void Dispose()
    {
        // Stopping re-resolves the endpoint; when the port was already given up that can throw, and nothing is left to free.
        try
        {
            _listener.Stop();
            _listener.Close();
        }
        catch (HttpListenerException) { }
        _upstream.Dispose();
    }
}
