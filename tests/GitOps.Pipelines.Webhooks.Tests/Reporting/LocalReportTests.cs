using System.Net;
using GitOps.Pipelines.Configuration;
using GitOps.Pipelines.Sync;
using GitOps.Pipelines.TestKit;
using GitOps.Pipelines.Tests.Sync;
using GitOps.Pipelines.Webhooks.Reporting;
using Microsoft.Extensions.DependencyInjection;

namespace GitOps.Pipelines.Webhooks.Tests.Reporting;

/// <summary>The embedded chain: the local sync renders the merge, the local forge's folder records the report.</summary>
public sealed class LocalReportTests
{
    [Fact]
    public async Task A_merge_rendered_by_the_local_sync_is_recorded_as_success_with_a_comment_on_the_pull_request()
    {
        // Given a real bare runtime repo where a merge moved staging to 4.2.0, the local sync and the local forge's reporter
        using var repo = new SeededRuntimeRepo();
        using var state = new TempDir("gitops-state");
        using var forge = new TempDir("gitops-forge");
        var merged = repo.SetImage("staging", "4.2.0");
        var sync = new LocalSync(new LocalSyncOptions(repo.BarePath, state.Path, [new LocalSyncEnvironment("staging", "overlays/staging")]));
        var reporter = new LocalDeploymentReporter(forge.Path);
        await using var host = await WebhookHost.StartAsync(new WebhookServiceOptions
        {
            GitHubSecret = WebhookHost.Secret,
            Routes = [new WebhookRoute(repo.BarePath, "main", ["staging"])],
        }, sync, observer: sync, reporter: reporter);

        // When the merge of PR #2 is delivered
        var response = await host.DeliverAsync("pull_request", Payloads.Merged(merged, repositoryUrl: repo.BarePath, baseRef: "main"));

        // Then the merge commit's status is success and PR #2 has the summary, in the forge's folder
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await WebhookHost.WaitUntilAsync(() => File.Exists(reporter.CommentsFile(2)), TimeSpan.FromSeconds(15), "the PR comment");
        var status = Assert.Single(reporter.Statuses(merged));
        Assert.Equal(("staging", "success"), (status.Environment, status.State));
        Assert.Contains($"| staging | localhost/hello:4.2.0 | {merged[..12]} | Healthy | success |", await File.ReadAllTextAsync(reporter.CommentsFile(2)));
        // and the service remembers it for the status page
        Assert.Contains(host.App.Services.GetRequiredService<DeploymentFollower>().Recent, r => r.Environment == "staging" && r.State == ReportState.Success);
        var page = await host.Client.GetStringAsync("/status");
        Assert.Contains($"<tr data-environment=\"staging\" data-revision=\"{merged}\"><td>staging</td><td class=\"revision\">{merged}</td><td class=\"result success\">success</td>", page);
    }

    [Fact]
    public void The_local_forge_reports_into_its_folder_under_the_state_dir_and_report_none_turns_reporting_off()
    {
        using var dir = new TempDir("gitops-config");
        var local = GitOpsConfigLoader.Parse("image: { name: hello }\nenvironments:\n  - name: staging\n    path: s\n", "gitops.yaml", dir.Path);
        var none = GitOpsConfigLoader.Parse("image: { name: hello }\nwebhook: { report: none }\nenvironments:\n  - name: staging\n    path: s\n", "gitops.yaml", dir.Path);

        var reporter = Assert.IsType<LocalDeploymentReporter>(WebhookEndpoints.Reporter(local, _ => null));
        Assert.Equal(Path.Combine(dir.Path, ".gitops", "forge", "reports", "pulls", "3.md"), reporter.CommentsFile(3));
        Assert.Equal("status", local.Webhook.Report);
        Assert.Null(WebhookEndpoints.Reporter(none, _ => null));
    }

    [Fact]
    public void A_hosted_forge_without_a_token_fails_at_start_naming_the_variable()
    {
        using var dir = new TempDir("gitops-config");
        var config = GitOpsConfigLoader.Parse("image: { name: hello }\nruntime: { url: \"https://github.com/acme/runtime.git\", forge: github, tokenEnv: LOOP_NO_SUCH_TOKEN }\nenvironments:\n  - name: staging\n    path: s\n",
            "gitops.yaml", dir.Path);

        var e = Assert.Throws<GitOpsException>(() => WebhookEndpoints.Reporter(config, _ => null));
        Assert.Contains("LOOP_NO_SUCH_TOKEN", e.Message);
    }

    [Fact]
    public void An_unknown_report_kind_is_refused_naming_the_key()
    {
        using var dir = new TempDir("gitops-config");
        var e = Assert.Throws<GitOpsException>(() => GitOpsConfigLoader.Parse(
            "image: { name: hello }\nwebhook: { report: email }\nenvironments:\n  - name: staging\n    path: s\n", "gitops.yaml", dir.Path));
        Assert.Contains("report", e.Message);
    }
}
