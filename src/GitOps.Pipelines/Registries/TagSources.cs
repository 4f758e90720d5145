using System.Globalization;
using System.Text.Json;
using GitOps.Pipelines.Images;
using GitOps.Pipelines.Oci;
using GitOps.Pipelines.Registries.Distribution;
using GitOps.Pipelines.Tags;

namespace GitOps.Pipelines.Registries;

/// <summary>Where a tag policy's candidates come from: an OCI image layout or a registry repository.</summary>
public interface ITagSource : IDisposable
{
    /// <summary>The source as the user wrote it (for messages).</summary>
    string Name { get; }

    /// <summary>Every tag, by name; with a digest when the source knows it without another request.</summary>
    Task<IReadOnlyList<TagInfo>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// <paramref name="tag"/> with its manifest digest and its image config's <c>created</c> (null when unreadable). For an
    /// image index, the date of the manifest for <paramref name="platform"/> (the first one when null); null when the
    /// image has nothing for <paramref name="platform"/>.
    /// </summary>
    Task<TagInfo?> DescribeAsync(TagInfo tag, OciPlatform? platform, CancellationToken cancellationToken = default);
}

/// <summary>What <see cref="TagSelector.SelectAsync"/> chose, and from how many tags.</summary>
/// <param name="Selection">The policy's choice, or why there is none.</param>
/// <param name="Candidates">How many tags the source listed.</param>
public sealed record TagSourceSelection(TagSelection Selection, int Candidates);

/// <summary>
/// Applies a <see cref="TagPolicy"/> to an <see cref="ITagSource"/>, reading no more than the strategy needs: names only
/// for semver, name and numerical; the image config's <c>created</c> only for tags that pass allow-tags and ignore-tags
/// (latest); the followed tag's digest (digest). With a platform, a chosen tag whose image lacks it is dropped and the
/// policy chooses again.
/// </summary>
public static class TagSelector
{
    /// <summary>How many tags are described at once (latest strategy).</summary>
    public const int Parallelism = 4;

    private static string Describe(OciPlatform p) => $"{p.Os}/{p.Architecture}" + (p.Variant is null ? "" : "/" + p.Variant);

    /// <summary>Lists, filters and selects; see <see cref="TagSelector"/>.</summary>
    public static async Task<TagSourceSelection> SelectAsync(ITagSource source, TagPolicy policy, OciPlatform? platform = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(policy);
        var listed = await source.ListAsync(cancellationToken);
        var tags = listed.ToList();
        bool Passes(TagInfo t) => policy.Allow.Allows(t.Name) && !policy.Ignore.Ignores(t.Name);
        var toDescribe = policy switch
        {
            _ when policy.Strategy == TagStrategy.Latest => tags.Where(Passes).ToList(),
            DigestTagPolicy digest => tags.Where(t => t.Name == digest.FollowedTag && Passes(t)).ToList(),
            _ => [],
        };
        if (toDescribe.Count > 0)
        {
            var described = new Dictionary<string, TagInfo?>(StringComparer.Ordinal);
            await Parallel.ForEachAsync(toDescribe, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
                async (t, ct) =>
                {
                    var d = await source.DescribeAsync(t, platform, ct);
                    lock (described) described[t.Name] = d;
                });
            tags = tags.Select(t => described.TryGetValue(t.Name, out var d) ? d : t).OfType<TagInfo>().ToList();
            var selection = policy.Select(tags);
            var dropped = described.Count(d => d.Value is null);
            return new TagSourceSelection(selection.Found || dropped == 0 ? selection
                : selection with { Reason = $"{selection.Reason} ({dropped} without {Describe(platform!)} left out)" }, listed.Count);
        }
        var without = 0;
        while (true)
        {
            var selection = policy.Select(tags);
            if (platform is null) return new TagSourceSelection(selection, listed.Count);
            if (selection.Tag is not { } chosen)
                return new TagSourceSelection(without == 0 ? selection
                    : selection with { Reason = $"{selection.Reason} ({without} without {Describe(platform)} left out)" }, listed.Count);
            if (await source.DescribeAsync(chosen, platform, cancellationToken) is { } fits)
                return new TagSourceSelection(selection with { Tag = fits with { Name = chosen.Name } }, listed.Count);
            tags.RemoveAll(t => t.Name == chosen.Name);
            without++;
        }
    }
}

