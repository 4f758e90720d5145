using System.Diagnostics;
using GitOps.Pipelines.Builders;
using GitOps.Pipelines.Configuration;
using GitOps.Pipelines.Forges;
using GitOps.Pipelines.Git;
using GitOps.Pipelines.Images;
using GitOps.Pipelines.Manifests;
using GitOps.Pipelines.Oci;
using GitOps.Pipelines.Registries;
using GitOps.Pipelines.Sync;

namespace GitOps.Pipelines.Deploy;

/// <summary>What one environment runs after a stage: for reports and <c>--output json</c>.</summary>
public sealed record StageReport(string Stage, string Outcome, string? Environment = null, string? Digest = null,
    int? PullRequest = null, string? PullRequestUrl = null, string? Revision = null, double Seconds = 0, string? Image = null);

/// <summary>
/// Runs the chain a stage at a time: build → push → bump → gate → sync → verify, and promotion. Each stage
/// reads what the previous one left in <see cref="ChainState"/> and goes through its seam
/// (<see cref="IImageBuilder"/>, <see cref="IRegistry"/>, <see cref="IManifestEditor"/>, <see cref="IForge"/>,
/// the webhook endpoint, <see cref="IDeploymentObserver"/>), so every entry point (CLI, Cake, Actions, GitLab)
/// runs the same code.
/// </summary>
public sealed class Deployer
{
    private readonly GitOpsConfig _config;
    private readonly TextWriter _log;
    private readonly IImageBuilder _builder;
    private readonly IRegistry _registry;
    private readonly RuntimeRepo _runtime;
    private readonly IForge _forge;
    private readonly WebhookOutbox? _outbox;
    private readonly IDeploymentObserver _observer;
    private readonly IWebhookEndpoint _webhooks;
    private readonly string _statePath;

    /// <summary>A deployer over explicit adapters (tests and non-default setups).</summary>
    public Deployer(GitOpsConfig config, IImageBuilder builder, IRegistry registry, RuntimeRepo runtime, IForge forge,
        WebhookOutbox? outbox, IDeploymentObserver observer, IWebhookEndpoint webhooks, TextWriter log)
    {
        _config = config;
        _builder = builder;
        _registry = registry;
        _runtime = runtime;
        _forge = forge;
        _outbox = outbox;
        _observer = observer;
        _webhooks = webhooks;
        _log = log;
        _runtime.CommitterName ??= config.Runtime.CommitterName;
        _runtime.CommitterEmail ??= config.Runtime.CommitterEmail;
        StateDir = config.Resolve(config.StateDir);
        _statePath = Path.Combine(StateDir, "state", "chain.json");
    }

    /// <summary>The state folder (<c>.gitops/</c> by default).</summary>
    public string StateDir { get; }

    /// <summary>The chain's recorded state.</summary>
    public ChainState State => ChainState.Load(_statePath);

    /// <summary>The forge that gates the runtime repo.</summary>
    public IForge Forge => _forge;

    private string BuildLayoutDir => Path.Combine(StateDir, "build");

    /// <summary>Stage 1: builds the app image into the build layout under the state folder.</summary>
    public async Task<StageReport> BuildAsync(CancellationToken cancellationToken = default)
    {
        var watch = Stopwatch.StartNew();
        var image = _config.Image;
        var context = _config.Resolve(image.Context);
        if (!Directory.Exists(context))
            throw new GitOpsException($"{_config.SourceFile}: image.context '{image.Context}' does not exist ({context}); publish the app first (./build.sh --target Image does)", ExitCode.InvalidInput);
        var source = await AppSource.ReadAsync(_config.BaseDir, cancellationToken);
        var tagSet = source.TagSet(image.Tagging);
        var tags = tagSet.Tags;
        var labels = new Dictionary<string, string>(image.Labels);
        foreach (var (k, v) in tagSet.Labels) labels[k] = v;
        var request = new ImageBuildRequest(context, image.Name, tags, image.Base, image.WorkingDir, image.Entrypoint, labels,
            source.Created, new OciLayout(BuildLayoutDir));
        _log.WriteLine($"[image] building {image.Name} from {image.Context} with the {_builder.Name} builder");
        var built = await _builder.BuildAsync(request, cancellationToken);
        var record = new ImageRecord(image.Name, built.Digest, built.Tags, source.Revision);
        Update(s => s with { Built = record }, "Image", watch.Elapsed);
        _log.WriteLine($"[image] {image.Name}@{built.Digest} tags {string.Join(", ", built.Tags)}");
        return new StageReport("Image", "built", Digest: built.Digest, Seconds: watch.Elapsed.TotalSeconds, Image: $"{image.Name}:{built.Tags[0]}");
    }

