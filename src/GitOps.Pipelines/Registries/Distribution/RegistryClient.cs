using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GitOps.Pipelines.Oci;

namespace GitOps.Pipelines.Registries.Distribution;

/// <summary>
/// The OCI Distribution client over <see cref="HttpClient"/>. Auth: anonymous until the registry answers 401;
/// then Basic, or a Bearer token from the challenge's realm (one token per scope, cached until shortly before
/// it expires), and the request is sent once more. Retries 429 and 5xx with backoff, honouring <c>Retry-After</c>.
/// Error messages name the registry, the URL (without query) and the user, never a secret.
/// </summary>
public sealed class RegistryClient : IRegistryClient, IDisposable
{
    private static readonly string[] ManifestAccept =
        [MediaTypes.ImageIndex, MediaTypes.ImageManifest, MediaTypes.DockerManifestList, MediaTypes.DockerManifest];

    private readonly HttpClient _http;
    private readonly RegistryClientOptions _options;
    private readonly ConcurrentDictionary<string, (string Token, DateTimeOffset Expires)> _tokens = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _authLock = new(1, 1);
    private Uri? _base;
    private AuthChallenge? _bearer;
    private bool _basic;
    private RegistryCredential? _credential;
    private bool _credentialLooked;
    private (string Token, DateTimeOffset Expires)? _acrRefresh;

