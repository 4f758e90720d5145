using System.Text.RegularExpressions;
using GitOps.Pipelines.Configuration;
using GitOps.Pipelines.Forges.GitHub;
using GitOps.Pipelines.Forges.GitLab;

namespace GitOps.Pipelines.Forges;

/// <summary>Where a hosted forge's API is and which repository (project) on it holds the runtime repo.</summary>
/// <param name="ApiUrl">The API root, ending in a slash.</param>
/// <param name="Project">GitHub <c>owner/repo</c> or GitLab <c>group/…/project</c>.</param>
public sealed record ForgeLocation(Uri ApiUrl, string Project);

/// <summary>The token a hosted forge client sends, and where it came from (named in errors; the value never is).</summary>
/// <param name="Value">The token.</param>
/// <param name="Source">The environment variable it came from.</param>
/// <param name="Kind">For GitLab: a private/project token or a CI job token.</param>
public sealed record ForgeToken(string Value, string Source, GitLabTokenKind Kind)
{
    /// <summary>The source only, so a token never lands in a log by accident.</summary>
    public override string ToString() => $"token from {Source}";
}

/// <summary>
/// Opens the GitHub or GitLab forge that <c>runtime.forge</c> names: the API root and project from
/// <c>runtime.apiUrl</c>/<c>runtime.project</c> or else parsed from <c>runtime.url</c>, the token from the environment.
/// </summary>
public static partial class HostedForges
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(100) };

    /// <summary>
    /// The token lookup order: <c>runtime.tokenEnv</c> when set (only that variable); otherwise <c>GITOPS_FORGE_TOKEN</c>,
    /// then <c>GITHUB_TOKEN</c> (github) or <c>GITLAB_TOKEN</c> and then <c>CI_JOB_TOKEN</c> (gitlab, sent as <c>JOB-TOKEN</c>).
    /// </summary>
    public static IReadOnlyList<string> TokenVariables(string forge, string? tokenEnv) =>
        tokenEnv is not null ? [tokenEnv]
        : forge == "gitlab" ? ["GITOPS_FORGE_TOKEN", "GITLAB_TOKEN", "CI_JOB_TOKEN"]
        : ["GITOPS_FORGE_TOKEN", "GITHUB_TOKEN"];

    /// <summary>The first token set among <see cref="TokenVariables"/>; a clear error naming them when none is.</summary>
    public static ForgeToken Token(string forge, string? tokenEnv, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var names = TokenVariables(forge, tokenEnv);
        foreach (var name in names)
        {
            if (environment(name) is { Length: > 0 } value)
                return new ForgeToken(value.Trim(), name, name == "CI_JOB_TOKEN" ? GitLabTokenKind.Job : GitLabTokenKind.Private);
        }
        throw new GitOpsException($"runtime.forge '{forge}' needs a token: set {string.Join(" or ", names)}", ExitCode.InvalidInput);
    }

    /// <summary>The API root and project for a runtime repo URL (https, ssh:// or scp-like <c>git@host:path</c>).</summary>
    public static ForgeLocation Locate(string forge, string url, string? apiUrl = null, string? project = null)
    {
        ArgumentNullException.ThrowIfNull(url);
        var (scheme, host, port, path) = Parse(url);
        var api = apiUrl is not null ? new Uri(apiUrl.TrimEnd('/') + "/")
            : host is null ? throw new GitOpsException(
                $"runtime.url '{url}' is not a {Name(forge)} URL; set runtime.url to the repository's URL, or runtime.apiUrl and runtime.project", ExitCode.InvalidInput)
            : forge == "github"
                ? host is "github.com" or "www.github.com" ? GitHubClient.GitHubApiUrl : new Uri($"{scheme}://{host}{port}/api/v3/")
                : new Uri($"{scheme}://{host}{port}/api/v4/");
        var name = project ?? path
            ?? throw new GitOpsException($"runtime.url '{url}' names no repository; set runtime.project", ExitCode.InvalidInput);
        if (forge == "github" && name.Split('/').Length != 2)
            throw new GitOpsException($"runtime.url '{url}': a GitHub repository is owner/repo, got '{name}'; set runtime.project", ExitCode.InvalidInput);
        return new ForgeLocation(api, name);
    }

    /// <summary>The forge for <paramref name="runtime"/> (github or gitlab), its token read through <paramref name="environment"/>.</summary>
    public static IForge Open(RuntimeRepoConfig runtime, Func<string, string?> environment, HttpClient? http = null, ForgeRetryOptions? retry = null)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        var pr = runtime.PullRequests ?? PullRequestConfig.Default;
        var where = Locate(runtime.Forge, runtime.Url, runtime.ApiUrl, runtime.Project);
        var token = Token(runtime.Forge, runtime.TokenEnv, environment);
        switch (runtime.Forge)
        {
            case "github":
                var parts = where.Project.Split('/');
                return new GitHubForge(new GitHubClient(where.ApiUrl, token.Value, http ?? Http, token.Source, retry),
                    new GitHubForgeOptions(parts[0], parts[1], pr.MergeMethod, pr.AutoMerge, pr.Labels, pr.Reviewers, pr.TeamReviewers, pr.Draft,
                        pr.RequiredChecks));
            case "gitlab":
                return new GitLabForge(new GitLabClient(where.ApiUrl, token.Value, token.Kind, http ?? Http, token.Source, retry),
                    new GitLabForgeOptions(where.Project, pr.MergeMethod, pr.AutoMerge, pr.Labels, pr.Assignees, pr.Reviewers, pr.Draft));
            default:
                throw new GitOpsException($"runtime.forge '{runtime.Forge}' is not a hosted forge (github or gitlab)", ExitCode.InvalidInput);
        }
    }

    private static string Name(string forge) => forge == "gitlab" ? "GitLab" : "GitHub";

    /// <summary>Scheme for the API, host, ":port" (web URLs only) and the repository path without <c>.git</c>.</summary>
    private static (string Scheme, string? Host, string Port, string? Path) Parse(string url)
    {
        if (ScpLike().Match(url) is { Success: true } scp)
            return ("https", scp.Groups["host"].Value, "", RepoPath(scp.Groups["path"].Value));
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.IsFile || string.IsNullOrEmpty(uri.Host))
            return ("https", null, "", null);
        var web = uri.Scheme is "http" or "https";
        return (uri.Scheme == "http" ? "http" : "https", uri.Host, web && !uri.IsDefaultPort ? $":{uri.Port}" : "", RepoPath(uri.AbsolutePath));
    }

    private static string? RepoPath(string path)
    {
        var trimmed = Uri.UnescapeDataString(path).Trim('/');
        if (trimmed.EndsWith(".git", StringComparison.Ordinal)) trimmed = trimmed[..^4];
        return trimmed.Length == 0 ? null : trimmed;
    }

    [GeneratedRegex(@"^(?:[^@/]+@)?(?<host>[^:/]+):(?<path>[^/].*)$")]
    private static partial Regex ScpLike();
}
