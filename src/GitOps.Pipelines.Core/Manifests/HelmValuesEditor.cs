namespace GitOps.Pipelines.Manifests;

/// <summary>
/// Sets <c>repository</c>, <c>tag</c> and (when given) <c>digest</c> under an image key of a Helm values file,
/// patching only the scalars that change.
/// </summary>
/// <param name="keyPrefix">The dotted key of the image mapping, e.g. <c>image</c> or <c>backend.image</c>.</param>
public sealed class HelmValuesEditor(string keyPrefix = "image") : IManifestEditor
{
    /// <summary>The dotted key of the image mapping this editor sets.</summary>
    public string KeyPrefix { get; } = string.IsNullOrWhiteSpace(keyPrefix)
        ? throw new ArgumentException("the image key prefix is empty", nameof(keyPrefix))
        : keyPrefix;

    /// <inheritdoc />
    public string Kind => "helm";

    /// <inheritdoc />
    /// <remarks><c>repository</c> becomes <see cref="ImageUpdate.NewName"/>, or <see cref="ImageUpdate.Name"/> when no new name is given.</remarks>
    public EditResult Apply(string file, string text, ImageUpdate update)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(update);
        var tree = YamlTree.Parse(file, text);
        if (HelmValues.Mapping(file, tree, KeyPrefix) is null)
        {
            throw new GitOpsException(
                $"{file}: no '{KeyPrefix}' mapping in the Helm values (expected {KeyPrefix}.repository and {KeyPrefix}.tag)",
                ExitCode.InvalidInput);
        }
        var values = new List<(string Key, string Value)> { ("repository", update.NewName ?? update.Name) };
        if (update.NewTag is { } tag) values.Add(("tag", tag));
        if (update.Digest is { } digest) values.Add(("digest", digest));

        // One key at a time, each on the previous result: a created key lands after the existing ones,
        // so the lines of earlier changes stay where they are.
        var changes = new List<Change>();
        foreach (var (key, value) in values)
        {
            var result = HelmValues.Set(file, text, $"{KeyPrefix}.{key}", value);
            text = result.Text;
            changes.AddRange(result.Changes.Changes);
        }
        return new EditResult(text, changes.Count == 0 ? ChangeSet.Empty : new ChangeSet(changes));
    }
}
