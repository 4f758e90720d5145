using System.Text;
using System.Text.Json;
using GitOps.Pipelines.TestKit;
using GitOps.Pipelines.Webhooks.GitHub;

namespace GitOps.Pipelines.Webhooks.Tests.GitHub;

public sealed class GitHubSignatureTests
{
    private static JsonElement Vector(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Paths.Fixture("github/signature-test-vector.json")));
        return doc.RootElement.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name).Clone();
    }

    public static TheoryData<string> DecidedCases()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Paths.Fixture("github/signature-test-vector.json")));
        var data = new TheoryData<string>();
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
            if (c.GetProperty("expect_valid").ValueKind != JsonValueKind.Null)
                data.Add(c.GetProperty("name").GetString()!);
        return data;
    }

    [Fact]
    public void Compute_reproduces_the_GitHub_docs_test_vector()
    {
        var v = Vector("github-docs-test-vector");

        var header = GitHubSignature.Compute(v.GetProperty("secret").GetString()!, Encoding.UTF8.GetBytes(v.GetProperty("payload").GetString()!));

        Assert.Equal(v.GetProperty("expected_header").GetString(), header);
    }

    [Theory]
    [MemberData(nameof(DecidedCases))]
    public void IsValid_agrees_with_every_decided_case(string name)
    {
        var v = Vector(name);
        var header = v.TryGetProperty("expected_header", out var h) ? h.GetString() : v.GetProperty("header").GetString();

        var valid = GitHubSignature.IsValid(v.GetProperty("secret").GetString()!, Encoding.UTF8.GetBytes(v.GetProperty("payload").GetString()!), header);

        Assert.Equal(v.GetProperty("expect_valid").GetBoolean(), valid);
    }

    [Fact]
    public void Uppercase_hex_is_accepted_because_the_digest_is_compared_as_bytes()
    {
        var v = Vector("uppercase-hex");

        Assert.True(GitHubSignature.IsValid(v.GetProperty("secret").GetString()!, Encoding.UTF8.GetBytes(v.GetProperty("payload").GetString()!), v.GetProperty("header").GetString()));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("sha256=")]
    [InlineData("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e1")]   // one digit short
    [InlineData("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17aa")] // one byte long
    [InlineData("sha256=zz7107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")]   // not hex
    public void Malformed_headers_are_invalid(string? header) =>
        Assert.False(GitHubSignature.IsValid("It's a Secret to Everybody", "Hello, World!"u8, header));
}
