using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using GitOps.Pipelines.Configuration;
using GitOps.Pipelines.Git;
using GitOps.Pipelines.Manifests;

namespace GitOps.Pipelines.Deploy;

/// <summary>
/// One bump of one file in a runtime repo, without a gitops.yaml (for scripts: <c>gitops bump --runtime-repo …</c>).
/// </summary>
/// <param name="RuntimeRepo">The runtime repo's git URL or local path.</param>
/// <param name="Path">The file to edit, relative to the repo's root.</param>
/// <param name="Image">The image's repository, as the file names it.</param>
/// <param name="Tag">The tag to set.</param>
/// <param name="Digest">The digest to set.</param>
/// <param name="Branch">The deploy branch.</param>
/// <param name="Gate"><c>direct</c>: commit to <paramref name="Branch"/>; <c>pr</c>: push a bump branch for a pull request.</param>
/// <param name="Editor">The editor kind; null: from the file name (kustomization.yaml, values*.yaml, .argocd-source*.yaml, else manifests).</param>
/// <param name="Options">The editor's settings (valuesKey, imagePolicy).</param>
/// <param name="CacheDir">Where the cached clone lives; null: under the user's cache folder, one per URL and branch.</param>
/// <param name="AuthorName">Commit author name.</param>
/// <param name="AuthorEmail">Commit author email.</param>
/// <param name="CommitMessage">The subject template (see <see cref="RuntimeRepoConfig.CommitMessage"/>).</param>
public sealed record RuntimeBumpRequest(
    string RuntimeRepo,
    string Path,
    string Image,
    string? Tag,
    string? Digest,
    string Branch = "main",
    string Gate = "direct",
    string? Editor = null,
    EditorOptions? Options = null,
    string? CacheDir = null,
    string AuthorName = "gitops-bot",
    string AuthorEmail = "gitops-bot@users.noreply.local",
    string? CommitMessage = null);

/// <summary>Runs a <see cref="RuntimeBumpRequest"/>: the same editors, commit message and push safety as the chain's Bump stage.</summary>
public static class RuntimeBump
{
    /// <summary>The editor kind a file's name suggests.</summary>
    public static string EditorFor(string path)
    {
        var name = System.IO.Path.GetFileName(path);
        if (name is "kustomization.yaml" or "kustomization.yml" or "Kustomization") return "kustomize";
        if (name.StartsWith(".argocd-source", StringComparison.Ordinal)) return "argocd";
        if (name.StartsWith("values", StringComparison.Ordinal)) return "helm";
        return "manifests";
    }

