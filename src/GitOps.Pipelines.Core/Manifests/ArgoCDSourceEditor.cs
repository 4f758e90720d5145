namespace GitOps.Pipelines.Manifests;

/// <summary>
/// Sets an image in Argo CD Image Updater's write-back file (<c>.argocd-source-&lt;app&gt;.yaml</c>), so its users can
/// move over: the <c>kustomize.images</c> list of <c>[name=]newName[:tag][@digest]</c> strings, or the
/// <c>helm.parameters</c> list of <c>name</c>/<c>value</c> pairs (<c>&lt;prefix&gt;.name</c>, <c>.tag</c>, <c>.digest</c>).
/// </summary>
/// <param name="parameterPrefix">The Helm parameters' prefix (per environment: <c>valuesKey</c>); <c>image</c> when not given.</param>
public sealed class ArgoCDSourceEditor(string? parameterPrefix = null) : IManifestEditor
{
    /// <summary>The Helm parameters' prefix: <c>&lt;prefix&gt;.name</c>, <c>&lt;prefix&gt;.tag</c>, <c>&lt;prefix&gt;.digest</c>.</summary>
    public string ParameterPrefix { get; } = string.IsNullOrWhiteSpace(parameterPrefix) ? "image" : parameterPrefix;

    /// <inheritdoc />
    public string Kind => "argocd";

