namespace GitOps.Pipelines.Forges.GitHub;

/// <summary>How the GitHub forge opens and merges pull requests in one repository.</summary>
/// <param name="Owner">The repository's owner (user or organisation).</param>
/// <param name="Repository">The repository's name.</param>
/// <param name="MergeMethod"><c>merge</c>, <c>squash</c> or <c>rebase</c>.</param>
/// <param name="AutoMerge">When the gate holds, request GitHub's auto-merge (GraphQL) so GitHub merges once it is met.</param>
/// <param name="Labels">Labels added to every pull request, besides the <c>key:value</c> ones the chain sets.</param>
/// <param name="Reviewers">Users asked to review a new pull request.</param>
/// <param name="TeamReviewers">Team slugs asked to review a new pull request.</param>
/// <param name="Draft">Open new pull requests as drafts (a draft is never merged).</param>
/// <param name="RequiredChecks">Status contexts that must be <c>success</c>; empty: the combined status must not be pending or failing.</param>
public sealed record GitHubForgeOptions(
    string Owner,
    string Repository,
    string MergeMethod = "merge",
    bool AutoMerge = false,
    IReadOnlyList<string>? Labels = null,
    IReadOnlyList<string>? Reviewers = null,
    IReadOnlyList<string>? TeamReviewers = null,
    bool Draft = false,
    IReadOnlyList<string>? RequiredChecks = null);

/// <summary>
/// The review gate on GitHub: one open pull request per head branch (reused, never duplicated), labels, reviewers,
/// draft; approvals read from reviews; merged only when approvals and checks are green, or handed to GitHub's
/// auto-merge. The gate's required approvals travel in the pull request body (<see cref="ForgeGate"/>).
/// </summary>
public sealed class GitHubForge : IForge
{
    private readonly GitHubClient _client;
    private readonly GitHubForgeOptions _options;

