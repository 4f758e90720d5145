using System.Text.Json;
using System.Text.Json.Serialization;

namespace GitOps.Pipelines.Sync;

/// <summary>The local sync's status.json, serialized without reflection.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(DeploymentStatus))]
internal sealed partial class SyncJsonContext : JsonSerializerContext;
