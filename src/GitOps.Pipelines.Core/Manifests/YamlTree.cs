using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace GitOps.Pipelines.Manifests;

/// <summary>A YAML node with the exact character span the parser reported for it.</summary>
internal abstract class YamlSpanNode
{
    /// <summary>Where the node starts (for scalars: at its anchor or tag when it has one).</summary>
    public Mark Start { get; init; }

    /// <summary>The 1-based line the node starts on.</summary>
    public int Line => (int)Start.Line;

    /// <summary>The 1-based column the node starts at.</summary>
    public int Column => (int)Start.Column;

    /// <summary>
    /// Where the node's text ends: after a scalar's last character or closing quote, after a flow collection's
    /// closing bracket, after the last character of a block collection's last scalar.
    /// </summary>
    public int ContentEnd { get; set; }
}

/// <summary>A scalar: its value, style and the span of its text without anchor or tag.</summary>
internal sealed class YamlSpanScalar : YamlSpanNode
{
    public required string Value { get; init; }
    public required ScalarStyle Style { get; init; }
    public int ValueStart { get; init; }
    public int ValueEnd => ContentEnd;
    public bool IsNull => Style is ScalarStyle.Plain && Value is "" or "~" or "null" or "Null" or "NULL";
}

/// <summary>A mapping; flow mappings know where their closing brace is.</summary>
internal sealed class YamlSpanMapping : YamlSpanNode
{
    public List<KeyValuePair<YamlSpanNode, YamlSpanNode>> Pairs { get; } = [];
    public bool IsFlow { get; init; }
    public int CloseIndex { get; set; }

    /// <summary>Where the last pair's text ends (inside the braces of a flow mapping).</summary>
    public int InnerEnd { get; set; }

    public YamlSpanNode? this[string key] =>
        Pairs.FirstOrDefault(p => p.Key is YamlSpanScalar s && s.Value == key).Value;

    public YamlSpanScalar? KeyNode(string key) =>
        Pairs.FirstOrDefault(p => p.Key is YamlSpanScalar s && s.Value == key).Key as YamlSpanScalar;
}

/// <summary>A sequence; flow sequences know where their closing bracket is.</summary>
internal sealed class YamlSpanSequence : YamlSpanNode
{
    public List<YamlSpanNode> Items { get; } = [];
    public bool IsFlow { get; init; }
    public int CloseIndex { get; set; }

    /// <summary>Where the last item's text ends (inside the brackets of a flow sequence).</summary>
    public int InnerEnd { get; set; }
}

/// <summary>
/// The documents of a YAML text as span nodes, built from YamlDotNet's parser events. Aliases resolve to the
/// anchored node itself, so an edit through an alias lands on the anchor's text (as argocd-image-updater does).
/// </summary>
internal sealed class YamlTree
{
    private YamlTree(string text, List<YamlSpanNode?> documents)
    {
        Text = text;
        Documents = documents;
    }

    public string Text { get; }

    /// <summary>Each document's root (null for an empty document).</summary>
    public IReadOnlyList<YamlSpanNode?> Documents { get; }

    /// <summary>Parses <paramref name="text"/>; broken YAML becomes a <see cref="GitOpsException"/> naming file:line:column.</summary>
    public static YamlTree Parse(string file, string text)
    {
        var parser = new Parser(new StringReader(text));
        var anchors = new Dictionary<string, YamlSpanNode>(StringComparer.Ordinal);
        var documents = new List<YamlSpanNode?>();
        var last = new Mark();
        var lastEnd = 0;
        try
        {
            parser.Consume<StreamStart>();
            while (parser.TryConsume<DocumentStart>(out var doc))
            {
                last = doc.End;
                YamlSpanNode? root = null;
                if (!parser.Accept<DocumentEnd>(out _))
                    root = ReadNode(parser, text, anchors, ref last, ref lastEnd);
                parser.Consume<DocumentEnd>();
                documents.Add(root);
            }
            parser.Consume<StreamEnd>();
        }
        catch (YamlException e)
        {
            throw new GitOpsException($"{file}:{e.Start.Line}:{e.Start.Column}: invalid YAML: {Configuration.GitOpsConfigLoader.ParserMessage(e)}",
                ExitCode.InvalidInput, e);
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's parser throws this without a position on some unterminated flow collections.
            throw new GitOpsException($"{file}:{last.Line}:{last.Column}: invalid YAML after this point (an unclosed '[' or '{{'?)",
                ExitCode.InvalidInput, e);
        }
        return new YamlTree(text, documents);
    }

