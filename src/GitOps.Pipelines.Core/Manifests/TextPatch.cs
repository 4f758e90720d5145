using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.Core;

namespace GitOps.Pipelines.Manifests;

/// <summary>
/// Edits to one YAML text as replacements of exact character spans, applied together; every written scalar
/// becomes a <see cref="Change"/> on the line it lands on in the result.
/// </summary>
internal sealed partial class TextPatch(string file, string text)
{
    private readonly List<Edit> _edits = [];

    public string File { get; } = file;
    public string Text { get; } = text;

    /// <summary>The file's line ending: CRLF when the file uses it, LF otherwise.</summary>
    public string NewLine { get; } = text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";

    public bool IsEmpty => _edits.Count == 0;

    /// <summary>Sets a scalar to <paramref name="value"/> keeping its quoting style; no edit when it already holds it.</summary>
    public void Replace(YamlSpanScalar scalar, string value, bool inFlow)
    {
        if (scalar.Value == value && !scalar.IsNull) return;
        if (scalar.Style is ScalarStyle.Literal or ScalarStyle.Folded)
            throw new GitOpsException($"{File}:{scalar.Start.Line}:{scalar.Start.Column}: cannot replace a block scalar ('|' or '>') with '{value}'", ExitCode.InvalidInput);
        var rendered = Render(value, scalar.Style, inFlow);
        var old = scalar.IsNull ? "" : scalar.Value;
        if (scalar.ValueStart == scalar.ValueEnd)
            rendered = (scalar.ValueStart > 0 && Text[scalar.ValueStart - 1] == ':' ? " " : "") + rendered;
        _edits.Add(new Edit(scalar.ValueStart, scalar.ValueEnd, rendered, [new(0, old, value)]));
    }

    /// <summary>Inserts <paramref name="inserted"/> at <paramref name="index"/>; each value records a change.</summary>
    public void Insert(int index, string inserted, IEnumerable<(int Offset, string Value)> values) =>
        _edits.Add(new Edit(index, index, inserted, [.. values.Select(v => new EditValue(v.Offset, "", v.Value))]));

    /// <summary>
    /// Inserts whole lines after the line holding <paramref name="contentEnd"/>; each line is (text, value written
    /// on it or null, where the value starts in the line).
    /// </summary>
    public void InsertLines(int contentEnd, IReadOnlyList<(string Line, string? Value, int Offset)> lines)
    {
        var sb = new StringBuilder();
        var values = new List<(int, string)>();
        var at = LineEnd(contentEnd, out var needsBreak);
        if (needsBreak) sb.Append(NewLine);
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].Value is { } v) values.Add((sb.Length + lines[i].Offset, v));
            sb.Append(lines[i].Line);
            if (i < lines.Count - 1 || !needsBreak) sb.Append(NewLine);
        }
        Insert(at, sb.ToString(), values);
    }

    /// <summary>The index just after the line break ending the line that holds <paramref name="index"/>.</summary>
    public int LineEnd(int index, out bool atEndWithoutBreak)
    {
        atEndWithoutBreak = false;
        if (index > 0 && Text[index - 1] == '\n') return index;
        var nl = Text.IndexOf('\n', index);
        if (nl >= 0) return nl + 1;
        atEndWithoutBreak = true;
        return Text.Length;
    }

    /// <summary>The column (0-based) of <paramref name="index"/> in its line.</summary>
    public int ColumnOf(int index) => index - (Text.LastIndexOf('\n', Math.Max(0, index - 1)) + 1);

    public EditResult Result()
    {
        if (_edits.Count == 0) return new EditResult(Text, ChangeSet.Empty);
        var ordered = _edits.OrderBy(e => e.Start).ThenBy(e => e.End).ToList();
        var sb = new StringBuilder(Text.Length + 64);
        var positions = new List<(int Index, EditValue Value)>();
        var cursor = 0;
        foreach (var e in ordered)
        {
            if (e.Start < cursor)
                throw new InvalidOperationException($"overlapping edits in {File} at {e.Start}");
            sb.Append(Text, cursor, e.Start - cursor);
            positions.AddRange(e.Values.Select(v => (sb.Length + v.Offset, v)));
            sb.Append(e.Replacement);
            cursor = e.End;
        }
        sb.Append(Text, cursor, Text.Length - cursor);
        var result = sb.ToString();
        var changes = positions
            .Select(p => new Change(File, LineAt(result, p.Index), p.Value.Old, p.Value.New))
            .ToList();
        return new EditResult(result, new ChangeSet(changes));
    }

    private static int LineAt(string s, int index)
    {
        var line = 1;
        for (var i = 0; i < index && i < s.Length; i++)
            if (s[i] == '\n') line++;
        return line;
    }

    /// <summary>A scalar's text in <paramref name="style"/>; a plain scalar that would not read back as this string is double-quoted.</summary>
    public static string Render(string value, ScalarStyle style, bool inFlow) => style switch
    {
        ScalarStyle.SingleQuoted when !value.Any(char.IsControl) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'",
        ScalarStyle.Plain or ScalarStyle.Any when IsPlainSafe(value, inFlow) => value,
        _ => DoubleQuoted(value),
    };

    public static string DoubleQuoted(string value)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in value)
        {
            sb.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                _ => c.ToString(),
            });
        }
        return sb.Append('"').ToString();
    }

    /// <summary>True when <paramref name="value"/> written plain reads back as the same string (not a number, bool or null).</summary>
    public static bool IsPlainSafe(string value, bool inFlow)
    {
        if (value.Length == 0 || value != value.Trim()) return false;
        if (value.Any(char.IsControl)) return false;
        if (value[0] is '-' or '?' or ':')
        {
            if (value.Length == 1 || value[1] == ' ') return false;
        }
        else if (",[]{}#&*!|>'\"%@`".Contains(value[0], StringComparison.Ordinal))
        {
            return false;
        }
        if (value.Contains(": ", StringComparison.Ordinal) || value.Contains(" #", StringComparison.Ordinal) || value.EndsWith(':')) return false;
        if (inFlow && value.IndexOfAny([',', '[', ']', '{', '}', ':']) >= 0) return false;
        return !NonString().IsMatch(value) && !Number().IsMatch(value);
    }

    // YAML 1.1 and 1.2 core words that do not read back as strings (kustomize and Helm use go-yaml).
    [GeneratedRegex(@"^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|\.inf|\.Inf|\.INF|[-+]\.inf|[-+]\.Inf|[-+]\.INF|\.nan|\.NaN|\.NAN|<<|=)$")]
    private static partial Regex NonString();

    [GeneratedRegex(@"^[-+]?(?:0b[01_]+|0o?[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?|(?:[0-9][0-9_]*)?\.?[0-9_]*(?:[eE][-+]?[0-9]+)?)$")]
    private static partial Regex Number();

    private sealed record EditValue(int Offset, string Old, string New);

    private sealed record Edit(int Start, int End, string Replacement, IReadOnlyList<EditValue> Values);
}
