using System.Text.Json;
using System.Text.Json.Serialization;

namespace GitOps.Pipelines.Kubernetes;

/// <summary>What a watch event says happened to an object.</summary>
public enum WatchEventType
{
    /// <summary>The object was created (or exists when the watch starts).</summary>
    Added,
    /// <summary>The object changed.</summary>
    Modified,
    /// <summary>The object was deleted.</summary>
    Deleted,
    /// <summary>A progress marker: only <c>metadata.resourceVersion</c> is meaningful.</summary>
    Bookmark,
    /// <summary>The server reports an error; the object is a <see cref="KubernetesStatus"/>.</summary>
    Error,
}

/// <summary>The API's <c>Status</c> object (<c>kind: Status</c>), as returned with an error.</summary>
/// <param name="Kind">Always <c>Status</c> for a Status object.</param>
/// <param name="Status"><c>Success</c> or <c>Failure</c>.</param>
/// <param name="Message">A human-readable description.</param>
/// <param name="Reason">A machine-readable reason, e.g. <c>NotFound</c>, <c>Conflict</c>, <c>Forbidden</c>, <c>Expired</c>.</param>
/// <param name="Code">The HTTP status code it stands for.</param>
public sealed record KubernetesStatus(string? Kind, string? Status, string? Message, string? Reason, int Code);

/// <summary>A list of objects and the resourceVersion to watch from.</summary>
/// <param name="Items">The objects.</param>
/// <param name="ResourceVersion">The list's <c>metadata.resourceVersion</c>.</param>
public sealed record KubernetesList(IReadOnlyList<JsonElement> Items, string? ResourceVersion);

/// <summary>The Kubernetes wire types, serialized without reflection.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(KubernetesStatus))]
internal sealed partial class KubernetesJsonContext : JsonSerializerContext;