/// <summary>Platforms as users write them: <c>os/arch[/variant]</c>, e.g. <c>linux/amd64</c>, <c>linux/arm64/v8</c>.</summary>
public static class Platforms
{
    /// <summary>Parses <c>os/arch[/variant]</c>.</summary>
    /// <exception cref="GitOpsException">Not of that shape (exit code <see cref="ExitCode.InvalidInput"/>).</exception>
    public static OciPlatform Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('/');
        if (parts.Length is < 2 or > 3 || parts.Any(p => p.Length == 0 || p.Any(c => !char.IsAsciiLetterOrDigit(c) && c != '_' && c != '-')))
            throw new GitOpsException($"platform \"{text}\" is not os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8", ExitCode.InvalidInput);
        return new OciPlatform(parts[1].ToLowerInvariant(), parts[0].ToLowerInvariant(), parts.Length == 3 ? parts[2].ToLowerInvariant() : null);
    }

    /// <summary>
    /// True when an index entry's <paramref name="candidate"/> serves <paramref name="wanted"/>: same os and architecture, and
    /// the variant when one is wanted (arm64 without a variant is v8, as containerd normalizes it).
    /// </summary>
    public static bool Matches(OciPlatform? candidate, OciPlatform wanted)
    {
        ArgumentNullException.ThrowIfNull(wanted);
        if (candidate is null || candidate.Os != wanted.Os || candidate.Architecture != wanted.Architecture) return false;
        if (wanted.Variant is null) return true;
        static string? Normal(OciPlatform p) => p.Architecture == "arm64" && p.Variant is null ? "v8" : p.Variant;
        return Normal(candidate) == Normal(wanted);
    }

    /// <summary>The entry of <paramref name="index"/> for <paramref name="platform"/> (the first when null), or null.</summary>
    public static OciDescriptor? Pick(OciIndex index, OciPlatform? platform)
    {
        ArgumentNullException.ThrowIfNull(index);
        return platform is null ? index.Manifests.FirstOrDefault() : index.Manifests.FirstOrDefault(m => Matches(m.Platform, platform));
    }

    internal static bool IsIndex(string mediaType) => mediaType is MediaTypes.ImageIndex or MediaTypes.DockerManifestList;

    internal static DateTimeOffset? Created(byte[] config)
    {
        try
        {
            var parsed = JsonSerializer.Deserialize(config, OciJson.Default.OciImageConfig);
            return DateTimeOffset.TryParse(parsed?.Created, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var created)
                ? created : null;
        }
        catch (JsonException)
        {
            return null; // not an image config we can read a date from; the latest strategy leaves the tag out
        }
    }
}

/// <summary>Opens the tag source a spec names.</summary>
public static class TagSources
{
    /// <summary>
    /// <c>oci:PATH[:REPO]</c> (an OCI layout, PATH relative to <paramref name="baseDir"/>) is an <see cref="OciLayoutTagSource"/>;
    /// <c>docker://REPO</c> or a plain <c>REPO</c> (a tag or digest in it is ignored) a <see cref="RegistryTagSource"/>.
    /// </summary>
    public static ITagSource Open(string spec, string baseDir, RegistryClientOptions? options = null, int? pageSize = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(baseDir);
        if (spec.StartsWith("oci:", StringComparison.Ordinal)) return OciLayoutTagSource.Open(spec, baseDir);
        var text = spec.StartsWith("docker://", StringComparison.Ordinal) ? spec["docker://".Length..] : spec;
        if (text.Contains("://", StringComparison.Ordinal) || !ImageReference.TryParseNormalized(text, out var reference))
            throw new GitOpsException($"\"{spec}\" is not oci:PATH[:REPO], docker://REPO or REPO", ExitCode.InvalidInput);
        return new RegistryTagSource(new RegistryClient(reference.Domain, options), reference.Path, pageSize, spec, ownsClient: true);
    }
}