    /// <summary>A client of <paramref name="registry"/> (host and optional port, e.g. <c>ghcr.io</c>).</summary>
    public RegistryClient(string registry, RegistryClientOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(registry);
        Registry = registry;
        _options = options ?? new RegistryClientOptions();
        var insecure = _options.IsInsecure(registry);
        var handler = new HttpClientHandler { AllowAutoRedirect = true };
        // The handler drops Authorization on redirects, so a blob redirect to a CDN never carries our credentials.
        if (insecure) handler.ServerCertificateCustomValidationCallback = (_, _, _, _) => true;
        HttpMessageHandler outer = _options.WrapHandler is { } wrap ? wrap(handler) : handler;
        _http = new HttpClient(outer) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("gitops-pipelines", "0.1"));
    }

    /// <inheritdoc />
    public string Registry { get; }

    /// <summary>The host requests go to: Docker Hub's <c>docker.io</c> is served by <c>registry-1.docker.io</c>.</summary>
    private string Endpoint => Registry is "docker.io" or "index.docker.io" ? "registry-1.docker.io" : Registry;

    /// <inheritdoc />
    public async Task PingAsync(CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(b => new HttpRequestMessage(HttpMethod.Get, new Uri(b, "/v2/")), "", cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK) throw await FailAsync(response, "ping", cancellationToken);
    }

    /// <inheritdoc />
    public async Task<TagPage> ListTagsPageAsync(string repository, int? pageSize = null, string? last = null, Uri? next = null,
        CancellationToken cancellationToken = default)
    {
        var query = new List<string>();
        if (pageSize is { } n) query.Add("n=" + n);
        if (last is not null) query.Add("last=" + Uri.EscapeDataString(last));
        var path = $"/v2/{repository}/tags/list" + (query.Count > 0 ? "?" + string.Join('&', query) : "");
        // Our credentials go to the registry only: a next link elsewhere is not followed.
        if (next is not null && next.IsAbsoluteUri && !string.Equals(next.Authority, (await BaseAsync(cancellationToken)).Authority, StringComparison.OrdinalIgnoreCase))
            throw new RegistryException($"registry {Registry} linked the next tags page to another host ({Clean(next)}); not followed",
                null, Clean(next), []);
        using var response = await SendAsync(b => new HttpRequestMessage(HttpMethod.Get, next is null ? new Uri(b, path) : new Uri(b, next)),
            PullScope(repository), cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK) throw await FailAsync(response, $"list tags of {repository}", cancellationToken);
        var list = await ReadJsonAsync(response, RegistryJson.Default.TagList, cancellationToken);
        return new TagPage(list?.Tags ?? [], NextLink(response));
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> ListTagsAsync(string repository, int? pageSize = null, CancellationToken cancellationToken = default)
    {
        var all = new List<string>();
        var page = await ListTagsPageAsync(repository, pageSize, cancellationToken: cancellationToken);
        all.AddRange(page.Tags);
        var seen = new HashSet<Uri>();
        while (page.Next is { } next && seen.Add(next))
        {
            page = await ListTagsPageAsync(repository, next: next, cancellationToken: cancellationToken);
            all.AddRange(page.Tags);
        }
        return all;
    }

    /// <inheritdoc />
    public async Task<OciDescriptor?> HeadManifestAsync(string repository, string reference, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(b => ManifestRequest(HttpMethod.Head, b, repository, reference), PullScope(repository), cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        if (response.StatusCode != HttpStatusCode.OK) throw await FailAsync(response, $"check manifest {repository}:{reference}", cancellationToken);
        var digest = Header(response, "Docker-Content-Digest");
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (digest is null || mediaType is null)
        {
            // No digest on HEAD (allowed by the spec): fetch the bytes and hash them.
            var content = await GetManifestAsync(repository, reference, cancellationToken);
            return new OciDescriptor(content.MediaType, content.Digest, content.Bytes.Length);
        }
        return new OciDescriptor(mediaType, digest, response.Content.Headers.ContentLength ?? -1);
    }

    /// <inheritdoc />
    public async Task<ManifestContent> GetManifestAsync(string repository, string reference, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(b => ManifestRequest(HttpMethod.Get, b, repository, reference), PullScope(repository), cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK) throw await FailAsync(response, $"get manifest {repository}:{reference}", cancellationToken);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var computed = Sha256(bytes);
        var sent = Header(response, "Docker-Content-Digest");
        if (reference.Contains(':', StringComparison.Ordinal) && reference != computed)
            throw new RegistryException($"registry {Registry} sent manifest {repository}@{reference} whose bytes hash to {computed}",
                response.StatusCode, Clean(response.RequestMessage?.RequestUri), [RegistryErrorCodes.DigestInvalid]);
        var mediaType = response.Content.Headers.ContentType?.MediaType ?? MediaTypeField(bytes) ?? MediaTypes.ImageManifest;
        if (sent is not null && sent.StartsWith("sha256:", StringComparison.Ordinal) && sent != computed)
            throw new RegistryException($"registry {Registry} sent manifest {repository}:{reference} as {sent}, its bytes hash to {computed}",
                response.StatusCode, Clean(response.RequestMessage?.RequestUri), [RegistryErrorCodes.DigestInvalid]);
        return new ManifestContent(bytes, mediaType, sent is not null && !sent.StartsWith("sha256:", StringComparison.Ordinal) ? sent : computed);
    }

    /// <inheritdoc />
    public async Task<string> PutManifestAsync(string repository, string reference, byte[] manifest, string mediaType,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var digest = Sha256(manifest);
        using var response = await SendAsync(b =>
        {
            var request = new HttpRequestMessage(HttpMethod.Put, new Uri(b, $"/v2/{repository}/manifests/{reference}"))
            {
                Content = new ByteArrayContent(manifest),
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
            return request;
        }, PushScope(repository), cancellationToken);
        if (response.StatusCode != HttpStatusCode.Created) throw await FailAsync(response, $"put manifest {repository}:{reference}", cancellationToken);
        if (Header(response, "Docker-Content-Digest") is { } stored && stored != digest)
            throw new RegistryException($"registry {Registry} stored manifest {repository}:{reference} as {stored}, we sent {digest}",
                response.StatusCode, Clean(response.RequestMessage?.RequestUri), [RegistryErrorCodes.DigestInvalid]);
        return digest;
    }

    /// <inheritdoc />
    public async Task<long?> HeadBlobAsync(string repository, string digest, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(b => new HttpRequestMessage(HttpMethod.Head, new Uri(b, $"/v2/{repository}/blobs/{digest}")),
            PullScope(repository), cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        if (response.StatusCode != HttpStatusCode.OK) throw await FailAsync(response, $"check blob {repository}@{digest}", cancellationToken);
        return response.Content.Headers.ContentLength;
    }

    /// <inheritdoc />
    public async Task<Stream> GetBlobAsync(string repository, string digest, CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(b => new HttpRequestMessage(HttpMethod.Get, new Uri(b, $"/v2/{repository}/blobs/{digest}")),
            PullScope(repository), cancellationToken, HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            using (response) throw await FailAsync(response, $"get blob {repository}@{digest}", cancellationToken);
        }
        return await response.Content.ReadAsStreamAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> MountBlobAsync(string repository, string digest, string fromRepository, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(b => new HttpRequestMessage(HttpMethod.Post,
                new Uri(b, $"/v2/{repository}/blobs/uploads/?mount={Uri.EscapeDataString(digest)}&from={Uri.EscapeDataString(fromRepository)}")),
            PushScope(repository) + " " + PullScope(fromRepository), cancellationToken);
        return response.StatusCode switch
        {
            HttpStatusCode.Created => true,
            HttpStatusCode.Accepted => false,
            _ => throw await FailAsync(response, $"mount blob {digest} from {fromRepository} into {repository}", cancellationToken),
        };
    }

    /// <inheritdoc />
    public async Task UploadBlobAsync(string repository, string digest, long size, Func<Stream> open, int? chunkSize = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(open);
        if (chunkSize is <= 0) throw new ArgumentOutOfRangeException(nameof(chunkSize), "a chunk holds at least one byte");
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await UploadOnceAsync(repository, digest, size, open, chunkSize, cancellationToken);
                return;
            }
            catch (RegistryException e) when (e.Status is null && attempt < _options.MaxAttempts)
            {
                // The connection dropped mid-upload: the session may hold part of the bytes, so start a new one.
                await Task.Delay(Backoff(attempt), cancellationToken);
            }
        }
    }

    private async Task UploadOnceAsync(string repository, string digest, long size, Func<Stream> open, int? chunkSize,
        CancellationToken cancellationToken)
    {
        var scope = PushScope(repository);
        var location = await StartUploadAsync(repository, scope, cancellationToken);
        if (chunkSize is { } chunk)
        {
            await using var content = open();
            var buffer = new byte[(int)Math.Min(chunk, Math.Max(size, 1))];
            long offset = 0;
            while (offset < size)
            {
                var length = await content.ReadAtLeastAsync(buffer, (int)Math.Min(buffer.Length, size - offset), throwOnEndOfStream: false, cancellationToken);
                if (length == 0) break;
                var start = offset;
                var at = location;
                using var response = await SendAsync(_ =>
                {
                    var request = new HttpRequestMessage(HttpMethod.Patch, at) { Content = new ByteArrayContent(buffer, 0, length) };
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                    request.Content.Headers.TryAddWithoutValidation("Content-Range", $"{start}-{start + length - 1}");
                    return request;
                }, scope, cancellationToken, retryTransport: false);
                if (response.StatusCode != HttpStatusCode.Accepted)
                    throw await FailAsync(response, $"upload chunk {start}-{start + length - 1} of {digest} to {repository}", cancellationToken);
                location = LocationOf(response) ?? location;
                offset += length;
            }
            if (offset != size)
                throw new GitOpsException($"blob {digest} ended after {offset} bytes, its descriptor says {size}");
            using var done = await SendAsync(_ => new HttpRequestMessage(HttpMethod.Put, WithDigest(location, digest)), scope, cancellationToken);
            if (done.StatusCode != HttpStatusCode.Created) throw await FailAsync(done, $"finish upload of {digest} to {repository}", cancellationToken);
            return;
        }
        using var put = await SendAsync(_ =>
        {
            var request = new HttpRequestMessage(HttpMethod.Put, WithDigest(location, digest)) { Content = new StreamContent(open()) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            request.Content.Headers.ContentLength = size;
            return request;
        }, scope, cancellationToken, retryTransport: false);
        if (put.StatusCode != HttpStatusCode.Created) throw await FailAsync(put, $"upload blob {digest} to {repository}", cancellationToken);
    }

    private async Task<Uri> StartUploadAsync(string repository, string scope, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(b => new HttpRequestMessage(HttpMethod.Post, new Uri(b, $"/v2/{repository}/blobs/uploads/")),
            scope, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Accepted) throw await FailAsync(response, $"start upload to {repository}", cancellationToken);
        return LocationOf(response)
            ?? throw new RegistryException($"registry {Registry} started an upload to {repository} without a Location",
                response.StatusCode, Clean(response.RequestMessage?.RequestUri), []);
    }

    private static Uri WithDigest(Uri location, string digest) =>
        new(location + (location.Query.Length > 0 ? "&" : "?") + "digest=" + Uri.EscapeDataString(digest));

    private static Uri? LocationOf(HttpResponseMessage response)
    {
        var location = response.Headers.Location;
        if (location is null) return null;
        return location.IsAbsoluteUri ? location : new Uri(response.RequestMessage!.RequestUri!, location);
    }

    private static HttpRequestMessage ManifestRequest(HttpMethod method, Uri baseUri, string repository, string reference)
    {
        var request = new HttpRequestMessage(method, new Uri(baseUri, $"/v2/{repository}/manifests/{reference}"));
        foreach (var type in ManifestAccept) request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
        return request;
    }

    private static string PullScope(string repository) => $"repository:{repository}:pull";

    private static string PushScope(string repository) => $"repository:{repository}:pull,push";

    // ---------------------------------------------------------------- transport: scheme, auth, retries

    private async Task<Uri> BaseAsync(CancellationToken cancellationToken)
    {
        if (_base is not null) return _base;
        var https = new Uri($"https://{Endpoint}/");
        if (!_options.IsInsecure(Registry)) return _base = https;
        try
        {
            using var probe = new HttpRequestMessage(HttpMethod.Get, new Uri(https, "/v2/"));
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            using var _ = await _http.SendAsync(probe, timeout.Token);
            return _base = https;
        }
        catch (HttpRequestException e) when (e.InnerException is not SocketException { SocketErrorCode: SocketError.HostNotFound })
        {
            // An insecure registry that does not speak TLS: plain HTTP, as docker does for insecure registries.
            return _base = new Uri($"http://{Endpoint}/");
        }
        catch (HttpRequestException e)
        {
            throw Unreachable(https, e);
        }
    }

    private RegistryException Unreachable(Uri url, Exception e) =>
        new($"cannot reach registry {Registry} ({Clean(url)}): {e.Message}", null, Clean(url), [], ExitCode.Failure, e);

    /// <summary>Sends the request <paramref name="make"/> builds (again for each retry), authenticating for <paramref name="scope"/>.</summary>
    /// <remarks>With <paramref name="retryTransport"/> false a dropped connection is not retried here (an upload
    /// session may then hold part of the bytes; the caller starts over).</remarks>
    private async Task<HttpResponseMessage> SendAsync(Func<Uri, HttpRequestMessage> make, string scope, CancellationToken cancellationToken,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead, bool retryTransport = true)
    {
        var baseUri = await BaseAsync(cancellationToken);
        var authenticated = false;
        for (var attempt = 1; ; attempt++)
        {
            using var request = make(baseUri);
            await AuthorizeAsync(request, scope, cancellationToken);
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, completion, cancellationToken);
            }
            catch (HttpRequestException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData })
            {
                throw Unreachable(request.RequestUri!, e);
            }
            catch (HttpRequestException) when (retryTransport && attempt < _options.MaxAttempts)
            {
                await Task.Delay(Backoff(attempt), cancellationToken);
                continue;
            }
            catch (HttpRequestException e)
            {
                throw Unreachable(request.RequestUri!, e);
            }

            if (response.StatusCode == HttpStatusCode.Unauthorized && !authenticated)
            {
                authenticated = true;
                var challenges = AuthChallenge.Parse(response.Headers.WwwAuthenticate.Select(h => h.ToString()));
                if (await AuthenticateAsync(challenges, scope, request.Headers.Authorization, response, cancellationToken))
                {
                    response.Dispose();
                    attempt--;
                    continue;
                }
                return response;
            }
            if (IsTransient(response.StatusCode) && attempt < _options.MaxAttempts)
            {
                var delay = RetryAfter(response) ?? Backoff(attempt);
                response.Dispose();
                await Task.Delay(delay, cancellationToken);
                continue;
            }
            return response;
        }
    }

    private static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway
            or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;

    private TimeSpan Backoff(int attempt) => _options.RetryDelay * Math.Pow(2, attempt - 1);

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        TimeSpan? wait = header?.Delta ?? (header?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        if (wait is null) return null;
        if (wait < TimeSpan.Zero) return TimeSpan.Zero;
        return wait > _options.MaxRetryAfter ? _options.MaxRetryAfter : wait;
    }

    private RegistryCredential? Credential
    {
        get
        {
            if (!_credentialLooked)
            {
                _credential = _options.Credentials.Find(Registry);
                _credentialLooked = true;
            }
            return _credential;
        }
    }

    private async Task AuthorizeAsync(HttpRequestMessage request, string scope, CancellationToken cancellationToken)
    {
        // Only to the registry itself: never to another host (a redirect target or a token realm elsewhere).
        if (_bearer is not null)
        {
            var token = await TokenAsync(_bearer, scope, cancellationToken);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        else if (_basic && Credential is { } c)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", BasicValue(c));
        }
    }

    private static string BasicValue(RegistryCredential c) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{c.Username}:{c.Secret}"));

    /// <summary>Handles a 401: true when the request should be sent again with new authorization.</summary>
    private async Task<bool> AuthenticateAsync(IReadOnlyList<AuthChallenge> challenges, string scope, AuthenticationHeaderValue? sent,
        HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var bearer = challenges.FirstOrDefault(c => c.Scheme == "bearer" && c["realm"] is not null);
        if (bearer is not null)
        {
            // The challenge's scope may name more than ours (e.g. a mount's source); ask for both.
            var wanted = string.Join(' ', (scope + " " + (bearer["scope"] ?? "")).Split(' ', StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal));
            _tokens.TryRemove(TokenKey(bearer, wanted), out _);
            _bearer = bearer;
            await TokenAsync(bearer, wanted, cancellationToken, cacheAs: scope);
            return true;
        }
        if (challenges.Any(c => c.Scheme == "basic") || challenges.Count == 0)
        {
            // Refused although we sent Basic: the credentials are wrong (the caller reports it).
            if (sent?.Scheme == "Basic") return false;
            if (Credential is null)
                throw new RegistryException($"registry {Registry} needs credentials and none were found for it " +
                    $"(docker login {Registry}, or auths in {_options.Credentials.DockerConfigPath})",
                    response.StatusCode, Clean(response.RequestMessage?.RequestUri), [RegistryErrorCodes.Unauthorized]);
            _basic = true;
            return true;
        }
        return false;
    }

    private static string TokenKey(AuthChallenge challenge, string scope) => $"{challenge["realm"]}|{challenge["service"]}|{scope}";

    private async Task<string> TokenAsync(AuthChallenge challenge, string scope, CancellationToken cancellationToken, string? cacheAs = null)
    {
        var key = TokenKey(challenge, cacheAs ?? scope);
        if (_tokens.TryGetValue(key, out var cached) && cached.Expires > DateTimeOffset.UtcNow) return cached.Token;
        await _authLock.WaitAsync(cancellationToken);
        try
        {
            if (_tokens.TryGetValue(key, out cached) && cached.Expires > DateTimeOffset.UtcNow) return cached.Token;
            var realm = new Uri(challenge["realm"]!);
            using var request = await TokenRequestAsync(challenge, realm, scope, cancellationToken);
            HttpResponseMessage response;
            try { response = await _http.SendAsync(request, cancellationToken); }
            catch (HttpRequestException e) { throw Unreachable(realm, e); }
            using (response)
            {
                if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden && Credential is null && _acrRefresh is not null)
                    throw new RegistryException($"registry {Registry} refused the ACR refresh token exchanged for the Azure identity's token: " +
                            $"token server {Clean(realm)} answered {(int)response.StatusCode} (does the identity have AcrPull/AcrPush on {Registry}?)",
                        response.StatusCode, Clean(realm), [RegistryErrorCodes.Unauthorized]);
                if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                    throw new RegistryException(Credential is { } who
                            ? $"registry {Registry} refused the credentials of user '{who.Username}' (from {who.Source}): token server {Clean(realm)} answered {(int)response.StatusCode}"
                            : $"registry {Registry} needs credentials and none were found for it (docker login {Registry}, or auths in {_options.Credentials.DockerConfigPath})",
                        response.StatusCode, Clean(realm), [RegistryErrorCodes.Unauthorized]);
                if (response.StatusCode != HttpStatusCode.OK) throw await FailAsync(response, "get a token", cancellationToken);
                var body = await ReadJsonAsync(response, RegistryJson.Default.TokenResponse, cancellationToken);
                var token = body?.Token is { Length: > 0 } t ? t : body?.AccessToken is { Length: > 0 } a ? a
                    : throw new RegistryException($"token server {Clean(realm)} for registry {Registry} answered without a token",
                        response.StatusCode, Clean(realm), []);
                var lifetime = TimeSpan.FromSeconds(body!.ExpiresIn is int e and > 0 ? e : 60);
                var issued = DateTimeOffset.TryParse(body.IssuedAt, out var at) ? at : DateTimeOffset.UtcNow;
                // Renew a little early so a token never expires on the wire.
                _tokens[key] = (token, issued + lifetime - TimeSpan.FromSeconds(Math.Min(10, lifetime.TotalSeconds / 2)));
                return token;
            }
        }
        finally
        {
            _authLock.Release();
        }
    }

    /// <summary>
    /// The token request for <paramref name="scope"/>: an OAuth2 <c>grant_type=refresh_token</c> POST when we hold a
    /// refresh token (Docker config <c>identitytoken</c>, or ACR's from <c>/oauth2/exchange</c>); otherwise distribution's
    /// GET with <c>service</c> and <c>scope</c>, with the credentials as Basic when there are any.
    /// </summary>
    private async Task<HttpRequestMessage> TokenRequestAsync(AuthChallenge challenge, Uri realm, string scope, CancellationToken cancellationToken)
    {
        var refresh = Credential is { IsIdentityToken: true } identity ? identity.Secret
            : Credential is null && _options.IsAzureRegistry(Registry) ? await AcrRefreshTokenAsync(challenge, realm, cancellationToken)
            : null;
        if (refresh is not null)
        {
            var form = new List<KeyValuePair<string, string>> { new("grant_type", "refresh_token") };
            if (challenge["service"] is { } svc) form.Add(new("service", svc));
            foreach (var s in scope.Split(' ', StringSplitOptions.RemoveEmptyEntries)) form.Add(new("scope", s));
            form.Add(new("refresh_token", refresh));
            form.Add(new("client_id", "gitops-pipelines"));
            return new HttpRequestMessage(HttpMethod.Post, realm) { Content = new FormUrlEncodedContent(form) };
        }
        var query = new List<string>();
        if (challenge["service"] is { } service) query.Add("service=" + Uri.EscapeDataString(service));
        foreach (var s in scope.Split(' ', StringSplitOptions.RemoveEmptyEntries)) query.Add("scope=" + Uri.EscapeDataString(s));
        var request = new HttpRequestMessage(HttpMethod.Get, new UriBuilder(realm) { Query = string.Join('&', query) }.Uri);
        if (Credential is { } c) request.Headers.Authorization = new AuthenticationHeaderValue("Basic", BasicValue(c));
        return request;
    }

    /// <summary>The scope of the Azure AD token ACR exchanges.</summary>
    internal const string AcrAadScope = "https://containerregistry.azure.net/.default";

    /// <summary>
    /// ACR: an Azure AD access token from the Azure.Identity credential, exchanged at <c>/oauth2/exchange</c> on the token
    /// realm's host (the registry itself on ACR) with <c>grant_type=access_token</c>, <c>service</c>, <c>access_token</c>
    /// (and <c>tenant</c> when configured) for an ACR refresh token; kept until the AAD token expires.
    /// Called under the auth lock.
    /// </summary>
    private async Task<string> AcrRefreshTokenAsync(AuthChallenge challenge, Uri realm, CancellationToken cancellationToken)
    {
        if (_acrRefresh is { } held && held.Expires > DateTimeOffset.UtcNow) return held.Token;
        var credential = _options.AzureCredential ?? new Azure.Identity.DefaultAzureCredential();
        Azure.Core.AccessToken aad;
        try
        {
            aad = await credential.GetTokenAsync(new Azure.Core.TokenRequestContext([AcrAadScope], tenantId: _options.AzureTenant), cancellationToken);
        }
        catch (Azure.Identity.AuthenticationFailedException e)
        {
            throw new RegistryException($"registry {Registry} is an Azure Container Registry and no credential was found for it: " +
                $"neither the Docker config (az acr login) nor an Azure identity ({e.Message.Split('\n', 2)[0].Trim()})",
                HttpStatusCode.Unauthorized, Clean(realm), [RegistryErrorCodes.Unauthorized], ExitCode.Failure, e);
        }
        var exchange = new Uri(realm, "/oauth2/exchange");
        var form = new List<KeyValuePair<string, string>> { new("grant_type", "access_token") };
        form.Add(new("service", challenge["service"] ?? Registry));
        if (_options.AzureTenant is { Length: > 0 } tenant) form.Add(new("tenant", tenant));
        form.Add(new("access_token", aad.Token));
        using var request = new HttpRequestMessage(HttpMethod.Post, exchange) { Content = new FormUrlEncodedContent(form) };
        HttpResponseMessage response;
        try { response = await _http.SendAsync(request, cancellationToken); }
        catch (HttpRequestException e) { throw Unreachable(exchange, e); }
        using (response)
        {
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                throw new RegistryException($"registry {Registry} refused the Azure identity's token at {Clean(exchange)} ({(int)response.StatusCode}): " +
                    "is it an identity of the registry's tenant, with a role on it?", response.StatusCode, Clean(exchange), [RegistryErrorCodes.Unauthorized]);
            if (response.StatusCode != HttpStatusCode.OK) throw await FailAsync(response, "exchange the Azure identity's token", cancellationToken);
            var body = await ReadJsonAsync(response, RegistryJson.Default.AcrExchangeResponse, cancellationToken);
            var refresh = body?.RefreshToken is { Length: > 0 } r ? r
                : throw new RegistryException($"{Clean(exchange)} for registry {Registry} answered without a refresh_token", response.StatusCode, Clean(exchange), []);
            _acrRefresh = (refresh, aad.ExpiresOn - TimeSpan.FromMinutes(1));
            return refresh;
        }
    }

    // ---------------------------------------------------------------- errors

    /// <summary>The exception for an unexpected answer: status, URL (query dropped), the registry's codes and messages.</summary>
    private async Task<RegistryException> FailAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        var url = Clean(response.RequestMessage?.RequestUri);
        var entries = new List<RegistryErrorEntry>();
        if (response.RequestMessage?.Method != HttpMethod.Head)
        {
            try
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                if (text.Length > 0 && text.TrimStart().StartsWith('{'))
                    entries.AddRange(JsonSerializer.Deserialize(text, RegistryJson.Default.RegistryErrorBody)?.Errors ?? []);
            }
            catch (JsonException) { }
        }
        var codes = entries.Select(e => e.Code).OfType<string>().ToList();
        if (codes.Count == 0)
        {
            // HEAD answers carry no body: name the usual code for the status.
            codes.AddRange(response.StatusCode switch
            {
                HttpStatusCode.Unauthorized => [RegistryErrorCodes.Unauthorized],
                HttpStatusCode.Forbidden => [RegistryErrorCodes.Denied],
                HttpStatusCode.TooManyRequests => [RegistryErrorCodes.TooManyRequests],
                _ => Array.Empty<string>(),
            });
        }
        var detail = entries.Count > 0
            ? ": " + string.Join("; ", entries.Select(e => e.Message is { Length: > 0 } m ? $"{e.Code} {m}" : e.Code))
            : codes.Count > 0 ? ": " + string.Join("; ", codes) : "";
        var who = response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
            ? Credential is { } c ? $" as user '{c.Username}' (from {c.Source})" : " anonymously (no credentials found)"
            : "";
        var code = response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest or HttpStatusCode.UnsupportedMediaType
            ? ExitCode.InvalidInput : ExitCode.Failure;
        return new RegistryException(
            $"registry {Registry}: {what}{who} failed with {(int)response.StatusCode} {response.ReasonPhrase} ({url}){detail}",
            response.StatusCode, url, codes, code);
    }

    /// <summary>The URL without query or user info (upload locations carry session state in the query).</summary>
    private static Uri? Clean(Uri? url) => url is null ? null : new Uri(url.GetLeftPart(UriPartial.Path));

    // ---------------------------------------------------------------- helpers

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static Uri? NextLink(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Link", out var links)) return null;
        foreach (var link in links.SelectMany(l => l.Split(',')))
        {
            var parts = link.Split(';');
            var target = parts[0].Trim();
            if (!target.StartsWith('<') || !target.EndsWith('>')) continue;
            if (!parts.Skip(1).Any(p => p.Replace(" ", "", StringComparison.Ordinal).Equals("rel=\"next\"", StringComparison.OrdinalIgnoreCase)
                    || p.Replace(" ", "", StringComparison.Ordinal).Equals("rel=next", StringComparison.OrdinalIgnoreCase)))
                continue;
            var uri = new Uri(target[1..^1], UriKind.RelativeOrAbsolute);
            return uri.IsAbsoluteUri ? uri : new Uri(response.RequestMessage!.RequestUri!, uri);
        }
        return null;
    }

    private static async Task<T?> ReadJsonAsync<T>(HttpResponseMessage response, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type,
        CancellationToken cancellationToken)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        try
        {
            return JsonSerializer.Deserialize(bytes, type);
        }
        catch (JsonException e)
        {
            throw new GitOpsException($"{Clean(response.RequestMessage?.RequestUri)} answered with invalid JSON: {e.Message}", ExitCode.Failure, e);
        }
    }

    private static string? MediaTypeField(byte[] manifest)
    {
        try
        {
            using var doc = JsonDocument.Parse(manifest);
            return doc.RootElement.TryGetProperty("mediaType", out var m) ? m.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The sha256 digest of <paramref name="bytes"/>.</summary>
    internal static string Sha256(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <inheritdoc />
    public void Dispose()
    {
        _http.Dispose();
        _authLock.Dispose();
    }
}
