using System.Text.Json;

namespace GitOps.Pipelines.Webhooks.Reporting;

/// <summary>A report as the local forge keeps it.</summary>
/// <param name="Environment">The environment.</param>
/// <param name="Revision">The merged revision.</param>
/// <param name="State">pending, success, failure or error.</param>
/// <param name="Description">Why.</param>
/// <param name="At">When it was reported.</param>
public sealed record LocalDeploymentRecord(string Environment, string Revision, string State, string Description, DateTimeOffset At);

/// <summary>
/// Reports into the local forge's folder: each merge commit's statuses in <c>reports/statuses/SHA.json</c> (the latest per
/// environment) and each pull request's comments appended to <c>reports/pulls/N.md</c>.
/// </summary>
public sealed class LocalDeploymentReporter(string forgeDirectory) : IDeploymentReporter
{
    private readonly Lock _lock = new();

    /// <summary>The file holding a merge commit's statuses.</summary>
    public string StatusesFile(string revision) => Path.Combine(forgeDirectory, "reports", "statuses", revision + ".json");

    /// <summary>The file holding a pull request's comments.</summary>
    public string CommentsFile(int pullRequest) => Path.Combine(forgeDirectory, "reports", "pulls", pullRequest + ".md");

    /// <summary>A merge commit's statuses, the latest per environment.</summary>
    public IReadOnlyList<LocalDeploymentRecord> Statuses(string revision)
    {
        var file = StatusesFile(revision);
        lock (_lock)
            return File.Exists(file) ? JsonSerializer.Deserialize(File.ReadAllText(file), ReportingJson.Default.ListLocalDeploymentRecord) ?? [] : [];
    }

    /// <inheritdoc />
    public Task ReportAsync(MergeEvent merge, EnvironmentReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(merge);
        ArgumentNullException.ThrowIfNull(report);
        var file = StatusesFile(merge.Revision);
        lock (_lock)
        {
            var all = File.Exists(file) ? JsonSerializer.Deserialize(File.ReadAllText(file), ReportingJson.Default.ListLocalDeploymentRecord) ?? [] : [];
            all.RemoveAll(r => r.Environment == report.Environment);
            all.Add(new LocalDeploymentRecord(report.Environment, merge.Revision, DeploymentSummary.Word(report.State), report.Description, DateTimeOffset.UtcNow));
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file + ".tmp", JsonSerializer.Serialize(all, ReportingJson.Default.ListLocalDeploymentRecord));
            File.Move(file + ".tmp", file, overwrite: true);
        }
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task SummarizeAsync(MergeEvent merge, IReadOnlyList<EnvironmentReport> reports, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(merge);
        if (merge.PullRequest <= 0) return Task.CompletedTask;
        var file = CommentsFile(merge.PullRequest);
        lock (_lock)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.AppendAllText(file, DeploymentSummary.Markdown(merge, reports) + "\n");
        }
        return Task.CompletedTask;
    }
}
