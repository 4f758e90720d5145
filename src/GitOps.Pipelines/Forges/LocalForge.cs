using System.Text.Json;
using GitOps.Pipelines.Git;

namespace GitOps.Pipelines.Forges;

/// <summary>
/// A forge on this machine: pull requests as JSON records under <c>pulls/</c>, approvals, and merges that are
/// real <c>git merge</c>s into the base branch of the runtime repo. Each merge emits a GitHub-format
/// <c>pull_request</c> (closed, merged) webhook into the <see cref="WebhookOutbox"/>.
/// </summary>
public sealed class LocalForge : IForge
{
    private readonly string _pullsDir;
    private readonly RuntimeRepo _repo;
    private readonly string _repositoryUrl;

    /// <summary>A local forge storing its records in <paramref name="directory"/>, merging in <paramref name="repo"/>.</summary>
    public LocalForge(string directory, RuntimeRepo repo)
    {
        Directory = Path.GetFullPath(directory);
        _pullsDir = Path.Combine(Directory, "pulls");
        _repo = repo;
        _repositoryUrl = RepositoryUrlFor(repo.Url);
        Outbox = new WebhookOutbox(Path.Combine(Directory, "outbox"));
    }

    /// <summary>The URL webhooks name for a runtime repo: file:// for a local path, else the URL as given.</summary>
    public static string RepositoryUrlFor(string url) =>
        RuntimeRepo.IsLocal(url) ? new Uri(Path.GetFullPath(url)).AbsoluteUri : url;

    /// <summary>The forge's folder.</summary>
    public string Directory { get; }

    /// <summary>Where merge webhooks wait for delivery.</summary>
    public WebhookOutbox Outbox { get; }

    /// <summary>The URL the webhooks name as the repository (file:// for a local bare repo).</summary>
    public string RepositoryUrl => _repositoryUrl;

    /// <inheritdoc />
    public Task<PullRequest> OpenAsync(NewPullRequest request, CancellationToken cancellationToken = default)
    {
        System.IO.Directory.CreateDirectory(_pullsDir);
        var now = DateTimeOffset.UtcNow;
        var existing = ReadAll().FirstOrDefault(p => p.State == "open" && p.Head == request.Head && p.Base == request.Base);
        LocalPullRecord record;
        if (existing is not null)
        {
            // One open PR per head branch: update it in place, approvals stay only if the head did not move.
            record = existing with
            {
                Title = request.Title,
                Body = request.Body,
                RequiredApprovals = request.RequiredApprovals,
                Labels = new Dictionary<string, string>(request.Labels),
                UpdatedAt = now,
            };
        }
        else
        {
            record = new LocalPullRecord(NextNumber(), request.Title, request.Body, request.Head, request.Base, "open", [],
                request.RequiredApprovals, null, null, new Dictionary<string, string>(request.Labels), now, now);
        }
        Save(record);
        return Task.FromResult(ToPullRequest(record));
    }

    /// <inheritdoc />
    public Task<PullRequest> GetAsync(int number, CancellationToken cancellationToken = default) =>
        Task.FromResult(ToPullRequest(Read(number)));

