namespace GitOps.Pipelines.Git;

/// <summary>A commit pushed straight to the deploy branch, and how many attempts it took.</summary>
public sealed record DirectCommit(string Sha, int Attempts);

/// <summary>
/// The runtime repo the cluster pulls, seen through a cached work clone: seed it, branch from the deployed
/// branch, edit, commit, push. Every git call goes through <see cref="GitCli"/> with argument lists.
/// </summary>
public sealed class RuntimeRepo
{
    // Built per use, so a committer set after construction (init) is honoured.
    private GitCli _git => new(WorkDir, GitEnvironment());

    /// <summary>Opens the runtime repo at <paramref name="url"/> with a work clone in <paramref name="workDir"/>.</summary>
    public RuntimeRepo(string url, string branch, string workDir, string authorName, string authorEmail)
    {
        Url = url;
        Branch = branch;
        WorkDir = Path.GetFullPath(workDir);
        AuthorName = authorName;
        AuthorEmail = authorEmail;
    }

    /// <summary>The remote URL (or local path of a bare repo).</summary>
    public string Url { get; }

    /// <summary>The branch environments deploy from.</summary>
    public string Branch { get; }

    /// <summary>The work clone's folder.</summary>
    public string WorkDir { get; }

    /// <summary>Commit author and committer name.</summary>
    public string AuthorName { get; }

    /// <summary>Commit author and committer email.</summary>
    public string AuthorEmail { get; }

    /// <summary>Committer name; the author's when not set.</summary>
    public string? CommitterName { get; set; }

    /// <summary>Committer email; the author's when not set.</summary>
    public string? CommitterEmail { get; set; }

    /// <summary>
    /// The folders to check out (sparse checkout, cone mode); null or empty checks out the whole tree. A remote
    /// clone is partial (<c>--filter=blob:none</c>), so only these folders' blobs are fetched.
    /// </summary>
    public IReadOnlyList<string>? SparsePaths { get; set; }

    /// <summary>How many times a push rejected as non-fast-forward is retried on the new tip.</summary>
    public int PushAttempts { get; init; } = 40;

    /// <summary>The folder holding <paramref name="file"/>, as sparse paths (none for a file at the top).</summary>
    public static IReadOnlyList<string>? SparseFor(string file)
    {
        var dir = Path.GetDirectoryName(file.Replace('\\', '/'))?.Replace('\\', '/');
        return string.IsNullOrEmpty(dir) ? null : [dir];
    }

    /// <summary>True when <see cref="Url"/> is a path on this machine rather than a remote URL.</summary>
    public bool IsLocalPath => IsLocal(Url);

    /// <summary>True when <paramref name="url"/> is a path on this machine (no scheme, no scp-style user@host).</summary>
    public static bool IsLocal(string url) => !url.Contains("://", StringComparison.Ordinal) && !url.Contains('@');

