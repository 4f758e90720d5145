using System.Text.Json.Nodes;

namespace GitOps.Pipelines.Tests.Kubernetes.ApiStub;

/// <summary>JSON Merge Patch, RFC 7386 section 2, on JsonNode trees (inputs are not modified).</summary>
public static class MergePatch
{
    /// <summary>The target with the patch applied: objects merge key by key, null removes a key, anything else replaces.</summary>
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject) return patch?.DeepClone();
        var result = target is JsonObject t ? (JsonObject)t.DeepClone() : new JsonObject();
        foreach (var (key, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(key);
                continue;
            }
            var existing = result[key];
            result.Remove(key);
            result[key] = Apply(existing, value);
        }
        return result;
    }
}
