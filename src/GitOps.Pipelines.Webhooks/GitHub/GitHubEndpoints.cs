using System.Text;
using System.Text.Json;
using GitOps.Pipelines.Sync;
using GitOps.Pipelines.Webhooks.Operability;
using GitOps.Pipelines.Webhooks.Processing;
using GitOps.Pipelines.Webhooks.Reporting;
using GitOps.Pipelines.Webhooks.Registry;
using GitOps.Pipelines.Webhooks.Routing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace GitOps.Pipelines.Webhooks.GitHub;

/// <summary>
/// The GitHub receiver, <c>POST /hooks/github</c>: checks the signature, then turns a merged pull request into
/// one sync per environment its route names (journaled, then synced before the answer: 200 or 502), a push into
/// syncs of the routes whose branch it moved, and a published GHCR container (<c>package</c>, <c>registry_package</c>)
/// into an <see cref="ImagePushed"/> (both journaled, answered 202, processed by the background processor).
/// Checks run in this order: content type (415), size (413), signature (401), event and payload (400), then routing,
/// dedupe and sync.
/// </summary>
public static partial class GitHubEndpoints
{
    /// <summary>Maps <c>/hooks/github</c>.</summary>
    public static RouteGroupBuilder MapGitHubWebhooks(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/hooks/github").WithTags("GitHub");
        group.MapPost("/", ReceiveAsync).DisableAntiforgery().RecordDeliveries("github").RequireRateLimiting(WebhookRateLimits.Policy);
        return group;
    }

