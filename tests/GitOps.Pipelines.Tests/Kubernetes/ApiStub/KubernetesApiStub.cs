using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;

namespace GitOps.Pipelines.Tests.Kubernetes.ApiStub;

/// <summary>A namespaced custom resource type the stub serves.</summary>
public sealed record StubResource(string Group, string Version, string Plural, string Kind, string Singular, bool StatusSubresource, params string[] ShortNames)
{
    public static StubResource Application { get; } = new("argoproj.io", "v1alpha1", "applications", "Application", "application", false, "app", "apps");
    public static StubResource Kustomization { get; } = new("kustomize.toolkit.fluxcd.io", "v1", "kustomizations", "Kustomization", "kustomization", true, "ks");
    public static StubResource HelmRelease { get; } = new("helm.toolkit.fluxcd.io", "v2", "helmreleases", "HelmRelease", "helmrelease", true, "hr");
    public static StubResource GitRepository { get; } = new("source.toolkit.fluxcd.io", "v1", "gitrepositories", "GitRepository", "gitrepository", true, "gitrepo");
    public static StubResource OciRepository { get; } = new("source.toolkit.fluxcd.io", "v1beta2", "ocirepositories", "OCIRepository", "ocirepository", true, "ocirepo");

    public static StubResource[] All { get; } = [Application, Kustomization, HelmRelease, GitRepository, OciRepository];

    public string FullName => $"{Plural}.{Group}";
    public string ApiVersion => $"{Group}/{Version}";
}

/// <summary>One request the stub received.</summary>
public sealed record StubRequest(string Method, string Path, string Query, string? ContentType, string? Authorization, string? ClientCertificateSubject, string Body);

