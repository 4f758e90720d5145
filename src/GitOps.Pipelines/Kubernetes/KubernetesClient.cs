using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace GitOps.Pipelines.Kubernetes;

/// <summary>How the client retries and how long it waits.</summary>
public sealed record KubernetesClientOptions
{
    /// <summary>Attempts per request (the first included) on 409, 429, 5xx and connection failures.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>The first backoff; each retry doubles it (with jitter), up to <see cref="MaxBackoff"/>. A <c>Retry-After</c> header wins.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest wait between attempts.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The time limit of one get, list or patch attempt (watches are not limited).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The <c>timeoutSeconds</c> asked of each watch request (between this and twice it, at random, as client-go does):
    /// the server ends the stream then and the watch reconnects, so a connection that died silently is not waited on forever.
    /// </summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// A small Kubernetes API client for namespaced custom resources over <see cref="HttpClient"/> and System.Text.Json:
/// get, list, JSON merge patch and watch. Objects are <see cref="JsonElement"/>s (custom resources are unstructured here).
/// Every request carries the current bearer token (a token file is re-read each time); 409, 429, 5xx and connection
/// failures are retried with exponential backoff; other refusals throw <see cref="KubernetesApiException"/>.
/// </summary>
public sealed class KubernetesClient : IDisposable
{
    /// <summary>The content type of a JSON merge patch (RFC 7386).</summary>
    public const string MergePatchContentType = "application/merge-patch+json";

    private static readonly HttpStatusCode[] Retried =
        [HttpStatusCode.Conflict, HttpStatusCode.TooManyRequests, HttpStatusCode.InternalServerError,
         HttpStatusCode.BadGateway, HttpStatusCode.ServiceUnavailable, HttpStatusCode.GatewayTimeout];

    private readonly HttpClient _http;
    private readonly KubernetesClientOptions _options;

    /// <summary>A client for <paramref name="configuration"/>.</summary>
    public KubernetesClient(KubernetesClientConfiguration configuration, KubernetesClientOptions? options = null)
        : this(configuration, CreateHandler(configuration), options)
    {
    }

    /// <summary>A client sending through <paramref name="handler"/> (owned and disposed by the client).</summary>
    public KubernetesClient(KubernetesClientConfiguration configuration, HttpMessageHandler handler, KubernetesClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(handler);
        Configuration = configuration;
        _options = options ?? new KubernetesClientOptions();
        _http = new HttpClient(handler) { BaseAddress = configuration.Server, Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("gitops-pipelines/0.1");
    }

    /// <summary>Where the client connects and how it authenticates.</summary>
    public KubernetesClientConfiguration Configuration { get; }

    /// <summary>Reads one object.</summary>
    public async Task<JsonElement> GetAsync(CustomResource resource, string ns, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(resource);
        using var response = await SendAsync("get", Describe(resource, ns, name), () => new HttpRequestMessage(HttpMethod.Get, resource.ObjectPath(ns, name)), true, cancellationToken);
        return await ReadObjectAsync(response, cancellationToken);
    }

    /// <summary>Lists the objects in a namespace, optionally filtered by label and field selectors.</summary>
    public async Task<KubernetesList> ListAsync(CustomResource resource, string ns, string? labelSelector = null, string? fieldSelector = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var url = resource.CollectionPath(ns) + Query(("labelSelector", labelSelector), ("fieldSelector", fieldSelector));
        using var response = await SendAsync("list", Describe(resource, ns, null), () => new HttpRequestMessage(HttpMethod.Get, url), true, cancellationToken);
        var list = await ReadObjectAsync(response, cancellationToken);
        var items = list.TryGetProperty("items", out var i) && i.ValueKind == JsonValueKind.Array ? i.EnumerateArray().ToList() : [];
        return new KubernetesList(items, ResourceVersionOf(list));
    }

    /// <summary>
    /// Applies a JSON merge patch (RFC 7386, <c>application/merge-patch+json</c>) and returns the object after it.
    /// A patch that carries <c>metadata.resourceVersion</c> is a precondition: set <paramref name="retryConflicts"/> to
    /// false to get its 409 Conflict as a <see cref="KubernetesApiException"/> instead of a retry.
    /// </summary>
    public async Task<JsonElement> PatchAsync(CustomResource resource, string ns, string name, JsonNode patch, bool retryConflicts = true,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(patch);
        var body = patch.ToJsonString();
        using var response = await SendAsync("patch", Describe(resource, ns, name), () => new HttpRequestMessage(HttpMethod.Patch, resource.ObjectPath(ns, name))
        {
            Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue(MergePatchContentType)),
        }, retryConflicts, cancellationToken);
        return await ReadObjectAsync(response, cancellationToken);
    }