/// <summary>
/// The tags of a registry repository: a <c>/v2/</c> ping (so refused credentials fail first), then the tags list page by
/// page (<c>n</c> = the page size, <c>Link</c> to the next); manifests and config blobs only when a tag is described.
/// </summary>
/// <param name="client">The registry's client.</param>
/// <param name="repository">The repository on that registry, e.g. <c>team/app</c>.</param>
/// <param name="pageSize">Tags per page (<c>n</c>); the registry's default when null.</param>
/// <param name="name">The source as the user wrote it.</param>
/// <param name="ownsClient">Dispose <paramref name="client"/> with this source.</param>
public sealed class RegistryTagSource(IRegistryClient client, string repository, int? pageSize = null, string? name = null,
    bool ownsClient = false) : ITagSource
{
    /// <inheritdoc />
    public void Dispose()
    {
        if (ownsClient && client is IDisposable d) d.Dispose();
    }

    /// <inheritdoc />
    public string Name { get; } = name ?? $"docker://{client.Registry}/{repository}";

    /// <inheritdoc />
    public async Task<IReadOnlyList<TagInfo>> ListAsync(CancellationToken cancellationToken = default)
    {
        await client.PingAsync(cancellationToken);
        try
        {
            var tags = await client.ListTagsAsync(repository, pageSize, cancellationToken);
            return tags.Distinct(StringComparer.Ordinal).Select(t => new TagInfo(t)).ToList();
        }
        catch (RegistryException e) when (e.Has(RegistryErrorCodes.NameUnknown))
        {
            return [];
        }
    }

    /// <inheritdoc />
    public async Task<TagInfo?> DescribeAsync(TagInfo tag, OciPlatform? platform, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tag);
        var top = await client.GetManifestAsync(repository, tag.Name, cancellationToken);
        var manifestBytes = top.Bytes;
        if (Platforms.IsIndex(top.MediaType))
        {
            var index = JsonSerializer.Deserialize(top.Bytes, OciJson.Default.OciIndex);
            if (index is null || Platforms.Pick(index, platform) is not { } child) return platform is null ? tag with { Digest = top.Digest } : null;
            manifestBytes = (await client.GetManifestAsync(repository, child.Digest, cancellationToken)).Bytes;
        }
        else if (platform is not null && !await FitsAsync(manifestBytes, platform, cancellationToken))
        {
            return null;
        }
        return tag with { Digest = top.Digest, Created = await CreatedAsync(manifestBytes, cancellationToken) };
    }

    // A single-platform image fits when its config says that platform.
    private async Task<bool> FitsAsync(byte[] manifestBytes, OciPlatform platform, CancellationToken cancellationToken)
    {
        var config = await ConfigAsync(manifestBytes, cancellationToken);
        if (config is null) return false;
        try
        {
            var parsed = JsonSerializer.Deserialize(config, OciJson.Default.OciImageConfig);
            return parsed is not null && Platforms.Matches(new OciPlatform(parsed.Architecture, parsed.Os), platform);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private readonly Dictionary<string, byte[]> _configs = new(StringComparer.Ordinal);

    private async Task<byte[]?> ConfigAsync(byte[] manifestBytes, CancellationToken cancellationToken)
    {
        OciManifest? manifest;
        try { manifest = JsonSerializer.Deserialize(manifestBytes, OciJson.Default.OciManifest); }
        catch (JsonException) { return null; }
        if (manifest?.Config is not { } descriptor) return null;
        lock (_configs)
            if (_configs.TryGetValue(descriptor.Digest, out var cached)) return cached;
        await using var stream = await client.GetBlobAsync(repository, descriptor.Digest, cancellationToken);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken);
        var bytes = buffer.ToArray();
        if (RegistryClient.Sha256(bytes) != descriptor.Digest)
            throw new GitOpsException($"registry {client.Registry} sent config {descriptor.Digest} of {repository} with other bytes");
        lock (_configs) _configs[descriptor.Digest] = bytes;
        return bytes;
    }

    private async Task<DateTimeOffset?> CreatedAsync(byte[] manifestBytes, CancellationToken cancellationToken) =>
        await ConfigAsync(manifestBytes, cancellationToken) is { } config ? Platforms.Created(config) : null;
}

/// <summary>
/// The tags of an OCI image layout, with digests from index.json; the image config's <c>created</c> when described.
/// Ref names may be plain tags (<c>1.2.3</c>) or repository-qualified (<c>localhost/hello:1.2.3</c>); which count is
/// <see cref="TagRefNames.Select"/>'s rule.
/// </summary>
public sealed class OciLayoutTagSource : ITagSource
{
    private readonly OciLayout _layout;
    private readonly string? _repository;
    private readonly Dictionary<string, OciDescriptor> _byTag = new(StringComparer.Ordinal);

