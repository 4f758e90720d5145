using System.Globalization;
using System.Text.RegularExpressions;

namespace GitOps.Pipelines.Manifests;

/// <summary>
/// Reads and sets values in a Helm values file by key, as argocd-image-updater does: dotted paths
/// (<c>image.tag</c>), list indexes (<c>images[0].tag</c>), and literal dotted keys (<c>"image.tag": …</c>) as a
/// fallback. Setting patches only the scalar's text; missing keys are created in the file's indentation.
/// </summary>
internal static partial class HelmValues
{
    /// <summary>The scalar at <paramref name="key"/>.</summary>
    public static string Get(string file, string text, string key)
    {
        var root = Root(file, YamlTree.Parse(file, text), key);
        if (root is null) throw Error(file, key, "empty document node: the file holds no values");
        var nested = Resolve(root, Segments(file, key));
        if (nested.Scalar is { } found) return found.Value;
        if (Literal(root, key) is { } literal)
        {
            return literal as YamlSpanScalar is { } s
                ? s.Value
                : throw Error(file, key, $"'{key}' is not a scalar value", literal);
        }
        throw Error(file, key, nested.Problem ?? $"'{key}' not found", nested.At);
    }

    /// <summary>Sets the scalar at <paramref name="key"/> to <paramref name="value"/>, creating missing mappings.</summary>
    public static EditResult Set(string file, string text, string key, string value)
    {
        var tree = YamlTree.Parse(file, text);
        var root = Root(file, tree, key);
        var patch = new TextPatch(file, text);
        var segments = Segments(file, key);
        if (root is null)
        {
            if (text.Trim().Length > 0)
                throw Error(file, key, "the values file holds only comments or an empty document; add the key by hand");
            CreateBlock(patch, null, 0, 2, segments, value);
            return patch.Result();
        }
        var nested = Resolve(root, segments);
        if (nested.Scalar is { } scalar)
        {
            patch.Replace(scalar, value, nested.InFlow);
        }
        else if (Literal(root, key) is { } literal)
        {
            if (literal is not YamlSpanScalar s) throw Error(file, key, $"'{key}' is not a scalar value", literal);
            patch.Replace(s, value, root.IsFlow);
        }
        else if (nested.MissingIn is { } parent)
        {
            var rest = segments.Skip(nested.MissingAt).ToList();
            if (rest.Any(r => r.Index is not null))
                throw Error(file, key, $"cannot create the list entry '{string.Join('.', rest.Select(r => r.Raw))}'", parent);
            if (parent.IsFlow)
                CreateFlow(patch, parent, rest, value);
            else
                CreateBlock(patch, parent, parent.Column - 1, IndentStep(root), rest, value);
        }
        else
        {
            throw Error(file, key, nested.Problem ?? $"'{key}' not found", nested.At);
        }
        return patch.Result();
    }

    /// <summary>The mapping at <paramref name="key"/>, or null when it is absent.</summary>
    public static YamlSpanMapping? Mapping(string file, YamlTree tree, string key)
    {
        var root = Root(file, tree, key);
        if (root is null) return null;
        var node = Walk(root, Segments(file, key));
        return node.Node as YamlSpanMapping;
    }

    /// <summary>The node at <paramref name="key"/>, or null when it is absent.</summary>
    public static YamlSpanNode? Node(string file, YamlTree tree, string key)
    {
        var root = Root(file, tree, key);
        return root is null ? null : Walk(root, Segments(file, key)).Node;
    }

    internal sealed record Segment(string Raw, string Name, int? Index);

    private sealed record Resolution(YamlSpanScalar? Scalar, bool InFlow, YamlSpanMapping? MissingIn, int MissingAt, string? Problem, YamlSpanNode? At, YamlSpanNode? Node);

    private static YamlSpanMapping? Root(string file, YamlTree tree, string key)
    {
        var doc = tree.Documents.FirstOrDefault();
        return doc switch
        {
            null => null,
            YamlSpanScalar { IsNull: true } => null,
            YamlSpanMapping m => m,
            _ => throw Error(file, key, $"unexpected type: the values document is a {(doc is YamlSpanSequence ? "list" : "scalar")}, not a mapping", doc),
        };
    }

    private static YamlSpanNode? Literal(YamlSpanMapping root, string key) => key.Contains('.') ? root[key] : null;

    private static Resolution Resolve(YamlSpanMapping root, IReadOnlyList<Segment> segments)
    {
        var r = Walk(root, segments);
        if (r.Node is null) return r;
        return r.Node is YamlSpanScalar s
            ? r with { Scalar = s }
            : r with { Problem = $"'{segments[^1].Raw}' is a {(r.Node is YamlSpanMapping ? "mapping" : "list")}, not a scalar value", At = r.Node };
    }

