using System.Text.Json;
using GitOps.Pipelines.Sync;
using GitOps.Pipelines.Webhooks.Processing;
using GitOps.Pipelines.Webhooks.Routing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace GitOps.Pipelines.Webhooks.GitLab;

/// <summary>
/// The GitLab receiver, <c>POST /hooks/gitlab</c>. Checks, in order: content type (415), size (413), <c>X-Gitlab-Token</c>
/// against the configured token in constant time (401), <c>X-Gitlab-Event</c> (400 when missing), payload (400). Then:
/// Push Hook and Tag Push Hook sync the routes whose branch or tag moved (changed paths from the commits), Merge Request
/// Hook with action <c>merge</c> syncs the target branch's routes at the merge commit, approvals are recorded only; every
/// other event is 202 and ignored. Deliveries are deduplicated by <c>Idempotency-Key</c>, else <c>X-Gitlab-Event-UUID</c>.
/// Accepted events are journaled, answered 202, and synced by the background processor.
/// </summary>
public static partial class GitLabEndpoints
{
    /// <summary>The header GitLab sends the webhook's secret token in.</summary>
    public const string TokenHeader = "X-Gitlab-Token";

    private static readonly string[] ApprovalActions = ["approved", "approval", "unapproved", "unapproval"];

    /// <summary>Maps <c>/hooks/gitlab</c>.</summary>
    public static RouteGroupBuilder MapGitLabWebhooks(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/hooks/gitlab").WithTags("GitLab");
        group.MapPost("/", ReceiveAsync).DisableAntiforgery().RecordDeliveries("gitlab").RequireRateLimiting(WebhookRateLimits.Policy);
        return group;
    }

    internal static async Task<Results<Accepted<QueuedReply>, Accepted<IgnoredReply>, ProblemHttpResult>> ReceiveAsync(
        HttpContext context,
        [FromServices] WebhookServiceOptions options,
        [FromServices] SyncRoutes routes,
        [FromServices] DeliveryLog deliveries,
        [FromServices] ILoggerFactory loggers)
    {
        var log = loggers.CreateLogger("GitOps.Pipelines.Webhooks.GitLab");
        var request = context.Request;
        var record = WebhookDelivery.Of(context);
        record.Event = request.Headers["X-Gitlab-Event"].ToString();
        record.Delivery = First(request.Headers["Idempotency-Key"].ToString(), request.Headers["X-Gitlab-Event-UUID"].ToString());

        if (WebhookRequests.RequireMediaType(request, "application/json") is { } unsupported) return unsupported;
        var body = await WebhookRequests.ReadCappedAsync(context, options.MaxBodyBytes);
        if (body is null) return WebhookRequests.TooLarge(options.MaxBodyBytes);

        var token = request.Headers[TokenHeader].Count > 0 ? request.Headers[TokenHeader].ToString() : null;
        if (string.IsNullOrEmpty(options.GitLabToken) && string.IsNullOrEmpty(options.GitLabSigningToken))
        {
            LogRefused(log, record.Delivery, record.Event, "no token configured");
            return WebhookRequests.Problem(StatusCodes.Status401Unauthorized, "Invalid token",
                $"no GitLab token is configured: set {WebhookServiceOptions.GitLabTokenVariable} or {WebhookServiceOptions.GitLabSigningTokenVariable}; deliveries are never accepted without one");
        }
        if (!string.IsNullOrEmpty(options.GitLabSigningToken)
            && GitLabSignature.Refusal(options.GitLabSigningToken, request.Headers[GitLabSignature.IdHeader].ToString(),
                request.Headers[GitLabSignature.TimestampHeader].ToString(), request.Headers[GitLabSignature.Header].ToString(), body,
                DateTimeOffset.UtcNow, options.SignatureTolerance) is { } refusal)
        {
            LogRefused(log, record.Delivery, record.Event, "signature refused");
            return WebhookRequests.Problem(StatusCodes.Status401Unauthorized, "Invalid signature", refusal);
        }
        if (!string.IsNullOrEmpty(options.GitLabToken) && !WebhookRequests.SecretEquals(token, options.GitLabToken))
        {
            LogRefused(log, record.Delivery, record.Event, token is null ? "token missing" : "token mismatch");
            return WebhookRequests.Problem(StatusCodes.Status401Unauthorized, "Invalid token",
                token is null ? $"the {TokenHeader} header is missing" : $"the {TokenHeader} header does not match the configured token");
        }

        if (record.Event.Length == 0)
            return WebhookRequests.Problem(StatusCodes.Status400BadRequest, "Missing event", "the X-Gitlab-Event header is missing");
        if (record.Event is not ("Push Hook" or "Tag Push Hook" or "Merge Request Hook" or "System Hook"))
            return Ignored(log, record, $"event '{record.Event}' does not deploy");

        GitLabEvent? e;
        try
        {
            e = JsonSerializer.Deserialize(body, GitLabJsonContext.Default.GitLabEvent);
        }
        catch (JsonException ex)
        {
            return WebhookRequests.Problem(StatusCodes.Status400BadRequest, "Malformed payload", $"the body is not valid GitLab event JSON: {ex.Message}");
        }
        if (e is null)
            return WebhookRequests.Problem(StatusCodes.Status400BadRequest, "Malformed payload", "the body is not a GitLab event");

        var kind = e.ObjectKind ?? record.Event switch { "Push Hook" => "push", "Tag Push Hook" => "tag_push", "Merge Request Hook" => "merge_request", _ => "" };
        return kind switch
        {
            "push" or "tag_push" => Push(context, e, routes, deliveries, log, record),
            "merge_request" => MergeRequest(context, e, routes, deliveries, log, record),
            _ => Ignored(log, record, $"{record.Event} of kind '{kind}' does not deploy"),
        };
    }

