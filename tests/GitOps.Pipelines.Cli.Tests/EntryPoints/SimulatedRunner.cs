using System.Text;
using System.Text.RegularExpressions;
using GitOps.Pipelines.TestKit;

namespace GitOps.Pipelines.Cli.Tests.EntryPoints;

/// <summary>What a simulated run of a composite action left behind.</summary>
internal sealed record ActionRun(
    int ExitCode,
    string Log,
    IReadOnlyDictionary<string, string> Outputs,
    string Summary,
    IReadOnlyList<string> StepsRun)
{
    public bool Succeeded => ExitCode == 0;

    public override string ToString() =>
        $"exit {ExitCode}; steps run: {string.Join(", ", StepsRun)}\n--- log\n{Log}\n--- outputs\n" +
        string.Join("\n", Outputs.Select(kv => $"{kv.Key}={kv.Value}")) + $"\n--- summary\n{Summary}";
}

/// <summary>
/// Runs a composite action's <c>run:</c> steps the way the GitHub runner does, on this machine: <c>${{ }}</c>
/// expressions substituted into <c>run</c>, <c>env</c> and <c>working-directory</c>, bash started as
/// <c>bash --noprofile --norc -eo pipefail FILE</c>, and the GITHUB_OUTPUT, GITHUB_ENV and GITHUB_STEP_SUMMARY
/// files created per step and read back. Expressions it does not know fail the run, so a typo cannot pass.
/// </summary>
internal sealed partial class SimulatedRunner(string root)
{
    private readonly string _temp = Directory.CreateDirectory(Path.Combine(root, "runner-temp")).FullName;
    private readonly string _files = Directory.CreateDirectory(Path.Combine(root, "runner-files")).FullName;

    /// <summary>RUNNER_TEMP.</summary>
    public string Temp => _temp;

    /// <summary>Runs <paramref name="action"/> with <paramref name="with"/> as its inputs in <paramref name="workspace"/>.</summary>
    public ActionRun Run(CompositeAction action, IReadOnlyDictionary<string, string> with, string workspace,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        foreach (var key in with.Keys)
            if (!action.InputDefaults.ContainsKey(key))
                throw new ArgumentException($"the action declares no input '{key}'");

        var inputs = action.InputDefaults.ToDictionary(kv => kv.Key, kv => with.GetValueOrDefault(kv.Key) ?? kv.Value ?? "");
        var stepOutputs = new Dictionary<string, Dictionary<string, string>>();
        var githubEnv = new Dictionary<string, string>();
        var log = new StringBuilder();
        var summary = new StringBuilder();
        var stepsRun = new List<string>();
        var exitCode = 0;

        string Evaluate(string expression)
        {
            var e = expression.Trim();
            if (e.StartsWith("inputs.", StringComparison.Ordinal))
                return inputs.TryGetValue(e["inputs.".Length..], out var v) ? v : throw new InvalidOperationException($"undeclared input in ${{{{ {e} }}}}");
            if (e == "github.action_path") return action.Directory;
            if (e == "github.workspace") return workspace;
            if (e == "runner.temp") return _temp;
            var step = StepOutput().Match(e);
            if (step.Success)
                return stepOutputs.TryGetValue(step.Groups[1].Value, out var o) ? o.GetValueOrDefault(step.Groups[2].Value, "") : "";
            throw new InvalidOperationException($"the simulated runner does not know ${{{{ {e} }}}}");
        }

        string Substitute(string text) => Expression().Replace(text, m => Evaluate(m.Groups[1].Value));

        bool Condition(string? condition)
        {
            if (string.IsNullOrWhiteSpace(condition)) return exitCode == 0;
            var c = condition.Trim();
            if (c.StartsWith("${{", StringComparison.Ordinal)) c = c[3..^2].Trim();
            var m = Comparison().Match(c);
            if (!m.Success) throw new InvalidOperationException($"the simulated runner does not evaluate if: {condition}");
            string Operand(string o) => o.StartsWith('\'') ? o[1..^1].Replace("''", "'") : Evaluate(o);
            var equal = Operand(m.Groups[1].Value) == Operand(m.Groups[3].Value);
            return exitCode == 0 && (m.Groups[2].Value == "==" ? equal : !equal);
        }

        for (var i = 0; i < action.Steps.Count && exitCode == 0; i++)
        {
            var step = action.Steps[i];
            var label = step.Id ?? step.Name ?? $"step {i}";
            if (!Condition(step.If)) continue;
            if (step.Uses is not null)
                throw new InvalidOperationException($"step '{label}' uses {step.Uses}: the simulated runner runs only run steps");
            if (step.Shell != "bash")
                throw new InvalidOperationException($"step '{label}' has shell '{step.Shell}': the simulated runner runs bash");

            var script = Path.Combine(_temp, $"step-{i}.sh");
            File.WriteAllText(script, Substitute(step.Run!));
            var output = Touch($"output-{i}");
            var envFile = Touch($"env-{i}");
            var summaryFile = Touch($"summary-{i}");

            var env = new Dictionary<string, string?>
            {
                ["GITHUB_ACTIONS"] = "true",
                ["CI"] = "true",
                ["GITHUB_WORKSPACE"] = workspace,
                ["GITHUB_ACTION_PATH"] = action.Directory,
                ["GITHUB_OUTPUT"] = output,
                ["GITHUB_ENV"] = envFile,
                ["GITHUB_STEP_SUMMARY"] = summaryFile,
                ["RUNNER_TEMP"] = _temp,
                ["RUNNER_OS"] = "Linux",
            };
            foreach (var (k, v) in environment ?? new Dictionary<string, string>()) env[k] = v;
            foreach (var (k, v) in githubEnv) env[k] = v;
            foreach (var (k, v) in step.Env) env[k] = Substitute(v);

            var directory = Path.GetFullPath(Substitute(step.WorkingDirectory ?? "."), workspace);
            var result = Process(directory, script, env);
            stepsRun.Add(label);
            log.Append(result.StdOut).Append(result.StdErr);
            exitCode = result.ExitCode;

            stepOutputs[step.Id ?? $"__{i}"] = ReadCommandFile(output);
            foreach (var (k, v) in ReadCommandFile(envFile)) githubEnv[k] = v;
            summary.Append(File.ReadAllText(summaryFile));
        }

        var outputs = action.Outputs.ToDictionary(kv => kv.Key, kv => Substitute(kv.Value));
        return new ActionRun(exitCode, log.ToString(), outputs, summary.ToString(), stepsRun);
    }

