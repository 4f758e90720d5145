using System.Globalization;
using System.Text;
using GitOps.Pipelines.Sync;

namespace GitOps.Pipelines.Webhooks.Reporting;

/// <summary>Where a followed deployment stands: triggered and waiting, or finished one way or another.</summary>
public enum ReportState
{
    /// <summary>Triggered; waiting for the environment to be synced and healthy at the revision.</summary>
    Pending,

    /// <summary>Synced and healthy at the merged revision.</summary>
    Success,

    /// <summary>The deployment itself failed: Degraded, a failed sync operation, or not there before the timeout.</summary>
    Failure,

    /// <summary>The service could not trigger or watch (API down, RBAC forbidden, no target configured).</summary>
    Error,
}

/// <summary>One environment's report for one merge.</summary>
/// <param name="Environment">The environment.</param>
/// <param name="Revision">The merged revision it was asked to run.</param>
/// <param name="State">Where it stands.</param>
/// <param name="Description">Why, in one line (shown as the status description).</param>
/// <param name="Status">What the observer saw last, when it saw anything.</param>
public sealed record EnvironmentReport(string Environment, string Revision, ReportState State, string Description, DeploymentStatus? Status = null);

/// <summary>Reports a merge's deployments back where the merge happened: commit statuses, deployments, a PR/MR comment.</summary>
public interface IDeploymentReporter
{
    /// <summary>Reports one environment's state (pending when triggered, then the final state) on the merge commit.</summary>
    Task ReportAsync(MergeEvent merge, EnvironmentReport report, CancellationToken cancellationToken);

    /// <summary>Comments the final reports of every environment on the pull/merge request (<see cref="MergeEvent.PullRequest"/> &gt; 0).</summary>
    Task SummarizeAsync(MergeEvent merge, IReadOnlyList<EnvironmentReport> reports, CancellationToken cancellationToken);
}

/// <summary>The words and markdown every reporter shares.</summary>
public static class DeploymentSummary
{
    /// <summary>The status context (GitHub) or name (GitLab) for an environment: <c>gitops/ENV</c>.</summary>
    public static string Context(string environment) => "gitops/" + environment;

    /// <summary>A markdown comment: environment × image × revision × health × result, and why for each failure.</summary>
    public static string Markdown(MergeEvent merge, IReadOnlyList<EnvironmentReport> reports)
    {
        ArgumentNullException.ThrowIfNull(merge);
        ArgumentNullException.ThrowIfNull(reports);
        var ok = reports.All(r => r.State == ReportState.Success);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"### GitOps deployment of {Short(merge.Revision)}: {(ok ? "succeeded" : "did not succeed")}\n\n");
        text.Append("| environment | image | revision | health | result |\n|---|---|---|---|---|\n");
        foreach (var r in reports)
        {
            var images = r.Status is null || r.Status.Images.Count == 0
                ? "–"
                : string.Join("<br>", r.Status.Images.Select(i => Cell(i.Name + (i.Tag is null ? "" : ":" + i.Tag))));
            var revision = r.Status is null ? "–" : Short(r.Status.Revision);
            var health = r.Status?.Health ?? "–";
            text.Append(CultureInfo.InvariantCulture,
                $"| {Cell(r.Environment)} | {images} | {Cell(revision)} | {Cell(health)} | {Word(r.State)} |\n");
        }
        var failed = reports.Where(r => r.State != ReportState.Success).ToList();
        if (failed.Count > 0)
        {
            text.Append('\n');
            foreach (var r in failed) text.Append(CultureInfo.InvariantCulture, $"- **{Cell(r.Environment)}**: {Cell(r.Description)}\n");
        }
        return text.ToString();
    }

    /// <summary>The state as GitHub's commit status names it.</summary>
    public static string Word(ReportState state) => state switch
    {
        ReportState.Pending => "pending",
        ReportState.Success => "success",
        ReportState.Failure => "failure",
        _ => "error",
    };

    /// <summary>At most <paramref name="max"/> characters (GitHub caps a status description at 140).</summary>
    public static string Truncate(string text, int max = 140)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length <= max ? text : text[..(max - 1)] + "…";
    }

    private static string Short(string revision) => revision.Length > 12 ? revision[..12] : revision;

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");
}
