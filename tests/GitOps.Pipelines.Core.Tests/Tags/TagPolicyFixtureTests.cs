using System.Text.Json;
using GitOps.Pipelines.Tags;
using static GitOps.Pipelines.Core.Tests.FixtureCases;

namespace GitOps.Pipelines.Core.Tests.Tags;

/// <summary>The tag-selection cases of shared/fixtures/image-updater-cases.json (argocd-image-updater's tables).</summary>
public class TagPolicyFixtureTests
{
    private const string File = "image-updater-cases.json";

    public static TheoryData<string, string> NewestTagCases => Rows(File, c => c.Str("kind") == "select_newest_tag", "name");
    public static TheoryData<string, string> AllowCases => Rows(File, c => c.Str("kind") is "allow_tags_spec" or "allow_tags_regexp", "tag");
    public static TheoryData<string, string> IgnoreCases => Rows(File, c => c.Str("kind") == "ignore_tags_glob", "tag");
    public static TheoryData<string, string> SortCases => Rows(File, c => c.Str("kind") == "sort", "name");
    public static TheoryData<string, string> EqualsCases => Rows(File, c => c.Str("kind") == "tag_equals", "name");

    [Fact]
    public void The_table_holds_the_expected_number_of_tag_cases()
    {
        var kinds = All(File).Select(c => c.Str("kind")).ToList();
        Assert.Equal(13, kinds.Count(k => k == "select_newest_tag"));
        Assert.Equal(9, kinds.Count(k => k is "allow_tags_spec" or "allow_tags_regexp"));
        Assert.Equal(6, kinds.Count(k => k == "ignore_tags_glob"));
        Assert.Equal(4, kinds.Count(k => k == "sort"));
        Assert.Equal(7, kinds.Count(k => k == "tag_equals"));
    }

    [Theory]
    [MemberData(nameof(NewestTagCases))]
    public void Select_picks_the_newest_tag_like_image_updater(string label, string json)
    {
        _ = label;
        var c = FixtureCases.Parse(json);
        var tags = Tags(c.GetProperty("tags"));
        if (c.Bool("expect_error"))
        {
            var e = Assert.ThrowsAny<GitOpsException>(() => TagPolicy.Create(c.Str("strategy")!, c.Str("constraint")));
            Assert.Equal(ExitCode.InvalidInput, e.Code);
            return;
        }
        var policy = TagPolicy.Create(c.Str("strategy")!, c.Str("constraint"));
        var selection = policy.Select(tags);
        if (c.Str("expected_tag") is { } expected)
        {
            Assert.True(selection.Found, selection.Reason);
            Assert.Equal(expected, selection.Tag!.Name);
            if (c.Str("expected_digest") is { } digest) Assert.Equal(digest, selection.Tag.Digest);
        }
        else
        {
            Assert.False(selection.Found);
            Assert.False(string.IsNullOrWhiteSpace(selection.Reason));
        }
    }

    [Theory]
    [MemberData(nameof(AllowCases))]
    public void Allow_tags_takes_any_or_a_regexp_and_otherwise_matches_nothing(string label, string json)
    {
        _ = label;
        var c = FixtureCases.Parse(json);
        var spec = c.Str("kind") == "allow_tags_regexp" ? "regexp:" + c.Str("pattern") : c.Str("spec")!;
        var allow = AllowTags.Parse(spec);
        Assert.Equal(c.Bool("expected"), allow.Allows(c.Str("tag")!));
        // A spec that matches nothing because it is malformed says so; a policy refuses it.
        if (allow.Problem is not null)
        {
            Assert.False(c.Bool("expected"));
            Assert.Throws<GitOpsException>(() => TagPolicy.Create("name", allowTags: spec));
        }
    }

    [Theory]
    [MemberData(nameof(IgnoreCases))]
    public void Ignore_tags_matches_whole_tags_by_glob(string label, string json)
    {
        _ = label;
        var c = FixtureCases.Parse(json);
        var list = c.GetProperty("ignore_list").EnumerateArray().Select(e => e.GetString()!).ToList();
        var tag = c.Str("tag")!;
        Assert.Equal(c.Bool("expected"), IgnoreTags.From(list).Ignores(tag));
        Assert.Equal(c.Bool("expected"), IgnoreTags.Parse(string.Join(",", list)).Ignores(tag));
    }

    [Theory]
    [MemberData(nameof(SortCases))]
    public void Order_sorts_ascending_by_the_strategy(string label, string json)
    {
        _ = label;
        var c = FixtureCases.Parse(json);
        var strategy = c.Str("sort") switch
        {
            "date" => "latest",
            var s => s!,
        };
        var ordered = TagPolicy.Create(strategy).Order(Tags(c.GetProperty("tags")));
        Assert.Equal(c.GetProperty("expected_order").EnumerateArray().Select(e => e.GetString()), ordered.Select(t => t.Name));
    }

    [Theory]
    [MemberData(nameof(EqualsCases))]
    public void IsSameImage_compares_digests_when_known(string label, string json)
    {
        _ = label;
        var c = FixtureCases.Parse(json);
        Assert.Equal(c.Bool("expected"), Tag(c.GetProperty("a")).IsSameImage(Tag(c.GetProperty("b"))));
    }

    private static TagInfo Tag(JsonElement e) => new(
        e.GetProperty("name").GetString()!,
        e.TryGetProperty("date_unix", out var d) ? DateTimeOffset.FromUnixTimeSeconds(d.GetInt64()) : null,
        e.Str("digest") is { Length: > 0 } digest ? digest : null);

    private static List<TagInfo> Tags(JsonElement array) => array.EnumerateArray().Select(Tag).ToList();
}