    private static Results<Accepted<QueuedReply>, Accepted<IgnoredReply>, ProblemHttpResult> Push(
        HttpContext context, GitLabEvent e, SyncRoutes routes, DeliveryLog deliveries, ILogger log, WebhookDelivery record)
    {
        var revision = First(e.CheckoutSha, e.After);
        if (string.IsNullOrWhiteSpace(e.Ref) || e.Project is null && e.Repository is null)
            return WebhookRequests.Problem(StatusCodes.Status400BadRequest, "Malformed payload", "a push event needs ref and project");
        var urls = Urls(e.Project, e.Repository);
        var web = e.Project?.WebUrl ?? e.Repository?.Homepage ?? urls.FirstOrDefault() ?? "";
        record.Repository = web;
        if (revision is null || revision.All(c => c == '0'))
            return Ignored(log, record, $"{e.Ref} was deleted");

        // GitLab lists at most 20 commits; with more, or none, the changed paths are unknown and globs do not filter.
        var commits = e.Commits ?? [];
        IReadOnlyCollection<string>? changed = commits.Count > 0 && (e.TotalCommitsCount ?? commits.Count) <= commits.Count
            ? commits.SelectMany(c => (c.Added ?? []).Concat(c.Modified ?? []).Concat(c.Removed ?? [])).ToHashSet(StringComparer.Ordinal)
            : null;
        var touchedHead = e.Project?.DefaultBranch is { Length: > 0 } head && e.Ref == "refs/heads/" + head;
        var shortRef = RevisionMatch.Short(e.Ref);
        LogPush(log, web, shortRef, touchedHead ? "true" : "false");
        var environments = routes.EnvironmentsFor(urls, e.Ref, changed, touchedHead);
        if (environments.Count == 0)
            return Ignored(log, record, $"no route for {web} {shortRef}{(changed is null ? "" : " and its changed paths")}");
        return Queue(context, deliveries, log, record, environments, revision, urls.FirstOrDefault() ?? web);
    }