    private static ProcessResult Process(string directory, string script, Dictionary<string, string?> env) =>
        TestKit.Run.Process("bash", ["--noprofile", "--norc", "-eo", "pipefail", script], directory, env,
            timeout: TimeSpan.FromMinutes(10));

    private string Touch(string name)
    {
        var path = Path.Combine(_files, name);
        File.WriteAllText(path, "");
        return path;
    }

    /// <summary>Reads a GITHUB_OUTPUT / GITHUB_ENV file: <c>name=value</c> lines and <c>name&lt;&lt;DELIMITER</c> blocks.</summary>
    internal static Dictionary<string, string> ReadCommandFile(string path)
    {
        var values = new Dictionary<string, string>();
        var lines = File.ReadAllText(path).Replace("\r\n", "\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.Length == 0) continue;
            var heredoc = line.IndexOf("<<", StringComparison.Ordinal);
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (heredoc > 0 && (equals < 0 || heredoc < equals))
            {
                var delimiter = line[(heredoc + 2)..];
                var block = new List<string>();
                while (++i < lines.Length && lines[i] != delimiter) block.Add(lines[i]);
                if (i >= lines.Length) throw new InvalidDataException($"{path}: no closing {delimiter}");
                values[line[..heredoc]] = string.Join("\n", block);
            }
            else if (equals > 0)
                values[line[..equals]] = line[(equals + 1)..];
            else
                throw new InvalidDataException($"{path}: unreadable line '{line}'");
        }
        return values;
    }

    [GeneratedRegex(@"\$\{\{(.+?)\}\}")]
    private static partial Regex Expression();

    [GeneratedRegex(@"^steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)$")]
    private static partial Regex StepOutput();

    [GeneratedRegex(@"^('(?:[^']|'')*'|[A-Za-z0-9_.-]+)\s*(==|!=)\s*('(?:[^']|'')*'|[A-Za-z0-9_.-]+)$")]
    private static partial Regex Comparison();
}