    // lastEnd: where the text of the last node read ends (an alias ends at its own '*name', not at its anchor).
    private static YamlSpanNode ReadNode(IParser parser, string text, Dictionary<string, YamlSpanNode> anchors, ref Mark last, ref int lastEnd)
    {
        var e = parser.Current!;
        last = e.End;
        switch (e)
        {
            case AnchorAlias alias:
                parser.MoveNext();
                lastEnd = (int)alias.End.Index;
                return anchors.TryGetValue(alias.Value.Value, out var target)
                    ? target
                    : throw new YamlException(alias.Start, alias.End, $"unknown alias '*{alias.Value}'");
            case Scalar s:
            {
                parser.MoveNext();
                lastEnd = (int)s.End.Index;
                var node = new YamlSpanScalar
                {
                    Start = s.Start,
                    Value = s.Value,
                    Style = s.Style,
                    ValueStart = SkipProperties(text, (int)s.Start.Index, s),
                    ContentEnd = (int)s.End.Index,
                };
                Remember(anchors, s, node);
                return node;
            }
            case SequenceStart ss:
            {
                parser.MoveNext();
                var seq = new YamlSpanSequence { Start = ss.Start, IsFlow = ss.Style == SequenceStyle.Flow };
                Remember(anchors, ss, seq);
                while (!parser.Accept<SequenceEnd>(out _))
                    seq.Items.Add(ReadNode(parser, text, anchors, ref last, ref lastEnd));
                var end = parser.Consume<SequenceEnd>();
                seq.CloseIndex = (int)end.Start.Index;
                seq.InnerEnd = lastEnd;
                seq.ContentEnd = seq.IsFlow ? seq.CloseIndex + 1 : lastEnd;
                lastEnd = seq.ContentEnd;
                return seq;
            }
            case MappingStart ms:
            {
                parser.MoveNext();
                var map = new YamlSpanMapping { Start = ms.Start, IsFlow = ms.Style == MappingStyle.Flow };
                Remember(anchors, ms, map);
                while (!parser.Accept<MappingEnd>(out _))
                {
                    var key = ReadNode(parser, text, anchors, ref last, ref lastEnd);
                    var value = ReadNode(parser, text, anchors, ref last, ref lastEnd);
                    if (map.Pairs.Any(p => p.Key is YamlSpanScalar k && key is YamlSpanScalar k2 && k.Value == k2.Value))
                        throw new YamlException(key.Start, key.Start, $"duplicate key '{((YamlSpanScalar)key).Value}'");
                    map.Pairs.Add(new(key, value));
                }
                var end = parser.Consume<MappingEnd>();
                map.CloseIndex = (int)end.Start.Index;
                map.InnerEnd = lastEnd;
                map.ContentEnd = map.IsFlow ? map.CloseIndex + 1 : lastEnd;
                lastEnd = map.ContentEnd;
                return map;
            }
            default:
                throw new YamlException(e.Start, e.End, $"unexpected {e.GetType().Name}");
        }
    }

    private static void Remember(Dictionary<string, YamlSpanNode> anchors, NodeEvent e, YamlSpanNode node)
    {
        if (!e.Anchor.IsEmpty) anchors[e.Anchor.Value] = node;
    }

    // A scalar event's span starts at its anchor or tag; the value text starts after them.
    private static int SkipProperties(string text, int index, Scalar s)
    {
        if (s.Anchor.IsEmpty && s.Tag.IsEmpty) return index;
        var end = (int)s.End.Index;
        while (index < end && text[index] is '&' or '!')
        {
            while (index < end && !char.IsWhiteSpace(text[index])) index++;
            while (index < end && char.IsWhiteSpace(text[index])) index++;
        }
        return index;
    }
}
