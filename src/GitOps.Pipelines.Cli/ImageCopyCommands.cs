using System.CommandLine;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using GitOps.Pipelines.Oci;
using GitOps.Pipelines.Registries;
using GitOps.Pipelines.Registries.Distribution;

namespace GitOps.Pipelines.Cli;

/// <summary><c>gitops image copy</c> and <c>gitops image inspect</c>: move and read images (oci:PATH[:TAG] or docker://REF).</summary>
internal static class ImageCopyCommands
{
    public static IEnumerable<Command> Create() => [CopyCommand(), InspectCommand()];

    private static Option<string[]> InsecureOption() => new("--insecure-registry")
    {
        Description = "A registry host (HOST[:PORT]) that may be reached over plain HTTP (localhost and 127.0.0.1 always may). Repeatable.",
        AllowMultipleArgumentsPerToken = false,
    };

    private static ImageCopier Copier(ParseResult parse, Option<string[]> insecure) => new(new RegistryClientOptions
    {
        InsecureRegistries = new HashSet<string>(parse.GetValue(insecure) ?? [], StringComparer.OrdinalIgnoreCase),
    });

    private static Command CopyCommand()
    {
        var source = new Argument<string>("source") { Description = "oci:PATH[:TAG] or docker://REF" };
        var destination = new Argument<string>("destination") { Description = "oci:PATH[:TAG] or docker://REF" };
        var insecure = InsecureOption();
        var output = Output.Option();
        var command = new Command("copy", "Copy an image between OCI layouts and registries (blobs the destination has are skipped).")
        {
            source, destination, insecure, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var here = Environment.CurrentDirectory;
            var from = ImageLocation.Parse(parse.GetValue(source)!, here);
            var to = ImageLocation.Parse(parse.GetValue(destination)!, here);
            var result = await Copier(parse, insecure).CopyAsync(from, to, cancellationToken);
            Output.Write(parse, output, result, ImageCopyJson.Default.ImageCopyResult,
                r => $"copied {r.Source} → {r.Destination} ({r.Digest})");
            return 0;
        });
        return command;
    }

    private static Command InspectCommand()
    {
        var reference = new Argument<string>("reference") { Description = "oci:PATH[:TAG], docker://REF or REF" };
        var raw = new Option<bool>("--raw") { Description = "Print the manifest (or index) exactly as stored." };
        var config = new Option<bool>("--config") { Description = "Print the image config (linux/amd64's for an index)." };
        var insecure = InsecureOption();
        var output = Output.Option();
        var command = new Command("inspect", "Show an image's digest, platforms, layers and config.") { reference, raw, config, insecure, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(raw) && parse.GetValue(config))
                throw new GitOpsException("give --raw or --config, not both", ExitCode.InvalidInput);
            var location = ImageLocation.Parse(parse.GetValue(reference)!, Environment.CurrentDirectory);
            var inspection = await Copier(parse, insecure).InspectAsync(location, cancellationToken);
            var writer = parse.InvocationConfiguration.Output;
            if (parse.GetValue(raw))
            {
                writer.Write(Encoding.UTF8.GetString(inspection.Raw));
                writer.WriteLine();
                return 0;
            }
            if (parse.GetValue(config))
            {
                if (inspection.Config is null) throw new GitOpsException($"{location}: no image config (an index without images)");
                writer.Write(Encoding.UTF8.GetString(inspection.Config));
                writer.WriteLine();
                return 0;
            }
            var report = Report(inspection);
            Output.Write(parse, output, report, ImageCopyJson.Default.ImageInspectReport, Text);
            return 0;
        });
        return command;
    }

    private static ImageInspectReport Report(ImageInspection i)
    {
        OciImageConfig? config = null;
        if (i.Config is not null)
        {
            try { config = JsonSerializer.Deserialize(i.Config, OciJson.Default.OciImageConfig); }
            catch (JsonException) { }
        }
        return new ImageInspectReport(i.Location, i.Digest, i.MediaType,
            config?.Created, config is null ? null : $"{config.Os}/{config.Architecture}",
            [.. i.Platforms.Select(p => $"{p.Digest} {p.Platform?.Os}/{p.Platform?.Architecture}{(p.Platform?.Variant is { } v ? "/" + v : "")}")],
            [.. i.Layers.Select(l => l.Digest)], i.Layers.Sum(l => l.Size),
            config?.Config.Labels ?? new Dictionary<string, string>());
    }

    private static string Text(ImageInspectReport r)
    {
        var lines = new List<string>
        {
            $"image:     {r.Location}",
            $"digest:    {r.Digest}",
            $"mediaType: {r.MediaType}",
        };
        if (r.Platform is not null) lines.Add($"platform:  {r.Platform}");
        if (r.Created is not null) lines.Add($"created:   {r.Created}");
        lines.AddRange(r.Platforms.Select(p => $"manifest:  {p}"));
        lines.Add($"layers:    {r.Layers.Count} ({r.Size} bytes)");
        lines.AddRange(r.Layers.Select(l => $"  {l}"));
        lines.AddRange(r.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"label:     {l.Key}={l.Value}"));
        return string.Join(Environment.NewLine, lines);
    }
}

/// <summary>What <c>gitops image inspect</c> reports.</summary>
/// <param name="Location">The image as given.</param>
/// <param name="Digest">The manifest (or index) digest.</param>
/// <param name="MediaType">Its media type.</param>
/// <param name="Created">The config's <c>created</c>.</param>
/// <param name="Platform">os/architecture of the image (the picked one for an index).</param>
/// <param name="Platforms">For an index: "digest os/arch" per child.</param>
/// <param name="Layers">Layer digests.</param>
/// <param name="Size">Layer bytes in total (compressed).</param>
/// <param name="Labels">The config's labels.</param>
internal sealed record ImageInspectReport(string Location, string Digest, string MediaType, string? Created, string? Platform,
    IReadOnlyList<string> Platforms, IReadOnlyList<string> Layers, long Size, IReadOnlyDictionary<string, string> Labels);

/// <summary>Source-generated JSON for the copy and inspect reports.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(ImageCopyResult))]
[JsonSerializable(typeof(ImageInspectReport))]
internal sealed partial class ImageCopyJson : JsonSerializerContext;