    /// <summary>
    /// Watches the objects of a namespace (or one object, by <paramref name="name"/>) until cancelled.
    /// Without <paramref name="resourceVersion"/> the server first sends the current objects as <see cref="WatchEventType.Added"/>.
    /// When the stream ends or breaks, it reconnects from the last resourceVersion seen (bookmarks included);
    /// when that version is too old (410 Gone, as an HTTP status or an ERROR event), it lists again, yields the
    /// current objects as <see cref="WatchEventType.Added"/> and watches on from the list's resourceVersion.
    /// Other ERROR events and refusals throw <see cref="KubernetesApiException"/>.
    /// </summary>
    public async IAsyncEnumerable<(WatchEventType Type, JsonElement Object)> WatchAsync(CustomResource resource, string ns, string? name = null,
        string? resourceVersion = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var what = Describe(resource, ns, name);
        var fieldSelector = name is null ? null : $"metadata.name={name}";
        var rv = resourceVersion;
        var brokenStreams = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var timeoutSeconds = (int)(_options.WatchTimeout.TotalSeconds * (1 + Random.Shared.NextDouble()));
            var url = resource.CollectionPath(ns) + Query(("watch", "true"), ("allowWatchBookmarks", "true"),
                ("resourceVersion", rv), ("fieldSelector", fieldSelector),
                ("timeoutSeconds", Math.Max(1, timeoutSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            var gone = false;
            using (var response = await SendAsync("watch", what, () => new HttpRequestMessage(HttpMethod.Get, url), true, cancellationToken,
                       completion: HttpCompletionOption.ResponseHeadersRead, allowGone: true))
            {
                if (response.StatusCode == HttpStatusCode.Gone)
                {
                    gone = true;
                }
                else
                {
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken), Encoding.UTF8);
                    while (true)
                    {
                        var (line, broken) = await ReadLineAsync(reader, cancellationToken);
                        if (line is null)
                        {
                            if (broken) brokenStreams++;
                            break;
                        }
                        if (line.Length == 0) continue;
                        var (type, obj) = ParseEvent(line, what);
                        if (type == WatchEventType.Error)
                        {
                            var status = obj.Deserialize(KubernetesJsonContext.Default.KubernetesStatus);
                            if (status?.Code == (int)HttpStatusCode.Gone)
                            {
                                gone = true;
                                break;
                            }
                            throw new KubernetesApiException("watch", what, (HttpStatusCode)(status?.Code ?? 500), status);
                        }
                        brokenStreams = 0;
                        rv = ResourceVersionOf(obj) ?? rv;
                        yield return (type, obj);
                    }
                }
            }
            if (gone)
            {
                var list = await ListAsync(resource, ns, fieldSelector: fieldSelector, cancellationToken: cancellationToken);
                foreach (var item in list.Items) yield return (WatchEventType.Added, item);
                rv = list.ResourceVersion;
                continue;
            }
            // A stream the server closed normally is reopened at once; a broken one after a growing pause.
            if (brokenStreams > 0)
                await Task.Delay(Backoff(brokenStreams, null), cancellationToken);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    /// <summary>Sends with retries; returns a success (or a 410 when <paramref name="allowGone"/>), else throws.</summary>
    private async Task<HttpResponseMessage> SendAsync(string verb, string what, Func<HttpRequestMessage> create, bool retryConflicts,
        CancellationToken cancellationToken, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead, bool allowGone = false)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = create();
            request.Headers.Accept.ParseAdd("application/json");
            if (Configuration.CurrentToken() is { } token)
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            HttpResponseMessage response;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (completion == HttpCompletionOption.ResponseContentRead) timeout.CancelAfter(_options.RequestTimeout);
            try
            {
                response = await _http.SendAsync(request, completion, timeout.Token);
            }
            catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                var reason = e is HttpRequestException ? e.Message : $"no answer within {_options.RequestTimeout.TotalSeconds:0.#}s";
                if (attempt >= _options.MaxAttempts)
                    throw new GitOpsException($"{verb} {what}: the Kubernetes API at {Configuration.Server} is unreachable after {attempt} attempts: {reason}", ExitCode.Failure, e);
                await Task.Delay(Backoff(attempt, null), cancellationToken);
                continue;
            }

            if (response.IsSuccessStatusCode || (allowGone && response.StatusCode == HttpStatusCode.Gone))
                return response;
            using (response)
            {
                var retry = Retried.Contains(response.StatusCode) && (retryConflicts || response.StatusCode != HttpStatusCode.Conflict);
                if (retry && attempt < _options.MaxAttempts)
                {
                    await Task.Delay(Backoff(attempt, response.Headers.RetryAfter), cancellationToken);
                    continue;
                }
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                KubernetesStatus? status = null;
                try
                {
                    status = JsonSerializer.Deserialize(body, KubernetesJsonContext.Default.KubernetesStatus);
                    if (status?.Kind != "Status") status = null;
                }
                catch (JsonException) { }
                throw new KubernetesApiException(verb, what, response.StatusCode, status, status is null ? body : null);
            }
        }
    }

