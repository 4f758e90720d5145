using System.Text.Json;
using GitOps.Pipelines.TestKit;

namespace GitOps.Pipelines.Core.Tests;

/// <summary>Loads a shared case table (<c>cases[]</c>) as xunit theory rows: a readable label and the case's JSON. Used by the Images, Semver and Tags tests.</summary>
public static class FixtureCases
{
    private static readonly Dictionary<string, JsonDocument> Loaded = new();

    public static JsonDocument Load(string file)
    {
        lock (Loaded)
        {
            if (!Loaded.TryGetValue(file, out var doc))
                Loaded[file] = doc = JsonDocument.Parse(File.ReadAllText(Paths.Fixture(file)));
            return doc;
        }
    }

    public static IEnumerable<JsonElement> All(string file) => Load(file).RootElement.GetProperty("cases").EnumerateArray();

    /// <summary>Rows for the cases matching <paramref name="filter"/>: (label, json). Strings keep each row its own test.</summary>
    public static TheoryData<string, string> Rows(string file, Func<JsonElement, bool> filter, string labelKey = "input")
    {
        var data = new TheoryData<string, string>();
        var i = 0;
        foreach (var c in All(file))
        {
            i++;
            if (!filter(c)) continue;
            var label = c.TryGetProperty(labelKey, out var l) ? l.ToString() : "";
            if (label.Length > 60) label = label[..60] + "…";
            data.Add($"#{i} {label}", c.GetRawText());
        }
        return data;
    }

    public static string? Str(this JsonElement e, string key) =>
        e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static bool Bool(this JsonElement e, string key) =>
        e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.True;

    public static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement;
}
