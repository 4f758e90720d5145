using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using GitOps.Pipelines.Images;
using GitOps.Pipelines.Oci;
using GitOps.Pipelines.Tags;

namespace GitOps.Pipelines.Cli;

/// <summary><c>gitops tags …</c>: choose tags by policy.</summary>
internal static class TagsCommands
{
    public static Command Create()
    {
        var tags = new Command("tags", "Choose image tags by policy.");
        tags.Subcommands.Add(SelectCommand());
        return tags;
    }

    private static Command SelectCommand()
    {
        var strategy = new Option<string>("--strategy", "-s")
        {
            // Checked by TagStrategyNames.Parse, so an unknown name is invalid input (exit code 2) like the other options.
            Description = "How to pick: semver (highest version), latest (newest created), name (last by name), digest (follow a tag's digest), numerical (highest number).",
            DefaultValueFactory = _ => "semver",
        };
        var constraint = new Option<string?>("--constraint", "-c")
        {
            Description = "semver: a version range (e.g. \"^1.2\", \">=1.0 <2\"); digest: the tag to follow (e.g. latest).",
        };
        var allowTags = new Option<string?>("--allow-tags") { Description = "Only consider matching tags: any, or regexp:RE." };
        var ignoreTags = new Option<string?>("--ignore-tags") { Description = "Skip tags matching these globs (comma-separated, e.g. \"*-debug,latest\")." };
        var tagList = new Option<string?>("--tags") { Description = "The candidate tags, comma-separated." };
        var image = new Option<string?>("--image") { Description = "Read candidate tags from an OCI image layout: oci:PATH[:REPO]." };
        var output = Output.Option();
        var command = new Command("select", "Choose the tag a policy deploys; exit code 3 when none qualifies.")
        {
            strategy, constraint, allowTags, ignoreTags, tagList, image, output,
        };
        command.SetAction(parse =>
        {
            var policy = TagPolicy.Create(parse.GetValue(strategy)!, parse.GetValue(constraint), parse.GetValue(allowTags), parse.GetValue(ignoreTags));
            var candidates = (parse.GetValue(tagList), parse.GetValue(image)) switch
            {
                ({ } list, null) => FromList(list),
                (null, { } layout) => OciLayoutTags.Read(layout),
                (null, null) => throw new GitOpsException("give the candidate tags with --tags t1,t2,… or --image oci:PATH[:REPO]", ExitCode.InvalidInput),
                _ => throw new GitOpsException("give either --tags or --image, not both", ExitCode.InvalidInput),
            };
            var selection = policy.Select(candidates);
            if (selection.Tag is not { } tag)
                throw new GitOpsException($"no tag qualifies: {selection.Reason}", ExitCode.NoTagQualifies);
            var report = new TagSelectReport(policy.Strategy.Name(), tag.Name, tag.Digest, tag.Created, selection.Reason, candidates.Count);
            Output.Write(parse, output, report, TagsJson.Default.TagSelectReport,
                r => policy.Strategy == TagStrategy.Digest && r.Digest is not null ? $"{r.Tag}@{r.Digest}" : r.Tag);
            return 0;
        });
        return command;
    }

    private static List<TagInfo> FromList(string list)
    {
        var tags = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Distinct(StringComparer.Ordinal).Select(t => new TagInfo(t)).ToList();
        var bad = tags.FirstOrDefault(t => !ReferenceGrammar.AnchoredTag.IsMatch(t.Name));
        if (bad is not null) throw new GitOpsException($"--tags: \"{bad.Name}\" is not a valid image tag", ExitCode.InvalidInput);
        return tags;
    }
}

/// <summary>What <c>gitops tags select</c> reports.</summary>
/// <param name="Strategy">The strategy applied.</param>
/// <param name="Tag">The chosen tag.</param>
/// <param name="Digest">The manifest digest the tag points at, when known.</param>
/// <param name="Created">When the image was created, when known.</param>
/// <param name="Reason">Why this tag.</param>
/// <param name="Candidates">How many tags were offered.</param>
internal sealed record TagSelectReport(string Strategy, string Tag, string? Digest, DateTimeOffset? Created, string Reason, int Candidates);

