namespace GitOps.Pipelines.Webhooks.Routing;

/// <summary>The configured routes, matched by repository (normalized URL) and branch.</summary>
public sealed class SyncRoutes(IReadOnlyList<WebhookRoute> routes)
{
    /// <summary>The environments to sync for a merge, in route order, each once.</summary>
    /// <param name="repositoryUrls">Every URL the forge gave for the repository (clone, html, ssh).</param>
    /// <param name="branch">The branch merged into.</param>
    public IReadOnlyList<string> EnvironmentsFor(IEnumerable<string> repositoryUrls, string branch)
    {
        var keys = repositoryUrls.Where(u => !string.IsNullOrWhiteSpace(u)).Select(RepositoryUrl.Normalize).ToHashSet(StringComparer.Ordinal);
        var wanted = ShortBranch(branch);
        return routes
            .Where(r => ShortBranch(r.Branch) == wanted && keys.Contains(RepositoryUrl.Normalize(r.RepositoryUrl)))
            .SelectMany(r => r.Environments)
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    private static string ShortBranch(string branch) =>
        branch.StartsWith("refs/heads/", StringComparison.Ordinal) ? branch["refs/heads/".Length..] : branch;
}
