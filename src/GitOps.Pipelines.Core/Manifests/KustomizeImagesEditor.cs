namespace GitOps.Pipelines.Manifests;

/// <summary>
/// Sets an image in the <c>images:</c> list of a kustomization.yaml, patching only the scalars that change;
/// appends the entry (and the list) when absent, in the file's own indentation and style.
/// </summary>
public sealed class KustomizeImagesEditor : IManifestEditor
{
    /// <inheritdoc />
    public string Kind => "kustomize";

    /// <inheritdoc />
    /// <remarks>
    /// The entry is the one whose <c>name</c> equals <see cref="ImageUpdate.Name"/>, else the one whose
    /// <c>newName</c> does (argocd-image-updater's matching). <c>newName</c>, <c>newTag</c> and <c>digest</c> are
    /// written as given; with both <c>newTag</c> and <c>digest</c> kustomize renders <c>name:tag@digest</c>,
    /// which runtimes pull by the digest.
    /// </remarks>
    public EditResult Apply(string file, string text, ImageUpdate update)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(update);
        if (string.IsNullOrWhiteSpace(update.Name))
            throw new GitOpsException($"{file}: the image name to set is empty", ExitCode.InvalidInput);
        var tree = YamlTree.Parse(file, text);
        var root = Kustomization(file, tree);
        var patch = new TextPatch(file, text);
        var fields = Fields(update);

