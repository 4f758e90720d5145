using YamlDotNet.RepresentationModel;

namespace GitOps.Pipelines.Cli.Tests.EntryPoints;

/// <summary>One step of a composite action as action.yml declares it.</summary>
internal sealed record ActionStep(
    string? Id,
    string? Name,
    string? If,
    string? Uses,
    string? Run,
    string? Shell,
    string? WorkingDirectory,
    IReadOnlyDictionary<string, string> Env);

/// <summary>A composite action's metadata read from action.yml with YamlDotNet: inputs, outputs, steps.</summary>
internal sealed class CompositeAction
{
    private CompositeAction(string directory, IReadOnlyDictionary<string, string?> inputDefaults,
        IReadOnlyDictionary<string, string> outputs, IReadOnlyList<ActionStep> steps)
    {
        Directory = directory;
        InputDefaults = inputDefaults;
        Outputs = outputs;
        Steps = steps;
    }

    /// <summary>The folder holding action.yml: what <c>github.action_path</c> is.</summary>
    public string Directory { get; }

    /// <summary>Declared inputs and their defaults (null when none).</summary>
    public IReadOnlyDictionary<string, string?> InputDefaults { get; }

    /// <summary>Declared outputs and their <c>value</c> expressions.</summary>
    public IReadOnlyDictionary<string, string> Outputs { get; }

    /// <summary>The steps under <c>runs.steps</c>, in order.</summary>
    public IReadOnlyList<ActionStep> Steps { get; }

    public static CompositeAction Load(string actionYml)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(actionYml))
            stream.Load(reader);
        var root = (YamlMappingNode)stream.Documents[0].RootNode;

        var inputs = Map(root, "inputs")?.Children.ToDictionary(
            kv => Scalar(kv.Key)!, kv => Scalar((YamlMappingNode)kv.Value, "default")) ?? [];
        var outputs = Map(root, "outputs")?.Children.ToDictionary(
            kv => Scalar(kv.Key)!, kv => Scalar((YamlMappingNode)kv.Value, "value") ?? "") ?? [];

        var runs = Map(root, "runs") ?? throw new InvalidDataException($"{actionYml}: no runs");
        if (Scalar(runs, "using") != "composite")
            throw new InvalidDataException($"{actionYml}: runs.using is not composite");
        var steps = ((YamlSequenceNode)runs.Children[new YamlScalarNode("steps")]).Children
            .Cast<YamlMappingNode>()
            .Select(s => new ActionStep(
                Scalar(s, "id"), Scalar(s, "name"), Scalar(s, "if"), Scalar(s, "uses"), Scalar(s, "run"),
                Scalar(s, "shell"), Scalar(s, "working-directory"),
                Map(s, "env")?.Children.ToDictionary(kv => Scalar(kv.Key)!, kv => Scalar(kv.Value) ?? "") ?? []))
            .ToList();

        return new CompositeAction(Path.GetDirectoryName(Path.GetFullPath(actionYml))!, inputs, outputs, steps);
    }

    private static YamlMappingNode? Map(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value as YamlMappingNode : null;

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? Scalar(value) : null;

    private static string? Scalar(YamlNode node) => (node as YamlScalarNode)?.Value;
}
