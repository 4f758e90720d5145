using System.Text.Json;
using GitOps.Pipelines.TestKit;
using GitOps.Pipelines.Webhooks.Routing;

namespace GitOps.Pipelines.Webhooks.Tests.Routing;

/// <summary>Routing follows Argo CD's webhook rules: argocd/webhook-receiver-cases.json, every case that applies to GitHub and GitLab.</summary>
public sealed class ArgoCdRulesTests
{
    private static IEnumerable<JsonElement> Cases(string kind) =>
        JsonDocument.Parse(File.ReadAllText(Paths.Fixture("argocd/webhook-receiver-cases.json"))).RootElement.GetProperty("cases").EnumerateArray()
            .Where(c => c.GetProperty("kind").GetString() == kind).Select(c => c.Clone());

    public static TheoryData<string, string, string, bool> RepoUrlCases()
    {
        var data = new TheoryData<string, string, string, bool>();
        foreach (var c in Cases("repo_url_match"))
            data.Add(c.GetProperty("name").GetString()!, c.GetProperty("webhook_url").GetString()!, c.GetProperty("app_repo_url").GetString()!, c.GetProperty("expected_match").GetBoolean());
        return data;
    }

    public static TheoryData<string, string, string, bool, bool> RevisionCases()
    {
        var data = new TheoryData<string, string, string, bool, bool>();
        foreach (var c in Cases("revision_has_changed"))
            data.Add(c.GetProperty("name").GetString()!, c.GetProperty("app_target_revision").GetString()!, c.GetProperty("pushed_revision").GetString()!,
                c.GetProperty("touched_head").GetBoolean(), c.GetProperty("expected_refresh").GetBoolean());
        return data;
    }

    public static TheoryData<string, string, string, bool> PayloadRevisionCases()
    {
        var data = new TheoryData<string, string, string, bool>();
        foreach (var c in Cases("payload_revision_match").Where(c => c.GetProperty("provider").GetString() is "github push" or "gitlab push" or "gitlab tag_push"))
            data.Add(c.GetProperty("name").GetString()!, c.GetProperty("payload_ref_field").GetString()!, c.GetProperty("app_target_revision").GetString()!, c.GetProperty("expected_refresh").GetBoolean());
        return data;
    }

    [Fact]
    public void The_case_tables_are_all_here()
    {
        Assert.Equal(23, RepoUrlCases().Count);
        Assert.Equal(15, RevisionCases().Count);
        Assert.Equal(13, PayloadRevisionCases().Count);
    }

    [Theory]
    [MemberData(nameof(RepoUrlCases))]
    public void Repository_urls_match_like_Argo_CD(string name, string webhookUrl, string appUrl, bool expected)
    {
        Assert.True(RepositoryUrl.Matches(webhookUrl, appUrl) == expected, $"{name}: {webhookUrl} vs {appUrl} should {(expected ? "" : "not ")}match");
    }

    [Theory]
    [MemberData(nameof(RevisionCases))]
    public void A_pushed_revision_refreshes_like_Argo_CD(string name, string target, string pushed, bool touchedHead, bool expected)
    {
        Assert.True(RevisionMatch.Changed(target, pushed, touchedHead) == expected, name);
    }

    [Theory]
    [MemberData(nameof(PayloadRevisionCases))]
    public void A_payload_ref_refreshes_like_Argo_CD(string name, string payloadRef, string target, bool expected)
    {
        // the payload's ref is what the receivers hand to the routes
        var routes = new SyncRoutes([new WebhookRoute("https://example.com/org/repo", target, ["env"])]);

        var environments = routes.EnvironmentsFor(["https://example.com/org/repo.git"], payloadRef, changedPaths: null);

        Assert.True(environments.Count == 1 == expected, name);
    }

    [Theory]
    [InlineData("app/**", "app/controller/application.rb", true)]
    [InlineData("app/**", "apps/x", false)]
    [InlineData("**/*.yaml", "overlays/staging/kustomization.yaml", true)]
    [InlineData("**/*.yaml", "kustomization.yaml", true)]
    [InlineData("overlays/*/values.yaml", "overlays/staging/values.yaml", true)]
    [InlineData("overlays/*/values.yaml", "overlays/staging/x/values.yaml", false)]
    [InlineData("README.?d", "README.md", true)]
    [InlineData("a.b", "axb", false)]
    public void Path_globs_match_changed_files(string glob, string path, bool expected) =>
        Assert.Equal(expected, Glob.IsMatch(glob, path));
}