        switch (root["images"])
        {
            case null or YamlSpanScalar { IsNull: true }:
                CreateImages(patch, root, update.Name, fields);
                break;
            case YamlSpanSequence images:
                var entry = Find(file, images, update.Name);
                if (entry is null) AppendEntry(patch, images, update.Name, fields);
                else SetFields(patch, entry, fields);
                break;
            case var other:
                throw new GitOpsException($"{file}:{other.Line}:{other.Column}: images: must be a list", ExitCode.InvalidInput);
        }
        return patch.Result();
    }

    private static List<(string Key, string Value)> Fields(ImageUpdate u)
    {
        var list = new List<(string, string)>();
        if (u.NewName is { } n) list.Add(("newName", n));
        if (u.NewTag is { } t) list.Add(("newTag", t));
        if (u.Digest is { } d) list.Add(("digest", d));
        return list;
    }

    // The kustomization document: the one holding images:, else kind: Kustomization, else the first mapping.
    private static YamlSpanMapping Kustomization(string file, YamlTree tree)
    {
        var maps = tree.Documents.OfType<YamlSpanMapping>().ToList();
        var chosen = maps.FirstOrDefault(m => m["images"] is not null)
            ?? maps.FirstOrDefault(m => m["kind"] is YamlSpanScalar { Value: "Kustomization" })
            ?? maps.FirstOrDefault();
        if (chosen is not null) return chosen;
        var first = tree.Documents.FirstOrDefault(d => d is not null);
        var where = first is null ? "1:1" : $"{first.Line}:{first.Column}";
        throw new GitOpsException($"{file}:{where}: not a kustomization: the document is not a mapping", ExitCode.InvalidInput);
    }

    private static YamlSpanMapping? Find(string file, YamlSpanSequence images, string name)
    {
        var entries = new List<YamlSpanMapping>();
        foreach (var item in images.Items)
        {
            entries.Add(item as YamlSpanMapping
                ?? throw new GitOpsException($"{file}:{item.Line}:{item.Column}: images: each entry must be a mapping (name:, newName:, newTag:, digest:)", ExitCode.InvalidInput));
        }
        return entries.FirstOrDefault(e => e["name"] is YamlSpanScalar s && s.Value == name)
            ?? entries.FirstOrDefault(e => e["newName"] is YamlSpanScalar s && s.Value == name);
    }

    private static void SetFields(TextPatch patch, YamlSpanMapping entry, List<(string Key, string Value)> fields)
    {
        var missing = new List<(string Key, string Value)>();
        foreach (var (key, value) in fields)
        {
            switch (entry[key])
            {
                case YamlSpanScalar s:
                    patch.Replace(s, value, entry.IsFlow);
                    break;
                case null:
                    missing.Add((key, value));
                    break;
                case var other:
                    throw new GitOpsException($"{patch.File}:{other.Line}:{other.Column}: images[].{key}: must be a string", ExitCode.InvalidInput);
            }
        }
        if (missing.Count == 0) return;
        if (entry.IsFlow)
        {
            var (at, prefix) = entry.Pairs.Count == 0 ? (entry.CloseIndex, "") : (entry.InnerEnd, ", ");
            InsertFlowPairs(patch, at, prefix, missing);
            return;
        }
        var indent = new string(' ', entry.Column - 1);
        patch.InsertLines(entry.ContentEnd, [.. missing.Select(f => Line(indent, f.Key, f.Value))]);
    }

    private static void AppendEntry(TextPatch patch, YamlSpanSequence images, string name,
        List<(string Key, string Value)> fields)
    {
        var all = new List<(string Key, string Value)> { ("name", name) };
        all.AddRange(fields);
        if (images.IsFlow)
        {
            var at = images.Items.Count == 0 ? images.CloseIndex : images.InnerEnd;
            InsertFlowEntry(patch, at, images.Items.Count == 0 ? "" : ", ", all);
            return;
        }
        var dash = images.Column - 1;
        var keyOffset = images.Items.FirstOrDefault() is YamlSpanMapping { IsFlow: false } first ? first.Column - images.Column : 2;
        patch.InsertLines(images.ContentEnd, EntryLines(dash, keyOffset, all));
    }

    private static void CreateImages(TextPatch patch, YamlSpanMapping root, string name, List<(string Key, string Value)> fields)
    {
        var all = new List<(string Key, string Value)> { ("name", name) };
        all.AddRange(fields);
        var existing = root.KeyNode("images");
        if (existing is not null && root["images"] is YamlSpanScalar { ValueStart: var vs, ValueEnd: var ve } && (vs != ve || root.IsFlow))
            throw new GitOpsException($"{patch.File}:{existing.Line}:{existing.Column}: images: must be a list", ExitCode.InvalidInput);
        if (root.IsFlow)
        {
            var at = root.Pairs.Count == 0 ? root.CloseIndex : root.InnerEnd;
            InsertFlowEntry(patch, at, (root.Pairs.Count == 0 ? "" : ", ") + "images: [", all, "]");
            return;
        }
        var keyIndent = root.Column - 1;
        var (dashOffset, keyOffset) = SequenceStyle(root);
        var lines = EntryLines(keyIndent + dashOffset, keyOffset, all);
        if (existing is null)
        {
            lines.Insert(0, (new string(' ', keyIndent) + "images:", null, 0));
            patch.InsertLines(root.ContentEnd, lines);
        }
        else
        {
            patch.InsertLines(existing.ContentEnd, lines);
        }
    }

    // How this file indents block sequences under a key: the dash's offset from the key, the item keys' from the dash.
    private static (int Dash, int Key) SequenceStyle(YamlSpanMapping root)
    {
        foreach (var (k, v) in root.Pairs)
        {
            if (v is YamlSpanSequence { IsFlow: false } seq && seq.Line > k.Line)
            {
                var dash = seq.Column - k.Column;
                var key = seq.Items.FirstOrDefault() is YamlSpanMapping { IsFlow: false } m && m.Line == seq.Line
                    ? m.Column - seq.Column
                    : 2;
                return (dash, key);
            }
        }
        return (0, 2); // as `kustomize edit set image` writes it
    }

    private static List<(string Line, string? Value, int Offset)> EntryLines(int dash, int keyOffset, List<(string Key, string Value)> fields)
    {
        var lines = new List<(string, string?, int)>();
        for (var i = 0; i < fields.Count; i++)
        {
            var lead = i == 0 ? new string(' ', dash) + "-" + new string(' ', keyOffset - 1) : new string(' ', dash + keyOffset);
            lines.Add(Line(lead, fields[i].Key, fields[i].Value));
        }
        return lines;
    }

    private static (string Line, string? Value, int Offset) Line(string lead, string key, string value)
    {
        var prefix = $"{lead}{key}: ";
        return (prefix + TextPatch.Render(value, YamlDotNet.Core.ScalarStyle.Plain, inFlow: false), value, prefix.Length);
    }

    private static void InsertFlowPairs(TextPatch patch, int at, string prefix, List<(string Key, string Value)> fields)
    {
        var sb = new System.Text.StringBuilder(prefix);
        var values = new List<(int, string)>();
        for (var i = 0; i < fields.Count; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(fields[i].Key).Append(": ");
            values.Add((sb.Length, fields[i].Value));
            sb.Append(TextPatch.Render(fields[i].Value, YamlDotNet.Core.ScalarStyle.Plain, inFlow: true));
        }
        patch.Insert(at, sb.ToString(), values);
    }

    private static void InsertFlowEntry(TextPatch patch, int at, string prefix, List<(string Key, string Value)> fields, string suffix = "")
    {
        var sb = new System.Text.StringBuilder(prefix).Append('{');
        var values = new List<(int, string)>();
        for (var i = 0; i < fields.Count; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(fields[i].Key).Append(": ");
            values.Add((sb.Length, fields[i].Value));
            sb.Append(TextPatch.Render(fields[i].Value, YamlDotNet.Core.ScalarStyle.Plain, inFlow: true));
        }
        sb.Append('}').Append(suffix);
        patch.Insert(at, sb.ToString(), values);
    }
}
