using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using GitOps.Pipelines.Images;
using GitOps.Pipelines.Registries;
using GitOps.Pipelines.Registries.Distribution;
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
        var image = new Option<string?>("--image")
        {
            Description = "Read candidate tags from an OCI image layout (oci:PATH[:REPO]) or a registry repository (docker://REPO or REPO).",
        };
        var platform = new Option<string?>("--platform")
        {
            Description = "For image indexes: only images for this platform (os/arch[/variant], e.g. linux/amd64, linux/arm64/v8).",
        };
        var pageSize = new Option<int?>("--page-size") { Description = "Tags per registry request (n); the registry's default when absent." };
        var insecure = new Option<string[]>("--insecure-registry")
        {
            Description = "A registry (HOST[:PORT]) that may be reached over plain HTTP; repeatable. localhost and 127.0.0.1 always may.",
            AllowMultipleArgumentsPerToken = false,
        };
        var output = Output.Option();
        var command = new Command("select", "Choose the tag a policy deploys; exit code 3 when none qualifies.")
        {
            strategy, constraint, allowTags, ignoreTags, tagList, image, platform, pageSize, insecure, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var policy = TagPolicy.Create(parse.GetValue(strategy)!, parse.GetValue(constraint), parse.GetValue(allowTags), parse.GetValue(ignoreTags));
            var wanted = parse.GetValue(platform) is { } p ? Platforms.Parse(p) : null;
            if (parse.GetValue(pageSize) is <= 0) throw new GitOpsException("--page-size must be at least 1", ExitCode.InvalidInput);
            TagSourceSelection result;
            switch (parse.GetValue(tagList), parse.GetValue(image))
            {
                case ({ } list, null):
                    if (wanted is not null) throw new GitOpsException("--platform needs --image (a plain tag list has no platforms)", ExitCode.InvalidInput);
                    var candidates = FromList(list);
                    result = new TagSourceSelection(policy.Select(candidates), candidates.Count);
                    break;
                case (null, { } spec):
                    using (var source = TagSources.Open(spec, Environment.CurrentDirectory, new RegistryClientOptions
                    {
                        InsecureRegistries = new HashSet<string>(parse.GetValue(insecure) ?? [], StringComparer.OrdinalIgnoreCase),
                    }, parse.GetValue(pageSize)))
                    {
                        result = await TagSelector.SelectAsync(source, policy, wanted, cancellationToken);
                    }
                    break;
                case (null, null):
                    throw new GitOpsException("give the candidate tags with --tags t1,t2,… or --image oci:PATH[:REPO] | docker://REPO", ExitCode.InvalidInput);
                default:
                    throw new GitOpsException("give either --tags or --image, not both", ExitCode.InvalidInput);
            }
            var selection = result.Selection;
            if (selection.Tag is not { } tag)
                throw new GitOpsException($"no tag qualifies: {selection.Reason}", ExitCode.NoTagQualifies);
            var report = new TagSelectReport(policy.Strategy.Name(), tag.Name, tag.Digest, tag.Created, selection.Reason, result.Candidates);
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
