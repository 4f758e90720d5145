namespace GitOps.Pipelines.Manifests;

/// <summary>
/// Sets an image in plain Kubernetes manifests: every <c>containers</c>, <c>initContainers</c> and
/// <c>ephemeralContainers</c> entry of every document (Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod, …)
/// whose <c>image:</c> repository is the update's name. Only the image scalars change.
/// </summary>
public sealed class PlainManifestsEditor : IManifestEditor
{
    private static readonly string[] ContainerKeys = ["containers", "initContainers", "ephemeralContainers"];

    /// <inheritdoc />
    public string Kind => "manifests";

    /// <inheritdoc />
    /// <remarks>
    /// A container matches when its image's repository is <see cref="ImageUpdate.Name"/> or
    /// <see cref="ImageUpdate.NewName"/>. An image no container runs is an error: a manifest has no place to add it.
    /// </remarks>
    public EditResult Apply(string file, string text, ImageUpdate update)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(update);
        if (string.IsNullOrWhiteSpace(update.Name))
            throw new GitOpsException($"{file}: the image name to set is empty", ExitCode.InvalidInput);
        var tree = YamlTree.Parse(file, text);
        var patch = new TextPatch(file, text);
        var seen = new List<string>();
        var matched = 0;
        foreach (var doc in tree.Documents)
        {
            foreach (var node in YamlWalk.All(doc))
            {
                if (node is not YamlSpanMapping map) continue;
                foreach (var key in ContainerKeys)
                {
                    if (map[key] is not YamlSpanSequence containers) continue;
                    foreach (var container in containers.Items.OfType<YamlSpanMapping>())
                    {
                        if (container["image"] is not YamlSpanScalar { IsNull: false } image) continue;
                        var current = ImageString.Parse(image.Value);
                        seen.Add(image.Value);
                        if (!current.Is(update.Name) && !(update.NewName is { } n && current.Is(n))) continue;
                        matched++;
                        patch.Replace(image, current.With(update).ToString(), container.IsFlow);
                    }
                }
            }
        }
        if (matched == 0)
        {
            throw new GitOpsException(
                $"{file}: no container runs {update.Name}" +
                (seen.Count == 0 ? " (the file has no containers)" : $" (images in the file: {string.Join(", ", seen.Distinct())})"),
                ExitCode.InvalidInput);
        }
        return patch.Result();
    }
}