    private static Resolution Walk(YamlSpanMapping root, IReadOnlyList<Segment> segments)
    {
        YamlSpanNode node = root;
        var inFlow = root.IsFlow;
        for (var i = 0; i < segments.Count; i++)
        {
            var seg = segments[i];
            if (node is not YamlSpanMapping map)
                return new(null, inFlow, null, 0, $"unexpected type: '{segments[i - 1].Raw}' is a {(node is YamlSpanScalar ? "scalar" : "list")}, not a mapping holding '{seg.Name}'", node, null);
            var child = map[seg.Name];
            if (child is null) return new(null, inFlow, map, i, null, map, null);
            if (seg.Index is { } index)
            {
                if (child is not YamlSpanSequence seq)
                    return new(null, inFlow, null, 0, $"id {index} provided when \"{seg.Name}\" is not a yaml array", child, null);
                if (index < 0 || index >= seq.Items.Count)
                    return new(null, inFlow, null, 0, $"id {index} is out of range [0, {seq.Items.Count})", child, null);
                inFlow |= seq.IsFlow;
                child = seq.Items[index];
            }
            else if (child is YamlSpanSequence)
            {
                return new(null, inFlow, null, 0, $"no id provided for yaml array \"{seg.Name}\"", child, null);
            }
            inFlow |= child is YamlSpanMapping { IsFlow: true } or YamlSpanSequence { IsFlow: true };
            node = child;
        }
        return new(null, inFlow, null, 0, null, node, node);
    }

    internal static List<Segment> Segments(string file, string key)
    {
        if (string.IsNullOrWhiteSpace(key)) throw new GitOpsException($"{file}: the values key is empty", ExitCode.InvalidInput);
        var list = new List<Segment>();
        foreach (var raw in key.Split('.'))
        {
            var m = IndexedKey().Match(raw);
            if (!m.Success)
            {
                if (raw.Length == 0 || raw.Contains('[') || raw.Contains(']'))
                    throw new GitOpsException($"{file}: key '{key}': '{raw}' is not a key or key[index]", ExitCode.InvalidInput);
                list.Add(new Segment(raw, raw, null));
                continue;
            }
            if (!int.TryParse(m.Groups[2].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var index))
                throw new GitOpsException($"{file}: key '{key}': id \"{m.Groups[2].Value}\" in '{raw}' is not a number", ExitCode.InvalidInput);
            list.Add(new Segment(raw, m.Groups[1].Value, index));
        }
        return list;
    }

    private static int IndentStep(YamlSpanMapping root)
    {
        foreach (var (k, v) in root.Pairs)
        {
            if (v is YamlSpanMapping { IsFlow: false } child && child.Line > k.Line)
                return child.Column - k.Column;
        }
        return 2;
    }

    private static void CreateBlock(TextPatch patch, YamlSpanMapping? parent, int indent, int step, IReadOnlyList<Segment> rest, string value)
    {
        var lines = new List<(string Line, string? Value, int Offset)>();
        for (var j = 0; j < rest.Count; j++)
        {
            var lead = new string(' ', indent + j * step) + KeyText(rest[j].Name) + ":";
            if (j < rest.Count - 1)
            {
                lines.Add((lead, null, 0));
                continue;
            }
            lead += " ";
            lines.Add((lead + TextPatch.Render(value, YamlDotNet.Core.ScalarStyle.Plain, inFlow: false), value, lead.Length));
        }
        if (parent is null)
        {
            // An empty file: the keys become its whole content.
            var text = string.Concat(lines.Select(l => l.Line + patch.NewLine));
            var offset = text.Length - patch.NewLine.Length - (lines[^1].Line.Length - lines[^1].Offset);
            patch.Insert(patch.Text.Length, text, [(offset, value)]);
            return;
        }
        patch.InsertLines(parent.ContentEnd, lines);
    }

    private static void CreateFlow(TextPatch patch, YamlSpanMapping parent, IReadOnlyList<Segment> rest, string value)
    {
        var prefix = parent.Pairs.Count == 0 ? "" : ", ";
        var open = string.Concat(rest.Take(rest.Count - 1).Select(r => KeyText(r.Name) + ": {"));
        var last = KeyText(rest[^1].Name) + ": ";
        var inserted = prefix + open + last + TextPatch.Render(value, YamlDotNet.Core.ScalarStyle.Plain, inFlow: true) + new string('}', rest.Count - 1);
        patch.Insert(parent.Pairs.Count == 0 ? parent.CloseIndex : parent.InnerEnd, inserted, [((prefix + open + last).Length, value)]);
    }

    private static string KeyText(string key) =>
        TextPatch.IsPlainSafe(key, inFlow: true) ? key : TextPatch.DoubleQuoted(key);

    private static GitOpsException Error(string file, string key, string message, YamlSpanNode? at = null) =>
        new($"{file}{(at is null ? "" : $":{at.Line}:{at.Column}")}: {key}: {message}", ExitCode.InvalidInput);

    [GeneratedRegex(@"^(.*)\[(.*)\]$")]
    private static partial Regex IndexedKey();
}
