using System.Net;
using System.Net.Sockets;
using System.Text;
using GitOps.Pipelines.TestKit;

namespace GitOps.Pipelines.Tests.Forges.Stubs;

/// <summary>One scripted answer: status, body, extra headers.</summary>
public sealed record StubResponse(int Status, string Body = "", IReadOnlyDictionary<string, string>? Headers = null)
{
    /// <summary>A JSON answer.</summary>
    public static StubResponse Json(int status, string body, params (string Name, string Value)[] headers) =>
        new(status, body, headers.ToDictionary(h => h.Name, h => h.Value));
}

/// <summary>
/// An in-process forge API on 127.0.0.1 (a raw HTTP/1.1 server on port 0, one request per connection): routes
/// answer scripted responses in order (the last one repeats), every request is recorded for assertions, and a
/// request no route expects gets a 501 that names it, so the test fails loudly.
/// </summary>
public sealed class ForgeStub : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<ReceivedRequest> _requests = [];
    private readonly List<(string Method, string Path, Queue<StubResponse> Answers)> _routes = [];

    /// <summary>A stub whose API root is <paramref name="basePath"/> (GitHub Enterprise <c>/api/v3</c>, GitLab <c>/api/v4</c>).</summary>
    public ForgeStub(string basePath)
    {
        _listener.Start();
        Origin = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        BasePath = basePath.TrimEnd('/');
        BaseUrl = new Uri(Origin, BasePath + "/");
        _ = Task.Run(LoopAsync);
    }

    /// <summary>Scheme, host and port.</summary>
    public Uri Origin { get; }

    /// <summary>The API root path, without a trailing slash.</summary>
    public string BasePath { get; }

    /// <summary>The API root URL, with a trailing slash.</summary>
    public Uri BaseUrl { get; }

    /// <summary>Requests received so far, in order.</summary>
    public IReadOnlyList<ReceivedRequest> Requests
    {
        get { lock (_requests) return [.. _requests]; }
    }

    /// <summary>Requests with this method whose path (without the query) is <paramref name="path"/> under the API root.</summary>
    public IReadOnlyList<ReceivedRequest> RequestsTo(string method, string path) =>
        [.. Requests.Where(r => r.Method == method && r.Path.Split('?')[0] == BasePath + path)];

    /// <summary>
    /// Scripts a route: <paramref name="path"/> is relative to the API root and matches the request path without its
    /// query, or the full path and query when it holds a '?'. Answers go in order; the last one repeats.
    /// </summary>
    public ForgeStub On(string method, string path, params StubResponse[] answers)
    {
        lock (_routes) _routes.Add((method, BasePath + path, new Queue<StubResponse>(answers)));
        return this;
    }

    /// <summary>Scripts a route on a path outside the API root (e.g. GitHub Enterprise's <c>/api/graphql</c>).</summary>
    public ForgeStub OnAbsolute(string method, string path, params StubResponse[] answers)
    {
        lock (_routes) _routes.Add((method, path, new Queue<StubResponse>(answers)));
        return this;
    }

    private StubResponse Answer(ReceivedRequest request)
    {
        lock (_routes)
        {
            foreach (var (method, path, answers) in _routes)
            {
                var target = path.Contains('?', StringComparison.Ordinal) ? request.Path : request.Path.Split('?')[0];
                if (method != request.Method || path != target) continue;
                return answers.Count > 1 ? answers.Dequeue() : answers.Peek();
            }
        }
        return StubResponse.Json(501, $$"""{"message":"the stub has no route for {{request.Method}} {{request.Path}}"}""");
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (SocketException) { return; }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var request = await LoopbackReceiver.ReadRequestAsync(stream);
            if (request is null) return;
            lock (_requests) _requests.Add(request);
            var answer = Answer(request);
            var body = Encoding.UTF8.GetBytes(answer.Body);
            var head = new StringBuilder()
                .Append($"HTTP/1.1 {answer.Status} {Reason(answer.Status)}\r\n")
                .Append($"Content-Length: {body.Length}\r\n")
                .Append("Connection: close\r\n");
            if (body.Length > 0) head.Append("Content-Type: application/json; charset=utf-8\r\n");
            foreach (var (name, value) in answer.Headers ?? new Dictionary<string, string>())
                head.Append($"{name}: {value}\r\n");
            head.Append("\r\n");
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()));
            await stream.WriteAsync(body);
        }
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK", 201 => "Created", 202 => "Accepted", 204 => "No Content", 401 => "Unauthorized", 403 => "Forbidden",
        404 => "Not Found", 405 => "Method Not Allowed", 406 => "Not Acceptable", 409 => "Conflict", 422 => "Unprocessable Entity",
        429 => "Too Many Requests", 501 => "Not Implemented", _ => "Status",
    };

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }
}