    internal static async Task<Results<Ok<SyncedReply>, Ok<PongReply>, Accepted<IgnoredReply>, Accepted<QueuedReply>, ProblemHttpResult>> ReceiveAsync(
        HttpContext context,
        [FromServices] WebhookServiceOptions options,
        [FromServices] SyncRoutes routes,
        [FromServices] DeliveryLog deliveries,
        [FromServices] EventJournal journal,
        [FromServices] WebhookMetrics metrics,
        [FromServices] IHostApplicationLifetime lifetime,
        [FromServices] ILoggerFactory loggers)
    {
        var log = loggers.CreateLogger("GitOps.Pipelines.Webhooks.GitHub");
        var request = context.Request;
        var eventName = request.Headers["X-GitHub-Event"].ToString();
        var delivery = request.Headers["X-GitHub-Delivery"].ToString() is { Length: > 0 } d ? d : null;
        var record = WebhookDelivery.Of(context);
        record.Event = eventName;
        record.Delivery = delivery;

        var form = false;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType))
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                "send application/json (or application/x-www-form-urlencoded with a payload field)");
        if (mediaType.MediaType.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
            form = true;
        else if (!mediaType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"{mediaType.MediaType} is not accepted; send application/json (or application/x-www-form-urlencoded with a payload field)");

        var body = await WebhookRequests.ReadCappedAsync(context, options.MaxBodyBytes);
        if (body is null)
        {
            LogTooLarge(log, delivery, options.MaxBodyBytes);
            return WebhookRequests.TooLarge(options.MaxBodyBytes);
        }

        // The signature covers the raw bytes as sent, before any decoding.
        if (!GitHubSignature.IsValid(options.GitHubSecret!, body, request.Headers[GitHubSignature.Header].ToString() is { Length: > 0 } s ? s : null))
        {
            var missing = request.Headers[GitHubSignature.Header].Count == 0;
            LogBadSignature(log, delivery, eventName, missing ? "missing" : "mismatch");
            return Problem(StatusCodes.Status401Unauthorized, "Invalid signature",
                missing
                    ? $"the {GitHubSignature.Header} header is missing; configure the webhook with the shared secret"
                    : $"the {GitHubSignature.Header} header does not match the body signed with the configured secret");
        }

        if (eventName.Length == 0)
            return Problem(StatusCodes.Status400BadRequest, "Missing event", "the X-GitHub-Event header is missing");
        LogReceived(log, delivery, eventName, body.Length);

        switch (eventName)
        {
            case "ping":
                record.Result = "pong";
                return TypedResults.Ok(new PongReply("pong"));
            case "pull_request":
            case "push":
                break;
            case "package":
            case "registry_package":
                return Package(context, form ? null : body, deliveries, log, record);
            default:
                return Ignored(log, record, $"event '{eventName}' does not deploy");
        }

        string json;
        if (form)
        {
            var fields = QueryHelpers.ParseQuery(Encoding.UTF8.GetString(body));
            if (!fields.TryGetValue("payload", out var payload) || payload.Count != 1)
                return Problem(StatusCodes.Status400BadRequest, "Malformed payload", "the form body has no payload field");
            json = payload.ToString();
        }
        else
        {
            json = Encoding.UTF8.GetString(body);
        }

        if (eventName == "push")
            return Push(context, json, routes, deliveries, log, record);

        PullRequestEvent? pr;
        try
        {
            pr = JsonSerializer.Deserialize(json, GitHubJsonContext.Default.PullRequestEvent);
        }
        catch (JsonException e)
        {
            return Problem(StatusCodes.Status400BadRequest, "Malformed payload", $"the body is not valid pull_request JSON: {e.Message}");
        }
        if (pr?.PullRequest is null || pr.Repository is null)
            return Problem(StatusCodes.Status400BadRequest, "Malformed payload", "a pull_request delivery needs pull_request and repository objects");
        record.Repository = pr.Repository.CloneUrl ?? pr.Repository.HtmlUrl;

        if (pr.Action != "closed")
            return Ignored(log, record, $"pull_request action '{pr.Action}' does not deploy");
        if (pr.PullRequest.Merged != true)
            return Ignored(log, record, $"pull request #{pr.PullRequest.Number} was closed without merging");

        var repositoryUrl = pr.Repository.CloneUrl ?? pr.Repository.HtmlUrl;
        if (string.IsNullOrWhiteSpace(repositoryUrl) || string.IsNullOrWhiteSpace(pr.PullRequest.Base?.Ref)
            || string.IsNullOrWhiteSpace(pr.PullRequest.MergeCommitSha))
            return Problem(StatusCodes.Status400BadRequest, "Malformed payload",
                "a merged pull request needs repository.clone_url (or html_url), pull_request.base.ref and pull_request.merge_commit_sha");
        var merge = new MergeEvent(repositoryUrl, pr.PullRequest.Base.Ref, pr.PullRequest.MergeCommitSha,
            pr.PullRequest.Number != 0 ? pr.PullRequest.Number : pr.Number, delivery);

        var environments = routes.EnvironmentsFor([pr.Repository.CloneUrl ?? "", pr.Repository.HtmlUrl ?? "", pr.Repository.SshUrl ?? ""], merge.Branch);
        if (environments.Count == 0)
            return Ignored(log, record, $"no route for {merge.RepositoryUrl} branch {merge.Branch}");

        var dedupeKey = delivery is null ? null : "github:" + delivery;
        if (dedupeKey is not null && !deliveries.TryBegin(dedupeKey))
            return Ignored(log, record, $"delivery {delivery} was already handled", "duplicate");

        // Journaled before anything happens: if the process dies mid-sync, the next start replays it.
        var entry = JournalEntry.Create("github", eventName, delivery, merge.RepositoryUrl,
            [.. environments.Select(e => new SyncRequest(e, merge.Revision, merge.RepositoryUrl))]) with { PullRequest = merge.PullRequest, Branch = merge.Branch };
        journal.Append(entry);
        record.EntryId = entry.Id;

        var trigger = context.RequestServices.GetRequiredService<ISyncTrigger>();
        var synced = new List<string>();
        var failures = new List<string>();
        var failed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var environment in environments)
        {
            // The sync runs to completion even when GitHub stops waiting; only shutdown cancels it.
            try
            {
                await trigger.TriggerAsync(new SyncRequest(environment, merge.Revision, merge.RepositoryUrl), lifetime.ApplicationStopping);
                metrics.TriggerLatency(DateTimeOffset.UtcNow - entry.ReceivedAt);
                synced.Add(environment);
                LogSynced(log, delivery, environment, merge.Revision, merge.PullRequest);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failures.Add($"{environment}: {e.Message}");
                failed[environment] = e.Message;
                LogSyncFailed(log, e, delivery, environment, merge.Revision);
            }
        }
        // Answered either way: a 502 asks GitHub to redeliver, so the journal need not keep it.
        journal.Complete(entry.Id);
        // Closing the loop: watch what was triggered to healthy and report on the merge commit and the PR.
        context.RequestServices.GetRequiredService<DeploymentFollower>().Follow(merge, synced, failed);

        if (failures.Count > 0)
        {
            if (dedupeKey is not null) deliveries.Forget(dedupeKey); // a redelivery may try again
            record.Detail = string.Join("; ", failures);
            var problem = TypedResults.Problem(
                statusCode: StatusCodes.Status502BadGateway,
                title: "Sync failed",
                detail: string.Join("; ", failures),
                extensions: new Dictionary<string, object?> { ["synced"] = synced.ToArray(), ["revision"] = merge.Revision });
            return problem;
        }
        record.Result = "synced";
        return TypedResults.Ok(new SyncedReply(delivery, merge.RepositoryUrl, merge.Branch, merge.Revision, merge.PullRequest, synced));
    }

    /// <summary>A push: the routes whose branch (or tag) it moved, filtered by changed paths, synced at <c>after</c> via the journal.</summary>
    private static Results<Ok<SyncedReply>, Ok<PongReply>, Accepted<IgnoredReply>, Accepted<QueuedReply>, ProblemHttpResult> Push(
        HttpContext context, string json, SyncRoutes routes, DeliveryLog deliveries, ILogger log, WebhookDelivery record)
    {
        PushEvent? push;
        try
        {
            push = JsonSerializer.Deserialize(json, GitHubJsonContext.Default.PushEvent);
        }
        catch (JsonException e)
        {
            return Problem(StatusCodes.Status400BadRequest, "Malformed payload", $"the body is not valid push JSON: {e.Message}");
        }
        if (push?.Repository is null || string.IsNullOrWhiteSpace(push.Ref) || string.IsNullOrWhiteSpace(push.After))
            return Problem(StatusCodes.Status400BadRequest, "Malformed payload", "a push delivery needs ref, after and repository");
        var repositoryUrl = push.Repository.CloneUrl ?? push.Repository.HtmlUrl ?? "";
        record.Repository = repositoryUrl;
        if (push.Deleted == true || push.After.All(c => c == '0'))
            return Ignored(log, record, $"{push.Ref} was deleted");

        var changed = push.Commits is { Count: > 0 } commits
            ? commits.SelectMany(c => (c.Added ?? []).Concat(c.Modified ?? []).Concat(c.Removed ?? [])).ToHashSet(StringComparer.Ordinal)
            : null;
        var touchedHead = push.Repository.DefaultBranch is { Length: > 0 } head && push.Ref == "refs/heads/" + head;
        var environments = routes.EnvironmentsFor(
            [push.Repository.CloneUrl ?? "", push.Repository.HtmlUrl ?? "", push.Repository.SshUrl ?? ""], push.Ref, changed, touchedHead);
        LogPush(log, record.Delivery, repositoryUrl, RevisionMatch.Short(push.Ref), touchedHead ? "true" : "false");
        if (environments.Count == 0)
            return Ignored(log, record, $"no route for {repositoryUrl} {RevisionMatch.Short(push.Ref)}{(changed is null ? "" : " and its changed paths")}");
        if (record.Delivery is not null && !deliveries.TryBegin("github:" + record.Delivery))
            return Ignored(log, record, $"delivery {record.Delivery} was already handled", "duplicate");

        var entry = JournalEntry.Create("github", record.Event, record.Delivery, repositoryUrl,
            [.. environments.Select(e => new SyncRequest(e, push.After, repositoryUrl))]);
        return WebhookRequests.Queue(context, record, entry);
    }

    /// <summary>A GHCR container published: an <see cref="ImagePushed"/> for the <see cref="IImagePushHandler"/>, via the journal.</summary>
    private static Results<Ok<SyncedReply>, Ok<PongReply>, Accepted<IgnoredReply>, Accepted<QueuedReply>, ProblemHttpResult> Package(
        HttpContext context, byte[]? body, DeliveryLog deliveries, ILogger log, WebhookDelivery record)
    {
        if (body is null)
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "package events are read as application/json");
        var parsed = RegistryPayloads.Parse("github", body);
        if (parsed.Error is { } error) return Problem(StatusCodes.Status400BadRequest, "Malformed payload", error);
        if (parsed.Ignored is { } reason) return Ignored(log, record, reason);
        var image = parsed.Pushes[0];
        record.Repository = $"{image.Registry}/{image.Repository}:{image.Tag}";
        if (record.Delivery is not null && !deliveries.TryBegin("github:" + record.Delivery))
            return Ignored(log, record, $"delivery {record.Delivery} was already handled", "duplicate");
        return WebhookRequests.Queue(context, record, JournalEntry.Create("github", record.Event, record.Delivery, record.Repository, images: parsed.Pushes));
    }

    private static ProblemHttpResult Problem(int status, string title, string detail) => WebhookRequests.Problem(status, title, detail);

    private static Accepted<IgnoredReply> Ignored(ILogger log, WebhookDelivery record, string reason, string result = "ignored")
    {
        LogIgnored(log, record.Delivery, record.Event, reason);
        return WebhookRequests.Ignored(record, reason, result);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "GitHub delivery {Delivery}: push to {Repository}, revision: {Revision}, touchedHead: {TouchedHead}")]
    private static partial void LogPush(ILogger log, string? delivery, string repository, string revision, string touchedHead);

    [LoggerMessage(Level = LogLevel.Information, Message = "GitHub delivery {Delivery}: event {Event}, {Bytes} bytes, signature ok")]
    private static partial void LogReceived(ILogger log, string? delivery, string @event, int bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "GitHub delivery {Delivery}: event {Event} refused, signature {Reason}")]
    private static partial void LogBadSignature(ILogger log, string? delivery, string @event, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "GitHub delivery {Delivery}: body over {Cap} bytes refused")]
    private static partial void LogTooLarge(ILogger log, string? delivery, long cap);

    [LoggerMessage(Level = LogLevel.Information, Message = "GitHub delivery {Delivery}: event {Event} ignored: {Reason}")]
    private static partial void LogIgnored(ILogger log, string? delivery, string @event, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "GitHub delivery {Delivery}: synced {Environment} to {Revision} (pull request #{PullRequest})")]
    private static partial void LogSynced(ILogger log, string? delivery, string environment, string revision, int pullRequest);

    [LoggerMessage(Level = LogLevel.Error, Message = "GitHub delivery {Delivery}: sync of {Environment} to {Revision} failed")]
    private static partial void LogSyncFailed(ILogger log, Exception exception, string? delivery, string environment, string revision);
}