    /// <summary>Stage 2: pushes the built image to the registry with its tags.</summary>
    public async Task<StageReport> PushAsync(CancellationToken cancellationToken = default)
    {
        var watch = Stopwatch.StartNew();
        var built = State.Built ?? throw new GitOpsException("nothing to push: run the Image stage first (gitops build)", ExitCode.InvalidInput);
        var target = ImageReference.ParseNormalized(built.Repository);
        var existing = await _registry.ResolveAsync(target.WithTag(built.Tags[0]), cancellationToken);
        var pushed = await _registry.PushAsync(new OciLayout(BuildLayoutDir), built.Digest, target, built.Tags, cancellationToken);
        var outcome = existing == built.Digest ? "unchanged" : "pushed";
        // The repository the registry holds it under (HOST/PREFIX/NAME for docker://HOST/PREFIX) is what the bump writes.
        var repository = pushed.Reference.Name == target.Name ? built.Repository : pushed.Reference.Name;
        Update(s => s with { Pushed = built with { Repository = repository, Digest = pushed.Digest } }, "Push", watch.Elapsed);
        _log.WriteLine(outcome == "unchanged"
            ? $"[push] {repository}@{pushed.Digest} is already in {_config.Image.Registry}; tags checked"
            : $"[push] {built.Repository}@{pushed.Digest} → {_config.Image.Registry} as {repository} ({string.Join(", ", built.Tags)})");
        return new StageReport("Push", outcome, Digest: pushed.Digest, Seconds: watch.Elapsed.TotalSeconds, Image: $"{repository}:{built.Tags[0]}");
    }

    /// <summary>
    /// Stage 3: sets the pushed image (or <paramref name="image"/>) in <paramref name="environment"/>: one
    /// format-preserving edit, one commit, pushed to a bump branch (gate <c>pr</c>) or straight to the deploy branch
    /// (gate <c>direct</c>, re-applied on the new tip when another writer got there first). A bump to what is there
    /// is a no-op.
    /// </summary>
    public async Task<StageReport> BumpAsync(string environment, ImageRecord? image = null, CancellationToken cancellationToken = default)
    {
        var watch = Stopwatch.StartNew();
        var env = _config.Environment(environment);
        image ??= State.Pushed ?? throw new GitOpsException("nothing to bump: run the Push stage first (gitops push)", ExitCode.InvalidInput);
        await _runtime.EnsureSeededAsync(_config.Runtime.Seed is null ? null : _config.Resolve(_config.Runtime.Seed), cancellationToken);

        var file = Path.Combine(env.Path, env.File).Replace('\\', '/');
        var editor = ManifestEditors.For(env.Editor, env.EditorOptions);
        _runtime.SparsePaths = RuntimeRepo.SparseFor(file);
        var tag = image.Tags.FirstOrDefault();
        var update = new ImageUpdate(image.Repository, NewName: image.Repository, NewTag: tag, Digest: image.Digest);
        if (env.Gate == "direct")
            return await BumpDirectAsync(env, image, file, editor, update, watch, cancellationToken);

        var branch = BumpBranch(env.Name, image.Repository);
        await _runtime.StartBranchAsync(branch, cancellationToken);
        var before = _runtime.ReadFile(file);
        var edit = editor.Apply(file, before, Matching(update, before));
        if (edit.Changes.IsEmpty)
        {
            _log.WriteLine($"[bump] {env.Name} already runs {image.Repository}@{image.Digest}; nothing to bump");
            Update(s => s.WithEnvironment(env.Name, s.Environment(env.Name) with { Tag = tag, Digest = image.Digest, BumpBranch = null, BumpCommit = null }), "Bump", watch.Elapsed);
            return new StageReport("Bump", "unchanged", env.Name, image.Digest, Seconds: watch.Elapsed.TotalSeconds);
        }
        var pending = await _runtime.Git.TryRunAsync(["show", $"refs/remotes/origin/{branch}:{file}"], cancellationToken);
        if (pending.Ok && pending.StdOut == edit.Text)
        {
            // The bump branch already holds this edit (its PR waits at a gate): reuse it, no new commit.
            var sha = await _runtime.RemoteBranchShaAsync(branch, cancellationToken);
            Update(s => s.WithEnvironment(env.Name, s.Environment(env.Name) with { Tag = tag, Digest = image.Digest, BumpBranch = branch, BumpCommit = sha }), "Bump", watch.Elapsed);
            _log.WriteLine($"[bump] {env.Name}: {branch} already sets {image.Repository}@{image.Digest}; reusing it");
            return new StageReport("Bump", "pending", env.Name, image.Digest, Revision: sha, Seconds: watch.Elapsed.TotalSeconds);
        }
        _runtime.WriteFile(file, edit.Text);
        var commit = await _runtime.CommitAsync([file], CommitMessage(_config.Runtime, env.Name, image, tag, edit.Changes), cancellationToken);
        await _runtime.PushBranchAsync(branch, cancellationToken);
        Update(s => s.WithEnvironment(env.Name, s.Environment(env.Name) with { Tag = tag, Digest = image.Digest, BumpBranch = branch, BumpCommit = commit }), "Bump", watch.Elapsed);
        _log.WriteLine($"[bump] {env.Name}: {file} {Describe(edit.Changes)} on {branch} ({commit[..12]})");
        return new StageReport("Bump", "committed", env.Name, image.Digest, Revision: commit, Seconds: watch.Elapsed.TotalSeconds);
    }