    private TimeSpan Backoff(int attempt, RetryConditionHeaderValue? retryAfter)
    {
        if (retryAfter?.Delta is { } delta)
            return delta < _options.MaxBackoff ? delta : _options.MaxBackoff;
        var ms = _options.InitialBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 20));
        ms = Math.Min(ms, _options.MaxBackoff.TotalMilliseconds);
        // Full jitter between half and the whole step, so replicas retrying together spread out.
        return TimeSpan.FromMilliseconds(ms / 2 + Random.Shared.NextDouble() * ms / 2);
    }

    private static async Task<(string? Line, bool Broken)> ReadLineAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        try
        {
            return (await reader.ReadLineAsync(cancellationToken), false);
        }
        catch (IOException)
        {
            return (null, true);
        }
        catch (HttpRequestException)
        {
            return (null, true);
        }
    }

    private static (WatchEventType, JsonElement) ParseEvent(string line, string what)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            var type = root.GetProperty("type").GetString() switch
            {
                "ADDED" => WatchEventType.Added,
                "MODIFIED" => WatchEventType.Modified,
                "DELETED" => WatchEventType.Deleted,
                "BOOKMARK" => WatchEventType.Bookmark,
                "ERROR" => WatchEventType.Error,
                var other => throw new GitOpsException($"watch {what}: unknown event type '{other}'"),
            };
            return (type, root.GetProperty("object").Clone());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new GitOpsException($"watch {what}: the server sent an event that is not a watch event: {e.Message}", ExitCode.Failure, e);
        }
    }

    private static async Task<JsonElement> ReadObjectAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var doc = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
        return doc.RootElement.Clone();
    }

    /// <summary>An object's (or a list's) <c>metadata.resourceVersion</c>.</summary>
    public static string? ResourceVersionOf(JsonElement obj) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object
        && m.TryGetProperty("resourceVersion", out var rv) && rv.ValueKind == JsonValueKind.String ? rv.GetString() : null;

    private static string Describe(CustomResource resource, string ns, string? name) =>
        name is null ? $"{resource.FullName} in namespace {ns}" : $"{resource.FullName} {ns}/{name}";

    private static string Query(params (string Key, string? Value)[] pairs)
    {
        var parts = pairs.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value!)}").ToList();
        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }

    private static SocketsHttpHandler CreateHandler(KubernetesClientConfiguration configuration)
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        if (configuration.ClientCertificate is { } cert)
            handler.SslOptions.ClientCertificates = [cert];
        if (configuration.SkipTlsVerify)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        }
        else if (configuration.CertificateAuthorities.Count > 0)
        {
            var roots = configuration.CertificateAuthorities;
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (errors == SslPolicyErrors.None) return true;
                // A name mismatch or a missing certificate is never forgiven; only the chain is re-checked against the CA.
                if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0) return false;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(roots);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                return chain.Build(leaf);
            };
        }
        return handler;
    }
}
