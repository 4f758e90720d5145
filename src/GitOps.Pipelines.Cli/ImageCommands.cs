using System.CommandLine;
using System.Text.Json.Serialization;
using GitOps.Pipelines.Images;

namespace GitOps.Pipelines.Cli;

/// <summary><c>gitops image …</c>: work with image references.</summary>
internal static class ImageCommands
{
    public static Command Create()
    {
        var image = new Command("image", "Work with image references.");
        image.Subcommands.Add(ParseCommand());
        foreach (var command in ImageCopyCommands.Create()) image.Subcommands.Add(command);
        return image;
    }

    private static Command ParseCommand()
    {
        var reference = new Argument<string>("reference") { Description = "An image reference, e.g. ubuntu, ghcr.io/o/app:1.2 or repo@sha256:…" };
        var output = Output.Option();
        var command = new Command("parse", "Parse an image reference the way Docker does and show its parts.") { reference, output };
        command.SetAction(parse =>
        {
            var input = parse.GetValue(reference)!;
            var parsed = ImageReference.ParseNormalized(input);
            var report = new ImageParseReport(
                input, parsed.Domain, parsed.Path, parsed.Name, parsed.Tag, parsed.Digest,
                parsed.WithDefaultTag().ToString(), parsed.FamiliarName, parsed.FamiliarString);
            Output.Write(parse, output, report, ImageJson.Default.ImageParseReport, Text);
            return 0;
        });
        return command;
    }

    private static string Text(ImageParseReport r) => string.Join(Environment.NewLine,
        $"domain:     {r.Domain}",
        $"path:       {r.Path}",
        $"repository: {r.Repository}",
        $"tag:        {r.Tag ?? "(none)"}",
        $"digest:     {r.Digest ?? "(none)"}",
        $"normalized: {r.Normalized}",
        $"familiar:   {r.FamiliarName}");
}

/// <summary>What <c>gitops image parse</c> reports.</summary>
/// <param name="Input">The reference as given.</param>
/// <param name="Domain">The registry host (and port).</param>
/// <param name="Path">The repository path inside the registry.</param>
/// <param name="Repository">Domain and path.</param>
/// <param name="Tag">The tag given, or null.</param>
/// <param name="Digest">The digest given, or null.</param>
/// <param name="Normalized">The full reference, with <c>:latest</c> when neither tag nor digest was given.</param>
/// <param name="FamiliarName">The repository as Docker shows it (<c>ubuntu</c>).</param>
/// <param name="Familiar">The reference as Docker shows it.</param>
internal sealed record ImageParseReport(
    string Input, string Domain, string Path, string Repository, string? Tag, string? Digest,
    string Normalized, string FamiliarName, string Familiar);

/// <summary>Source-generated JSON for the image commands' reports.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(ImageParseReport))]
internal sealed partial class ImageJson : JsonSerializerContext;
