using System.Collections.Concurrent;
using System.Text.Json.Serialization;
using GitOps.Pipelines.Forges.GitHub;

namespace GitOps.Pipelines.Webhooks.Reporting;

/// <summary>How a merge's deployments show on GitHub.</summary>
public enum GitHubReportKind
{
    /// <summary>A commit status <c>gitops/ENV</c> on the merge commit.</summary>
    CommitStatus,

    /// <summary>A Deployment per environment on the merge commit, and its deployment statuses.</summary>
    Deployment,
}

/// <summary>
/// Reports to GitHub: a commit status (<c>POST /repos/{o}/{r}/statuses/{sha}</c>, context <c>gitops/ENV</c>) or a
/// Deployment with deployment statuses, and a PR comment (<c>POST /repos/{o}/{r}/issues/{n}/comments</c>).
/// </summary>
public sealed class GitHubDeploymentReporter(GitHubClient client, string owner, string repo, GitHubReportKind kind = GitHubReportKind.CommitStatus)
    : IDeploymentReporter
{
    private readonly ConcurrentDictionary<(string Sha, string Environment), long> _deployments = new();

    /// <inheritdoc />
    public async Task ReportAsync(MergeEvent merge, EnvironmentReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(merge);
        ArgumentNullException.ThrowIfNull(report);
        var description = DeploymentSummary.Truncate(report.Description);
        if (kind == GitHubReportKind.CommitStatus)
        {
            await client.Status.CreateAsync(owner, repo, merge.Revision,
                new NewCommitStatusBody(DeploymentSummary.Word(report.State), DeploymentSummary.Context(report.Environment), description), cancellationToken);
            return;
        }
        var key = (merge.Revision, report.Environment);
        if (!_deployments.TryGetValue(key, out var id))
        {
            // Required contexts empty: the deployment records what happened; it is not a gate.
            var created = await client.Deployment.CreateAsync(owner, repo,
                new NewDeploymentBody(merge.Revision, report.Environment, $"GitOps sync of {report.Environment}", AutoMerge: false,
                    RequiredContexts: [], Task: "deploy"), cancellationToken);
            id = _deployments.GetOrAdd(key, created.Id);
        }
        await client.Deployment.Status.CreateAsync(owner, repo, id,
            new NewDeploymentStatusBody(report.State == ReportState.Pending ? "in_progress" : DeploymentSummary.Word(report.State), description,
                Environment: report.Environment), cancellationToken);
        if (report.State != ReportState.Pending) _deployments.TryRemove(key, out _);
    }

    /// <inheritdoc />
    public async Task SummarizeAsync(MergeEvent merge, IReadOnlyList<EnvironmentReport> reports, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(merge);
        if (merge.PullRequest <= 0) return;
        var url = client.Connection.Url($"repos/{Uri.EscapeDataString(owner)}/{Uri.EscapeDataString(repo)}/issues/{merge.PullRequest}/comments");
        await client.Connection.SendAsync(HttpMethod.Post, url, new IssueCommentBody(DeploymentSummary.Markdown(merge, reports)),
            ReportingJson.Default.IssueCommentBody, cancellationToken);
    }
}

/// <summary>Body of <c>POST /repos/{o}/{r}/issues/{n}/comments</c>.</summary>
/// <param name="Body">The comment, markdown.</param>
public sealed record IssueCommentBody([property: JsonPropertyName("body")] string Body);

/// <summary>Source-generated JSON for the reporters' own request bodies and records.</summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(IssueCommentBody))]
[JsonSerializable(typeof(LocalDeploymentRecord))]
[JsonSerializable(typeof(List<LocalDeploymentRecord>))]
public sealed partial class ReportingJson : JsonSerializerContext;
