using System.Text;
using System.Text.RegularExpressions;
using GitOps.Pipelines.TestKit;
using YamlDotNet.RepresentationModel;

namespace GitOps.Pipelines.Cli.Tests.EntryPoints;

/// <summary>What a simulated run of an Azure Pipelines steps template left behind.</summary>
internal sealed record AgentRun(
    int ExitCode,
    string Log,
    IReadOnlyDictionary<string, string> Outputs,
    IReadOnlyList<string> Secrets,
    IReadOnlyList<string> Issues,
    string Summary)
{
    public bool Succeeded => ExitCode == 0;

    public override string ToString() =>
        $"exit {ExitCode}\n--- log\n{Log}\n--- outputs\n" +
        string.Join("\n", Outputs.Select(kv => $"{kv.Key}={kv.Value}")) + $"\n--- summary\n{Summary}";
}

/// <summary>
/// Runs an Azure Pipelines steps template's <c>bash:</c> steps the way the agent does, on this machine:
/// <c>${{ parameters.x }}</c> substituted at template expansion, <c>$(Variable)</c> macros at run time,
/// bash started as <c>bash --noprofile --norc FILE</c>, and the <c>##vso[…]</c> logging commands it prints read
/// back (setvariable, setsecret, logissue, uploadsummary). Unknown parameters fail the run; unknown
/// <c>$(macros)</c> stay as they are, as on the agent (so bash's <c>$(command)</c> survives).
/// </summary>
internal sealed partial class SimulatedAzureAgent(string root)
{
    private readonly string _temp = Directory.CreateDirectory(Path.Combine(root, "agent-temp")).FullName;

    /// <summary>AGENT_TEMPDIRECTORY.</summary>
    public string Temp => _temp;

    public AgentRun Run(string template, IReadOnlyDictionary<string, string> parameters, string workingDirectory,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(template))
            yaml.Load(reader);
        var doc = (YamlMappingNode)yaml.Documents[0].RootNode;

        var declared = ((YamlSequenceNode)doc["parameters"]).Children.Cast<YamlMappingNode>()
            .ToDictionary(p => p["name"].ToString(), p => p.Children.TryGetValue(new YamlScalarNode("default"), out var d) ? d.ToString() : null);
        foreach (var key in parameters.Keys)
            if (!declared.ContainsKey(key)) throw new ArgumentException($"the template declares no parameter '{key}'");
        var values = declared.ToDictionary(kv => kv.Key,
            kv => parameters.GetValueOrDefault(kv.Key) ?? kv.Value ?? throw new ArgumentException($"parameter '{kv.Key}' is required"));

        var variables = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["System.DefaultWorkingDirectory"] = workingDirectory,
            ["Agent.TempDirectory"] = _temp,
        };
        var outputs = new Dictionary<string, string>();
        var secrets = new List<string>();
        var issues = new List<string>();
        var log = new StringBuilder();
        var summary = new StringBuilder();
        var exitCode = 0;

        string Expand(string text)
        {
            text = TemplateExpression().Replace(text, m =>
                values.TryGetValue(m.Groups[1].Value, out var v) ? v : throw new InvalidOperationException($"unknown parameter in {m.Value}"));
            return Macro().Replace(text, m =>
                variables.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value); // as the agent: unknown macros stay
        }

        var steps = ((YamlSequenceNode)doc["steps"]).Children.Cast<YamlMappingNode>().ToList();
        for (var i = 0; i < steps.Count && exitCode == 0; i++)
        {
            var step = steps[i];
            string? Get(string key) => step.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v.ToString() : null;
            var bash = Get("bash") ?? throw new InvalidOperationException($"step {i}: the simulated agent runs only bash steps");
            var name = Get("name") is { } n ? Expand(n) : null;

            var script = Path.Combine(_temp, $"step-{i}.sh");
            File.WriteAllText(script, Expand(bash));
            var env = new Dictionary<string, string?>
            {
                ["TF_BUILD"] = "True",
                ["AGENT_TEMPDIRECTORY"] = _temp,
                ["SYSTEM_DEFAULTWORKINGDIRECTORY"] = workingDirectory,
            };
            foreach (var (k, v) in environment ?? new Dictionary<string, string>()) env[k] = v;
            foreach (var (k, v) in variables) env[k.ToUpperInvariant().Replace('.', '_')] = v;
            if (step.Children.TryGetValue(new YamlScalarNode("env"), out var stepEnv))
                foreach (var (k, v) in ((YamlMappingNode)stepEnv).Children)
                    env[k.ToString()] = Expand(v.ToString());

            var directory = Path.GetFullPath(Expand(Get("workingDirectory") ?? "$(System.DefaultWorkingDirectory)"), workingDirectory);
            var result = TestKit.Run.Process("bash", ["--noprofile", "--norc", script], directory, env, timeout: TimeSpan.FromMinutes(10));
            log.Append(result.StdOut).Append(result.StdErr);
            exitCode = result.ExitCode;

            foreach (var line in result.StdOut.Split('\n'))
            {
                var command = LoggingCommand().Match(line.TrimEnd('\r'));
                if (!command.Success) continue;
                var properties = command.Groups[2].Value.Split(';', StringSplitOptions.RemoveEmptyEntries)
                    .Select(p => p.Split('=', 2)).ToDictionary(p => p[0].Trim(), p => p.Length > 1 ? p[1] : "");
                var value = command.Groups[3].Value;
                switch (command.Groups[1].Value)
                {
                    case "task.setvariable" when properties.GetValueOrDefault("isOutput") == "true":
                        outputs[$"{name ?? throw new InvalidOperationException($"step {i} sets an output but has no name")}.{properties["variable"]}"] = value;
                        break;
                    case "task.setvariable":
                        variables[properties["variable"]] = value;
                        break;
                    case "task.setsecret":
                        secrets.Add(value);
                        break;
                    case "task.logissue":
                        issues.Add($"{properties.GetValueOrDefault("type")}: {value}");
                        break;
                    case "task.uploadsummary":
                        summary.Append(File.ReadAllText(value));
                        break;
                    default:
                        throw new InvalidOperationException($"the simulated agent does not know ##vso[{command.Groups[1].Value}]");
                }
            }
        }
        return new AgentRun(exitCode, log.ToString(), outputs, secrets, issues, summary.ToString());
    }

    [GeneratedRegex(@"\$\{\{\s*parameters\.([A-Za-z0-9_]+)\s*\}\}")]
    private static partial Regex TemplateExpression();

    [GeneratedRegex(@"\$\(([A-Za-z0-9_.]+)\)")]
    private static partial Regex Macro();

    [GeneratedRegex(@"^##vso\[([a-z.]+)([^\]]*)\](.*)$")]
    private static partial Regex LoggingCommand();
}