    // Gate direct: the commit lands on the deploy branch itself; each attempt edits the fresh file on the new tip.
    // The entry is found by the pushed repository; before the first bump the runtime files name image.name instead.
    private ImageUpdate Matching(ImageUpdate update, string text) =>
        update.Name != _config.Image.Name && !text.Contains(update.Name, StringComparison.Ordinal) ? update with { Name = _config.Image.Name } : update;

    private async Task<StageReport> BumpDirectAsync(EnvironmentConfig env, ImageRecord image, string file, IManifestEditor editor,
        ImageUpdate update, Stopwatch watch, CancellationToken cancellationToken)
    {
        var tag = update.NewTag;
        ChangeSet changes = ChangeSet.Empty;
        var pushed = await _runtime.CommitToBranchAsync(ct =>
        {
            var text = _runtime.ReadFile(file);
            var edit = editor.Apply(file, text, Matching(update, text));
            changes = edit.Changes;
            if (edit.Changes.IsEmpty) return Task.FromResult<(IReadOnlyList<string>, string)?>(null);
            _runtime.WriteFile(file, edit.Text);
            return Task.FromResult<(IReadOnlyList<string>, string)?>(([file], CommitMessage(_config.Runtime, env.Name, image, tag, edit.Changes)));
        }, cancellationToken);
        if (pushed is null)
        {
            _log.WriteLine($"[bump] {env.Name} already runs {image.Repository}@{image.Digest}; nothing to bump");
            Update(s => s.WithEnvironment(env.Name, s.Environment(env.Name) with { Tag = tag, Digest = image.Digest, BumpBranch = null, BumpCommit = null }), "Bump", watch.Elapsed);
            return new StageReport("Bump", "unchanged", env.Name, image.Digest, Seconds: watch.Elapsed.TotalSeconds);
        }
        Update(s => s.WithEnvironment(env.Name, s.Environment(env.Name) with
        {
            Tag = tag, Digest = image.Digest, BumpBranch = null, BumpCommit = pushed.Sha, PullRequest = null, MergedRevision = pushed.Sha,
        }), "Bump", watch.Elapsed);
        _log.WriteLine($"[bump] {env.Name}: {file} {Describe(changes)} committed straight to {_config.Runtime.Branch} ({pushed.Sha[..12]}" +
            (pushed.Attempts > 1 ? $", re-applied on the new tip {pushed.Attempts - 1} time(s))" : ")"));
        return new StageReport("Bump", "committed", env.Name, image.Digest, Revision: pushed.Sha, Seconds: watch.Elapsed.TotalSeconds);
    }

