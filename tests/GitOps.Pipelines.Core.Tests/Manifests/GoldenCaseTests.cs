using GitOps.Pipelines.Manifests;
using GitOps.Pipelines.TestKit;
using YamlDotNet.RepresentationModel;

namespace GitOps.Pipelines.Core.Tests.Manifests;

/// <summary>
/// testdata/&lt;case&gt;/original/&lt;file&gt; edited as case.yaml says must equal expected/&lt;file&gt; byte for byte,
/// and the ChangeSet must name exactly the lines a line diff between original and result shows.
/// </summary>
public sealed class GoldenCaseTests
{
    private static readonly string TestData = Path.Combine(Paths.Here(), "testdata");

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(TestData).Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(dir));
        return data;
    }

    [Fact]
    public void There_are_at_least_ten_cases_each_with_an_original_an_expected_and_a_case_file()
    {
        var cases = Directory.GetDirectories(TestData);
        Assert.True(cases.Length >= 10, $"only {cases.Length} golden cases");
        foreach (var dir in cases)
        {
            Assert.True(File.Exists(Path.Combine(dir, "case.yaml")), dir);
            Assert.Single(Directory.GetFiles(Path.Combine(dir, "original")));
            Assert.Single(Directory.GetFiles(Path.Combine(dir, "expected")));
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_edit_produces_the_expected_file_byte_for_byte(string name)
    {
        var c = GoldenCase.Load(Path.Combine(TestData, name));

        var result = c.Editor.Apply(c.FileName, c.Original, c.Update);

        Assert.Equal(c.Expected, result.Text);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_change_set_names_exactly_the_lines_a_diff_shows(string name)
    {
        var c = GoldenCase.Load(Path.Combine(TestData, name));

        var result = c.Editor.Apply(c.FileName, c.Original, c.Update);

        var (removed, added) = LineDiff.Compute(c.Original, result.Text);
        var outputLines = result.Text.Split('\n');
        var changeLines = result.Changes.Changes.Select(ch => ch.Line).ToHashSet();
        // Lines the diff adds that carry no value: a new key whose value is nested below it (`images:`).
        var structural = added.Where(l => !changeLines.Contains(l) && outputLines[l - 1].TrimEnd('\r').TrimEnd().EndsWith(':')).ToHashSet();
        Assert.Equal(added.Order(), changeLines.Union(structural).Order());
        var modifiedLines = changeLines.Where(l =>
            result.Changes.Changes.Any(ch => ch.Line == l && ch.Old.Length > 0) || outputLines[l - 1].Contains('{') || outputLines[l - 1].Contains('['));
        Assert.Equal(modifiedLines.Count(), removed.Count);
        foreach (var change in result.Changes.Changes)
        {
            Assert.Equal(c.FileName, change.File);
            var line = outputLines[change.Line - 1];
            Assert.True(line.Contains(change.New) || line.Contains(change.New.Replace("'", "''")), $"line {change.Line} '{line}' lacks '{change.New}'");
            if (change.Old.Length > 0)
                Assert.Contains(removed, r => c.Original.Split('\n')[r - 1].Contains(change.Old));
        }
        Assert.Equal(c.Original == c.Expected, result.Changes.IsEmpty);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Applying_the_same_update_again_changes_nothing(string name)
    {
        var c = GoldenCase.Load(Path.Combine(TestData, name));
        var once = c.Editor.Apply(c.FileName, c.Original, c.Update);

        var twice = c.Editor.Apply(c.FileName, once.Text, c.Update);

        Assert.Equal(once.Text, twice.Text);
        Assert.True(twice.Changes.IsEmpty, string.Join("; ", twice.Changes.Changes));
    }

    private sealed record GoldenCase(string FileName, string Original, string Expected, IManifestEditor Editor, ImageUpdate Update)
    {
        public static GoldenCase Load(string dir)
        {
            var spec = new YamlStream();
            spec.Load(new StringReader(File.ReadAllText(Path.Combine(dir, "case.yaml"))));
            var map = (YamlMappingNode)spec.Documents[0].RootNode;
            string? Get(string key) => map.Children.TryGetValue(new YamlScalarNode(key), out var v) ? ((YamlScalarNode)v).Value : null;
            var original = Directory.GetFiles(Path.Combine(dir, "original")).Single();
            var fileName = Path.GetFileName(original);
            var editor = ManifestEditors.For(Get("editor")!, new EditorOptions(Get("valuesKey") ?? Get("prefix"), Get("imagePolicy")));
            return new GoldenCase(
                fileName,
                File.ReadAllText(original),
                File.ReadAllText(Path.Combine(dir, "expected", fileName)),
                editor,
                new ImageUpdate(Get("name")!, Get("newName"), Get("newTag"), Get("digest")));
        }
    }
}
