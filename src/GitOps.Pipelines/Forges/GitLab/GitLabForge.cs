namespace GitOps.Pipelines.Forges.GitLab;

/// <summary>How the GitLab forge opens and merges merge requests in one project.</summary>
/// <param name="Project">The project's path (<c>group/sub/project</c>) or numeric id.</param>
/// <param name="MergeMethod"><c>merge</c> or <c>squash</c> (fast-forward/rebase is a project setting on GitLab).</param>
/// <param name="AutoMerge">When only the pipeline holds the gate, set auto-merge (merge when the pipeline succeeds).</param>
/// <param name="Labels">Labels added to every merge request, besides the <c>key:value</c> ones the chain sets.</param>
/// <param name="Assignees">Usernames assigned to a new merge request.</param>
/// <param name="Reviewers">Usernames asked to review a new merge request.</param>
/// <param name="Draft">Open new merge requests as drafts (a draft is never merged).</param>
/// <param name="RemoveSourceBranch">Delete the bump branch when merged.</param>
public sealed record GitLabForgeOptions(
    string Project,
    string MergeMethod = "merge",
    bool AutoMerge = false,
    IReadOnlyList<string>? Labels = null,
    IReadOnlyList<string>? Assignees = null,
    IReadOnlyList<string>? Reviewers = null,
    bool Draft = false,
    bool RemoveSourceBranch = true);

/// <summary>
/// The review gate on GitLab: one open merge request per source branch (reused, never duplicated), labels, assignees,
/// reviewers; approvals read from GitLab; merged only when the gate's approvals are in and <c>detailed_merge_status</c>
/// says <c>mergeable</c> — checking, a running pipeline or missing approvals never merge early; with auto-merge a
/// running pipeline is handed to GitLab's merge-when-the-pipeline-succeeds.
/// </summary>
public sealed class GitLabForge : IForge
{
    // detailed_merge_status values for which GitLab is still working things out: ask again later.
    private static readonly string[] Checking = ["checking", "unchecked", "preparing", "approvals_syncing"];
    // A pipeline still to pass: auto-merge can take over.
    private static readonly string[] PipelinePending = ["ci_still_running", "ci_must_pass"];
    // Only people can fix these.
    private static readonly string[] Broken = ["conflict", "need_rebase", "broken_status"];

