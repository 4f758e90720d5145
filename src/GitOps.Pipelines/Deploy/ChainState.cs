using System.Text.Json;
using System.Text.Json.Serialization;

namespace GitOps.Pipelines.Deploy;

/// <summary>An image as a stage left it: repository, manifest digest, tags, and the app revision it came from.</summary>
public sealed record ImageRecord(string Repository, string Digest, IReadOnlyList<string> Tags, string? SourceRevision);

/// <summary>Where one environment stands in the chain: its last bump, pull request and merged revision.</summary>
public sealed record EnvironmentRecord(
    string? Tag = null,
    string? Digest = null,
    string? BumpBranch = null,
    string? BumpCommit = null,
    int? PullRequest = null,
    string? MergedRevision = null,
    string? VerifiedRevision = null);

/// <summary>
/// What each stage hands the next, kept in <c>state/chain.json</c> under the state folder so stage targets
/// (<c>--target Image</c>, <c>Push</c>, …) can run alone, one process each.
/// </summary>
public sealed record ChainState(
    ImageRecord? Built = null,
    ImageRecord? Pushed = null,
    IReadOnlyDictionary<string, EnvironmentRecord>? Environments = null,
    IReadOnlyDictionary<string, double>? StageSeconds = null)
{
    /// <summary>The record of one environment (empty when it has none yet).</summary>
    public EnvironmentRecord Environment(string name) =>
        Environments is not null && Environments.TryGetValue(name, out var e) ? e : new EnvironmentRecord();

    /// <summary>This state with one environment's record replaced.</summary>
    public ChainState WithEnvironment(string name, EnvironmentRecord record) =>
        this with { Environments = new Dictionary<string, EnvironmentRecord>(Environments ?? new Dictionary<string, EnvironmentRecord>()) { [name] = record } };

    /// <summary>This state with a stage's duration recorded.</summary>
    public ChainState WithStageTime(string stage, TimeSpan elapsed) =>
        this with { StageSeconds = new Dictionary<string, double>(StageSeconds ?? new Dictionary<string, double>()) { [stage] = Math.Round(elapsed.TotalSeconds, 3) } };

    /// <summary>Reads the state file; an empty state when there is none.</summary>
    public static ChainState Load(string path) =>
        File.Exists(path)
            ? JsonSerializer.Deserialize(File.ReadAllBytes(path), ChainStateJson.Default.ChainState) ?? new ChainState()
            : new ChainState();

    /// <summary>Writes the state file atomically.</summary>
    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var tmp = path + ".tmp";
        File.WriteAllBytes(tmp, JsonSerializer.SerializeToUtf8Bytes(this, ChainStateJson.Default.ChainState));
        File.Move(tmp, path, overwrite: true);
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ChainState))]
internal sealed partial class ChainStateJson : JsonSerializerContext;
