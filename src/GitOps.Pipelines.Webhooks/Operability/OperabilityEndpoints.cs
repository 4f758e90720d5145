using System.Globalization;
using System.Net;
using System.Text;
using GitOps.Pipelines.Sync;
using GitOps.Pipelines.Webhooks.Processing;
using GitOps.Pipelines.Webhooks.Reporting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace GitOps.Pipelines.Webhooks.Operability;

/// <summary>
/// What an operator looks at: <c>GET /readyz</c> (200 once the journal is replayed and taking events, else 503),
/// <c>GET /metrics</c> (Prometheus text) and the status page at <c>GET /</c> and <c>GET /status</c> (server-rendered HTML).
/// </summary>
public static class OperabilityEndpoints
{
    /// <summary>Maps <c>/readyz</c>, <c>/metrics</c>, <c>/</c> and <c>/status</c>.</summary>
    public static IEndpointRouteBuilder MapOperability(this IEndpointRouteBuilder app)
    {
        app.MapGet("/readyz", Ready).WithTags("Health");
        app.MapGet("/metrics", Metrics).WithTags("Operability");
        app.MapGet("/", StatusPageAsync).WithTags("Operability");
        app.MapGet("/status", StatusPageAsync).WithTags("Operability");
        return app;
    }

    internal static Results<ContentHttpResult, ProblemHttpResult> Ready([FromServices] EventProcessor processor) =>
        processor.IsReady
            ? TypedResults.Text("ready")
            : TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not ready", detail: "the journal is still being replayed");

    internal static ContentHttpResult Metrics([FromServices] WebhookMetrics metrics) =>
        TypedResults.Text(metrics.Render(), "text/plain; version=0.0.4; charset=utf-8");

    internal static async Task<ContentHttpResult> StatusPageAsync(
        HttpContext context,
        [FromServices] WebhookServiceOptions options,
        [FromServices] DeliveryRecords records,
        [FromServices] EventJournal journal)
    {
        var observers = context.RequestServices.GetServices<IDeploymentObserver>().ToList();
        var environments = options.Routes.SelectMany(r => r.Environments).Distinct(StringComparer.Ordinal).ToList();
        var rows = new List<(string Environment, DeploymentStatus? Status, string? Error)>();
        foreach (var environment in environments)
        {
            if (observers.Count == 0)
            {
                rows.Add((environment, null, "no deployment observer registered"));
                continue;
            }
            foreach (var observer in observers)
            {
                try
                {
                    rows.Add((environment, await observer.GetAsync(environment, context.RequestAborted), null));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // e.g. RBAC forbidden: shown on the page rather than failing it
                    rows.Add((environment, null, e.Message));
                }
            }
        }
        var reports = context.RequestServices.GetRequiredService<DeploymentFollower>().Recent;
        return TypedResults.Content(Render(records.Recent, rows, journal.Depth, reports), "text/html; charset=utf-8");
    }

    private static string Render(IReadOnlyList<DeliveryRecord> deliveries, List<(string Environment, DeploymentStatus? Status, string? Error)> environments, int depth,
        IReadOnlyList<EnvironmentReport> reports)
    {
        static string H(string? s) => WebUtility.HtmlEncode(s ?? "");
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>GitOps webhooks</title>")
            .Append("<style>body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:2em}")
            .Append("td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}.Healthy,.success{color:#070}.Degraded,.failure,.error,.failed,.retrying,.unauthorized{color:#b00}</style>")
            .Append("</head><body>\n<h1>GitOps webhooks</h1>\n");
        html.Append(CultureInfo.InvariantCulture, $"<p id=\"journal\">Journal depth: <span id=\"journal-depth\">{depth}</span></p>\n");

        html.Append("<h2>Environments</h2>\n<table id=\"environments\"><thead><tr><th>environment</th><th>image</th><th>revision</th><th>health</th><th>synced at</th><th>message</th></tr></thead><tbody>\n");
        foreach (var (environment, status, error) in environments)
        {
            var images = status is null ? "" : string.Join(", ", status.Images.Select(i => i.Name + (i.Tag is null ? "" : ":" + i.Tag) + (i.Digest is null ? "" : "@" + i.Digest)));
            var health = status?.Health ?? (error is null ? "never synced" : "unknown");
            html.Append(CultureInfo.InvariantCulture,
                $"<tr data-environment=\"{H(environment)}\"><td>{H(environment)}</td><td class=\"image\">{H(images)}</td><td class=\"revision\">{H(status?.Revision)}</td>")
                .Append(CultureInfo.InvariantCulture,
                $"<td class=\"health {H(health)}\">{H(health)}</td><td>{H(status?.SyncedAt.ToString("u", CultureInfo.InvariantCulture))}</td><td class=\"message\">{H(error ?? status?.Message)}</td></tr>\n");
        }
        html.Append("</tbody></table>\n");

        html.Append("<h2>Reported deployments</h2>\n<table id=\"reports\"><thead><tr><th>environment</th><th>revision</th><th>result</th><th>why</th></tr></thead><tbody>\n");
        foreach (var r in reports)
        {
            var word = DeploymentSummary.Word(r.State);
            html.Append(CultureInfo.InvariantCulture,
                $"<tr data-environment=\"{H(r.Environment)}\" data-revision=\"{H(r.Revision)}\"><td>{H(r.Environment)}</td><td class=\"revision\">{H(r.Revision)}</td><td class=\"result {H(word)}\">{H(word)}</td><td class=\"message\">{H(r.Description)}</td></tr>\n");
        }
        html.Append("</tbody></table>\n");

        html.Append("<h2>Recent deliveries</h2>\n<table id=\"deliveries\"><thead><tr><th>received</th><th>source</th><th>event</th><th>delivery</th><th>repository</th><th>result</th><th>latency</th><th>detail</th></tr></thead><tbody>\n");
        foreach (var d in deliveries)
        {
            html.Append(CultureInfo.InvariantCulture,
                $"<tr data-delivery=\"{H(d.Delivery)}\"><td>{H(d.ReceivedAt.ToString("u", CultureInfo.InvariantCulture))}</td><td class=\"source\">{H(d.Source)}</td><td class=\"event\">{H(d.Event)}</td>")
                .Append(CultureInfo.InvariantCulture,
                $"<td>{H(d.Delivery)}</td><td class=\"repository\">{H(d.Repository)}</td><td class=\"result {H(d.Result)}\">{H(d.Result)}</td><td class=\"latency\">{d.Latency.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture)} ms</td><td>{H(d.Detail)}</td></tr>\n");
        }
        html.Append("</tbody></table>\n</body></html>\n");
        return html.ToString();
    }
}