    private static string Describe(ChangeSet changes) =>
        string.Join("; ", changes.Changes.Select(c => $"line {c.Line}: {(c.Old.Length == 0 ? "(added)" : c.Old)} → {c.New}"));

    /// <summary>
    /// The bump commit's message: the subject from <see cref="RuntimeRepoConfig.CommitMessage"/> (default
    /// <c>{env}: bump {image} {old} → {new}</c>), then the Image, Change and Source-Revision trailers and the
    /// configured ones.
    /// </summary>
    public static string CommitMessage(RuntimeRepoConfig runtime, string environment, ImageRecord image, string? tag, ChangeSet changes)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(changes);
        var old = changes.Changes.FirstOrDefault(c => c.Old.Length > 0)?.Old ?? "(none)";
        string Fill(string template) => template
            .Replace("{env}", environment, StringComparison.Ordinal)
            .Replace("{image}", image.Repository, StringComparison.Ordinal)
            .Replace("{old}", old, StringComparison.Ordinal)
            .Replace("{new}", tag ?? image.Digest, StringComparison.Ordinal)
            .Replace("{tag}", tag ?? "", StringComparison.Ordinal)
            .Replace("{digest}", image.Digest, StringComparison.Ordinal)
            .Replace("{source}", image.SourceRevision ?? "", StringComparison.Ordinal);
        var subject = Fill(runtime.CommitMessage ?? "{env}: bump {image} {old} → {new}");
        return $"{subject}\n\n" +
            $"Image: {image.Repository}:{tag}@{image.Digest}\n" +
            string.Concat(changes.Changes.Select(c => $"Change: {c.File}:{c.Line} {c.Old} → {c.New}\n")) +
            (image.SourceRevision is null ? "" : $"Source-Revision: {image.SourceRevision}\n") +
            string.Concat((runtime.Trailers ?? new Dictionary<string, string>()).Select(t => $"{t.Key}: {Fill(t.Value)}\n"));
    }

    /// <summary>
    /// Stage 4: opens (or reuses) the pull request for the environment's bump branch and merges it when its gate
    /// allows: auto-merge with enough approvals. Otherwise it says how to approve and leaves it open.
    /// </summary>
    public async Task<StageReport> GateAsync(string environment, CancellationToken cancellationToken = default)
    {
        var watch = Stopwatch.StartNew();
        var env = _config.Environment(environment);
        var record = State.Environment(env.Name);
        PullRequest pr;
        if (record.BumpBranch is not null)
        {
            var body = PullRequestBody(env, record);
            pr = await _forge.OpenAsync(new NewPullRequest(record.BumpBranch, _config.Runtime.Branch,
                $"{env.Name}: deploy {_config.Image.Name}:{record.Tag}", body, env.Approvals,
                new Dictionary<string, string> { ["environment"] = env.Name }), cancellationToken);
        }
        else if (env.Gate == "direct")
        {
            if (record.MergedRevision is not { } direct || record.PullRequest is not null)
            {
                _log.WriteLine($"[gate] {env.Name}: gate direct, no commit waiting; nothing to gate");
                return new StageReport("Gate", "nothing", env.Name, record.Digest, Seconds: watch.Elapsed.TotalSeconds);
            }
            // No pull request and no merge webhook: the commit is on the deploy branch, so ask the sync directly.
            if (_observer is ISyncTrigger trigger)
                await trigger.TriggerAsync(new SyncRequest(env.Name, direct, LocalForge.RepositoryUrlFor(_runtime.Url)), cancellationToken);
            Update(s => s, "Gate", watch.Elapsed);
            _log.WriteLine($"[gate] {env.Name}: gate direct: {direct} is on {_config.Runtime.Branch} already");
            return new StageReport("Gate", "merged", env.Name, record.Digest, Revision: direct, Seconds: watch.Elapsed.TotalSeconds);
        }
        else if (record.PullRequest is int open && (await _forge.GetAsync(open, cancellationToken)).State == PullRequestState.Open)
        {
            pr = await _forge.GetAsync(open, cancellationToken);
        }
        else
        {
            _log.WriteLine($"[gate] {env.Name}: no bump waiting; nothing to gate");
            return new StageReport("Gate", "nothing", env.Name, record.Digest, record.PullRequest, Seconds: watch.Elapsed.TotalSeconds);
        }
        Update(s => s.WithEnvironment(env.Name, s.Environment(env.Name) with { PullRequest = pr.Number, BumpBranch = null }), "Gate", watch.Elapsed);

        var mayMerge = env.AutoMerge || pr.Approvals.Count > 0;
        if (pr.IsApproved && mayMerge)
        {
            PullRequest merged;
            try
            {
                merged = await _forge.MergeAsync(pr.Number, cancellationToken);
            }
            catch (GitOpsException e) when (e.Code == ExitCode.GateWaiting)
            {
                // A hosted forge may still hold it (checks running, auto-merge requested): it stays open.
                _log.WriteLine($"[gate] {env.Name}: PR #{pr.Number} waits: {e.Message}");
                return new StageReport("Gate", "waiting", env.Name, record.Digest, pr.Number, pr.Url, Seconds: watch.Elapsed.TotalSeconds);
            }
            Update(s => s.WithEnvironment(env.Name, s.Environment(env.Name) with { MergedRevision = merged.MergeCommitSha }), "Gate", watch.Elapsed);
            _log.WriteLine($"[gate] {env.Name}: PR #{pr.Number} merged into {merged.Base} at {merged.MergeCommitSha}");
            return new StageReport("Gate", "merged", env.Name, record.Digest, pr.Number, pr.Url, merged.MergeCommitSha, watch.Elapsed.TotalSeconds);
        }
        _log.WriteLine($"[gate] {env.Name}: PR #{pr.Number} \"{pr.Title}\" waits for {pr.RequiredApprovals - pr.Approvals.Count} approval(s). " +
            $"Approve it with `gitops pr approve {pr.Number}`, then run `./build.sh --target Deploy` again.");
        return new StageReport("Gate", "waiting", env.Name, record.Digest, pr.Number, pr.Url, Seconds: watch.Elapsed.TotalSeconds);
    }

    /// <summary>Stage 5: delivers the forge's pending webhooks; the webhook service syncs what they name.</summary>
    public async Task<StageReport> SyncAsync(CancellationToken cancellationToken = default)
    {
        var watch = Stopwatch.StartNew();
        if (_outbox is null || _outbox.PendingCount == 0)
        {
            _log.WriteLine("[sync] no merge webhooks waiting");
            return new StageReport("Sync", "nothing", Seconds: watch.Elapsed.TotalSeconds);
        }
        var url = await _webhooks.GetUrlAsync(cancellationToken);
        using var http = new HttpClient { Timeout = _config.Sync.Timeout };
        var results = await _outbox.DeliverPendingAsync(url, _webhooks.Secret, http, cancellationToken);
        foreach (var r in results)
            _log.WriteLine(r.Delivered
                ? $"[sync] delivered {r.Event} {r.Id} to {url}: {r.StatusCode}"
                : $"[sync] delivery {r.Id} to {url} failed, kept for retry: {r.Error}");
        Update(s => s, "Sync", watch.Elapsed);
        var failed = results.FirstOrDefault(r => !r.Delivered);
        if (failed is not null)
            throw new GitOpsException($"webhook delivery {failed.Id} failed: {failed.Error}");
        return new StageReport("Sync", "delivered", Seconds: watch.Elapsed.TotalSeconds);
    }

    /// <summary>Stage 6: waits (bounded by sync.timeout) until the environment runs its merged revision.</summary>
    public async Task<StageReport> VerifyAsync(string environment, CancellationToken cancellationToken = default)
    {
        var watch = Stopwatch.StartNew();
        var env = _config.Environment(environment);
        var record = State.Environment(env.Name);
        if (record.MergedRevision is null)
        {
            _log.WriteLine($"[verify] {env.Name}: nothing merged yet to verify");
            return new StageReport("Verify", "nothing", env.Name, Seconds: watch.Elapsed.TotalSeconds);
        }
        var deadline = DateTimeOffset.UtcNow + _config.Sync.Timeout;
        DeploymentStatus? status;
        while (true)
        {
            status = await _observer.GetAsync(env.Name, cancellationToken);
            if (status is not null && status.Health == "Healthy" && await IsAtOrAfterAsync(record.MergedRevision, status.Revision, cancellationToken))
                break;
            if (DateTimeOffset.UtcNow > deadline)
                throw new GitOpsException(
                    $"{env.Name} did not reach revision {record.MergedRevision} within {_config.Sync.Timeout}: " +
                    (status is null ? "it was never synced" : $"it is at {status.Revision}, {status.Health}{(status.Message is null ? "" : ": " + status.Message)}"),
                    ExitCode.NotVerified);
            await Task.Delay(200, cancellationToken);
        }
        // The local sync and Argo CD report the images they run; Flux reports none, so its revision is the proof.
        var image = status.Images.FirstOrDefault(i => i.Digest == record.Digest);
        if (image is null && status.Images.Any(i => i.Digest is not null))
            throw new GitOpsException($"{env.Name} is at {status.Revision} but runs {string.Join(", ", status.Images.Select(i => $"{i.Name}@{i.Digest}"))}, not {record.Digest}", ExitCode.NotVerified);
        image ??= new DeployedImage(_config.Image.Name, record.Tag, record.Digest);
        Update(s => s.WithEnvironment(env.Name, s.Environment(env.Name) with { VerifiedRevision = status.Revision }), "Verify", watch.Elapsed);
        _log.WriteLine($"[verify] {env.Name} runs {image.Name}:{image.Tag}@{image.Digest} at revision {status.Revision} ({status.Health}), PR #{record.PullRequest}");
        return new StageReport("Verify", "verified", env.Name, image.Digest, record.PullRequest, Revision: status.Revision, Seconds: watch.Elapsed.TotalSeconds);
    }

    /// <summary>Promotion to every environment whose promoteFrom is <paramref name="from"/>.</summary>
    public Task<IReadOnlyList<StageReport>> PromoteAsync(string from, CancellationToken cancellationToken = default) =>
        PromoteAsync(from, null, cancellationToken);

    /// <summary>
    /// Promotion: every environment whose promoteFrom is <paramref name="from"/> gets the exact digest that is
    /// verified there, through its own pull request and gate; when the gate opens it is synced and verified.
    /// </summary>
    /// <param name="from">The source environment.</param>
    /// <param name="to">Only this target (it may be any other environment); null: every environment whose promoteFrom is <paramref name="from"/>.</param>
    /// <param name="cancellationToken">Cancels the promotion.</param>
    public async Task<IReadOnlyList<StageReport>> PromoteAsync(string from, string? to, CancellationToken cancellationToken)
    {
        var reports = new List<StageReport>();
        _config.Environment(from);
        if (to == from)
            throw new GitOpsException($"cannot promote {from} to itself", ExitCode.InvalidInput);
        var source = State.Environment(from);
        var targets = to is null
            ? _config.Environments.Where(e => e.PromoteFrom == from).ToList()
            : [_config.Environment(to)];
        if (targets.Count == 0)
        {
            _log.WriteLine($"[promote] no environment promotes from {from}");
            return reports;
        }
        var status = await _observer.GetAsync(from, cancellationToken);
        if (source.Digest is null || status is null || status.Health != "Healthy" || status.Images.All(i => i.Digest != source.Digest))
            throw new GitOpsException($"cannot promote from {from}: it is not verified healthy at {source.Digest ?? "any digest"} (run the chain to Verify first)", ExitCode.NotVerified);
        var image = new ImageRecord(State.Pushed?.Repository ?? _config.Image.Name, source.Digest, source.Tag is null ? [] : [source.Tag], null);
        foreach (var target in targets)
        {
            reports.Add(await BumpAsync(target.Name, image, cancellationToken));
            var gate = await GateAsync(target.Name, cancellationToken);
            reports.Add(gate);
            if (gate.Outcome != "merged") continue;
            reports.Add(await SyncAsync(cancellationToken));
            reports.Add(await VerifyAsync(target.Name, cancellationToken));
        }
        return reports;
    }

    /// <summary>Merges pull request <paramref name="number"/> when its gate allows, then syncs and verifies its environment.</summary>
    public async Task<PullRequest> MergeAsync(int number, CancellationToken cancellationToken = default)
    {
        var merged = await _forge.MergeAsync(number, cancellationToken);
        _log.WriteLine($"[gate] PR #{number} merged into {merged.Base} at {merged.MergeCommitSha}");
        if (merged.Labels is not null && merged.Labels.TryGetValue("environment", out var env))
        {
            Update(s => s.WithEnvironment(env, s.Environment(env) with { PullRequest = number, MergedRevision = merged.MergeCommitSha }), "Gate", TimeSpan.Zero);
            await SyncAsync(cancellationToken);
            await VerifyAsync(env, cancellationToken);
        }
        return merged;
    }

    /// <summary>The whole chain for the first environment, then its promotions.</summary>
    public async Task<IReadOnlyList<StageReport>> DeployAsync(string environment, CancellationToken cancellationToken = default)
    {
        List<StageReport> reports =
        [
            await BuildAsync(cancellationToken),
            await PushAsync(cancellationToken),
            await BumpAsync(environment, cancellationToken: cancellationToken),
            await GateAsync(environment, cancellationToken),
            await SyncAsync(cancellationToken),
            await VerifyAsync(environment, cancellationToken),
        ];
        reports.AddRange(await PromoteAsync(environment, cancellationToken));
        return reports;
    }

    /// <summary>
    /// Rollback: restores the environment's file to its previous content in the runtime repo's history (the newest
    /// older version that differs from the current one), or to its content at <paramref name="to"/> (a commit or tag),
    /// through the environment's gate: a pull request (gate pr) or a direct commit.
    /// </summary>
    public async Task<IReadOnlyList<StageReport>> RollbackAsync(string environment, string? to = null, CancellationToken cancellationToken = default)
    {
        var watch = Stopwatch.StartNew();
        var env = _config.Environment(environment);
        var file = Path.Combine(env.Path, env.File).Replace('\\', '/');
        await _runtime.EnsureSeededAsync(_config.Runtime.Seed is null ? null : _config.Resolve(_config.Runtime.Seed), cancellationToken);
        _runtime.SparsePaths = RuntimeRepo.SparseFor(file);
        await _runtime.SyncCloneAsync(cancellationToken);
        var history = await _runtime.FileHistoryAsync(file, 200, cancellationToken);
        if (history.Count == 0)
            throw new GitOpsException($"runtime repo {_runtime.Url}: file '{file}' not found on branch {_config.Runtime.Branch}", ExitCode.InvalidInput);
        var current = history[0].Text;
        string target, targetText;
        if (to is not null)
        {
            target = await _runtime.ResolveAsync(to, cancellationToken)
                ?? throw new GitOpsException($"rollback: '{to}' names no commit or tag in {_runtime.Url}", ExitCode.InvalidInput);
            targetText = await _runtime.ReadAtAsync(target, file, cancellationToken)
                ?? throw new GitOpsException($"rollback: {file} does not exist at {to} ({target[..12]})", ExitCode.InvalidInput);
        }
        else
        {
            var previous = history.Skip(1).FirstOrDefault(h => h.Text != current);
            if (previous.Commit is null)
                throw new GitOpsException($"rollback: {file} has no earlier version to go back to on {_config.Runtime.Branch}", ExitCode.InvalidInput);
            (target, targetText) = previous;
        }
        if (targetText == current)
        {
            _log.WriteLine($"[rollback] {env.Name}: {file} at {target[..12]} is what is deployed; nothing to roll back");
            return [new StageReport("Rollback", "unchanged", env.Name, Revision: target, Seconds: watch.Elapsed.TotalSeconds)];
        }
        var image = await ImageAtAsync(target, file, cancellationToken);
        var subject = $"{env.Name}: roll back {file} to {target[..12]}";
        var message = $"{subject}\n\nRollback-To: {target}\n" + (image is null ? "" : $"Image: {image.Value.Reference}\n");
        string commit;
        if (env.Gate == "direct")
        {
            var pushed = await _runtime.CommitToBranchAsync(_ =>
            {
                if (_runtime.ReadFile(file) == targetText) return Task.FromResult<(IReadOnlyList<string>, string)?>(null);
                _runtime.WriteFile(file, targetText);
                return Task.FromResult<(IReadOnlyList<string>, string)?>(([file], message));
            }, cancellationToken);
            if (pushed is null)
                return [new StageReport("Rollback", "unchanged", env.Name, Revision: target, Seconds: watch.Elapsed.TotalSeconds)];
            commit = pushed.Sha;
            Update(s => s.WithEnvironment(env.Name, s.Environment(env.Name) with
            {
                Tag = image?.Tag, Digest = image?.Digest, BumpBranch = null, BumpCommit = commit, PullRequest = null, MergedRevision = commit,
            }), "Bump", watch.Elapsed);
        }
        else
        {
            var branch = $"gitops/{env.Name}/rollback";
            await _runtime.StartBranchAsync(branch, cancellationToken);
            _runtime.WriteFile(file, targetText);
            commit = await _runtime.CommitAsync([file], message, cancellationToken);
            await _runtime.PushBranchAsync(branch, cancellationToken);
            Update(s => s.WithEnvironment(env.Name, s.Environment(env.Name) with { Tag = image?.Tag, Digest = image?.Digest, BumpBranch = branch, BumpCommit = commit }), "Bump", watch.Elapsed);
        }
        _log.WriteLine($"[rollback] {env.Name}: {file} restored to its content at {target[..12]}{(image is null ? "" : $" ({image.Value.Reference})")} in {commit[..12]}");
        var reports = new List<StageReport> { new("Rollback", "committed", env.Name, image?.Digest, Revision: commit, Seconds: watch.Elapsed.TotalSeconds) };
        reports.Add(await GateAsync(env.Name, cancellationToken));
        return reports;
    }

    // The image a commit of the file set, from the Image: trailer gitops writes on every bump.
    private async Task<(string Reference, string? Tag, string? Digest)?> ImageAtAsync(string commit, string file, CancellationToken cancellationToken)
    {
        var body = await _runtime.Git.TryRunAsync(["log", "-1", "--format=%B", commit, "--", file], cancellationToken);
        var line = body.StdOut.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("Image: ", StringComparison.Ordinal));
        if (line is null) return null;
        var reference = line["Image: ".Length..];
        var at = reference.IndexOf('@', StringComparison.Ordinal);
        var digest = at >= 0 && at + 1 < reference.Length ? reference[(at + 1)..] : null;
        var named = at >= 0 ? reference[..at] : reference;
        var colon = named.LastIndexOf(':');
        var tag = colon > named.LastIndexOf('/') && colon + 1 < named.Length ? named[(colon + 1)..] : null;
        return (reference, tag, digest);
    }

    private static string BumpBranch(string environment, string repository) =>
        $"gitops/{environment}/{repository.Split('/')[^1]}";

    private string PullRequestBody(EnvironmentConfig env, EnvironmentRecord record) =>
        $"""
        Deploys `{_config.Image.Name}:{record.Tag}` to **{env.Name}**.

        | | |
        |---|---|
        | image | `{_config.Image.Name}` |
        | tag | `{record.Tag}` |
        | digest | `{record.Digest}` |
        | environment | {env.Name} ({env.Path}) |
        | gate | {env.Gate}, {env.Approvals} approval(s){(env.AutoMerge ? ", auto-merge" : "")} |
        | bump commit | `{record.BumpCommit}` |
        """;

    private async Task<bool> IsAtOrAfterAsync(string merged, string deployed, CancellationToken cancellationToken)
    {
        if (merged == deployed) return true;
        await _runtime.SyncCloneAsync(cancellationToken);
        var r = await _runtime.Git.TryRunAsync(["merge-base", "--is-ancestor", merged, deployed], cancellationToken);
        return r.Ok;
    }

    private void Update(Func<ChainState, ChainState> change, string stage, TimeSpan elapsed) =>
        change(State).WithStageTime(stage, elapsed).Save(_statePath);
}
