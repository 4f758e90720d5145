using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using GitOps.Pipelines.Git;
using GitOps.Pipelines.Processes;

namespace GitOps.Pipelines.Sync;

/// <summary>
/// The embedded pull-mode sync: fetches the runtime repo at the requested revision into a cached work clone,
/// renders an environment with <c>kubectl kustomize</c>, and records the result under
/// <c>&lt;StateDir&gt;/sync/&lt;env&gt;/</c> (<c>manifests.yaml</c>, then <c>status.json</c>, each written atomically).
/// </summary>
public sealed class LocalSync : ISyncTrigger, IDeploymentObserver
{
    private readonly LocalSyncOptions _options;
    private readonly TimeProvider _time;
    private readonly string _syncDir;
    private readonly string _workDir;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _environmentLocks = new(StringComparer.Ordinal);
    // The work clone is shared by every environment: checkout and render hold it.
    private readonly SemaphoreSlim _workLock = new(1, 1);

    /// <summary>Creates the sync; nothing touches the disk until the first trigger.</summary>
    public LocalSync(LocalSyncOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.RepositoryUrl))
            throw new GitOpsException("the local sync needs the runtime repo's URL or path", ExitCode.InvalidInput);
        if (string.IsNullOrWhiteSpace(options.StateDir))
            throw new GitOpsException("the local sync needs a state folder", ExitCode.InvalidInput);
        foreach (var env in options.Environments)
        {
            // The name becomes a folder beside the work clone.
            if (string.IsNullOrWhiteSpace(env.Name) || env.Name is "." or ".." or "work"
                || env.Name.IndexOfAny(['/', '\\', ':']) >= 0 || env.Name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
                throw new GitOpsException($"the local sync cannot use '{env.Name}' as an environment name (it names a folder under sync/; 'work' is taken)", ExitCode.InvalidInput);
        }
        _options = options;
        _time = time ?? TimeProvider.System;
        _syncDir = Path.Combine(Path.GetFullPath(options.StateDir), "sync");
        _workDir = Path.Combine(_syncDir, "work");
    }

    /// <summary>The folder holding an environment's <c>manifests.yaml</c> and <c>status.json</c>.</summary>
    public string EnvironmentDirectory(string environment) => Path.Combine(_syncDir, Find(environment).Name);

    /// <inheritdoc />
    /// <remarks>Pulls from the configured repository; the request's URL says where the merge happened.</remarks>
    public async Task TriggerAsync(SyncRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var env = Find(request.Environment);
        if (string.IsNullOrWhiteSpace(request.Revision) || request.Revision.StartsWith('-'))
            throw new GitOpsException($"'{request.Revision}' is not a revision", ExitCode.InvalidInput);

        var envLock = _environmentLocks.GetOrAdd(env.Name, _ => new SemaphoreSlim(1, 1));
        await envLock.WaitAsync(cancellationToken);
        try
        {
            var envDir = Path.Combine(_syncDir, env.Name);
            Directory.CreateDirectory(envDir);
            string revision = request.Revision;
            string rendered;
            try
            {
                await _workLock.WaitAsync(cancellationToken);
                try
                {
                    revision = await CheckoutAsync(request.Revision, cancellationToken);
                    rendered = await RenderAsync(env, cancellationToken);
                }
                finally
                {
                    _workLock.Release();
                }
            }
            catch (GitOpsException e)
            {
                await WriteStatusAsync(envDir, new DeploymentStatus(env.Name, revision, [], _time.GetUtcNow(), "Degraded", e.Message), cancellationToken);
                throw;
            }

            var images = RenderedImages.Find(rendered);
            await WriteAtomicAsync(Path.Combine(envDir, "manifests.yaml"), rendered, cancellationToken);
            await WriteStatusAsync(envDir, new DeploymentStatus(env.Name, revision, images, _time.GetUtcNow(), "Healthy"), cancellationToken);
        }
        finally
        {
            envLock.Release();
        }
    }

    /// <inheritdoc />
    public async Task<DeploymentStatus?> GetAsync(string environment, CancellationToken cancellationToken = default)
    {
        var file = Path.Combine(_syncDir, Find(environment).Name, "status.json");
        try
        {
            await using var stream = File.OpenRead(file);
            return await JsonSerializer.DeserializeAsync(stream, SyncJsonContext.Default.DeploymentStatus, cancellationToken);
        }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
        catch (JsonException e)
        {
            throw new GitOpsException($"{file} is not a valid status: {e.Message}");
        }
    }

    private LocalSyncEnvironment Find(string environment) =>
        _options.Environments.FirstOrDefault(e => e.Name == environment)
        ?? throw new GitOpsException(
            $"the local sync knows no environment '{environment}' (known: {string.Join(", ", _options.Environments.Select(e => e.Name))})",
            ExitCode.InvalidInput);

    /// <summary>Brings the work clone to the revision (detached) and returns the full commit id.</summary>
    private async Task<string> CheckoutAsync(string revision, CancellationToken ct)
    {
        if (!Directory.Exists(Path.Combine(_workDir, ".git")))
        {
            if (Directory.Exists(_workDir)) Directory.Delete(_workDir, recursive: true); // a clone that died half-way
            Directory.CreateDirectory(_syncDir);
            await new GitCli(_syncDir).RunAsync(["clone", "--quiet", "--no-checkout", "--", _options.RepositoryUrl, _workDir], ct);
        }
        var git = new GitCli(_workDir);
        // Fetch exactly the revision; servers that refuse a commit id in a want get the full fetch instead.
        var fetched = await git.TryRunAsync(["fetch", "--quiet", "origin", revision], ct);
        string target = "FETCH_HEAD";
        if (!fetched.Ok)
        {
            await git.RunAsync(["fetch", "--quiet", "--tags", "origin", "+refs/heads/*:refs/remotes/origin/*"], ct);
            var resolved = await git.TryRunAsync(["rev-parse", "--verify", "--quiet", "--end-of-options", revision + "^{commit}"], ct);
            if (!resolved.Ok)
                throw new GitOpsException($"revision {revision} was not found in {GitCli.Mask(_options.RepositoryUrl)}");
            target = resolved.StdOut.Trim();
        }
        await git.RunAsync(["checkout", "--quiet", "--force", "--detach", target], ct);
        await git.RunAsync(["clean", "--quiet", "-fdx"], ct);
        return (await git.RunAsync(["rev-parse", "HEAD"], ct)).Trim();
    }

    private async Task<string> RenderAsync(LocalSyncEnvironment env, CancellationToken ct)
    {
        var path = Path.GetFullPath(Path.Combine(_workDir, env.Path));
        if (!path.StartsWith(_workDir + Path.DirectorySeparatorChar, StringComparison.Ordinal) && path != _workDir)
            throw new GitOpsException($"environment '{env.Name}': path {env.Path} leaves the runtime repo", ExitCode.InvalidInput);
        if (!Directory.Exists(path))
            throw new GitOpsException($"environment '{env.Name}': {env.Path} does not exist in the runtime repo at this revision");

        var r = await ExternalTool.TryRunAsync(_options.Kubectl, ["kustomize", path], _workDir, cancellationToken: ct)
            ?? throw new GitOpsException($"{_options.Kubectl} was not found on PATH; the local sync renders with `kubectl kustomize`");
        if (!r.Ok)
            throw new GitOpsException(
                $"environment '{env.Name}': kubectl kustomize {env.Path} failed (exit {r.ExitCode}): {r.StdErr.Trim()}");
        return r.StdOut;
    }

    private static Task WriteStatusAsync(string envDir, DeploymentStatus status, CancellationToken ct) =>
        WriteAtomicAsync(Path.Combine(envDir, "status.json"),
            JsonSerializer.Serialize(status, SyncJsonContext.Default.DeploymentStatus), ct);

    /// <summary>Writes beside the target, then renames over it: readers see the old file or the new one, never half.</summary>
    private static async Task WriteAtomicAsync(string file, string content, CancellationToken ct)
    {
        var temp = $"{file}.{Guid.NewGuid():N}.tmp";
        try
        {
            await File.WriteAllTextAsync(temp, content, new UTF8Encoding(false), ct);
            File.Move(temp, file, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