    /// <summary>
    /// Edits the file on the tip of the deploy branch and commits: straight to it (gate direct, retried on the
    /// new tip when another writer won the race) or onto a bump branch (gate pr, reported for a pull request).
    /// </summary>
    public static async Task<StageReport> RunAsync(RuntimeBumpRequest request, TextWriter log, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(log);
        var watch = Stopwatch.StartNew();
        if (request.Tag is null && request.Digest is null)
            throw new GitOpsException("bump: give --tag, --digest or both", ExitCode.InvalidInput);
        if (request.Gate is not ("direct" or "pr"))
            throw new GitOpsException($"bump: --gate must be 'direct' or 'pr', got '{request.Gate}'", ExitCode.InvalidInput);
        if (request.Digest is { } d && Images.ImageReference.ValidateDigest(d) is { } bad)
            throw new GitOpsException($"bump: --digest '{d}' is not a digest: {bad}", ExitCode.InvalidInput);
        var file = request.Path.Replace('\\', '/');
        if (file.Length == 0 || file.StartsWith('/') || file.Split('/').Contains(".."))
            throw new GitOpsException($"path '{request.Path}' is outside the runtime repo", ExitCode.InvalidInput);
        var editor = ManifestEditors.For(request.Editor ?? EditorFor(file), request.Options);
        var url = Git.RuntimeRepo.IsLocal(request.RuntimeRepo) ? System.IO.Path.GetFullPath(request.RuntimeRepo) : request.RuntimeRepo;
        var cache = request.CacheDir ?? DefaultCacheDir(url, request.Branch);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(cache))!);
        await using var held = await CloneLock.AcquireAsync(System.IO.Path.GetFullPath(cache) + ".lock", cancellationToken);
        var repo = new Git.RuntimeRepo(url, request.Branch, cache, request.AuthorName, request.AuthorEmail)
        {
            SparsePaths = Git.RuntimeRepo.SparseFor(file),
        };
        var update = new ImageUpdate(request.Image, NewTag: request.Tag, Digest: request.Digest);
        var record = new ImageRecord(request.Image, request.Digest ?? "", request.Tag is null ? [] : [request.Tag], null);
        var runtime = new RuntimeRepoConfig(url, request.Branch, "local", null, request.AuthorName, request.AuthorEmail, CommitMessage: request.CommitMessage);
        var environment = System.IO.Path.GetDirectoryName(file)?.Replace('\\', '/') is { Length: > 0 } dir ? dir : file;

        if (request.Gate == "direct")
        {
            ChangeSet changes = ChangeSet.Empty;
            var pushed = await repo.CommitToBranchAsync(_ =>
            {
                var edit = editor.Apply(file, repo.ReadFile(file), update);
                changes = edit.Changes;
                if (edit.Changes.IsEmpty) return Task.FromResult<(IReadOnlyList<string>, string)?>(null);
                repo.WriteFile(file, edit.Text);
                return Task.FromResult<(IReadOnlyList<string>, string)?>(([file], Deployer.CommitMessage(runtime, environment, record, request.Tag, edit.Changes)));
            }, cancellationToken);
            if (pushed is null)
            {
                log.WriteLine($"[bump] {file} already sets {request.Image}{Suffix(request)}; nothing to bump");
                return new StageReport("Bump", "unchanged", environment, request.Digest, Seconds: watch.Elapsed.TotalSeconds, Image: request.Image);
            }
            log.WriteLine($"[bump] {file}: {Describe(changes)} committed to {request.Branch} ({pushed.Sha[..12]}, attempt {pushed.Attempts})");
            return new StageReport("Bump", "committed", environment, request.Digest, Revision: pushed.Sha, Seconds: watch.Elapsed.TotalSeconds, Image: request.Image);
        }

        var branch = $"gitops/bump/{request.Image.Split('/')[^1]}-{(request.Tag ?? request.Digest![7..19])}";
        await repo.StartBranchAsync(branch, cancellationToken);
        var pr = editor.Apply(file, repo.ReadFile(file), update);
        if (pr.Changes.IsEmpty)
        {
            log.WriteLine($"[bump] {file} already sets {request.Image}{Suffix(request)}; nothing to bump");
            return new StageReport("Bump", "unchanged", environment, request.Digest, Seconds: watch.Elapsed.TotalSeconds, Image: request.Image);
        }
        repo.WriteFile(file, pr.Text);
        var commit = await repo.CommitAsync([file], Deployer.CommitMessage(runtime, environment, record, request.Tag, pr.Changes), cancellationToken);
        await repo.PushBranchAsync(branch, cancellationToken);
        log.WriteLine($"[bump] {file}: {Describe(pr.Changes)} on branch {branch} ({commit[..12]}); open a pull request from it into {request.Branch}");
        return new StageReport("Bump", "pending", environment, request.Digest, Revision: commit, Seconds: watch.Elapsed.TotalSeconds, Image: request.Image);
    }

    private static string Suffix(RuntimeBumpRequest r) => (r.Tag is null ? "" : ":" + r.Tag) + (r.Digest is null ? "" : "@" + r.Digest);

    private static string Describe(ChangeSet changes) =>
        string.Join("; ", changes.Changes.Select(c => $"line {c.Line}: {(c.Old.Length == 0 ? "(added)" : c.Old)} → {c.New}"));

    private static string DefaultCacheDir(string url, string branch)
    {
        var root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url + "\n" + branch)))[..16];
        return System.IO.Path.Combine(root, "gitops", "runtime", key);
    }
}

/// <summary>An exclusive lock on a cached clone across processes: a lock file held open without sharing.</summary>
internal sealed class CloneLock : IAsyncDisposable
{
    private readonly FileStream _stream;

    private CloneLock(FileStream stream) => _stream = stream;

    public static async Task<CloneLock> AcquireAsync(string path, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(5);
        while (true)
        {
            try
            {
                return new CloneLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(Random.Shared.Next(20, 120), cancellationToken);
            }
        }
    }

    public ValueTask DisposeAsync() => _stream.DisposeAsync();
}
