using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;

namespace GitOps.Pipelines.Forges;

/// <summary>How a forge connection waits out rate limits. Tests inject the clock and the delay so nothing sleeps.</summary>
public sealed record ForgeRetryOptions
{
    /// <summary>Retries after a rate-limited answer before giving up.</summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>The longest single wait; a limit that resets later fails at once with <see cref="ForgeRateLimitException"/>.</summary>
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>The wait for a secondary limit that names no time (doubled on each retry): GitHub says at least a minute.</summary>
    public TimeSpan SecondaryWait { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The clock used to turn <c>x-ratelimit-reset</c> into a wait.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>How a wait is done; the default is <see cref="Task.Delay(TimeSpan, TimeProvider, CancellationToken)"/>.</summary>
    public Func<TimeSpan, CancellationToken, Task>? Delay { get; init; }
}

/// <summary>The rate-limit headers of the last answer.</summary>
/// <param name="Limit">Requests allowed in the window.</param>
/// <param name="Remaining">Requests left in the window.</param>
/// <param name="ResetsAt">When the window resets.</param>
public sealed record RateLimitSnapshot(int? Limit, int? Remaining, DateTimeOffset? ResetsAt);

/// <summary>
/// The HTTP core shared by the GitHub and GitLab clients: base URL, authentication, JSON through source-generated
/// contexts, pagination by <c>Link: rel="next"</c>, rate limits honoured (403/429 with <c>retry-after</c> or
/// remaining 0: wait, bounded, and retry) and errors that name the call and status but never the token.
/// </summary>
public sealed partial class ForgeConnection
{
    private readonly HttpClient _http;
    private readonly Action<HttpRequestMessage> _prepare;
    private readonly ForgeRetryOptions _retry;
    private readonly string _tokenHint;

    /// <summary>A connection to <paramref name="baseUrl"/>; <paramref name="prepare"/> adds the auth and media-type headers.</summary>
    /// <param name="forge">The forge's name for messages (<c>GitHub</c>, <c>GitLab</c>).</param>
    /// <param name="baseUrl">The API root, e.g. <c>https://api.github.com/</c> or <c>https://gitlab.example.com/api/v4/</c>.</param>
    /// <param name="http">The HTTP client (not disposed here).</param>
    /// <param name="prepare">Adds headers to each request.</param>
    /// <param name="tokenHint">Where the token came from, named in a 401 message (e.g. <c>GITHUB_TOKEN</c>).</param>
    /// <param name="retry">Rate-limit behaviour.</param>
    public ForgeConnection(string forge, Uri baseUrl, HttpClient http, Action<HttpRequestMessage> prepare, string tokenHint,
        ForgeRetryOptions? retry = null)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        Forge = forge;
        BaseUrl = baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");
        _http = http;
        _prepare = prepare;
        _tokenHint = tokenHint;
        _retry = retry ?? new ForgeRetryOptions();
    }

    /// <summary>The forge's name in messages.</summary>
    public string Forge { get; }

    /// <summary>The API root, ending in a slash.</summary>
    public Uri BaseUrl { get; }

    /// <summary>The rate-limit headers of the last answer, when it had them.</summary>
    public RateLimitSnapshot? LastRateLimit { get; private set; }

    /// <summary>An absolute URL for a route relative to <see cref="BaseUrl"/>.</summary>
    public Uri Url(string relative) => new(BaseUrl, relative);

    /// <summary>Sends a request with a JSON body and reads a JSON answer.</summary>
    public async Task<TResult> SendAsync<TBody, TResult>(HttpMethod method, Uri url, TBody body, JsonTypeInfo<TBody> bodyType,
        JsonTypeInfo<TResult> resultType, CancellationToken cancellationToken)
    {
        var (_, text, _) = await SendCoreAsync(method, url, JsonSerializer.SerializeToUtf8Bytes(body, bodyType), cancellationToken);
        return Deserialize(text, resultType, method, url);
    }

    /// <summary>Sends a request without a body and reads a JSON answer.</summary>
    public async Task<TResult> SendAsync<TResult>(HttpMethod method, Uri url, JsonTypeInfo<TResult> resultType, CancellationToken cancellationToken)
    {
        var (_, text, _) = await SendCoreAsync(method, url, null, cancellationToken);
        return Deserialize(text, resultType, method, url);
    }

