using System.Text;
using System.Text.Json;
using GitOps.Pipelines.Manifests;
using GitOps.Pipelines.TestKit;
using YamlDotNet.RepresentationModel;

namespace GitOps.Pipelines.Core.Tests.Manifests;

/// <summary>
/// argocd-image-updater's own cases (shared/fixtures/image-updater-cases.json) replayed against our editors where
/// they map: kustomize override lists become kustomization.yaml <c>images:</c> entries, Helm keys go through
/// <see cref="HelmValues"/>. Cases that do not map are listed with the reason.
/// </summary>
public sealed class ImageUpdaterCaseTests
{
    private static readonly Lazy<List<JsonElement>> AllCases = new(() =>
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Paths.Fixture("image-updater-cases.json")));
        return [.. doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.Clone())];
    });

    private static IEnumerable<JsonElement> OfKind(string kind) =>
        AllCases.Value.Where(c => c.GetProperty("kind").GetString() == kind);

    private static string Name(JsonElement c) =>
        c.TryGetProperty("name", out var n) ? n.GetString()! : c.GetProperty("query").GetString()!;

    private static TheoryData<string> Named(string kind, Func<JsonElement, string?> unmapped)
    {
        var data = new TheoryData<string>();
        foreach (var c in OfKind(kind).Where(c => unmapped(c) is null)) data.Add(Name(c));
        return data;
    }

    private static JsonElement Case(string kind, string name) => OfKind(kind).Single(c => Name(c) == name);

    // ---- kustomize: Test_KustomizeImages_Find -------------------------------------------------------------------

    // argo-cd compares a bare query name with `name=` overrides by string prefix up to ':', so 'x/y' misses
    // 'x/y=busybox'; a kustomization entry has a separate name field, which our editor matches exactly.
    private static string? FindUnmapped(JsonElement c)
    {
        var query = c.GetProperty("query").GetString()!;
        if (query.IndexOfAny(['=', ':', '@']) >= 0) return null;
        return c.GetProperty("images").EnumerateArray().Any(i => i.GetString()!.StartsWith(query + "=", StringComparison.Ordinal))
            ? "bare name against a name=newName override (argo-cd string quirk)"
            : null;
    }

    public static TheoryData<string> FindCases() => Named("kustomize_images_find", FindUnmapped);

    [Fact]
    public void Find_cases_map_except_the_override_string_quirk()
    {
        var unmapped = OfKind("kustomize_images_find").Where(c => FindUnmapped(c) is not null).Select(Name).ToList();

        Assert.Equal(["x/y"], unmapped);
        Assert.True(FindCases().Count >= 9);
    }

    [Theory]
    [MemberData(nameof(FindCases))]
    public void Find_an_entry_is_updating_it_and_not_finding_one_appends_it(string query)
    {
        var c = Case("kustomize_images_find", query);
        var text = Kustomization(c.GetProperty("images").EnumerateArray().Select(i => i.GetString()!));
        var before = Entries(text).Count;

        var result = new KustomizeImagesEditor().Apply("kustomization.yaml", text, Override(query));

        var found = Entries(result.Text).Count == before;
        Assert.Equal(c.GetProperty("expected_found").GetBoolean(), found);
    }

    // ---- kustomize: Test_mergeKustomizeOverride -----------------------------------------------------------------

    private static string? MergeUnmapped(JsonElement c) =>
        Name(c).StartsWith("docker-io-", StringComparison.Ordinal)
            ? "docker.io/library normalisation: our editor matches entry names exactly, as kustomize does"
            : null;

    public static TheoryData<string> MergeCases() => Named("kustomize_images_merge", MergeUnmapped);

    [Fact]
    public void Merge_cases_map_except_docker_hub_normalisation()
    {
        var unmapped = OfKind("kustomize_images_merge").Where(c => MergeUnmapped(c) is not null).Select(Name).ToList();

        Assert.Equal(["docker-io-explicit-vs-implicit", "docker-io-explicit-vs-implicit-with-org"], unmapped);
        Assert.Equal(12, MergeCases().Count);
    }

    [Theory]
    [MemberData(nameof(MergeCases))]
    public void Merging_overrides_into_a_kustomization_gives_argos_result(string name)
    {
        var c = Case("kustomize_images_merge", name);
        var existing = Strings(c, "existing");
        var text = existing is null ? "kind: Kustomization\n" : Kustomization(existing);
        var editor = new KustomizeImagesEditor();

        foreach (var o in Strings(c, "new") ?? [])
            text = editor.Apply("kustomization.yaml", text, Override(o)).Text;

        Assert.Equal((Strings(c, "expected") ?? []).Order(), Entries(text).Order());
    }

    // ---- helm: Test_SetHelmValue / Test_GetHelmValue -----------------------------------------------------------

    public static TheoryData<string> SetCases() => Named("helm_set_value", _ => null);

    [Theory]
    [MemberData(nameof(SetCases))]
    public void Setting_a_helm_value_matches_argo(string name)
    {
        var c = Case("helm_set_value", name);
        var input = c.GetProperty("input_yaml").GetString()!;
        var key = c.GetProperty("key").GetString()!;
        var value = c.GetProperty("value").GetString()!;

        if (c.GetProperty("expect_error").GetBoolean())
        {
            var e = Assert.Throws<GitOpsException>(() => HelmValues.Set("values.yaml", input, key, value));
            Assert.StartsWith("values.yaml", e.Message);
            return;
        }
        var result = HelmValues.Set("values.yaml", input, key, value);

        Assert.Equal(c.GetProperty("expected_yaml").GetString()!.Trim(), result.Text.Trim());
        var change = Assert.Single(result.Changes.Changes);
        Assert.Equal(value, change.New);
        Assert.Contains(value, result.Text.Split('\n')[change.Line - 1]);
    }

    public static TheoryData<string> GetCases() => Named("helm_get_value", _ => null);

    [Theory]
    [MemberData(nameof(GetCases))]
    public void Getting_a_helm_value_matches_argo(string name)
    {
        var c = Case("helm_get_value", name);
        var input = c.TryGetProperty("input_yaml", out var y)
            ? y.GetString()!
            // A node built in Go: an empty document is an empty file, a scalar node a file holding that scalar.
            : c.GetProperty("input_node").TryGetProperty("value", out var v) ? v.GetString()! : "";
        var key = c.GetProperty("key").GetString()!;

        if (c.GetProperty("expect_error").GetBoolean())
        {
            var e = Assert.Throws<GitOpsException>(() => HelmValues.Get("values.yaml", input, key));
            Assert.Contains(c.GetProperty("error_message_contains").GetString()!, e.Message);
            return;
        }
        Assert.Equal(c.GetProperty("expected").GetString(), HelmValues.Get("values.yaml", input, key));
    }

    [Fact]
    public void Every_helm_case_of_the_fixture_is_replayed()
    {
        Assert.Equal(OfKind("helm_set_value").Count(), SetCases().Count);
        Assert.Equal(OfKind("helm_get_value").Count(), GetCases().Count);
        Assert.True(SetCases().Count >= 19 && GetCases().Count >= 13);
    }

    // ---- mapping between override strings and kustomization entries -------------------------------------------

    private static List<string>? Strings(JsonElement c, string property) =>
        c.TryGetProperty(property, out var p) && p.ValueKind == JsonValueKind.Array
            ? [.. p.EnumerateArray().Select(e => e.GetString()!)]
            : null;

    /// <summary>An override string (<c>name[=newName][:tag][@digest]</c>) as an update.</summary>
    private static ImageUpdate Override(string s)
    {
        var eq = s.IndexOf('=');
        if (eq >= 0)
        {
            var (newName, tag, digest) = SplitReference(s[(eq + 1)..]);
            return new ImageUpdate(s[..eq], newName, tag, digest);
        }
        var (name, t, d) = SplitReference(s);
        return new ImageUpdate(name, null, t, d);
    }

    private static (string Name, string? Tag, string? Digest) SplitReference(string s)
    {
        string? digest = null, tag = null;
        var at = s.IndexOf('@');
        if (at >= 0) (s, digest) = (s[..at], s[(at + 1)..]);
        var colon = s.LastIndexOf(':');
        if (colon > s.LastIndexOf('/')) (s, tag) = (s[..colon], s[(colon + 1)..]);
        return (s, tag, digest);
    }

    private static string Kustomization(IEnumerable<string> overrides)
    {
        var list = overrides.ToList();
        if (list.Count == 0) return "kind: Kustomization\nimages: []\n";
        var sb = new StringBuilder("kind: Kustomization\nimages:\n");
        foreach (var o in list)
        {
            var u = Override(o);
            sb.Append("- name: ").Append(u.Name).Append('\n');
            if (u.NewName is not null) sb.Append("  newName: ").Append(u.NewName).Append('\n');
            if (u.NewTag is not null) sb.Append("  newTag: \"").Append(u.NewTag).Append("\"\n");
            if (u.Digest is not null) sb.Append("  digest: ").Append(u.Digest).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>The images: entries of a kustomization, read back as override strings.</summary>
    private static List<string> Entries(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        if (!root.Children.TryGetValue(new YamlScalarNode("images"), out var images)) return [];
        return [.. ((YamlSequenceNode)images).Children.Cast<YamlMappingNode>().Select(e =>
        {
            string? Get(string k) => e.Children.TryGetValue(new YamlScalarNode(k), out var v) ? ((YamlScalarNode)v).Value : null;
            return Get("name") + (Get("newName") is { } n ? "=" + n : "") + (Get("newTag") is { } t ? ":" + t : "") + (Get("digest") is { } d ? "@" + d : "");
        })];
    }
}
