using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace GitOps.Pipelines.Tests.Kubernetes.ApiStub;

/// <summary>Kubernetes YAML documents as JSON objects (plain scalars typed the way YAML 1.2's core schema does).</summary>
public static class YamlJson
{
    /// <summary>Every non-empty document of a multi-document YAML stream.</summary>
    public static IReadOnlyList<JsonObject> Documents(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return [.. stream.Documents.Select(d => Convert(d.RootNode)).OfType<JsonObject>()];
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv =>
            KeyValuePair.Create(((YamlScalarNode)kv.Key).Value!, Convert(kv.Value)))),
        YamlSequenceNode seq => new JsonArray([.. seq.Children.Select(Convert)]),
        YamlScalarNode s when s.Style is ScalarStyle.Plain => s.Value switch
        {
            null or "" or "~" or "null" => null,
            "true" => JsonValue.Create(true),
            "false" => JsonValue.Create(false),
            var v when long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) => JsonValue.Create(n),
            var v when double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && v.Any(char.IsDigit) => JsonValue.Create(d),
            var v => JsonValue.Create(v),
        },
        YamlScalarNode s => JsonValue.Create(s.Value ?? ""),
        _ => null,
    };
}