    /// <summary>A forge over <paramref name="client"/> for the repository <paramref name="options"/> names.</summary>
    public GitHubForge(GitHubClient client, GitHubForgeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MergeMethod is not ("merge" or "squash" or "rebase"))
            throw new GitOpsException($"GitHub merge method must be merge, squash or rebase, got '{options.MergeMethod}'", ExitCode.InvalidInput);
        _client = client;
        _options = options;
    }

    private string Owner => _options.Owner;
    private string Repo => _options.Repository;

    /// <inheritdoc />
    public async Task<PullRequest> OpenAsync(NewPullRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = ForgeGate.WithRequiredApprovals(request.Body, request.RequiredApprovals);
        var existing = await FindOpenAsync(request.Head, request.Base, cancellationToken);
        var created = false;
        if (existing is null)
        {
            try
            {
                existing = await _client.PullRequest.CreateAsync(Owner, Repo,
                    new NewPullRequestBody(request.Title, request.Head, request.Base, body, _options.Draft ? true : null), cancellationToken);
                created = true;
            }
            catch (ForgeApiException e) when ((int?)e.StatusCode == 422 && e.ApiMessage?.Contains("already exists", StringComparison.OrdinalIgnoreCase) == true)
            {
                // Another run opened it between our list and create: reuse that one.
                existing = await FindOpenAsync(request.Head, request.Base, cancellationToken);
                if (existing is null) throw;
            }
        }
        if (!created)
        {
            existing = await _client.PullRequest.UpdateAsync(Owner, Repo, existing.Number, new PullRequestUpdateBody(request.Title, body), cancellationToken);
        }
        var labels = ForgeGate.LabelNames(request.Labels, _options.Labels ?? []);
        if (labels.Count > 0)
        {
            var now = await _client.IssueLabels.AddToIssueAsync(Owner, Repo, existing.Number, labels, cancellationToken);
            existing = existing with { Labels = now };
        }
        if (created && ((_options.Reviewers?.Count ?? 0) > 0 || (_options.TeamReviewers?.Count ?? 0) > 0))
        {
            await _client.PullRequest.RequestReviewersAsync(Owner, Repo, existing.Number,
                new ReviewRequestBody(_options.Reviewers ?? [], _options.TeamReviewers ?? []), cancellationToken);
        }
        return await ToPullRequestAsync(existing, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<PullRequest> GetAsync(int number, CancellationToken cancellationToken = default) =>
        await ToPullRequestAsync(await _client.PullRequest.GetAsync(Owner, Repo, number, cancellationToken), cancellationToken);

    /// <summary>Pull requests, newest first; approvals are not read here (one call per pull request), <see cref="GetAsync"/> reads them.</summary>
    public async Task<IReadOnlyList<PullRequest>> ListAsync(PullRequestState? state = null, CancellationToken cancellationToken = default)
    {
        var all = await _client.PullRequest.ListAsync(Owner, Repo, state == PullRequestState.Open ? "open" : state is null ? "all" : "closed",
            cancellationToken: cancellationToken);
        return [.. all.Select(p => ToPullRequest(p, []))
            .Where(p => state is null || p.State == state).OrderByDescending(p => p.Number)];
    }

    /// <summary>Approves with the token's user (GitHub records the reviewer as that user; <paramref name="reviewer"/> goes in the review body).</summary>
    public async Task<PullRequest> ApproveAsync(int number, string reviewer, CancellationToken cancellationToken = default)
    {
        var pr = await _client.PullRequest.GetAsync(Owner, Repo, number, cancellationToken);
        if (pr.State != "open")
            throw new GitOpsException($"pull request #{number} in {Owner}/{Repo} is {pr.State}; only an open one can be approved", ExitCode.InvalidInput);
        await _client.PullRequest.Review.CreateAsync(Owner, Repo, number,
            new NewReviewBody("APPROVE", $"Approved by {reviewer} through gitops.", pr.Head.Sha), cancellationToken);
        return await ToPullRequestAsync(pr, cancellationToken);
    }

    /// <summary>
    /// Merges when the pull request is open, not a draft, has the approvals its gate requires and its checks are green
    /// (the SHA is pinned, so a moved head fails with 409 instead of merging unseen commits). When the gate holds it
    /// throws <see cref="ExitCode.GateWaiting"/>; when only checks are pending and auto-merge is configured it first
    /// requests GitHub's auto-merge, so GitHub merges once they pass.
    /// </summary>
    public async Task<PullRequest> MergeAsync(int number, CancellationToken cancellationToken = default)
    {
        var pr = await _client.PullRequest.GetAsync(Owner, Repo, number, cancellationToken);
        var current = await ToPullRequestAsync(pr, cancellationToken);
        if (current.State == PullRequestState.Merged) return current;
        if (current.State == PullRequestState.Closed)
            throw new GitOpsException($"pull request #{number} in {Owner}/{Repo} is closed and cannot be merged", ExitCode.InvalidInput);
        if (pr.Draft == true)
            throw new GitOpsException($"pull request #{number} in {Owner}/{Repo} is a draft; mark it ready for review first", ExitCode.GateWaiting);
        // Auto-merge is never requested before the gate's approvals are in: GitHub would only wait for the branch
        // protection's own rules, which may ask for fewer.
        if (!current.IsApproved)
            throw new GitOpsException($"pull request #{number} in {Owner}/{Repo} needs {current.RequiredApprovals} approval(s) and has {current.Approvals.Count}",
                ExitCode.GateWaiting);

        var statuses = await _client.Status.GetCombinedAsync(Owner, Repo, pr.Head.Sha, cancellationToken);
        var runs = await _client.Check.Run.GetAllForReferenceAsync(Owner, Repo, pr.Head.Sha, cancellationToken);
        var (green, failed, pending) = Evaluate(statuses, runs);
        if (failed.Count > 0)
            throw new GitOpsException($"pull request #{number} in {Owner}/{Repo}: checks failed: {string.Join(", ", failed)}; not merged", ExitCode.Failure);
        if (!green)
            await WaitAsync(pr, $"waits for checks: {string.Join(", ", pending)}", cancellationToken);

        MergeResponse merged;
        try
        {
            merged = await _client.PullRequest.MergeAsync(Owner, Repo, number,
                new MergePullRequestBody(_options.MergeMethod, pr.Head.Sha, $"{pr.Title} (#{number})"), cancellationToken);
        }
        catch (ForgeApiException e) when ((int?)e.StatusCode == 405)
        {
            throw new GitOpsException($"pull request #{number} in {Owner}/{Repo} was not merged: {e.ApiMessage ?? "not mergeable"} (405) — " +
                "a conflict, a branch protection rule or a disallowed merge method", ExitCode.GateWaiting, e);
        }
        catch (ForgeApiException e) when ((int?)e.StatusCode == 409)
        {
            throw new GitOpsException($"pull request #{number} in {Owner}/{Repo} was not merged: {e.ApiMessage ?? "head branch was modified"} (409) — " +
                $"its head moved past {pr.Head.Sha[..Math.Min(12, pr.Head.Sha.Length)]}; review the new commits and merge again", ExitCode.Failure, e);
        }
        return current with { State = PullRequestState.Merged, MergeCommitSha = merged.Sha, HeadSha = pr.Head.Sha };
    }

    /// <inheritdoc />
    public async Task<PullRequest> CloseAsync(int number, CancellationToken cancellationToken = default)
    {
        var pr = await _client.PullRequest.GetAsync(Owner, Repo, number, cancellationToken);
        if (pr.State == "open")
            pr = await _client.PullRequest.UpdateAsync(Owner, Repo, number, new PullRequestUpdateBody(State: "closed"), cancellationToken);
        return await ToPullRequestAsync(pr, cancellationToken);
    }

    private async Task WaitAsync(PullRequestResponse pr, string why, CancellationToken cancellationToken)
    {
        var note = "";
        if (_options.AutoMerge && pr.NodeId is { } id)
        {
            await _client.PullRequest.EnableAutoMergeAsync(id, _options.MergeMethod, cancellationToken);
            note = $"; auto-merge ({_options.MergeMethod}) requested, GitHub merges it when the branch protection is satisfied";
        }
        throw new GitOpsException($"pull request #{pr.Number} in {Owner}/{Repo} {why}{note}", ExitCode.GateWaiting);
    }

    /// <summary>
    /// Checks are commit statuses (latest per context) and check runs (by name). Green: every required one succeeded,
    /// or (none configured) none is pending or failing. GitHub reports a commit without statuses as "pending"; with
    /// nothing reported at all there is nothing to wait for.
    /// </summary>
    internal (bool Green, List<string> Failed, List<string> Pending) Evaluate(CombinedStatusResponse statuses, CheckRunsResponse runs)
    {
        var latest = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var s in statuses.Statuses.Where(s => s.Context is not null))
            latest.TryAdd(s.Context!, s.State is "failure" or "error" ? "failure" : s.State);
        foreach (var run in runs.CheckRuns)
        {
            var state = run.Status != "completed" ? "pending"
                : run.Conclusion is "success" or "neutral" or "skipped" ? "success"
                : "failure";
            // Several runs of one name (re-runs, matrix): any failure or pending one decides.
            if (!latest.TryGetValue(run.Name, out var before) || before == "success") latest[run.Name] = state;
        }
        var required = _options.RequiredChecks ?? [];
        var names = required.Count > 0 ? required : [.. latest.Keys.Order(StringComparer.Ordinal)];
        var failed = names.Where(n => latest.TryGetValue(n, out var st) && st == "failure").Select(n => $"{n} (failure)").ToList();
        var pending = names.Where(n => !latest.TryGetValue(n, out var st) || st == "pending")
            .Select(n => latest.ContainsKey(n) ? $"{n} (pending)" : $"{n} (not reported)").ToList();
        return (failed.Count == 0 && pending.Count == 0, failed, pending);
    }

    private async Task<PullRequestResponse?> FindOpenAsync(string head, string @base, CancellationToken cancellationToken)
    {
        var open = await _client.PullRequest.ListAsync(Owner, Repo, "open", $"{Owner}:{head}", @base, cancellationToken);
        return open.Where(p => p.Head.Ref == head).OrderBy(p => p.Number).FirstOrDefault();
    }

    private async Task<PullRequest> ToPullRequestAsync(PullRequestResponse pr, CancellationToken cancellationToken)
    {
        var reviews = await _client.PullRequest.Review.GetAllAsync(Owner, Repo, pr.Number, cancellationToken);
        return ToPullRequest(pr, Approvers(reviews));
    }

    /// <summary>Users whose latest deciding review approves (a later change request or dismissal withdraws it).</summary>
    internal static IReadOnlyList<string> Approvers(IEnumerable<ReviewResponse> reviews)
    {
        var approved = new List<string>();
        foreach (var r in reviews)
        {
            if (r.User?.Login is not { } login) continue;
            switch (r.State)
            {
                case "APPROVED":
                    if (!approved.Contains(login)) approved.Add(login);
                    break;
                case "CHANGES_REQUESTED" or "DISMISSED":
                    approved.Remove(login);
                    break;
            }
        }
        return approved;
    }

    private static PullRequest ToPullRequest(PullRequestResponse pr, IReadOnlyList<string> approvals)
    {
        var state = pr.State == "open" ? PullRequestState.Open
            : (pr.Merged ?? pr.MergedAt is not null) ? PullRequestState.Merged : PullRequestState.Closed; // `merged` when GitHub sends it (list answers omit it)
        return new PullRequest(pr.Number, pr.Title, ForgeGate.WithoutMarker(pr.Body), pr.Head.Ref, pr.Base.Ref, state, approvals,
            ForgeGate.RequiredApprovals(pr.Body), pr.Head.Sha, state == PullRequestState.Merged ? pr.MergeCommitSha : null, pr.HtmlUrl,
            ForgeGate.Labels((pr.Labels ?? []).Select(l => l.Name)));
    }
}
