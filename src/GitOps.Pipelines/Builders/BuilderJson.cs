using System.Text.Json.Serialization;

namespace GitOps.Pipelines.Builders;

/// <summary>JSON the builders write (a generated Containerfile's exec-form ENTRYPOINT).</summary>
[JsonSerializable(typeof(string[]), TypeInfoPropertyName = "StringArray")]
internal sealed partial class BuilderJson : JsonSerializerContext;