    private OciLayoutTagSource(string name, OciLayout layout, string? repository)
    {
        Name = name;
        _layout = layout;
        _repository = repository;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public void Dispose()
    {
    }

    /// <summary>Opens <c>oci:PATH[:REPO]</c>; PATH may itself hold <c>:</c> (the longest prefix that is a folder is the path).</summary>
    public static OciLayoutTagSource Open(string spec, string baseDir)
    {
        ArgumentNullException.ThrowIfNull(spec);
        const string Scheme = "oci:";
        if (!spec.StartsWith(Scheme, StringComparison.Ordinal))
            throw new GitOpsException($"\"{spec}\": expected oci:PATH[:REPO]", ExitCode.InvalidInput);
        var (path, repo) = SplitPathAndRepo(spec, spec[Scheme.Length..], baseDir);
        var layout = new OciLayout(path);
        if (!layout.Exists) throw new GitOpsException($"\"{spec}\": {layout.Root} is not an OCI image layout", ExitCode.InvalidInput);
        return new OciLayoutTagSource(spec, layout, repo);
    }

    private static (string Path, string? Repo) SplitPathAndRepo(string spec, string rest, string baseDir)
    {
        string Full(string p) => Path.GetFullPath(p, Path.GetFullPath(baseDir));
        if (Directory.Exists(Full(rest))) return (Full(rest), null);
        for (var i = rest.IndexOf(':'); i >= 0; i = rest.IndexOf(':', i + 1))
        {
            if (Directory.Exists(Full(rest[..i]))) return (Full(rest[..i]), rest[(i + 1)..]);
        }
        throw new GitOpsException($"\"{spec}\": no such folder", ExitCode.InvalidInput);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<TagInfo>> ListAsync(CancellationToken cancellationToken = default)
    {
        // One read of index.json: ref name → manifest (the last entry wins, as OciLayout.Resolve has it).
        var manifests = new Dictionary<string, OciDescriptor>(StringComparer.Ordinal);
        foreach (var m in _layout.ReadIndex().Manifests)
        {
            if (m.Annotations is not null && m.Annotations.TryGetValue(Annotations.RefName, out var refName)) manifests[refName] = m;
        }
        IReadOnlyList<TagRefName> tags;
        try
        {
            tags = TagRefNames.Select(manifests.Keys, _repository);
        }
        catch (GitOpsException e) when (e.Code == ExitCode.InvalidInput)
        {
            throw new GitOpsException($"\"{Name}\": {e.Message}{(_repository is null ? " as oci:PATH:REPO" : "")}", ExitCode.InvalidInput, e);
        }
        lock (_byTag)
        {
            _byTag.Clear();
            foreach (var t in tags) _byTag[t.Tag] = manifests[t.RefName];
        }
        return Task.FromResult<IReadOnlyList<TagInfo>>(tags.Select(t => new TagInfo(t.Tag, null, manifests[t.RefName].Digest)).ToList());
    }

    /// <inheritdoc />
    public Task<TagInfo?> DescribeAsync(TagInfo tag, OciPlatform? platform, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tag);
        OciDescriptor? descriptor;
        lock (_byTag) _byTag.TryGetValue(tag.Name, out descriptor);
        if (descriptor is null) return Task.FromResult<TagInfo?>(tag);
        return Task.FromResult(Describe(tag with { Digest = descriptor.Digest }, descriptor, platform));
    }

    private TagInfo? Describe(TagInfo tag, OciDescriptor descriptor, OciPlatform? platform)
    {
        try
        {
            // A blob another tool left out: no date, so the latest strategy leaves the tag out.
            if (!_layout.HasBlob(descriptor.Digest)) return tag;
            var manifestDescriptor = descriptor;
            if (Platforms.IsIndex(descriptor.MediaType))
            {
                var index = JsonSerializer.Deserialize(_layout.ReadBlob(descriptor.Digest), OciJson.Default.OciIndex);
                if (index is null || Platforms.Pick(index, platform) is not { } child) return platform is null ? tag : null;
                manifestDescriptor = child;
            }
            if (!_layout.HasBlob(manifestDescriptor.Digest)) return tag;
            var manifest = JsonSerializer.Deserialize(_layout.ReadBlob(manifestDescriptor.Digest), OciJson.Default.OciManifest);
            if (manifest is null || !_layout.HasBlob(manifest.Config.Digest)) return tag;
            var configBytes = _layout.ReadBlob(manifest.Config.Digest);
            if (platform is not null && manifestDescriptor == descriptor)
            {
                var config = JsonSerializer.Deserialize(configBytes, OciJson.Default.OciImageConfig);
                if (config is null || !Platforms.Matches(new OciPlatform(config.Architecture, config.Os), platform)) return null;
            }
            return tag with { Created = Platforms.Created(configBytes) };
        }
        catch (JsonException)
        {
            return tag;
        }
    }
}