/// <summary>
/// An in-process Kubernetes API server on 127.0.0.1 (Kestrel) with real semantics for namespaced custom resources:
/// discovery (<c>/version</c>, <c>/api</c>, <c>/apis</c>, group versions), get/list/patch/delete, JSON merge patch
/// (RFC 7386) with <c>metadata.resourceVersion</c> as a precondition, a status subresource, a global resourceVersion
/// that moves on every write (not on a no-op), generation on spec changes, <c>Status</c> objects for errors, and
/// watch (<c>?watch=true</c>, one JSON event per line) from a resourceVersion, with 410 Expired after a compaction.
/// </summary>
public sealed class KubernetesApiStub : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Resource, string Ns, string Name), JsonObject> _objects = [];
    private readonly List<(long Rv, string Type, StubResource Resource, string Ns, string Name, string Line)> _history = [];
    private readonly List<Watcher> _watchers = [];
    private readonly StubResource[] _resources;
    private long _rv = 1000;
    private long _compactedThrough;
    private (int Status, int Remaining, string? Verb)? _fault;

    private KubernetesApiStub(WebApplication app, StubResource[] resources, string? caPem)
    {
        _app = app;
        _resources = resources;
        CaPem = caPem;
    }

    /// <summary>The server's base address.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>The PEM of the self-signed CA that issued the server certificate (TLS only).</summary>
    public string? CaPem { get; }

    /// <summary>When set, requests without <c>Authorization: Bearer</c> this token get 401.</summary>
    public string? RequiredToken { get; set; }

    /// <summary>When set, each watch stream is closed by the server after this many events (to exercise reconnects).</summary>
    public int? CloseWatchesAfterEvents { get; set; }

    /// <summary>Runs when a patch arrives, before it is applied (e.g. to let another writer win a race).</summary>
    public Action<StubRequest>? BeforePatch { get; set; }

    /// <summary>Every request received, in order.</summary>
    public ConcurrentQueue<StubRequest> Requests { get; } = new();

    /// <summary>The current resourceVersion (the last write's).</summary>
    public long ResourceVersion { get { lock (_lock) return _rv; } }

    /// <summary>Starts on 127.0.0.1 on a free port; with <paramref name="tls"/>, HTTPS with a fresh CA, asking for client certificates.</summary>
    public static async Task<KubernetesApiStub> StartAsync(bool tls = false, params StubResource[] resources)
    {
        if (resources.Length == 0) resources = StubResource.All;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        string? caPem = null;
        if (tls)
        {
            var (ca, server) = IssueCertificates();
            caPem = ca.ExportCertificatePem();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificate = server,
                ClientCertificateMode = ClientCertificateMode.AllowCertificate,
                ClientCertificateValidation = (_, _, _) => true,
            })));
        }
        else
        {
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        }
        var app = builder.Build();
        var stub = new KubernetesApiStub(app, resources, caPem);
        app.Run(stub.HandleAsync);
        await app.StartAsync();
        var address = app.Urls.First();
        stub.Url = new Uri(address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal));
        return stub;
    }

    /// <summary>Answers the next <paramref name="times"/> requests (of <paramref name="verb"/>: get, list, watch, patch; null: any) with <paramref name="status"/>.</summary>
    public void Fail(int status, int times = int.MaxValue, string? verb = null)
    {
        lock (_lock) _fault = (status, times, verb);
    }

    /// <summary>Stops failing.</summary>
    public void Heal()
    {
        lock (_lock) _fault = null;
    }

    /// <summary>Forgets the watch history so far: a watch from an older resourceVersion gets 410 Expired.</summary>
    public void Compact()
    {
        lock (_lock)
        {
            _compactedThrough = _rv;
            _history.Clear();
        }
    }

    /// <summary>Creates an object as a user would (kubectl apply): system metadata is set, ADDED is sent to watches.</summary>
    public JsonObject Create(JsonObject obj)
    {
        var resource = ResourceOf(obj);
        var meta = obj["metadata"] as JsonObject ?? throw new ArgumentException("the object has no metadata");
        var ns = (string?)meta["namespace"] ?? "default";
        var name = (string?)meta["name"] ?? throw new ArgumentException("the object has no name");
        lock (_lock)
        {
            var stored = (JsonObject)obj.DeepClone();
            var m = (JsonObject)stored["metadata"]!;
            m["namespace"] = ns;
            m["uid"] = Guid.NewGuid().ToString();
            m["creationTimestamp"] ??= DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
            m["generation"] = 1L;
            if (resource.StatusSubresource) stored.Remove("status");
            if (obj["status"] is { } status) stored["status"] = status.DeepClone(); // fixtures arrive with their status
            Commit(resource, ns, name, stored, "ADDED");
            return (JsonObject)stored.DeepClone();
        }
    }

    /// <summary>Creates each document of a YAML stream.</summary>
    public void CreateYaml(string yaml)
    {
        foreach (var doc in YamlJson.Documents(yaml)) Create(doc);
    }

    /// <summary>The stored object, or null.</summary>
    public JsonObject? Get(StubResource resource, string ns, string name)
    {
        lock (_lock) return _objects.TryGetValue((resource.FullName, ns, name), out var o) ? (JsonObject)o.DeepClone() : null;
    }

    /// <summary>Replaces the status as the controller would (through the status subresource): MODIFIED is sent.</summary>
    public void SetStatus(StubResource resource, string ns, string name, JsonNode status)
    {
        lock (_lock)
        {
            var current = _objects[(resource.FullName, ns, name)];
            var next = (JsonObject)current.DeepClone();
            next["status"] = status.DeepClone();
            Commit(resource, ns, name, next, "MODIFIED");
        }
    }

    /// <summary>Changes the object in place as the controller would (e.g. Argo CD removing its refresh annotation).</summary>
    public void Update(StubResource resource, string ns, string name, Action<JsonObject> change)
    {
        lock (_lock)
        {
            var next = (JsonObject)_objects[(resource.FullName, ns, name)].DeepClone();
            change(next);
            Commit(resource, ns, name, next, "MODIFIED");
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            foreach (var w in _watchers) w.Events.Writer.TryComplete();
        }
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    // Called under _lock: stores, bumps the resourceVersion, records and fans out the event.
    private void Commit(StubResource resource, string ns, string name, JsonObject obj, string type)
    {
        _rv++;
        ((JsonObject)obj["metadata"]!)["resourceVersion"] = _rv.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (type == "DELETED") _objects.Remove((resource.FullName, ns, name));
        else _objects[(resource.FullName, ns, name)] = obj;
        var line = new JsonObject { ["type"] = type, ["object"] = obj.DeepClone() }.ToJsonString();
        _history.Add((_rv, type, resource, ns, name, line));
        foreach (var w in _watchers)
        {
            if (w.Matches(resource, ns, name)) w.Events.Writer.TryWrite(line);
        }
    }

    private StubResource ResourceOf(JsonObject obj)
    {
        var apiVersion = (string?)obj["apiVersion"];
        var kind = (string?)obj["kind"];
        return _resources.FirstOrDefault(r => r.Kind == kind && r.Group == apiVersion?.Split('/')[0])
            ?? throw new ArgumentException($"the stub does not serve {kind} ({apiVersion})");
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        string body;
        using (var reader = new StreamReader(request.Body, Encoding.UTF8)) body = await reader.ReadToEndAsync();
        var clientCert = await context.Connection.GetClientCertificateAsync();
        var received = new StubRequest(request.Method, request.Path.Value ?? "", request.QueryString.Value ?? "", request.ContentType,
            request.Headers.Authorization.ToString() is { Length: > 0 } a ? a : null, clientCert?.Subject, body);
        Requests.Enqueue(received);
        if (request.Method == "PATCH") BeforePatch?.Invoke(received);

        if (RequiredToken is not null && request.Headers.Authorization.ToString() != $"Bearer {RequiredToken}")
        {
            await StatusAsync(context, 401, "Unauthorized", "Unauthorized");
            return;
        }

        var segments = (request.Path.Value ?? "").Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        switch (segments)
        {
            case ["version"]:
                await JsonAsync(context, 200, new JsonObject
                {
                    ["major"] = "1", ["minor"] = "32", ["gitVersion"] = "v1.32.0-gitops-stub", ["platform"] = "linux/amd64",
                });
                return;
            case ["api"]:
                await JsonAsync(context, 200, new JsonObject
                {
                    ["kind"] = "APIVersions",
                    ["versions"] = new JsonArray("v1"),
                    ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = Url.Authority }),
                });
                return;
            case ["api", "v1"]:
                await JsonAsync(context, 200, new JsonObject
                {
                    ["kind"] = "APIResourceList", ["groupVersion"] = "v1",
                    ["resources"] = new JsonArray(new JsonObject
                    {
                        ["name"] = "namespaces", ["singularName"] = "namespace", ["namespaced"] = false, ["kind"] = "Namespace",
                        ["verbs"] = new JsonArray("get", "list"), ["shortNames"] = new JsonArray("ns"),
                    }),
                });
                return;
            case ["api", "v1", "namespaces", var nsName] when request.Method == "GET":
                // A namespace exists when it is "default" or holds an object (kubectl checks after a NotFound).
                bool exists;
                lock (_lock) exists = nsName == "default" || _objects.Keys.Any(k => k.Ns == nsName);
                if (exists)
                    await JsonAsync(context, 200, new JsonObject
                    {
                        ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = nsName },
                        ["status"] = new JsonObject { ["phase"] = "Active" },
                    });
                else
                    await StatusAsync(context, 404, "NotFound", $"namespaces \"{nsName}\" not found");
                return;
            case ["apis"]:
                await JsonAsync(context, 200, new JsonObject
                {
                    ["kind"] = "APIGroupList", ["apiVersion"] = "v1",
                    ["groups"] = new JsonArray([.. _resources.GroupBy(r => r.Group).Select(g => (JsonNode)Group(g.Key))]),
                });
                return;
            case ["apis", var group] when _resources.Any(r => r.Group == group):
                await JsonAsync(context, 200, Group(group));
                return;
            case ["apis", var group, var version] when _resources.Any(r => r.Group == group && r.Version == version):
                await JsonAsync(context, 200, ResourceList(group, version));
                return;
            case ["apis", var group, var version, "namespaces", var ns, var plural, .. var rest]
                when _resources.FirstOrDefault(r => r.Group == group && r.Version == version && r.Plural == plural) is { } resource:
                await ResourceAsync(context, resource, Uri.UnescapeDataString(ns), rest, body);
                return;
            case ["apis", var group, var version, var plural]
                when _resources.FirstOrDefault(r => r.Group == group && r.Version == version && r.Plural == plural) is { } resource
                     && request.Method == "GET":
                await ListAsync(context, resource, null);
                return;
            default:
                await StatusAsync(context, 404, "NotFound", "the server could not find the requested resource");
                return;
        }
    }

    private async Task ResourceAsync(HttpContext context, StubResource resource, string ns, string[] rest, string body)
    {
        var method = context.Request.Method;
        var watch = context.Request.Query["watch"] is var w && (w == "true" || w == "1");
        var verb = (method, rest.Length) switch
        {
            ("GET", 0) => watch ? "watch" : "list",
            ("GET", _) => "get",
            ("PATCH", _) => "patch",
            ("DELETE", _) => "delete",
            _ => "unsupported",
        };
        if (TakeFault(verb) is { } fault)
        {
            var name = rest.Length > 0 ? Uri.UnescapeDataString(rest[0]) : null;
            var (reason, message) = fault switch
            {
                403 => ("Forbidden", $"{resource.FullName}{(name is null ? "" : $" \"{name}\"")} is forbidden: User \"system:serviceaccount:gitops:webhooks\" cannot {verb} resource \"{resource.Plural}\" in API group \"{resource.Group}\" in the namespace \"{ns}\""),
                409 => ("Conflict", $"Operation cannot be fulfilled on {resource.FullName} \"{name}\": the object has been modified; please apply your changes to the latest version and try again"),
                429 => ("TooManyRequests", "the server has received too many requests and has asked us to try again later"),
                _ => ("InternalError", "Internal error occurred: the stub was told to fail"),
            };
            await StatusAsync(context, fault, reason, message);
            return;
        }
        switch (verb)
        {
            case "list":
                await ListAsync(context, resource, ns);
                return;
            case "watch":
                await WatchAsync(context, resource, ns);
                return;
            case "get":
                if (rest.Length > 2 || (rest.Length == 2 && rest[1] != "status")) break;
                var found = Get(resource, ns, Uri.UnescapeDataString(rest[0]));
                if (found is null) await NotFoundAsync(context, resource, Uri.UnescapeDataString(rest[0]));
                else await JsonAsync(context, 200, found);
                return;
            case "patch":
                if (rest.Length > 2 || (rest.Length == 2 && rest[1] != "status")) break;
                await PatchAsync(context, resource, ns, Uri.UnescapeDataString(rest[0]), rest.Length == 2, body);
                return;
            case "delete":
                var key = (resource.FullName, ns, Uri.UnescapeDataString(rest[0]));
                JsonObject? deleted;
                lock (_lock)
                {
                    if (_objects.TryGetValue(key, out deleted))
                    {
                        deleted = (JsonObject)deleted.DeepClone();
                        Commit(resource, ns, key.Item3, deleted, "DELETED");
                    }
                }
                if (deleted is null) await NotFoundAsync(context, resource, key.Item3);
                else await JsonAsync(context, 200, deleted);
                return;
        }
        await StatusAsync(context, 405, "MethodNotAllowed", $"the server does not allow this method on the requested resource");
    }

    private async Task PatchAsync(HttpContext context, StubResource resource, string ns, string name, bool statusOnly, string body)
    {
        var contentType = context.Request.ContentType?.Split(';')[0].Trim();
        if (contentType != "application/merge-patch+json")
        {
            await StatusAsync(context, 415, "UnsupportedMediaType",
                $"the body of the request was in an unknown format - accepted media types include: application/merge-patch+json (got {contentType})");
            return;
        }
        JsonNode? patch;
        try
        {
            patch = JsonNode.Parse(body);
        }
        catch (JsonException e)
        {
            await StatusAsync(context, 400, "BadRequest", $"error decoding patch: {e.Message}");
            return;
        }
        if (patch is not JsonObject patchObject)
        {
            await StatusAsync(context, 400, "BadRequest", "a merge patch for an object must be a JSON object");
            return;
        }
        JsonObject result;
        lock (_lock)
        {
            if (!_objects.TryGetValue((resource.FullName, ns, name), out var current))
            {
                result = null!;
            }
            else
            {
                var wantedRv = (string?)(patchObject["metadata"] as JsonObject)?["resourceVersion"];
                var currentMeta = (JsonObject)current["metadata"]!;
                if (wantedRv is not null && wantedRv != (string?)currentMeta["resourceVersion"])
                {
                    result = new JsonObject { ["conflict"] = true };
                }
                else
                {
                    var merged = (JsonObject)MergePatch.Apply(current, patchObject)!;
                    var meta = merged["metadata"] as JsonObject ?? new JsonObject();
                    merged["metadata"] = meta;
                    foreach (var system in new[] { "name", "namespace", "uid", "creationTimestamp", "resourceVersion", "generation" })
                        meta[system] = currentMeta[system]?.DeepClone();
                    merged["apiVersion"] = current["apiVersion"]?.DeepClone();
                    merged["kind"] = current["kind"]?.DeepClone();
                    if (statusOnly)
                    {
                        var onlyStatus = (JsonObject)current.DeepClone();
                        onlyStatus["status"] = merged["status"]?.DeepClone();
                        merged = onlyStatus;
                    }
                    else if (resource.StatusSubresource)
                    {
                        merged["status"] = current["status"]?.DeepClone(); // status changes only through /status
                    }
                    if (JsonNode.DeepEquals(merged, current))
                    {
                        result = (JsonObject)current.DeepClone(); // a no-op writes nothing
                    }
                    else
                    {
                        if (!JsonNode.DeepEquals(Spec(merged), Spec(current)))
                            meta["generation"] = ((long?)currentMeta["generation"] ?? 1) + 1;
                        Commit(resource, ns, name, merged, "MODIFIED");
                        result = (JsonObject)merged.DeepClone();
                    }
                }
            }
        }
        if (result is null) await NotFoundAsync(context, resource, name);
        else if (result["conflict"] is not null)
            await StatusAsync(context, 409, "Conflict",
                $"Operation cannot be fulfilled on {resource.FullName} \"{name}\": the object has been modified; please apply your changes to the latest version and try again");
        else await JsonAsync(context, 200, result);
    }

    private static JsonObject Spec(JsonObject obj)
    {
        var copy = (JsonObject)obj.DeepClone();
        copy.Remove("metadata");
        copy.Remove("status");
        return copy;
    }

    private async Task ListAsync(HttpContext context, StubResource resource, string? ns)
    {
        var name = NameSelector(context);
        var labels = LabelSelector(context);
        JsonObject list;
        lock (_lock)
        {
            list = new JsonObject
            {
                ["apiVersion"] = resource.ApiVersion,
                ["kind"] = resource.Kind + "List",
                ["metadata"] = new JsonObject { ["resourceVersion"] = _rv.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                ["items"] = new JsonArray([.. _objects
                    .Where(kv => kv.Key.Resource == resource.FullName && (ns is null || kv.Key.Ns == ns) && (name is null || kv.Key.Name == name)
                                 && labels(kv.Value))
                    .OrderBy(kv => kv.Key.Ns, StringComparer.Ordinal).ThenBy(kv => kv.Key.Name, StringComparer.Ordinal)
                    .Select(kv => (JsonNode)kv.Value.DeepClone())]),
            };
        }
        await JsonAsync(context, 200, list);
    }

    private async Task WatchAsync(HttpContext context, StubResource resource, string ns)
    {
        var name = NameSelector(context);
        var from = context.Request.Query["resourceVersion"].ToString();
        var timeout = int.TryParse(context.Request.Query["timeoutSeconds"], out var t) ? TimeSpan.FromSeconds(t) : Timeout.InfiniteTimeSpan;
        var watcher = new Watcher(resource, ns, name);
        string? expired = null;
        lock (_lock)
        {
            if (from is "" or "0")
            {
                foreach (var (key, obj) in _objects.OrderBy(kv => kv.Key.Name, StringComparer.Ordinal))
                {
                    if (watcher.Matches(resource, key.Ns, key.Name) && key.Resource == resource.FullName)
                        watcher.Events.Writer.TryWrite(new JsonObject { ["type"] = "ADDED", ["object"] = obj.DeepClone() }.ToJsonString());
                }
            }
            else if (!long.TryParse(from, out var rv) || rv < _compactedThrough)
            {
                expired = $"too old resource version: {from} ({_compactedThrough + 1})";
            }
            else
            {
                foreach (var e in _history.Where(e => e.Rv > rv && watcher.Matches(e.Resource, e.Ns, e.Name)))
                    watcher.Events.Writer.TryWrite(e.Line);
            }
            if (expired is null) _watchers.Add(watcher);
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        if (expired is not null)
        {
            var status = StatusObject(410, "Expired", expired);
            await context.Response.WriteAsync(new JsonObject { ["type"] = "ERROR", ["object"] = status }.ToJsonString() + "\n");
            return;
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        stop.CancelAfter(timeout);
        var sent = 0;
        try
        {
            await context.Response.StartAsync(stop.Token);
            await foreach (var line in watcher.Events.Reader.ReadAllAsync(stop.Token))
            {
                await context.Response.WriteAsync(line + "\n", stop.Token);
                await context.Response.Body.FlushAsync(stop.Token);
                if (CloseWatchesAfterEvents is { } max && ++sent >= max) break;
            }
        }
        catch (OperationCanceledException) { }
        finally
        {
            lock (_lock) _watchers.Remove(watcher);
        }
    }

    private static string? NameSelector(HttpContext context)
    {
        var selector = context.Request.Query["fieldSelector"].ToString();
        return selector.StartsWith("metadata.name=", StringComparison.Ordinal) ? selector["metadata.name=".Length..] : null;
    }

    /// <summary>Equality-based label selectors: <c>a=b</c>, <c>a==b</c>, <c>a!=b</c>, <c>a</c>, <c>!a</c>, comma-separated (all must hold).</summary>
    private static Func<JsonObject, bool> LabelSelector(HttpContext context)
    {
        var selector = context.Request.Query["labelSelector"].ToString();
        if (selector.Length == 0) return _ => true;
        var requirements = selector.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(r =>
        {
            if (r.Contains("!=", StringComparison.Ordinal))
            {
                var (k, v) = (r[..r.IndexOf("!=", StringComparison.Ordinal)], r[(r.IndexOf("!=", StringComparison.Ordinal) + 2)..]);
                return (Func<IDictionary<string, string?>, bool>)(l => !l.TryGetValue(k, out var x) || x != v);
            }
            if (r.Contains('=', StringComparison.Ordinal))
            {
                var parts = r.Split('=', 2);
                var (k, v) = (parts[0], parts[1].TrimStart('='));
                return l => l.TryGetValue(k, out var x) && x == v;
            }
            if (r.StartsWith('!')) return l => !l.ContainsKey(r[1..]);
            return l => l.ContainsKey(r);
        }).ToList();
        return obj =>
        {
            var labels = (obj["metadata"]?["labels"] as JsonObject)?.ToDictionary(kv => kv.Key, kv => kv.Value?.ToString())
                ?? new Dictionary<string, string?>();
            return requirements.All(req => req(labels));
        };
    }

    private int? TakeFault(string verb)
    {
        lock (_lock)
        {
            if (_fault is not { } f || (f.Verb is not null && f.Verb != verb)) return null;
            _fault = f.Remaining <= 1 ? null : f with { Remaining = f.Remaining - 1 };
            return f.Status;
        }
    }

    private JsonObject Group(string group) => new()
    {
        ["kind"] = "APIGroup", ["apiVersion"] = "v1", ["name"] = group,
        ["versions"] = new JsonArray([.. _resources.Where(r => r.Group == group).Select(r => r.Version).Distinct()
            .Select(v => (JsonNode)new JsonObject { ["groupVersion"] = $"{group}/{v}", ["version"] = v })]),
        ["preferredVersion"] = new JsonObject
        {
            ["groupVersion"] = $"{group}/{_resources.First(r => r.Group == group).Version}",
            ["version"] = _resources.First(r => r.Group == group).Version,
        },
    };

    private JsonObject ResourceList(string group, string version)
    {
        var resources = new JsonArray();
        foreach (var r in _resources.Where(r => r.Group == group && r.Version == version))
        {
            resources.Add(new JsonObject
            {
                ["name"] = r.Plural, ["singularName"] = r.Singular, ["namespaced"] = true, ["kind"] = r.Kind,
                ["verbs"] = new JsonArray("delete", "get", "list", "patch", "watch"),
                ["shortNames"] = new JsonArray([.. r.ShortNames.Select(s => (JsonNode)s)]),
            });
            if (r.StatusSubresource)
                resources.Add(new JsonObject
                {
                    ["name"] = r.Plural + "/status", ["singularName"] = "", ["namespaced"] = true, ["kind"] = r.Kind,
                    ["verbs"] = new JsonArray("get", "patch"),
                });
        }
        return new JsonObject { ["kind"] = "APIResourceList", ["apiVersion"] = "v1", ["groupVersion"] = $"{group}/{version}", ["resources"] = resources };
    }

    private static Task NotFoundAsync(HttpContext context, StubResource resource, string name) =>
        StatusAsync(context, 404, "NotFound", $"{resource.FullName} \"{name}\" not found", name, resource);

    private static JsonObject StatusObject(int code, string reason, string message, string? name = null, StubResource? resource = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(),
            ["status"] = "Failure", ["message"] = message, ["reason"] = reason, ["code"] = code,
        };
        if (name is not null && resource is not null)
            status["details"] = new JsonObject { ["name"] = name, ["group"] = resource.Group, ["kind"] = resource.Plural };
        return status;
    }

    private static Task StatusAsync(HttpContext context, int code, string reason, string message, string? name = null, StubResource? resource = null) =>
        JsonAsync(context, code, StatusObject(code, reason, message, name, resource));

    private static async Task JsonAsync(HttpContext context, int code, JsonNode body)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString());
    }

    private static (X509Certificate2 Ca, X509Certificate2 Server) IssueCertificates()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=gitops-stub-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var now = DateTimeOffset.UtcNow;
        var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        serverRequest.CertificateExtensions.Add(san.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var issued = serverRequest.Create(ca, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(8));
        var server = X509CertificateLoader.LoadPkcs12(issued.CopyWithPrivateKey(serverKey).Export(X509ContentType.Pkcs12), null);
        return (ca, server);
    }

    private sealed class Watcher(StubResource resource, string ns, string? name)
    {
        public Channel<string> Events { get; } = Channel.CreateUnbounded<string>();

        public bool Matches(StubResource r, string n, string objectName) =>
            r.FullName == resource.FullName && n == ns && (name is null || name == objectName);
    }
}
