namespace GitOps.Pipelines.Git;

/// <summary>
/// The runtime repo the cluster pulls, seen through a cached work clone: seed it, branch from the deployed
/// branch, edit, commit, push. Every git call goes through <see cref="GitCli"/> with argument lists.
/// </summary>
public sealed class RuntimeRepo
{
    private readonly GitCli _git;

    /// <summary>Opens the runtime repo at <paramref name="url"/> with a work clone in <paramref name="workDir"/>.</summary>
    public RuntimeRepo(string url, string branch, string workDir, string authorName, string authorEmail)
    {
        Url = url;
        Branch = branch;
        WorkDir = Path.GetFullPath(workDir);
        AuthorName = authorName;
        AuthorEmail = authorEmail;
        _git = new GitCli(WorkDir, GitEnvironment());
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

    /// <summary>Makes sure the work clone exists and has the remote's current refs.</summary>
    public async Task SyncCloneAsync(CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(Path.Combine(WorkDir, ".git")))
        {
            DeleteTree(WorkDir);
            Directory.CreateDirectory(Path.GetDirectoryName(WorkDir)!);
            await new GitCli(Path.GetDirectoryName(WorkDir)!).RunAsync(
                ["clone", "--quiet", "--no-tags", "--branch", Branch, Url, WorkDir], cancellationToken);
        }
        else
        {
            await _git.RunAsync(["fetch", "--quiet", "--prune", "origin"], cancellationToken);
        }
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

    /// <summary>Pushes the current HEAD to <paramref name="branch"/> on the remote (forced: bump branches are ours).</summary>
    public Task PushBranchAsync(string branch, CancellationToken cancellationToken = default) =>
        _git.RunAsync(["push", "--quiet", "--force", "origin", $"HEAD:refs/heads/{branch}"], cancellationToken);

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
        ["GIT_COMMITTER_NAME"] = AuthorName,
        ["GIT_COMMITTER_EMAIL"] = AuthorEmail,
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
