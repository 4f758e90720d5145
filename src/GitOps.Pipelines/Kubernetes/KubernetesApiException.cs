using System.Net;

namespace GitOps.Pipelines.Kubernetes;

/// <summary>
/// The API refused a request. The message names the verb, the resource, the HTTP status and the server's Status
/// message, e.g. <c>patch applications.argoproj.io argocd/hello: 403 Forbidden: … cannot patch …</c>.
/// </summary>
public sealed class KubernetesApiException : GitOpsException
{
    /// <summary>Creates the error for a refused request.</summary>
    public KubernetesApiException(string verb, string resource, HttpStatusCode statusCode, KubernetesStatus? status, string? body = null)
        : base(Describe(verb, resource, statusCode, status, body),
            statusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound or HttpStatusCode.UnprocessableEntity ? ExitCode.InvalidInput : ExitCode.Failure)
    {
        Verb = verb;
        Resource = resource;
        StatusCode = statusCode;
        Status = status;
    }

    /// <summary>The verb: get, list, patch or watch.</summary>
    public string Verb { get; }

    /// <summary>The resource, e.g. <c>applications.argoproj.io argocd/hello</c>.</summary>
    public string Resource { get; }

    /// <summary>The HTTP status code.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The server's Status object, when it sent one.</summary>
    public KubernetesStatus? Status { get; }

    private static string Describe(string verb, string resource, HttpStatusCode code, KubernetesStatus? status, string? body)
    {
        var head = $"{verb} {resource}: {(int)code} {Phrase(code)}";
        var detail = status?.Message is { Length: > 0 } m ? m : body is { Length: > 0 } b ? (b.Length > 300 ? b[..300] + "…" : b) : null;
        var hint = code switch
        {
            HttpStatusCode.Unauthorized => " (the credentials were refused: check the kubeconfig user or the service account token)",
            HttpStatusCode.Forbidden => $" (RBAC: the identity needs '{verb}' on {resource.Split(' ')[0]})",
            _ => "",
        };
        return detail is null ? head + hint : $"{head}: {detail}{hint}";
    }

    private static string Phrase(HttpStatusCode code) => code switch
    {
        HttpStatusCode.NotFound => "Not Found",
        HttpStatusCode.Conflict => "Conflict",
        HttpStatusCode.Forbidden => "Forbidden",
        HttpStatusCode.Unauthorized => "Unauthorized",
        HttpStatusCode.Gone => "Gone",
        HttpStatusCode.TooManyRequests => "Too Many Requests",
        HttpStatusCode.InternalServerError => "Internal Server Error",
        HttpStatusCode.ServiceUnavailable => "Service Unavailable",
        HttpStatusCode.UnprocessableEntity => "Unprocessable Entity",
        _ => code.ToString(),
    };
}
