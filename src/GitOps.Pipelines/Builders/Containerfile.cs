using System.Text;
using System.Text.Json;

namespace GitOps.Pipelines.Builders;

/// <summary>The recipe the Dockerfile-driven builders (buildah, docker) build: the context's own, or one generated from the request.</summary>
public static class Containerfile
{
    /// <summary>The files a context's recipe may be called, in the order they are looked for.</summary>
    public static IReadOnlyList<string> Names { get; } = ["Containerfile", "Dockerfile"];

    /// <summary>The context's own Containerfile or Dockerfile, or null when it has neither.</summary>
    public static string? Find(string context) =>
        Names.Select(f => Path.Combine(context, f)).FirstOrDefault(File.Exists);

    /// <summary>
    /// The recipe for a context without one: FROM the base (an <c>oci:</c> path made absolute against
    /// <paramref name="baseDirectory"/>), COPY the context to the working dir (JSON form), WORKDIR, and ENTRYPOINT in exec form.
    /// </summary>
    public static string Generate(ImageBuildRequest request, string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(request);
        var from = request.Base;
        if (from.StartsWith("oci:", StringComparison.Ordinal) && from.Length > 4 && !Path.IsPathRooted(from[4..]))
            from = "oci:" + Path.GetFullPath(from[4..], baseDirectory);
        var text = new StringBuilder();
        text.Append("FROM ").Append(from).Append('\n');
        // Exec (JSON) form, so a working dir with spaces stays one argument.
        text.Append("COPY ").Append(JsonSerializer.Serialize(new[] { ".", request.WorkingDir }, BuilderJson.Default.StringArray)).Append('\n');
        text.Append("WORKDIR ").Append(request.WorkingDir).Append('\n');
        if (request.Entrypoint.Count > 0)
            text.Append("ENTRYPOINT ").Append(JsonSerializer.Serialize(request.Entrypoint.ToArray(), BuilderJson.Default.StringArray)).Append('\n');
        return text.ToString();
    }
}