    private static Results<Accepted<QueuedReply>, Accepted<IgnoredReply>, ProblemHttpResult> MergeRequest(
        HttpContext context, GitLabEvent e, SyncRoutes routes, DeliveryLog deliveries, ILogger log, WebhookDelivery record)
    {
        var mr = e.ObjectAttributes;
        if (mr is null)
            return WebhookRequests.Problem(StatusCodes.Status400BadRequest, "Malformed payload", "a merge request event needs object_attributes");
        var target = mr.Target ?? e.Project;
        var urls = Urls(target, mr.Target is null ? e.Repository : null);
        record.Repository = target?.WebUrl ?? urls.FirstOrDefault();
        if (mr.Action is { } action && ApprovalActions.Contains(action))
        {
            LogApproval(log, record.Delivery, mr.Iid, action);
            return WebhookRequests.Ignored(record, $"merge request !{mr.Iid} {action}: recorded; approvals do not deploy", "approval");
        }
        var merged = mr.Action == "merge" || (string.IsNullOrEmpty(mr.Action) && mr.State == "merged");
        if (!merged)
            return Ignored(log, record, $"merge request action '{mr.Action}' does not deploy");
        // A fast-forward merge has no merge commit: the source branch's last commit is what landed.
        var revision = First(mr.MergeCommitSha, mr.LastCommit?.Id);
        if (revision is null || string.IsNullOrWhiteSpace(mr.TargetBranch) || urls.Count == 0)
            return WebhookRequests.Problem(StatusCodes.Status400BadRequest, "Malformed payload",
                "a merged merge request needs object_attributes.target_branch, merge_commit_sha (or last_commit.id) and the target project's URLs");
        var environments = routes.EnvironmentsFor(urls, mr.TargetBranch);
        if (environments.Count == 0)
            return Ignored(log, record, $"no route for {record.Repository} branch {mr.TargetBranch}");
        return Queue(context, deliveries, log, record, environments, revision, urls[0], mr.Iid, mr.TargetBranch);
    }

    private static Results<Accepted<QueuedReply>, Accepted<IgnoredReply>, ProblemHttpResult> Queue(
        HttpContext context, DeliveryLog deliveries, ILogger log, WebhookDelivery record, IReadOnlyList<string> environments, string revision, string repositoryUrl,
        int pullRequest = 0, string? branch = null)
    {
        if (record.Delivery is not null && !deliveries.TryBegin("gitlab:" + record.Delivery))
            return Ignored(log, record, $"delivery {record.Delivery} was already handled", "duplicate");
        var entry = JournalEntry.Create("gitlab", record.Event, record.Delivery, repositoryUrl,
            [.. environments.Select(env => new SyncRequest(env, revision, repositoryUrl))]) with { PullRequest = pullRequest, Branch = branch };
        LogQueued(log, record.Delivery, record.Event, string.Join(", ", environments), revision);
        return WebhookRequests.Queue(context, record, entry);
    }

    private static List<string> Urls(GitLabProject? project, GitLabRepository? repository) =>
        new[] { project?.GitHttpUrl, project?.GitSshUrl, project?.WebUrl, repository?.GitHttpUrl, repository?.GitSshUrl, repository?.Url, repository?.Homepage }
            .Where(u => !string.IsNullOrWhiteSpace(u)).Select(u => u!).Distinct(StringComparer.Ordinal).ToList();

    private static string? First(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));

    private static Accepted<IgnoredReply> Ignored(ILogger log, WebhookDelivery record, string reason, string result = "ignored")
    {
        LogIgnored(log, record.Delivery, record.Event, reason);
        return WebhookRequests.Ignored(record, reason, result);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "GitLab delivery {Delivery}: event {Event} refused, {Reason}")]
    private static partial void LogRefused(ILogger log, string? delivery, string @event, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "GitLab delivery {Delivery}: event {Event} ignored: {Reason}")]
    private static partial void LogIgnored(ILogger log, string? delivery, string @event, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Received push event repo: {Repository}, revision: {Revision}, touchedHead: {TouchedHead}")]
    private static partial void LogPush(ILogger log, string repository, string revision, string touchedHead);

    [LoggerMessage(Level = LogLevel.Information, Message = "GitLab delivery {Delivery}: merge request !{Iid} {Action} recorded")]
    private static partial void LogApproval(ILogger log, string? delivery, int iid, string action);

    [LoggerMessage(Level = LogLevel.Information, Message = "GitLab delivery {Delivery}: {Event} queued: sync {Environments} to {Revision}")]
    private static partial void LogQueued(ILogger log, string? delivery, string @event, string environments, string revision);
}