    /// <summary>
    /// When the URL is a local path with no repo yet, creates a bare repo there whose first commit holds
    /// <paramref name="seedDir"/>'s files on <see cref="Branch"/>. Returns true when it seeded.
    /// </summary>
    public async Task<bool> EnsureSeededAsync(string? seedDir, CancellationToken cancellationToken = default)
    {
        if (!IsLocalPath || Directory.Exists(Url)) return false;
        if (seedDir is null || !Directory.Exists(seedDir))
            throw new GitOpsException($"runtime repo {Url} does not exist and there is no seed folder to create it from ({seedDir ?? "runtime.seed not set"})", ExitCode.InvalidInput);
        var parent = Path.GetDirectoryName(Path.GetFullPath(Url))!;
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, $".seed-{Guid.NewGuid():N}");
        var bareTmp = Path.GetFullPath(Url) + $".tmp-{Guid.NewGuid():N}";
        try
        {
            await new GitCli(parent).RunAsync(["init", "--quiet", "--bare", "--initial-branch", Branch, bareTmp], cancellationToken);
            CopyTree(seedDir, staging);
            var git = new GitCli(staging, GitEnvironment());
            await git.RunAsync(["init", "--quiet", "--initial-branch", Branch], cancellationToken);
            await git.RunAsync(["add", "--all"], cancellationToken);
            await git.RunAsync(["commit", "--quiet", "-m", $"Seed the runtime repo from {Path.GetFileName(Path.GetFullPath(seedDir))}"], cancellationToken);
            await git.RunAsync(["push", "--quiet", bareTmp, $"HEAD:refs/heads/{Branch}"], cancellationToken);
            Directory.Move(bareTmp, Path.GetFullPath(Url)); // appears whole or not at all
            return true;
        }
        finally
        {
            DeleteTree(staging);
            DeleteTree(bareTmp);
        }
    }

    /// <summary>Clones (once) or fetches, then checks out a fresh local <paramref name="branch"/> at the deployed tip.</summary>
    public async Task<string> StartBranchAsync(string branch, CancellationToken cancellationToken = default)
    {
        await SyncCloneAsync(cancellationToken);
        await _git.RunAsync(["checkout", "--quiet", "--force", "-B", branch, $"origin/{Branch}"], cancellationToken);
        await _git.RunAsync(["clean", "--quiet", "-fdx"], cancellationToken);
        return (await _git.RunAsync(["rev-parse", "HEAD"], cancellationToken)).Trim();
    }

    /// <summary>
    /// Makes sure the work clone exists and has the remote's current refs. The clone is cached in
    /// <see cref="WorkDir"/> and reused by later runs (a fetch, not a clone); a remote URL is cloned partially
    /// (<c>--filter=blob:none</c>: commits and trees now, file contents on checkout) and, with
    /// <see cref="SparsePaths"/>, only those folders are checked out.
    /// </summary>
    public async Task SyncCloneAsync(CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(Path.Combine(WorkDir, ".git")))
        {
            DeleteTree(WorkDir);
            Directory.CreateDirectory(Path.GetDirectoryName(WorkDir)!);
            var tmp = WorkDir + $".clone-{Guid.NewGuid():N}";
            List<string> args = ["clone", "--quiet", "--no-tags", "--no-checkout", "--branch", Branch];
            if (!IsLocalPath) args.Add("--filter=blob:none");
            try
            {
                var parent = new GitCli(Path.GetDirectoryName(WorkDir)!);
                var cloned = await parent.TryRunAsync([.. args, Url, tmp], cancellationToken);
                if (!cloned.Ok)
                {
                    var why = GitCli.Mask(cloned.StdErr.Trim());
                    throw new GitOpsException(why.Contains("Remote branch", StringComparison.Ordinal) && why.Contains("not found", StringComparison.Ordinal)
                        ? $"runtime repo {GitCli.Mask(Url)} has no branch {Branch}"
                        : $"cannot clone the runtime repo {GitCli.Mask(Url)}: {why}", ExitCode.InvalidInput);
                }
                Directory.Move(tmp, WorkDir); // a clone that failed halfway is never taken for the cache
            }
            finally
            {
                DeleteTree(tmp);
            }
        }
        else
        {
            if ((await _git.TryRunAsync(["remote", "get-url", "origin"], cancellationToken)).StdOut.Trim() != Url)
                await _git.RunAsync(["remote", "set-url", "origin", Url], cancellationToken);
            await _git.RunAsync(["fetch", "--quiet", "--prune", "origin", $"+refs/heads/*:refs/remotes/origin/*"], cancellationToken);
        }
        await ApplySparseAsync(cancellationToken);
    }

    private async Task ApplySparseAsync(CancellationToken cancellationToken)
    {
        if (SparsePaths is not { Count: > 0 } paths)
        {
            if ((await _git.TryRunAsync(["config", "--bool", "core.sparseCheckout"], cancellationToken)).StdOut.Trim() == "true")
                await _git.RunAsync(["sparse-checkout", "disable"], cancellationToken);
            return;
        }
        var dirs = paths.Select(p => p.Replace('\\', '/').Trim('/')).Where(p => p.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        foreach (var d in dirs)
            if (d.Split('/').Contains("..")) throw new GitOpsException($"path '{d}' is outside the runtime repo", ExitCode.InvalidInput);
        await _git.RunAsync(["sparse-checkout", "set", "--cone", "--", .. dirs], cancellationToken);
    }

    /// <summary>The text of a file in the work tree; a clear error when it is missing or outside the repo.</summary>
    public string ReadFile(string relativePath) => File.ReadAllText(FullPath(relativePath));

    /// <summary>Writes a file in the work tree (bytes as given: line endings are the editor's business).</summary>
    public void WriteFile(string relativePath, string text) => File.WriteAllText(FullPath(relativePath), text);

    /// <summary>The absolute path of a file in the work tree, refusing paths that leave the repo.</summary>
    public string FullPath(string relativePath)
    {
        var full = Path.GetFullPath(Path.Combine(WorkDir, relativePath));
        if (!full.StartsWith(WorkDir + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new GitOpsException($"path '{relativePath}' is outside the runtime repo", ExitCode.InvalidInput);
        if (!File.Exists(full))
            throw new GitOpsException($"runtime repo {Url}: file '{relativePath}' not found on branch {Branch}", ExitCode.InvalidInput);
        return full;
    }

    /// <summary>Commits the given paths with a message; returns the new commit's sha.</summary>
    public async Task<string> CommitAsync(IEnumerable<string> paths, string message, CancellationToken cancellationToken = default)
    {
        await _git.RunAsync(["add", "--", .. paths], cancellationToken);
        await _git.RunAsync(["commit", "--quiet", "-m", message], cancellationToken);
        return (await _git.RunAsync(["rev-parse", "HEAD"], cancellationToken)).Trim();
    }

    /// <summary>
    /// Commits an edit straight onto <see cref="Branch"/> and pushes it, safely under concurrency: each attempt starts
    /// from the remote's current tip and runs <paramref name="edit"/> on the fresh files (which writes them and
    /// returns the paths and message to commit, or null when there is nothing to change); a push rejected as
    /// non-fast-forward is retried on the new tip after a jittered back-off, so stale contents are never pushed.
    /// Bumps through one repo URL are serialized in this process. Any other rejection (a protected branch, a hook)
    /// is an error with git's words, and the local clone is reset: nothing is half-done.
    /// </summary>
    /// <returns>The pushed commit, or null when the edit changed nothing.</returns>
    public async Task<DirectCommit?> CommitToBranchAsync(Func<CancellationToken, Task<(IReadOnlyList<string> Paths, string Message)?>> edit,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(edit);
        var gate = Locks.GetOrAdd(LockKey(Url), _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                await StartBranchAsync(Branch, cancellationToken);
                var change = await edit(cancellationToken);
                if (change is null) return null;
                var sha = await CommitAsync(change.Value.Paths, change.Value.Message, cancellationToken);
                var push = await _git.TryRunAsync(["push", "--porcelain", "origin", $"HEAD:refs/heads/{Branch}"], cancellationToken);
                if (push.Ok) return new DirectCommit(sha, attempt);
                var words = GitCli.Mask((push.StdErr + "\n" + push.StdOut).Trim());
                await _git.TryRunAsync(["reset", "--quiet", "--hard", $"origin/{Branch}"], cancellationToken);
                if (!IsNonFastForward(words))
                {
                    throw new GitOpsException(
                        $"the push to {GitCli.Mask(Url)} branch {Branch} was rejected (nothing was pushed): {RejectionReason(words)}");
                }
                if (attempt >= PushAttempts)
                    throw new GitOpsException($"the push to {GitCli.Mask(Url)} branch {Branch} lost the race {attempt} times; nothing was pushed");
                // Back off with jitter so racing writers spread out instead of colliding again.
                var ceiling = Math.Min(2000, 50 * (1 << Math.Min(attempt, 6)));
                await Task.Delay(Random.Shared.Next(ceiling / 4, ceiling), cancellationToken);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> Locks = new(StringComparer.Ordinal);

    private static string LockKey(string url) => IsLocal(url) ? Path.GetFullPath(url) : url.TrimEnd('/');

    private static bool IsNonFastForward(string gitWords) =>
        gitWords.Contains("non-fast-forward", StringComparison.Ordinal)
        || gitWords.Contains("fetch first", StringComparison.Ordinal)
        || gitWords.Contains("[rejected]", StringComparison.Ordinal) && gitWords.Contains("stale info", StringComparison.Ordinal)
        || gitWords.Contains("cannot lock ref", StringComparison.Ordinal);

    private static string RejectionReason(string gitWords)
    {
        var lines = gitWords.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.StartsWith("remote:", StringComparison.Ordinal) || l.StartsWith("!", StringComparison.Ordinal) || l.StartsWith("error:", StringComparison.Ordinal))
            .Select(l => l.StartsWith("!", StringComparison.Ordinal) ? l.Replace("\t", " ", StringComparison.Ordinal) : l)
            .ToList();
        return lines.Count == 0 ? gitWords : string.Join("; ", lines);
    }

    /// <summary>Pushes the current HEAD to <paramref name="branch"/> on the remote (forced: bump branches are ours).</summary>
    public async Task PushBranchAsync(string branch, CancellationToken cancellationToken = default)
    {
        var push = await _git.TryRunAsync(["push", "--porcelain", "--force", "origin", $"HEAD:refs/heads/{branch}"], cancellationToken);
        if (!push.Ok)
        {
            throw new GitOpsException(
                $"the push to {GitCli.Mask(Url)} branch {branch} was rejected (nothing was pushed): {RejectionReason(GitCli.Mask((push.StdErr + "\n" + push.StdOut).Trim()))}");
        }
    }

    /// <summary>
    /// The contents of <paramref name="relativePath"/> at each commit of <see cref="Branch"/> that changed it,
    /// newest first (the remote's history as of the last fetch).
    /// </summary>
    public async Task<IReadOnlyList<(string Commit, string Text)>> FileHistoryAsync(string relativePath, int max, CancellationToken cancellationToken = default)
    {
        var log = await _git.RunAsync(["log", "--format=%H", $"-n{max}", $"origin/{Branch}", "--", relativePath], cancellationToken);
        var result = new List<(string, string)>();
        foreach (var sha in log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var show = await _git.TryRunAsync(["show", $"{sha}:{relativePath}"], cancellationToken);
            if (show.Ok) result.Add((sha, show.StdOut));
        }
        return result;
    }

    /// <summary>The commit <paramref name="revision"/> (a sha, a tag or a branch) names, or null when it names none.</summary>
    public async Task<string?> ResolveAsync(string revision, CancellationToken cancellationToken = default)
    {
        await _git.TryRunAsync(["fetch", "--quiet", "origin", "+refs/tags/*:refs/tags/*"], cancellationToken);
        var r = await _git.TryRunAsync(["rev-parse", "--verify", "--quiet", $"{revision}^{{commit}}"], cancellationToken);
        return r.Ok ? r.StdOut.Trim() : null;
    }

    /// <summary>The text of <paramref name="relativePath"/> at <paramref name="commit"/>, or null when it is absent there.</summary>
    public async Task<string?> ReadAtAsync(string commit, string relativePath, CancellationToken cancellationToken = default)
    {
        var r = await _git.TryRunAsync(["show", $"{commit}:{relativePath}"], cancellationToken);
        return r.Ok ? r.StdOut : null;
    }

    /// <summary>The sha a remote branch points at, or null when it does not exist.</summary>
    public async Task<string?> RemoteBranchShaAsync(string branch, CancellationToken cancellationToken = default)
    {
        var r = await _git.TryRunAsync(["rev-parse", "--verify", "--quiet", $"refs/remotes/origin/{branch}"], cancellationToken);
        return r.Ok ? r.StdOut.Trim() : null;
    }

    /// <summary>A unified diff of the work tree against the deployed branch, for PR bodies.</summary>
    public Task<string> DiffAsync(string fromRef, string toRef, CancellationToken cancellationToken = default) =>
        _git.RunAsync(["diff", "--no-color", fromRef, toRef], cancellationToken);

    /// <summary>The git runner for this clone, with the configured author.</summary>
    public GitCli Git => _git;

    private Dictionary<string, string> GitEnvironment() => new()
    {
        ["GIT_AUTHOR_NAME"] = AuthorName,
        ["GIT_AUTHOR_EMAIL"] = AuthorEmail,
        ["GIT_COMMITTER_NAME"] = CommitterName ?? AuthorName,
        ["GIT_COMMITTER_EMAIL"] = CommitterEmail ?? AuthorEmail,
    };

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }

    internal static void DeleteTree(string path)
    {
        if (!Directory.Exists(path)) return;
        foreach (var f in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories))
            File.SetAttributes(f, FileAttributes.Normal);
        Directory.Delete(path, recursive: true);
    }
}
