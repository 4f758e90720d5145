using System.Globalization;
using System.Text.Json;

namespace GitOps.Pipelines.Kubernetes;

/// <summary>Reading fields out of unstructured objects.</summary>
public static class KubernetesObjects
{
    /// <summary>The value at a dotted path of object keys (<c>status.sync.revision</c>), or default when any step is missing.</summary>
    public static JsonElement At(JsonElement obj, string path)
    {
        var current = obj;
        foreach (var key in path.Split('.'))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(key, out current))
                return default;
        }
        return current;
    }

    /// <summary>The string at a dotted path, or null.</summary>
    public static string? String(JsonElement obj, string path) =>
        At(obj, path) is { ValueKind: JsonValueKind.String } s ? s.GetString() : null;

    /// <summary>The whole number at a dotted path, or null.</summary>
    public static long? Number(JsonElement obj, string path) =>
        At(obj, path) is { ValueKind: JsonValueKind.Number } n && n.TryGetInt64(out var v) ? v : null;

    /// <summary>An annotation's value, or null.</summary>
    public static string? Annotation(JsonElement obj, string key) =>
        At(obj, "metadata.annotations") is { ValueKind: JsonValueKind.Object } a && a.TryGetProperty(key, out var v)
        && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>The condition of a type in <c>status.conditions</c>, or null.</summary>
    public static JsonElement? Condition(JsonElement obj, string type)
    {
        if (At(obj, "status.conditions") is not { ValueKind: JsonValueKind.Array } conditions) return null;
        foreach (var c in conditions.EnumerateArray())
        {
            if (String(c, "type") == type) return c;
        }
        return null;
    }

    /// <summary>A timestamp at a dotted path (RFC 3339), or null.</summary>
    public static DateTimeOffset? Time(JsonElement obj, string path) =>
        String(obj, path) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;
}