    /// <inheritdoc />
    public Task<IReadOnlyList<PullRequest>> ListAsync(PullRequestState? state = null, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<PullRequest>>([.. ReadAll().Select(ToPullRequest)
            .Where(p => state is null || p.State == state).OrderByDescending(p => p.Number)]);

    /// <inheritdoc />
    public Task<PullRequest> ApproveAsync(int number, string reviewer, CancellationToken cancellationToken = default)
    {
        var r = Read(number);
        if (r.State != "open") throw new GitOpsException($"pull request #{number} is {r.State}; only an open one can be approved", ExitCode.InvalidInput);
        if (!r.Approvals.Contains(reviewer)) r.Approvals.Add(reviewer);
        Save(r with { UpdatedAt = DateTimeOffset.UtcNow });
        return GetAsync(number, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<PullRequest> MergeAsync(int number, CancellationToken cancellationToken = default)
    {
        var r = Read(number);
        if (r.State == "merged") return ToPullRequest(r);
        if (r.State != "open") throw new GitOpsException($"pull request #{number} is {r.State} and cannot be merged", ExitCode.InvalidInput);
        if (r.Approvals.Count < r.RequiredApprovals)
            throw new GitOpsException(
                $"pull request #{number} needs {r.RequiredApprovals} approval(s) and has {r.Approvals.Count}; approve it with `gitops pr approve {number}`",
                ExitCode.GateWaiting);

        await _repo.SyncCloneAsync(cancellationToken);
        var headSha = await _repo.RemoteBranchShaAsync(r.Head, cancellationToken)
            ?? throw new GitOpsException($"pull request #{number}: head branch '{r.Head}' is gone from {_repo.Url}");
        var git = _repo.Git;
        await git.RunAsync(["checkout", "--quiet", "--force", "-B", r.Base, $"origin/{r.Base}"], cancellationToken);
        var merge = await git.TryRunAsync(["merge", "--no-ff", "--no-edit", "-m",
            $"Merge pull request #{number} from {r.Head}\n\n{r.Title}", headSha], cancellationToken);
        if (!merge.Ok)
        {
            var conflicts = await git.TryRunAsync(["diff", "--name-only", "--diff-filter=U"], cancellationToken);
            await git.TryRunAsync(["merge", "--abort"], cancellationToken);
            await git.TryRunAsync(["reset", "--quiet", "--hard", $"origin/{r.Base}"], cancellationToken);
            throw new GitOpsException(
                $"pull request #{number} cannot be merged into {r.Base}: merge conflict in {string.Join(", ", conflicts.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).DefaultIfEmpty("(unknown files)"))}; nothing was pushed");
        }
        var mergeSha = (await git.RunAsync(["rev-parse", "HEAD"], cancellationToken)).Trim();
        // Push without force: if the base moved meanwhile, the push fails and nothing is recorded as merged.
        await git.RunAsync(["push", "--quiet", "origin", $"HEAD:refs/heads/{r.Base}"], cancellationToken);
        await git.TryRunAsync(["push", "--quiet", "origin", "--delete", r.Head], cancellationToken);

        var merged = r with { State = "merged", HeadSha = headSha, MergeCommitSha = mergeSha, UpdatedAt = DateTimeOffset.UtcNow };
        Save(merged);
        Outbox.Enqueue("pull_request", MergedEventBody(merged));
        return ToPullRequest(merged);
    }

    /// <inheritdoc />
    public Task<PullRequest> CloseAsync(int number, CancellationToken cancellationToken = default)
    {
        var r = Read(number);
        if (r.State == "open") Save(r with { State = "closed", UpdatedAt = DateTimeOffset.UtcNow });
        return GetAsync(number, cancellationToken);
    }

    private string MergedEventBody(LocalPullRecord r)
    {
        var name = Path.GetFileNameWithoutExtension(_repo.Url.TrimEnd('/'));
        var e = new GitHubPullRequestEvent("closed", r.Number,
            new GitHubPullRequest(r.Number, "closed", r.Title, r.Body, PullUrl(r.Number), true, r.MergeCommitSha, r.UpdatedAt,
                new GitHubRef(r.Head, r.HeadSha), new GitHubRef(r.Base, null),
                [.. r.Labels.Select(l => new GitHubLabel($"{l.Key}:{l.Value}"))]),
            new GitHubRepository($"local/{name}", name, _repositoryUrl, _repositoryUrl, _repo.Branch),
            new GitHubUser(_repo.AuthorName));
        return JsonSerializer.Serialize(e, GitHubWebhookJson.Default.GitHubPullRequestEvent);
    }

    private string PullUrl(int number) => new Uri(Path.Combine(_pullsDir, $"{number}.json")).AbsoluteUri;

    private int NextNumber() => ReadAll().Select(p => p.Number).DefaultIfEmpty(0).Max() + 1;

    private IEnumerable<LocalPullRecord> ReadAll() =>
        System.IO.Directory.Exists(_pullsDir)
            ? System.IO.Directory.GetFiles(_pullsDir, "*.json").Select(f => Parse(f))
            : [];

    private LocalPullRecord Read(int number)
    {
        var path = Path.Combine(_pullsDir, $"{number}.json");
        if (!File.Exists(path)) throw new GitOpsException($"no pull request #{number} in the local forge ({_pullsDir})", ExitCode.InvalidInput);
        return Parse(path);
    }

    private static LocalPullRecord Parse(string path) =>
        JsonSerializer.Deserialize(File.ReadAllBytes(path), LocalForgeJson.Default.LocalPullRecord)
        ?? throw new GitOpsException($"{path}: empty pull request record");

    private void Save(LocalPullRecord r)
    {
        var path = Path.Combine(_pullsDir, $"{r.Number}.json");
        var tmp = path + ".tmp";
        File.WriteAllBytes(tmp, JsonSerializer.SerializeToUtf8Bytes(r, LocalForgeJson.Default.LocalPullRecord));
        File.Move(tmp, path, overwrite: true);
    }

    private PullRequest ToPullRequest(LocalPullRecord r) => new(
        r.Number, r.Title, r.Body, r.Head, r.Base,
        r.State switch { "merged" => PullRequestState.Merged, "closed" => PullRequestState.Closed, _ => PullRequestState.Open },
        r.Approvals, r.RequiredApprovals, r.HeadSha, r.MergeCommitSha, PullUrl(r.Number), r.Labels);
}