/// <summary>Source-generated JSON for the tags commands' reports.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(TagSelectReport))]
internal sealed partial class TagsJson : JsonSerializerContext;

/// <summary>
/// The tags of an OCI image layout as <see cref="TagInfo"/>s, with digests and the image config's <c>created</c>.
/// Ref names may be plain tags (<c>1.2.3</c>) or repository-qualified (<c>localhost/hello:1.2.3</c>).
/// </summary>
internal static class OciLayoutTags
{
    /// <summary>Reads <c>oci:PATH[:REPO]</c>; which ref names count is <see cref="TagRefNames.Select"/>'s rule.</summary>
    public static List<TagInfo> Read(string spec)
    {
        const string Scheme = "oci:";
        if (!spec.StartsWith(Scheme, StringComparison.Ordinal))
            throw new GitOpsException($"--image \"{spec}\": expected oci:PATH[:REPO]", ExitCode.InvalidInput);
        var (path, repo) = SplitPathAndRepo(spec[Scheme.Length..]);
        var layout = new OciLayout(path);
        if (!layout.Exists) throw new GitOpsException($"--image \"{spec}\": {layout.Root} is not an OCI image layout", ExitCode.InvalidInput);

        // One read of index.json: ref name → manifest (the last entry wins, as OciLayout.Resolve has it).
        var manifests = new Dictionary<string, OciDescriptor>(StringComparer.Ordinal);
        foreach (var m in layout.ReadIndex().Manifests)
        {
            if (m.Annotations is not null && m.Annotations.TryGetValue(Annotations.RefName, out var refName)) manifests[refName] = m;
        }
        IReadOnlyList<TagRefName> tags;
        try
        {
            tags = TagRefNames.Select(manifests.Keys, repo);
        }
        catch (GitOpsException e) when (e.Code == ExitCode.InvalidInput)
        {
            throw new GitOpsException($"--image \"{spec}\": {e.Message}{(repo is null ? " as oci:PATH:REPO" : "")}", ExitCode.InvalidInput, e);
        }
        return tags.Select(t => new TagInfo(t.Tag, Created(layout, manifests[t.RefName]), manifests[t.RefName].Digest)).ToList();
    }

    // PATH may itself contain ':', so the first prefix that is a folder is the path and the rest the repository.
    private static (string Path, string? Repo) SplitPathAndRepo(string rest)
    {
        if (Directory.Exists(rest)) return (rest, null);
        for (var i = rest.IndexOf(':'); i >= 0; i = rest.IndexOf(':', i + 1))
        {
            if (Directory.Exists(rest[..i])) return (rest[..i], rest[(i + 1)..]);
        }
        throw new GitOpsException($"--image \"oci:{rest}\": no such folder", ExitCode.InvalidInput);
    }

    // created comes from the image config; for an index (multi-platform image) from its first manifest.
    private static DateTimeOffset? Created(OciLayout layout, OciDescriptor descriptor)
    {
        try
        {
            var manifestDescriptor = descriptor;
            if (!layout.HasBlob(descriptor.Digest)) return null;
            if (descriptor.MediaType is MediaTypes.ImageIndex or MediaTypes.DockerManifestList)
            {
                var index = JsonSerializer.Deserialize(layout.ReadBlob(descriptor.Digest), OciJson.Default.OciIndex);
                if (index?.Manifests.FirstOrDefault() is not { } first) return null;
                manifestDescriptor = first;
            }
            if (!layout.HasBlob(manifestDescriptor.Digest)) return null;
            var manifest = JsonSerializer.Deserialize(layout.ReadBlob(manifestDescriptor.Digest), OciJson.Default.OciManifest);
            if (manifest is null || !layout.HasBlob(manifest.Config.Digest)) return null;
            var config = JsonSerializer.Deserialize(layout.ReadBlob(manifest.Config.Digest), OciJson.Default.OciImageConfig);
            return DateTimeOffset.TryParse(config?.Created, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var created)
                ? created
                : null;
        }
        catch (JsonException)
        {
            return null; // not an image we can read a date from; the latest strategy will leave it out
        }
    }
}
