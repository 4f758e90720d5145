using System.Formats.Tar;
using System.IO.Compression;
using GitOps.Pipelines.Builders;
using GitOps.Pipelines.Oci;
using GitOps.Pipelines.TestKit;

namespace GitOps.Pipelines.Tests.Builders;

/// <summary>A small app folder and the build request the builder tests make from it.</summary>
public static class SampleApp
{
    /// <summary>The SOURCE_DATE_EPOCH the tests build with: 2023-11-14T22:13:20Z.</summary>
    public static readonly DateTimeOffset Created = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    /// <summary>Writes the app into <paramref name="folder"/>: an executable script, a nested file and a dot file.</summary>
    public static string Write(string folder)
    {
        Directory.CreateDirectory(Path.Combine(folder, "config"));
        var script = Path.Combine(folder, "hello.sh");
        File.WriteAllText(script, "#!/bin/sh\necho hello\n");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        File.WriteAllText(Path.Combine(folder, "config", "settings.json"), "{\"greeting\":\"hello\"}\n");
        File.WriteAllText(Path.Combine(folder, ".version"), "1.0.0\n");
        return folder;
    }

    /// <summary>A request for <c>localhost/hello</c> on scratch, under /app.</summary>
    public static ImageBuildRequest Request(string context, string output, params string[] tags) => new(
        Context: context,
        Repository: "localhost/hello",
        Tags: tags.Length == 0 ? ["1.0.0"] : tags,
        Base: "scratch",
        WorkingDir: "/app",
        Entrypoint: ["/app/hello.sh"],
        Labels: new Dictionary<string, string>
        {
            [Annotations.Source] = "https://example.test/hello",
            [Annotations.Revision] = "0123456789abcdef0123456789abcdef01234567",
            ["team"] = "platform",
        },
        Created: Created,
        Output: new OciLayout(output));

    /// <summary>The entries of a gzip layer blob, with their data.</summary>
    public static List<TarEntry> LayerEntries(OciLayout layout, string digest)
    {
        var list = new List<TarEntry>();
        using var gz = new GZipStream(layout.OpenBlob(digest), CompressionMode.Decompress);
        using var reader = new TarReader(gz);
        while (reader.GetNextEntry(copyData: true) is { } e) list.Add(e);
        return list;
    }

    /// <summary>Builds the sample app twice, each time from its own fresh folder, for reproducibility checks.</summary>
    public static async Task<(BuiltImage First, BuiltImage Second)> BuildTwiceAsync(IImageBuilder builder)
    {
        using var one = new TempDir();
        using var two = new TempDir();
        var first = await builder.BuildAsync(Request(Write(one.Combine("src")), one.Combine("layout")));
        var second = await builder.BuildAsync(Request(Write(two.Combine("src")), two.Combine("layout")));
        return (first, second);
    }
}