    /// <inheritdoc />
    /// <remarks>
    /// A file with <c>helm.parameters</c> is edited there; otherwise in <c>kustomize.images</c>, where the entry whose
    /// name (left of <c>=</c>) or image repository is the update's name is rewritten, or appended when absent.
    /// </remarks>
    public EditResult Apply(string file, string text, ImageUpdate update)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(update);
        if (string.IsNullOrWhiteSpace(update.Name))
            throw new GitOpsException($"{file}: the image name to set is empty", ExitCode.InvalidInput);
        var tree = YamlTree.Parse(file, text);
        var root = tree.Documents.FirstOrDefault();
        var patch = new TextPatch(file, text);
        switch (root)
        {
            case null or YamlSpanScalar { IsNull: true }:
                if (text.Trim().Length > 0)
                    throw new GitOpsException($"{file}: the write-back file holds only comments; add kustomize: or helm: by hand", ExitCode.InvalidInput);
                var entry = KustomizeEntry(null, update);
                patch.Insert(text.Length, $"kustomize:{patch.NewLine}  images:{patch.NewLine}  - {entry}{patch.NewLine}",
                    [($"kustomize:{patch.NewLine}  images:{patch.NewLine}  - ".Length, entry)]);
                return patch.Result();
            case YamlSpanMapping map when map["helm"] is YamlSpanMapping helm:
                SetParameters(patch, helm, update);
                return patch.Result();
            case YamlSpanMapping map:
                SetKustomizeImage(patch, map, update);
                return patch.Result();
            default:
                throw new GitOpsException($"{file}:{root.Line}:{root.Column}: the write-back file must be a mapping (kustomize: or helm:)", ExitCode.InvalidInput);
        }
    }

    private static string KustomizeEntry(string? existing, ImageUpdate update)
    {
        if (existing is null)
        {
            var fresh = new ImageString(update.NewName ?? update.Name, null, null).With(update with { NewName = null });
            return update.NewName is { } n && !ImageString.SameRepository(n, update.Name) ? $"{update.Name}={fresh}" : fresh.ToString();
        }
        var eq = existing.IndexOf('=', StringComparison.Ordinal);
        var alias = eq >= 0 ? existing[..eq] : null;
        var image = ImageString.Parse(eq >= 0 ? existing[(eq + 1)..] : existing).With(update);
        return alias is null ? image.ToString() : $"{alias}={image}";
    }

    private static void SetKustomizeImage(TextPatch patch, YamlSpanMapping root, ImageUpdate update)
    {
        var file = patch.File;
        switch (root["kustomize"])
        {
            case null:
                var entry = KustomizeEntry(null, update);
                var indent = new string(' ', root.Column - 1);
                patch.InsertLines(root.ContentEnd, [($"{indent}kustomize:", null, 0), ($"{indent}  images:", null, 0), ($"{indent}  - {entry}", entry, indent.Length + 4)]);
                return;
            case YamlSpanMapping kustomize:
                switch (kustomize["images"])
                {
                    case null:
                        var added = KustomizeEntry(null, update);
                        var ki = new string(' ', kustomize.Column - 1);
                        patch.InsertLines(kustomize.ContentEnd, [($"{ki}images:", null, 0), ($"{ki}- {added}", added, ki.Length + 2)]);
                        return;
                    case YamlSpanSequence images:
                        foreach (var item in images.Items)
                        {
                            if (item is not YamlSpanScalar s)
                                throw new GitOpsException($"{file}:{item.Line}:{item.Column}: kustomize.images: each entry must be a string ([name=]image:tag)", ExitCode.InvalidInput);
                            var eq = s.Value.IndexOf('=', StringComparison.Ordinal);
                            var alias = eq >= 0 ? s.Value[..eq] : null;
                            var image = ImageString.Parse(eq >= 0 ? s.Value[(eq + 1)..] : s.Value);
                            if ((alias is not null && ImageString.SameRepository(alias, update.Name)) || image.Is(update.Name))
                            {
                                patch.Replace(s, KustomizeEntry(s.Value, update), images.IsFlow);
                                return;
                            }
                        }
                        var appended = KustomizeEntry(null, update);
                        if (images.IsFlow)
                        {
                            var prefix = images.Items.Count == 0 ? "" : ", ";
                            var rendered = TextPatch.Render(appended, YamlDotNet.Core.ScalarStyle.Plain, inFlow: true);
                            patch.Insert(images.Items.Count == 0 ? images.CloseIndex : images.InnerEnd, prefix + rendered, [(prefix.Length, appended)]);
                        }
                        else
                        {
                            var lead = new string(' ', images.Column - 1) + "- ";
                            patch.InsertLines(images.ContentEnd, [(lead + TextPatch.Render(appended, YamlDotNet.Core.ScalarStyle.Plain, false), appended, lead.Length)]);
                        }
                        return;
                    case var other:
                        throw new GitOpsException($"{file}:{other.Line}:{other.Column}: kustomize.images: must be a list", ExitCode.InvalidInput);
                }
            case var other:
                throw new GitOpsException($"{file}:{other.Line}:{other.Column}: kustomize: must be a mapping", ExitCode.InvalidInput);
        }
    }

    private void SetParameters(TextPatch patch, YamlSpanMapping helm, ImageUpdate update)
    {
        var file = patch.File;
        var wanted = new List<(string Name, string Value)> { ($"{ParameterPrefix}.name", update.NewName ?? update.Name) };
        if (update.NewTag is { } tag) wanted.Add(($"{ParameterPrefix}.tag", tag));
        if (update.Digest is { } digest) wanted.Add(($"{ParameterPrefix}.digest", digest));
        if (helm["parameters"] is not YamlSpanSequence { IsFlow: false } parameters)
            throw new GitOpsException($"{file}:{helm.Line}:{helm.Column}: helm.parameters: must be a block list of name/value pairs", ExitCode.InvalidInput);
        var missing = new List<(string Name, string Value)>();
        foreach (var (name, value) in wanted)
        {
            var entry = parameters.Items.OfType<YamlSpanMapping>().FirstOrDefault(p => p["name"] is YamlSpanScalar s && s.Value == name);
            if (entry is null) { missing.Add((name, value)); continue; }
            if (entry["value"] is YamlSpanScalar v) patch.Replace(v, value, entry.IsFlow);
            else throw new GitOpsException($"{file}:{entry.Line}:{entry.Column}: helm.parameters '{name}' has no scalar value", ExitCode.InvalidInput);
        }
        if (missing.Count == 0) return;
        var dash = new string(' ', parameters.Column - 1);
        var keyIndent = new string(' ', parameters.Column + 1);
        var lines = new List<(string, string?, int)>();
        foreach (var (name, value) in missing)
        {
            lines.Add(($"{dash}- name: {TextPatch.Render(name, YamlDotNet.Core.ScalarStyle.Plain, false)}", null, 0));
            var lead = $"{keyIndent}value: ";
            lines.Add((lead + TextPatch.Render(value, YamlDotNet.Core.ScalarStyle.Plain, false), value, lead.Length));
            lines.Add(($"{keyIndent}forcestring: true", null, 0));
        }
        patch.InsertLines(parameters.ContentEnd, lines);
    }
}
