namespace GitOps.Pipelines.Manifests;

/// <summary>
/// Sets an image in a Helm values file (<c>values.yaml</c>, <c>values-&lt;env&gt;.yaml</c>), patching only the scalars
/// that change: <c>repository</c>, <c>tag</c> and (when given) <c>digest</c> under an image mapping, or a single
/// <c>image: repo:tag</c> string.
/// </summary>
/// <param name="keyPrefix">
/// The dotted key of the image, e.g. <c>image</c> or <c>backend.image</c> (per environment: <c>valuesKey</c>). When not
/// given, every image in the chart whose repository is the update's name is set (several images in one chart), and
/// <c>image</c> when none is.
/// </param>
public sealed class HelmValuesEditor(string? keyPrefix = null) : IManifestEditor
{
    /// <summary>The dotted key of the image this editor sets; null to find the image by its repository.</summary>
    public string? KeyPrefix { get; } = keyPrefix is not null && string.IsNullOrWhiteSpace(keyPrefix)
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
        var keys = KeyPrefix is { } configured ? [configured] : Find(tree, update);
        if (keys.Count == 0) keys = ["image"];
        var changes = new List<Change>();
        foreach (var key in keys)
        {
            var edit = ApplyAt(file, text, key, update);
            text = edit.Text;
            changes.AddRange(edit.Changes.Changes);
        }
        return new EditResult(text, changes.Count == 0 ? ChangeSet.Empty : new ChangeSet(changes));
    }

    private static EditResult ApplyAt(string file, string text, string key, ImageUpdate update)
    {
        var tree = YamlTree.Parse(file, text);
        if (HelmValues.Node(file, tree, key) is YamlSpanScalar { IsNull: false } single)
        {
            // image: repo:tag — one string holds the whole reference.
            var current = ImageString.Parse(single.Value);
            var wanted = current.With(update with { NewName = update.NewName ?? update.Name });
            return HelmValues.Set(file, text, key, wanted.ToString());
        }
        if (HelmValues.Mapping(file, tree, key) is null)
        {
            throw new GitOpsException(
                $"{file}: no '{key}' mapping in the Helm values (expected {key}.repository and {key}.tag)",
                ExitCode.InvalidInput);
        }
        var values = new List<(string Key, string Value)> { ("repository", update.NewName ?? update.Name) };
        if (update.NewTag is { } tag) values.Add(("tag", tag));
        if (update.Digest is { } digest) values.Add(("digest", digest));

        // One key at a time, each on the previous result: a created key lands after the existing ones,
        // so the lines of earlier changes stay where they are.
        var changes = new List<Change>();
        foreach (var (k, value) in values)
        {
            var result = HelmValues.Set(file, text, $"{key}.{k}", value);
            text = result.Text;
            changes.AddRange(result.Changes.Changes);
        }
        return new EditResult(text, changes.Count == 0 ? ChangeSet.Empty : new ChangeSet(changes));
    }

    // The dotted keys of the images whose repository is the update's name: mappings with repository:, and
    // `image: repo:tag` strings.
    private static List<string> Find(YamlTree tree, ImageUpdate update)
    {
        var found = new List<string>();
        if (tree.Documents.FirstOrDefault() is not YamlSpanMapping root) return found;
        bool Matches(string repo) => ImageString.SameRepository(repo, update.Name) || (update.NewName is { } n && ImageString.SameRepository(repo, n));
        void Visit(YamlSpanMapping map, string prefix, int depth)
        {
            if (depth > 16) return;
            foreach (var (k, v) in map.Pairs)
            {
                if (k is not YamlSpanScalar key || key.Value.Contains('.', StringComparison.Ordinal)) continue;
                var path = prefix.Length == 0 ? key.Value : $"{prefix}.{key.Value}";
                switch (v)
                {
                    case YamlSpanMapping child when child["repository"] is YamlSpanScalar r && Matches(r.Value):
                        found.Add(path);
                        break;
                    case YamlSpanMapping child:
                        Visit(child, path, depth + 1);
                        break;
                    case YamlSpanScalar s when key.Value == "image" && !s.IsNull && Matches(ImageString.Parse(s.Value).Repository):
                        found.Add(path);
                        break;
                }
            }
        }
        Visit(root, "", 0);
        return found;
    }
}
