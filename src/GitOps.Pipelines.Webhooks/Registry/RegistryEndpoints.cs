using GitOps.Pipelines.Webhooks.GitHub;
using GitOps.Pipelines.Webhooks.Processing;
using GitOps.Pipelines.Webhooks.Routing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace GitOps.Pipelines.Webhooks.Registry;

/// <summary>
/// The registry receivers, <c>POST /hooks/registry/{kind}</c> with kind <c>distribution</c>, <c>dockerhub</c>, <c>acr</c>,
/// <c>harbor</c>, <c>quay</c> or <c>generic</c> (else 404). Checks, in order: content type (415), size (413), the registry secret (401:
/// <c>Authorization</c> header for distribution, ACR and Harbor; <c>?secret=</c> for Docker Hub and Quay; HMAC-SHA256 of the body in
/// <c>X-Signature-256: sha256=…</c> for generic), payload (400). A push is journaled, answered 202, and handed to the
/// <see cref="IImagePushHandler"/>; anything else (deletes, pulls, blob pushes) is 202 and ignored.
/// </summary>
public static partial class RegistryEndpoints
{
    /// <summary>The generic receiver's signature header.</summary>
    public const string SignatureHeader = "X-Signature-256";

    /// <summary>The registry kinds, each with the content types it may send.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Kinds = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["distribution"] = ["application/vnd.docker.distribution.events.v2+json", "application/vnd.docker.distribution.events.v1+json", "application/json"],
        ["dockerhub"] = ["application/json"],
        ["acr"] = ["application/json"],
        ["harbor"] = ["application/json"],
        ["quay"] = ["application/json"],
        ["generic"] = ["application/json"],
    };

    /// <summary>Maps <c>/hooks/registry/{kind}</c>.</summary>
    public static RouteGroupBuilder MapRegistryWebhooks(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/hooks/registry").WithTags("Registry");
        group.MapPost("/{kind}", ReceiveAsync).DisableAntiforgery().RecordDeliveries().RequireRateLimiting(WebhookRateLimits.Policy);
        return group;
    }

    internal static async Task<Results<Accepted<QueuedReply>, Accepted<IgnoredReply>, ProblemHttpResult>> ReceiveAsync(
        string kind,
        HttpContext context,
        [FromServices] WebhookServiceOptions options,
        [FromServices] DeliveryLog deliveries,
        [FromServices] ILoggerFactory loggers)
    {
        var log = loggers.CreateLogger("GitOps.Pipelines.Webhooks.Registry");
        var request = context.Request;
        var record = WebhookDelivery.Of(context);
        record.Event = kind == "harbor" ? "PUSH_ARTIFACT" : "push";
        if (!Kinds.TryGetValue(kind, out var mediaTypes))
            return WebhookRequests.Problem(StatusCodes.Status404NotFound, "Unknown registry",
                $"no receiver for '{kind}'; use one of {string.Join(", ", Kinds.Keys)}");
        if (WebhookRequests.RequireMediaType(request, mediaTypes) is { } unsupported) return unsupported;
        var body = await WebhookRequests.ReadCappedAsync(context, options.MaxBodyBytes);
        if (body is null) return WebhookRequests.TooLarge(options.MaxBodyBytes);

        if (Authenticate(kind, request, body, options.RegistrySecret) is { } refusal)
        {
            LogRefused(log, kind, refusal);
            return WebhookRequests.Problem(StatusCodes.Status401Unauthorized, "Invalid webhook secret", refusal);
        }

        var parsed = RegistryPayloads.Parse(kind, body);
        if (parsed.Error is { } error)
            return WebhookRequests.Problem(StatusCodes.Status400BadRequest, "Malformed payload", error);
        record.Delivery = parsed.Delivery ?? (request.Headers["Idempotency-Key"].ToString() is { Length: > 0 } key ? key : null);
        if (parsed.Ignored is { } reason)
        {
            LogIgnored(log, kind, reason);
            return WebhookRequests.Ignored(record, reason);
        }
        var first = parsed.Pushes[0];
        record.Repository = (first.Registry is null ? "" : first.Registry + "/") + first.Repository + (first.Tag.Length > 0 ? ":" + first.Tag : "");
        if (record.Delivery is not null && !deliveries.TryBegin("registry:" + record.Delivery))
            return WebhookRequests.Ignored(record, $"delivery {record.Delivery} was already handled", "duplicate");

        var entry = JournalEntry.Create("registry/" + kind, record.Event, record.Delivery, record.Repository, images: parsed.Pushes);
        LogQueued(log, kind, record.Repository, parsed.Pushes.Count);
        return WebhookRequests.Queue(context, record, entry);
    }

    /// <summary>Null when the request carries the registry secret as <paramref name="kind"/> sends it; else why not.</summary>
    internal static string? Authenticate(string kind, HttpRequest request, ReadOnlySpan<byte> body, string? secret)
    {
        if (kind == "generic")
        {
            if (string.IsNullOrEmpty(secret))
                return $"the generic receiver needs a secret: set {WebhookServiceOptions.RegistrySecretVariable}";
            var signature = request.Headers[SignatureHeader].ToString();
            if (signature.Length == 0) return $"the {SignatureHeader} header is missing";
            return GitHubSignature.IsValid(secret, body, signature) ? null : $"the {SignatureHeader} header does not match the body";
        }
        // As argocd-image-updater: without a configured secret these registries are accepted as they come.
        if (string.IsNullOrEmpty(secret)) return null;
        if (kind is "dockerhub" or "quay")
        {
            var given = request.Query["secret"].ToString();
            if (given.Length == 0) return "missing webhook secret: add ?secret= to the webhook URL";
            return WebhookRequests.SecretEquals(given, secret) ? null : "invalid webhook secret";
        }
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.Length == 0) return "missing Authorization header when secret is configured";
        var token = authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization["Bearer ".Length..].Trim() : authorization;
        return WebhookRequests.SecretEquals(token, secret) || WebhookRequests.SecretEquals(authorization, secret) ? null : "invalid webhook secret";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "registry webhook {Kind} refused: {Reason}")]
    private static partial void LogRefused(ILogger log, string kind, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "registry webhook {Kind} ignored: {Reason}")]
    private static partial void LogIgnored(ILogger log, string kind, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "registry webhook {Kind}: {Image} queued ({Count} pushes)")]
    private static partial void LogQueued(ILogger log, string kind, string image, int count);
}
