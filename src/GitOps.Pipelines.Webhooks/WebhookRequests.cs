using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using GitOps.Pipelines.Webhooks.Operability;
using Microsoft.AspNetCore.Builder;
using GitOps.Pipelines.Webhooks.Processing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;

namespace GitOps.Pipelines.Webhooks;

/// <summary>What a receiver learnt about the delivery it is answering, for the status page, metrics and journal.</summary>
public sealed class WebhookDelivery
{
    internal const string ItemKey = "gitops.webhook.delivery";

    /// <summary>The receiver (<c>github</c>, <c>gitlab</c>, <c>registry/acr</c>, …).</summary>
    public required string Source { get; init; }

    /// <summary>The event name, once read.</summary>
    public string Event { get; set; } = "";

    /// <summary>The sender's delivery id.</summary>
    public string? Delivery { get; set; }

    /// <summary>The repository the delivery is about.</summary>
    public string? Repository { get; set; }

    /// <summary>The result when it says more than the status code (<c>ignored</c>, <c>duplicate</c>, <c>queued</c>, <c>synced</c>).</summary>
    public string? Result { get; set; }

    /// <summary>Why, for ignored or refused deliveries.</summary>
    public string? Detail { get; set; }

    /// <summary>The journal entry's id, when the delivery was journaled.</summary>
    public string? EntryId { get; set; }

    /// <summary>The delivery of the current request (created by the recording filter).</summary>
    public static WebhookDelivery Of(HttpContext context) =>
        context.Items[ItemKey] as WebhookDelivery ?? new WebhookDelivery { Source = "unknown" };
}

/// <summary>The checks every receiver shares: content type, body cap, secrets, problem details, journaling.</summary>
internal static class WebhookRequests
{
    /// <summary>Records every answered delivery (status page, <c>gitops_webhook_deliveries_total</c>).</summary>
    public static TBuilder RecordDeliveries<TBuilder>(this TBuilder builder, string? fixedSource = null) where TBuilder : IEndpointConventionBuilder
    {
        builder.AddEndpointFilter(async (invocation, next) =>
        {
            var context = invocation.HttpContext;
            var source = fixedSource ?? RegistrySource(context.Request.RouteValues["kind"]?.ToString());
            var delivery = new WebhookDelivery { Source = source };
            context.Items[WebhookDelivery.ItemKey] = delivery;
            var started = Stopwatch.GetTimestamp();
            var result = await next(invocation);
            var answer = result is INestedHttpResult nested ? nested.Result : result; // Results<...> wraps the typed result
            var status = answer is IStatusCodeHttpResult { StatusCode: { } code } ? code : StatusCodes.Status200OK;
            var outcome = delivery.Result ?? status switch
            {
                200 => "ok",
                202 => "accepted",
                400 => "malformed",
                401 => "unauthorized",
                404 => "not_found",
                413 => "too_large",
                415 => "unsupported_media_type",
                502 => "sync_failed",
                _ => status.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            var services = context.RequestServices;
            services.GetRequiredService<WebhookMetrics>().Delivered(source, outcome);
            services.GetRequiredService<DeliveryRecords>().Add(new DeliveryRecord(
                delivery.EntryId ?? Guid.NewGuid().ToString("N"), DateTimeOffset.UtcNow, source, delivery.Event, delivery.Delivery,
                delivery.Repository, outcome, Stopwatch.GetElapsedTime(started), delivery.Detail));
            return result;
        });
        return builder;
    }

    /// <summary>
    /// The source label for a registry kind: unknown kinds share <c>registry/unknown</c>, so a caller cannot grow the
    /// metrics' label set (or the rate limiter's partitions) without bound.
    /// </summary>
    public static string RegistrySource(string? kind) =>
        kind is not null && Registry.RegistryEndpoints.Kinds.ContainsKey(kind) ? "registry/" + kind : "registry/unknown";

    /// <summary>Null when the content type is one of <paramref name="accepted"/>; else the 415 answer.</summary>
    public static ProblemHttpResult? RequireMediaType(HttpRequest request, params string[] accepted)
    {
        if (MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            && accepted.Any(a => mediaType.MediaType.Equals(a, StringComparison.OrdinalIgnoreCase)))
            return null;
        var given = string.IsNullOrEmpty(request.ContentType) ? "no content type" : request.ContentType;
        return Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
            $"{given} is not accepted; send {string.Join(" or ", accepted)}");
    }

    /// <summary>Reads the whole body, or returns null as soon as it passes <paramref name="cap"/> bytes.</summary>
    public static async Task<byte[]?> ReadCappedAsync(HttpContext context, long cap)
    {
        if (context.Request.ContentLength > cap) return null;
        // The endpoint enforces its own cap, which may be above the server's default.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = null;
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > cap) return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    /// <summary>The 413 answer.</summary>
    public static ProblemHttpResult TooLarge(long cap) =>
        Problem(StatusCodes.Status413PayloadTooLarge, "Payload too large", $"the body is over the {cap}-byte limit");

    /// <summary>Compares a secret as sent with the configured one in constant time (hashes first, so lengths do not leak).</summary>
    public static bool SecretEquals(string? given, string expected)
    {
        if (given is null) return false;
        var a = SHA256.HashData(Encoding.UTF8.GetBytes(given));
        var b = SHA256.HashData(Encoding.UTF8.GetBytes(expected));
        return CryptographicOperations.FixedTimeEquals(a, b);
    }

    /// <summary>A problem-details answer.</summary>
    public static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);

    /// <summary>The 202 answer for a delivery looked at and not acted on.</summary>
    public static Accepted<IgnoredReply> Ignored(WebhookDelivery delivery, string reason, string result = "ignored")
    {
        delivery.Result = result;
        delivery.Detail = reason;
        return TypedResults.Accepted((string?)null, new IgnoredReply(delivery.Event, delivery.Delivery, reason));
    }

    /// <summary>
    /// Journals the entry (fsync'd) and hands it to the background processor; the caller answers 202 after this returns.
    /// </summary>
    public static Accepted<QueuedReply> Queue(HttpContext context, WebhookDelivery delivery, JournalEntry entry)
    {
        var services = context.RequestServices;
        services.GetRequiredService<EventJournal>().Append(entry);
        services.GetRequiredService<EventProcessor>().Enqueue(entry);
        delivery.EntryId = entry.Id;
        delivery.Result = "queued";
        return TypedResults.Accepted((string?)null, new QueuedReply(entry.Event, entry.Delivery, entry.Id,
            [.. entry.Syncs.Select(s => s.Environment)], entry.Syncs.FirstOrDefault()?.Revision,
            [.. entry.Images.Select(i => $"{i.Repository}:{i.Tag}")]));
    }
}
