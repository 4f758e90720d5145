using GitOps.Pipelines.Forges.GitLab;

namespace GitOps.Pipelines.Webhooks.Reporting;

/// <summary>
/// Reports to GitLab: a commit status (<c>POST /projects/:id/statuses/:sha</c>, name <c>gitops/ENV</c>; pending →
/// <c>running</c>, failure and error → <c>failed</c>) and an MR note (<c>POST /projects/:id/merge_requests/:iid/notes</c>).
/// </summary>
public sealed class GitLabDeploymentReporter(GitLabClient client, string project) : IDeploymentReporter
{
    /// <inheritdoc />
    public Task ReportAsync(MergeEvent merge, EnvironmentReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(merge);
        ArgumentNullException.ThrowIfNull(report);
        var state = report.State switch
        {
            ReportState.Pending => "running",
            ReportState.Success => "success",
            _ => "failed",
        };
        return client.CommitStatus.CreateAsync(project, merge.Revision,
            new NewCommitStatusBody(state, DeploymentSummary.Context(report.Environment), Description: DeploymentSummary.Truncate(report.Description, 255)),
            cancellationToken);
    }

    /// <inheritdoc />
    public async Task SummarizeAsync(MergeEvent merge, IReadOnlyList<EnvironmentReport> reports, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(merge);
        if (merge.PullRequest <= 0) return;
        await client.MergeRequest.Notes.CreateAsync(project, merge.PullRequest, DeploymentSummary.Markdown(merge, reports), cancellationToken);
    }
}