    /// <summary>Sends a request with a JSON body, ignoring the answer's body; returns the status.</summary>
    public async Task<HttpStatusCode> SendAsync<TBody>(HttpMethod method, Uri url, TBody body, JsonTypeInfo<TBody> bodyType, CancellationToken cancellationToken)
    {
        var (status, _, _) = await SendCoreAsync(method, url, JsonSerializer.SerializeToUtf8Bytes(body, bodyType), cancellationToken);
        return status;
    }

    /// <summary>Every page of a list, following <c>Link: rel="next"</c> (at most <paramref name="maxPages"/> pages).</summary>
    public async Task<IReadOnlyList<T>> GetAllAsync<T>(Uri url, JsonTypeInfo<List<T>> pageType, CancellationToken cancellationToken, int maxPages = 20)
    {
        var all = new List<T>();
        Uri? next = url;
        for (var page = 0; next is not null && page < maxPages; page++)
        {
            var (_, text, link) = await SendCoreAsync(HttpMethod.Get, next, null, cancellationToken);
            all.AddRange(Deserialize(text, pageType, HttpMethod.Get, next));
            next = link is not null && NextLink().Match(link) is { Success: true } m ? new Uri(m.Groups[1].Value) : null;
        }
        return all;
    }

    internal async Task<(HttpStatusCode Status, string Body, string? Link)> SendCoreAsync(HttpMethod method, Uri url, byte[]? body,
        CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, url);
            if (body is not null)
            {
                request.Content = new ByteArrayContent(body);
                request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            }
            _prepare(request);
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException e)
            {
                throw new ForgeApiException($"{Forge}: {method} {url} failed: {e.Message}", method, url, null, null, ExitCode.Failure, e);
            }
            catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new ForgeApiException($"{Forge}: {method} {url} timed out after {_http.Timeout.TotalSeconds:0}s", method, url, null, null,
                    ExitCode.Failure, e);
            }
            using (response)
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                LastRateLimit = ReadRateLimit(response) ?? LastRateLimit;
                if (response.IsSuccessStatusCode)
                {
                    var link = response.Headers.TryGetValues("Link", out var links) ? string.Join(",", links) : null;
                    return (response.StatusCode, text, link);
                }
                var apiMessage = ApiMessage(text);
                var status = (int)response.StatusCode;
                if (status is 403 or 429 && RateLimitWait(response, apiMessage, attempt) is { } wait)
                {
                    var resetsAt = _retry.Time.GetUtcNow() + wait;
                    if (attempt >= _retry.MaxRetries || wait > _retry.MaxWait)
                        throw new ForgeRateLimitException(
                            $"{Forge}: {method} {url} answered {status}: rate limit exceeded{(apiMessage is null ? "" : $" ({apiMessage})")}; " +
                            $"it resets at {resetsAt:u} (in {wait.TotalSeconds:0}s), " +
                            (attempt >= _retry.MaxRetries ? $"gave up after {attempt} retries" : $"longer than the allowed wait of {_retry.MaxWait.TotalSeconds:0}s"),
                            method, url, response.StatusCode, apiMessage, resetsAt);
                    await (_retry.Delay ?? ((d, ct) => Task.Delay(d, _retry.Time, ct)))(wait, cancellationToken);
                    continue;
                }
                throw new ForgeApiException(ErrorMessage(method, url, response, apiMessage), method, url, response.StatusCode, apiMessage,
                    status is 401 or 403 or 404 ? ExitCode.InvalidInput : ExitCode.Failure);
            }
        }
    }

    /// <summary>The wait a rate-limited answer asks for; null when the 403/429 is not about a rate limit.</summary>
    private TimeSpan? RateLimitWait(HttpResponseMessage response, string? apiMessage, int attempt)
    {
        if (response.Headers.RetryAfter is { } retryAfter)
        {
            if (retryAfter.Delta is { } delta) return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
            if (retryAfter.Date is { } date) return Max(date - _retry.Time.GetUtcNow(), TimeSpan.Zero);
        }
        if (Header(response, "x-ratelimit-remaining", "ratelimit-remaining") == "0")
        {
            return Header(response, "x-ratelimit-reset", "ratelimit-reset") is { } reset
                && long.TryParse(reset, NumberStyles.None, CultureInfo.InvariantCulture, out var epoch)
                ? Max(DateTimeOffset.FromUnixTimeSeconds(epoch) - _retry.Time.GetUtcNow(), TimeSpan.Zero)
                : _retry.SecondaryWait;
        }
        if ((int)response.StatusCode == 429 || apiMessage?.Contains("rate limit", StringComparison.OrdinalIgnoreCase) == true)
            return _retry.SecondaryWait * Math.Pow(2, attempt);
        return null;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private string ErrorMessage(HttpMethod method, Uri url, HttpResponseMessage response, string? apiMessage)
    {
        var status = (int)response.StatusCode;
        var said = apiMessage is null ? "" : $": {apiMessage}";
        var head = $"{Forge}: {method} {url} answered {status} {response.ReasonPhrase}{said}";
        return status switch
        {
            401 => $"{head} — the token was rejected (missing, expired or revoked); check {_tokenHint}",
            403 => $"{head} — the token lacks the scope or permission this call needs{NeededScopes(response)}",
            404 => $"{head} — not found, or the token cannot see it",
            _ => head,
        };
    }

    private static string NeededScopes(HttpResponseMessage response)
    {
        var accepted = Header(response, "x-accepted-github-permissions", "x-accepted-oauth-scopes");
        var has = Header(response, "x-oauth-scopes");
        return (accepted, has) switch
        {
            ({ Length: > 0 } a, { } h) => $" (needs: {a}; the token has: {(h.Length == 0 ? "none" : h)})",
            ({ Length: > 0 } a, null) => $" (needs: {a})",
            _ => "",
        };
    }

    private static string? Header(HttpResponseMessage response, params string[] names)
    {
        foreach (var name in names)
        {
            if (response.Headers.TryGetValues(name, out var values)) return string.Join(",", values).Trim();
        }
        return null;
    }

    private static RateLimitSnapshot? ReadRateLimit(HttpResponseMessage response)
    {
        var remaining = Header(response, "x-ratelimit-remaining", "ratelimit-remaining");
        if (remaining is null) return null;
        static int? Int(string? s) => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;
        var reset = Header(response, "x-ratelimit-reset", "ratelimit-reset");
        return new RateLimitSnapshot(Int(Header(response, "x-ratelimit-limit", "ratelimit-limit")), Int(remaining),
            long.TryParse(reset, NumberStyles.None, CultureInfo.InvariantCulture, out var epoch) ? DateTimeOffset.FromUnixTimeSeconds(epoch) : null);
    }

    /// <summary>The forge's error text: <c>message</c> (string, list or object), <c>error</c>, and GitHub's <c>errors[].message</c>.</summary>
    internal static string? ApiMessage(string body)
    {
        if (string.IsNullOrWhiteSpace(body)) return null;
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return null;
            var parts = new List<string>();
            foreach (var key in (string[])["message", "error"])
            {
                if (!doc.RootElement.TryGetProperty(key, out var m)) continue;
                parts.Add(m.ValueKind switch
                {
                    JsonValueKind.String => m.GetString()!,
                    JsonValueKind.Array => string.Join("; ", m.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString() : e.GetRawText())),
                    _ => m.GetRawText(),
                });
            }
            if (doc.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
            {
                foreach (var e in errors.EnumerateArray())
                {
                    if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty("message", out var em) && em.ValueKind == JsonValueKind.String)
                        parts.Add(em.GetString()!);
                    else if (e.ValueKind == JsonValueKind.String)
                        parts.Add(e.GetString()!);
                }
            }
            return parts.Count == 0 ? null : string.Join(": ", parts);
        }
        catch (JsonException)
        {
            return body.Length > 200 ? body[..200] : body;
        }
    }

    internal T Deserialize<T>(string text, JsonTypeInfo<T> type, HttpMethod method, Uri url)
    {
        try
        {
            return JsonSerializer.Deserialize(text, type)
                ?? throw new ForgeApiException($"{Forge}: {method} {url} answered an empty body", method, url, null, null);
        }
        catch (JsonException e)
        {
            throw new ForgeApiException($"{Forge}: {method} {url} answered JSON that does not parse as {typeof(T).Name}: {e.Message}",
                method, url, null, null, ExitCode.Failure, e);
        }
    }

    [GeneratedRegex(@"<([^>]+)>\s*;\s*rel=""next""")]
    private static partial Regex NextLink();
}
