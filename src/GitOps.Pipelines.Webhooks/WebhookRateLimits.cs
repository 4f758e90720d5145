using System.Globalization;
using System.Threading.RateLimiting;
using GitOps.Pipelines.Webhooks.Operability;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;

namespace GitOps.Pipelines.Webhooks;

/// <summary>
/// The per-source rate limit: a fixed window per receiver (<c>github</c>, <c>gitlab</c>, <c>registry/{kind}</c>) and client
/// address. Over it, the answer is 429 with <c>Retry-After</c> (whole seconds) and problem details.
/// </summary>
public static class WebhookRateLimits
{
    /// <summary>The policy name the receivers' routes require.</summary>
    public const string Policy = "webhook-source";

    /// <summary>Registers the limiter with <paramref name="options"/>' permits and window.</summary>
    public static IServiceCollection AddWebhookRateLimits(this IServiceCollection services, WebhookServiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(Policy, context => RateLimitPartition.GetFixedWindowLimiter(
                SourceOf(context) + "|" + context.Connection.RemoteIpAddress,
                _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = options.RateLimitPermits,
                    Window = options.RateLimitWindow,
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var context = rejected.HttpContext;
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : options.RateLimitWindow;
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                var source = SourceOf(context);
                context.RequestServices.GetRequiredService<WebhookMetrics>().Delivered(source, "rate_limited");
                context.RequestServices.GetRequiredService<DeliveryRecords>().Add(new DeliveryRecord(
                    Guid.NewGuid().ToString("N"), DateTimeOffset.UtcNow, source, "", null, null, "rate_limited", TimeSpan.Zero,
                    $"over {options.RateLimitPermits} deliveries per {options.RateLimitWindow.TotalSeconds}s"));
                await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = "Too many requests",
                        Detail = $"{source} is limited to {options.RateLimitPermits} deliveries per {options.RateLimitWindow.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s; retry after {seconds}s",
                    },
                });
            };
        });
    }

    private static string SourceOf(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        var parts = path.Trim('/').Split('/');
        return parts.Length >= 3 && parts[1] == "registry" ? WebhookRequests.RegistrySource(parts[2])
            : parts.Length >= 2 ? parts[1]
            : path;
    }
}
