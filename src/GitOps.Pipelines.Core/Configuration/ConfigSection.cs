using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace GitOps.Pipelines.Configuration;

/// <summary>
/// One mapping of gitops.yaml being read: typed accessors that report errors as
/// <c>file:line:column: key.path: message</c>, and a check that every key present is known.
/// </summary>
internal sealed partial class ConfigSection
{
    private readonly YamlMappingNode _node;
    private readonly string[] _known;

    public ConfigSection(string file, string path, YamlMappingNode node, params string[] known)
    {
        File = file;
        Path = path;
        _node = node;
        _known = known;
        RejectUnknownKeys();
    }

    /// <summary>The file name used in errors.</summary>
    public string File { get; }

    /// <summary>The key path of this mapping (empty at the root).</summary>
    public string Path { get; }

    /// <summary>Where the mapping starts.</summary>
    public Mark Start => _node.Start;

    public string KeyPath(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    public GitOpsException Error(Mark at, string path, string message) =>
        new($"{File}:{at.Line}:{at.Column}: {(path.Length == 0 ? "" : path + ": ")}{message}", ExitCode.InvalidInput);

    /// <summary>The value node of a key, or null when absent or written as null/empty.</summary>
    public YamlNode? Node(string key)
    {
        foreach (var (k, v) in _node.Children)
        {
            if (k is YamlScalarNode s && s.Value == key)
                return IsNull(v) ? null : v;
        }
        return null;
    }

    public string? OptionalString(string key)
    {
        var node = Node(key);
        if (node is null) return null;
        if (node is not YamlScalarNode s)
            throw Error(node.Start, KeyPath(key), $"must be a string, got a {Describe(node)}");
        return s.Value ?? "";
    }

    public string String(string key, string fallback) => OptionalString(key) ?? fallback;

    public string RequiredString(string key) =>
        OptionalString(key) is { Length: > 0 } value
            ? value
            : throw Error(Node(key)?.Start ?? _node.Start, "", $"{KeyPath(key)} is required");

    public string OneOf(string key, string fallback, params string[] allowed)
    {
        var value = String(key, fallback);
        if (allowed.Contains(value, StringComparer.Ordinal)) return value;
        var quoted = allowed.Select(a => $"'{a}'").ToArray();
        var list = quoted.Length switch
        {
            1 => quoted[0],
            2 => $"{quoted[0]} or {quoted[1]}",
            _ => $"one of {string.Join(", ", quoted)}",
        };
        throw Error(Node(key)!.Start, KeyPath(key), $"must be {list}, got '{value}'");
    }

    public int WholeNumber(string key, int fallback, int minimum = 0)
    {
        var node = Node(key);
        if (node is null) return fallback;
        if (node is not YamlScalarNode { Value: { } text }
            || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            throw Error(node.Start, KeyPath(key), $"must be a whole number, got {Shown(node)}");
        if (value < minimum)
            throw Error(node.Start, KeyPath(key), $"must be at least {minimum}, got {value}");
        return value;
    }

    public bool Boolean(string key, bool fallback)
    {
        var node = Node(key);
        if (node is null) return fallback;
        return node is YamlScalarNode { Value: "true" or "false" } s
            ? s.Value == "true"
            : throw Error(node.Start, KeyPath(key), $"must be true or false, got {Shown(node)}");
    }

    public TimeSpan Duration(string key, TimeSpan fallback)
    {
        var node = Node(key);
        if (node is null) return fallback;
        if (node is YamlScalarNode { Value: { } text } && DurationPattern().Match(text) is { Success: true } m)
        {
            var total = TimeSpan.Zero;
            for (var i = 0; i < m.Groups["n"].Captures.Count; i++)
            {
                var n = long.Parse(m.Groups["n"].Captures[i].Value, CultureInfo.InvariantCulture);
                total += m.Groups["u"].Captures[i].Value switch
                {
                    "ms" => TimeSpan.FromMilliseconds(n),
                    "s" => TimeSpan.FromSeconds(n),
                    "m" => TimeSpan.FromMinutes(n),
                    _ => TimeSpan.FromHours(n),
                };
            }
            if (total > TimeSpan.Zero) return total;
        }
        throw Error(node.Start, KeyPath(key), $"must be a positive duration like 60s, 5m or 1h, got {Shown(node)}");
    }

    public IReadOnlyList<string> StringList(string key)
    {
        var node = Node(key);
        if (node is null) return [];
        if (node is not YamlSequenceNode seq)
            throw Error(node.Start, KeyPath(key), $"must be a list of strings, got a {Describe(node)}");
        var list = new List<string>();
        for (var i = 0; i < seq.Children.Count; i++)
        {
            if (seq.Children[i] is not YamlScalarNode { Value: { } s } || IsNull(seq.Children[i]))
                throw Error(seq.Children[i].Start, $"{KeyPath(key)}[{i}]", $"must be a string, got {Shown(seq.Children[i])}");
            list.Add(s);
        }
        return list;
    }

    public IReadOnlyDictionary<string, string> StringMap(string key)
    {
        var node = Node(key);
        if (node is null) return new Dictionary<string, string>();
        if (node is not YamlMappingNode map)
            throw Error(node.Start, KeyPath(key), $"must be a mapping of strings, got a {Describe(node)}");
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in map.Children)
        {
            var name = ((YamlScalarNode)k).Value ?? "";
            if (v is not YamlScalarNode { Value: { } s } || IsNull(v))
                throw Error(v.Start, $"{KeyPath(key)}.{name}", $"must be a string, got {Shown(v)}");
            result[name] = s;
        }
        return result;
    }

    public ConfigSection? Section(string key, params string[] known)
    {
        var node = Node(key);
        if (node is null) return null;
        return node is YamlMappingNode map
            ? new ConfigSection(File, KeyPath(key), map, known)
            : throw Error(node.Start, KeyPath(key), $"must be a mapping, got {Shown(node)}");
    }

    public YamlSequenceNode? Sequence(string key)
    {
        var node = Node(key);
        if (node is null) return null;
        return node as YamlSequenceNode
            ?? throw Error(node.Start, KeyPath(key), $"must be a list, got {Shown(node)}");
    }

    private void RejectUnknownKeys()
    {
        foreach (var (k, _) in _node.Children)
        {
            if (k is not YamlScalarNode { Value: { } key })
                throw Error(k.Start, Path, "keys must be strings");
            if (_known.Contains(key, StringComparer.Ordinal)) continue;
            var suggestion = Closest(key, _known);
            var hint = suggestion is null ? $" (known: {string.Join(", ", _known)})" : $" (did you mean '{suggestion}'?)";
            throw Error(k.Start, Path.Length == 0 ? "" : Path, $"unknown key '{key}'{hint}");
        }
    }

    internal static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    internal static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "mapping",
        YamlSequenceNode => "list",
        _ => "string",
    };

    internal static string Shown(YamlNode node) =>
        node is YamlScalarNode s ? $"'{s.Value}'" : $"a {Describe(node)}";

    /// <summary>The known key within a small edit distance of <paramref name="key"/>, if any.</summary>
    internal static string? Closest(string key, IEnumerable<string> known)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in known)
        {
            var d = Distance(key.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (d < bestDistance) (best, bestDistance) = (candidate, d);
        }
        return bestDistance <= Math.Max(1, key.Length / 3) ? best : null;
    }

    // Optimal string alignment distance: a transposition ('nmae' → 'name') counts as one edit.
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }

    [GeneratedRegex(@"^(?:(?<n>\d{1,9})(?<u>ms|s|m|h))+$")]
    private static partial Regex DurationPattern();
}
