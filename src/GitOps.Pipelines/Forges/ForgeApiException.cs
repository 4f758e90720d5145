using System.Net;

namespace GitOps.Pipelines.Forges;

/// <summary>
/// A forge API call that failed: which call, which status, the forge's own message. The message names the method,
/// URL and status, never the token.
/// </summary>
public class ForgeApiException(string message, HttpMethod method, Uri url, HttpStatusCode? statusCode, string? apiMessage,
    ExitCode code = ExitCode.Failure, Exception? inner = null)
    : GitOpsException(message, code, inner)
{
    /// <summary>The HTTP method of the failed call.</summary>
    public HttpMethod Method { get; } = method;

    /// <summary>The URL of the failed call.</summary>
    public Uri Url { get; } = url;

    /// <summary>The status the forge answered; null when no answer came.</summary>
    public HttpStatusCode? StatusCode { get; } = statusCode;

    /// <summary>The forge's own error message (GitHub's <c>message</c>, GitLab's <c>message</c>/<c>error</c>).</summary>
    public string? ApiMessage { get; } = apiMessage;
}

/// <summary>The forge's rate limit held and waiting for it would exceed the allowed wait (or the retries ran out).</summary>
public sealed class ForgeRateLimitException(string message, HttpMethod method, Uri url, HttpStatusCode statusCode, string? apiMessage,
    DateTimeOffset? resetsAt)
    : ForgeApiException(message, method, url, statusCode, apiMessage)
{
    /// <summary>When the forge said the limit resets, if it said.</summary>
    public DateTimeOffset? ResetsAt { get; } = resetsAt;
}