    private readonly GitLabClient _client;
    private readonly GitLabForgeOptions _options;
    private readonly Dictionary<string, long> _userIds = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A forge over <paramref name="client"/> for the project <paramref name="options"/> names.</summary>
    public GitLabForge(GitLabClient client, GitLabForgeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MergeMethod is not ("merge" or "squash"))
            throw new GitOpsException($"GitLab merge method must be merge or squash (fast-forward and rebase are project settings), got '{options.MergeMethod}'",
                ExitCode.InvalidInput);
        _client = client;
        _options = options;
    }

    private string Project => _options.Project;

    /// <inheritdoc />
    public async Task<PullRequest> OpenAsync(NewPullRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var description = ForgeGate.WithRequiredApprovals(request.Body, request.RequiredApprovals);
        var labels = string.Join(",", ForgeGate.LabelNames(request.Labels, _options.Labels ?? []));
        var existing = await FindOpenAsync(request.Head, request.Base, cancellationToken);
        if (existing is null)
        {
            try
            {
                var title = _options.Draft ? $"Draft: {request.Title}" : request.Title;
                existing = await _client.MergeRequest.CreateAsync(Project, new NewMergeRequestBody(request.Head, request.Base, title, description,
                    labels.Length == 0 ? null : labels, await UserIdsAsync(_options.Assignees, cancellationToken),
                    await UserIdsAsync(_options.Reviewers, cancellationToken), _options.RemoveSourceBranch,
                    _options.MergeMethod == "squash" ? true : null), cancellationToken);
                return await ToPullRequestAsync(existing, cancellationToken);
            }
            catch (ForgeApiException e) when ((int?)e.StatusCode == 409 && e.ApiMessage?.Contains("already exists", StringComparison.OrdinalIgnoreCase) == true)
            {
                // Another run opened it between our list and create: reuse that one.
                existing = await FindOpenAsync(request.Head, request.Base, cancellationToken);
                if (existing is null) throw;
            }
        }
        existing = await _client.MergeRequest.UpdateAsync(Project, existing.Iid,
            new MergeRequestUpdateBody(request.Title, description, labels.Length == 0 ? null : labels), cancellationToken);
        return await ToPullRequestAsync(existing, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<PullRequest> GetAsync(int number, CancellationToken cancellationToken = default) =>
        await ToPullRequestAsync(await _client.MergeRequest.GetAsync(Project, number, cancellationToken), cancellationToken);

    /// <summary>Merge requests, newest first; approvals are not read here (one call per merge request), <see cref="GetAsync"/> reads them.</summary>
    public async Task<IReadOnlyList<PullRequest>> ListAsync(PullRequestState? state = null, CancellationToken cancellationToken = default)
    {
        var gitlabState = state switch { PullRequestState.Open => "opened", PullRequestState.Merged => "merged", PullRequestState.Closed => "closed", _ => "all" };
        var all = await _client.MergeRequest.ListAsync(Project, gitlabState, cancellationToken: cancellationToken);
        return [.. all.Select(m => ToPullRequest(m, [])).Where(p => state is null || p.State == state).OrderByDescending(p => p.Number)];
    }

    /// <summary>Approves as the token's user, pinned to the current HEAD (GitLab records the token's user; <paramref name="reviewer"/> is not sent).</summary>
    public async Task<PullRequest> ApproveAsync(int number, string reviewer, CancellationToken cancellationToken = default)
    {
        var mr = await _client.MergeRequest.GetAsync(Project, number, cancellationToken);
        if (mr.State != "opened")
            throw new GitOpsException($"merge request !{number} in {Project} is {mr.State}; only an open one can be approved", ExitCode.InvalidInput);
        await _client.MergeRequest.Approvals.ApproveAsync(Project, number, mr.Sha, cancellationToken);
        return await ToPullRequestAsync(mr, cancellationToken);
    }

    /// <summary>
    /// Merges when the gate's approvals are in and GitLab says <c>mergeable</c>, pinned to the HEAD it checked.
    /// While GitLab is checking, a pipeline runs or approvals are missing it throws <see cref="ExitCode.GateWaiting"/>;
    /// with auto-merge a running pipeline is handed to GitLab first (<c>auto_merge</c> / <c>merge_when_pipeline_succeeds</c>).
    /// </summary>
    public async Task<PullRequest> MergeAsync(int number, CancellationToken cancellationToken = default)
    {
        var mr = await _client.MergeRequest.GetAsync(Project, number, cancellationToken);
        var current = await ToPullRequestAsync(mr, cancellationToken);
        if (current.State == PullRequestState.Merged) return current;
        if (current.State == PullRequestState.Closed)
            throw new GitOpsException($"merge request !{number} in {Project} is {mr.State} and cannot be merged", ExitCode.InvalidInput);
        if (!current.IsApproved)
            throw Waiting(mr, $"needs {current.RequiredApprovals} approval(s) and has {current.Approvals.Count}");

        var status = mr.DetailedMergeStatus ?? (mr.MergeStatus == "can_be_merged" ? "mergeable" : mr.MergeStatus ?? "unchecked");
        if (mr.MergeWhenPipelineSucceeds == true && status != "mergeable")
            throw Waiting(mr, $"has auto-merge set; GitLab merges it when the pipeline succeeds ({status})");
        if (Checking.Contains(status))
            throw Waiting(mr, $"is still being checked by GitLab ({status}); try again shortly");
        if (PipelinePending.Contains(status))
        {
            if (!_options.AutoMerge) throw Waiting(mr, $"waits for its pipeline ({status})");
            var armed = await AcceptAsync(mr, autoMerge: true, cancellationToken);
            if (armed.State == "merged") return ToPullRequest(armed, current.Approvals);
            throw Waiting(mr, $"waits for its pipeline ({status}); auto-merge set, GitLab merges it when the pipeline succeeds");
        }
        if (Broken.Contains(status))
            throw new GitOpsException($"merge request !{number} in {Project} cannot be merged: {status}; not merged", ExitCode.Failure);
        if (status != "mergeable")
            throw Waiting(mr, $"is not mergeable yet ({status})");

        var merged = await AcceptAsync(mr, autoMerge: false, cancellationToken);
        return ToPullRequest(merged, current.Approvals);
    }

    /// <inheritdoc />
    public async Task<PullRequest> CloseAsync(int number, CancellationToken cancellationToken = default)
    {
        var mr = await _client.MergeRequest.GetAsync(Project, number, cancellationToken);
        if (mr.State == "opened")
            mr = await _client.MergeRequest.UpdateAsync(Project, number, new MergeRequestUpdateBody(StateEvent: "close"), cancellationToken);
        return await ToPullRequestAsync(mr, cancellationToken);
    }

    private async Task<MergeRequestResponse> AcceptAsync(MergeRequestResponse mr, bool autoMerge, CancellationToken cancellationToken)
    {
        try
        {
            return await _client.MergeRequest.MergeAsync(Project, mr.Iid, new AcceptMergeRequestBody(
                mr.Sha, _options.MergeMethod == "squash" ? true : null, _options.RemoveSourceBranch ? true : null,
                autoMerge ? true : null, autoMerge ? true : null), cancellationToken);
        }
        catch (ForgeApiException e) when ((int?)e.StatusCode is 405 or 406 or 409)
        {
            var (why, code) = (int)e.StatusCode! switch
            {
                405 => ("it is a draft, closed, or its pipeline has not succeeded", ExitCode.GateWaiting),
                406 => ("it has conflicts", ExitCode.Failure),
                _ => ($"its source branch moved past {mr.Sha?[..Math.Min(12, mr.Sha.Length)]}; review the new commits and merge again", ExitCode.Failure),
            };
            throw new GitOpsException($"merge request !{mr.Iid} in {Project} was not merged: {e.ApiMessage} ({(int)e.StatusCode!}) — {why}", code, e);
        }
    }

    private GitOpsException Waiting(MergeRequestResponse mr, string why) =>
        new($"merge request !{mr.Iid} in {Project} {why}", ExitCode.GateWaiting);

    private async Task<IReadOnlyList<long>?> UserIdsAsync(IReadOnlyList<string>? usernames, CancellationToken cancellationToken)
    {
        if (usernames is not { Count: > 0 }) return null;
        var ids = new List<long>();
        foreach (var name in usernames)
        {
            if (long.TryParse(name, out var numeric)) { ids.Add(numeric); continue; }
            if (!_userIds.TryGetValue(name, out var id))
            {
                id = (await _client.User.FindAsync(name, cancellationToken))?.Id
                    ?? throw new GitOpsException($"GitLab has no user '{name}' (named as an assignee or reviewer)", ExitCode.InvalidInput);
                _userIds[name] = id;
            }
            ids.Add(id);
        }
        return ids;
    }

    private async Task<MergeRequestResponse?> FindOpenAsync(string head, string @base, CancellationToken cancellationToken)
    {
        var open = await _client.MergeRequest.ListAsync(Project, "opened", head, @base, cancellationToken);
        return open.Where(m => m.SourceBranch == head).OrderBy(m => m.Iid).FirstOrDefault();
    }

    private async Task<PullRequest> ToPullRequestAsync(MergeRequestResponse mr, CancellationToken cancellationToken)
    {
        var approvals = await _client.MergeRequest.Approvals.GetAsync(Project, mr.Iid, cancellationToken);
        return ToPullRequest(mr, [.. (approvals.ApprovedBy ?? []).Select(a => a.User.Username)]);
    }

    private static PullRequest ToPullRequest(MergeRequestResponse mr, IReadOnlyList<string> approvals)
    {
        var state = mr.State switch { "opened" => PullRequestState.Open, "merged" => PullRequestState.Merged, _ => PullRequestState.Closed };
        var mergeCommit = state == PullRequestState.Merged ? mr.MergeCommitSha ?? mr.SquashCommitSha ?? mr.Sha : null;
        return new PullRequest(mr.Iid, mr.Title, ForgeGate.WithoutMarker(mr.Description), mr.SourceBranch, mr.TargetBranch, state, approvals,
            ForgeGate.RequiredApprovals(mr.Description), mr.Sha, mergeCommit, mr.WebUrl, ForgeGate.Labels(mr.Labels ?? []));
    }
}
