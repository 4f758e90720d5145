using System.Text.Json.Nodes;
using GitOps.Pipelines.TestKit;

namespace GitOps.Pipelines.Tests.Forges.Stubs;

/// <summary>The documented payloads in shared/fixtures/{github,gitlab}/rest, as the bodies the stubs answer with.</summary>
public static class ForgeFixtures
{
    /// <summary>The first example body GitHub documents for <paramref name="file"/>'s <paramref name="status"/> response.</summary>
    public static string GitHub(string file, int status) => GitHubNode(file, status).ToJsonString();

    /// <summary>The same as a mutable node, for a test that changes one documented field (and says so).</summary>
    public static JsonNode GitHubNode(string file, int status)
    {
        var examples = Load($"github/rest/{file}")["responses"]![status.ToString()]!["examples"]!.AsObject();
        return examples.First().Value!["value"]!.DeepClone();
    }

    /// <summary>A GitLab fixture's example: the node at <paramref name="path"/> (e.g. <c>responses</c>, <c>200</c>, <c>example</c>).</summary>
    public static JsonNode GitLabNode(string file, params string[] path)
    {
        JsonNode node = Load($"gitlab/rest/{file}");
        foreach (var key in path) node = node[key] ?? throw new KeyNotFoundException($"{file}: no '{key}' in {string.Join(".", path)}");
        return node.DeepClone();
    }

    /// <summary>A GitLab fixture's example as a body.</summary>
    public static string GitLab(string file, params string[] path) => GitLabNode(file, path).ToJsonString();

    private static JsonNode Load(string relative) => JsonNode.Parse(File.ReadAllText(Paths.Fixture(relative)))!;
}

/// <summary>A clock that stands still unless told, for rate-limit waits.</summary>
public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    /// <summary>The current time.</summary>
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>Retry options that record the waits instead of sleeping (and move the clock on by them).</summary>
public sealed class RecordedWaits
{
    public RecordedWaits(DateTimeOffset now) => Clock = new FixedClock(now);

    public FixedClock Clock { get; }

    public List<TimeSpan> Waits { get; } = [];

    public Pipelines.Forges.ForgeRetryOptions Options(int maxRetries = 3, TimeSpan? maxWait = null) => new()
    {
        MaxRetries = maxRetries,
        MaxWait = maxWait ?? TimeSpan.FromMinutes(15),
        Time = Clock,
        Delay = (wait, _) =>
        {
            Waits.Add(wait);
            Clock.Now += wait;
            return Task.CompletedTask;
        },
    };
}
