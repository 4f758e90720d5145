using System.Reflection;
using System.Xml.Linq;
using Cake.Core;
using Cake.Core.Annotations;

namespace Cake.GitOps.Pipelines.Tests;

/// <summary>What Cake needs to find the aliases, and what the Cake docs site shows for each: an example.</summary>
public class AliasConventionTests
{
    private static readonly string[] Stages =
        ["GitOpsBuild", "GitOpsPush", "GitOpsBump", "GitOpsGate", "GitOpsSync", "GitOpsVerify", "GitOpsPromote", "GitOpsDeploy"];

    private static MethodInfo[] Aliases() =>
        [.. typeof(GitOpsAliases).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Where(m => m.GetParameters() is [var first, ..] && first.ParameterType == typeof(ICakeContext))];

    /// <summary>The generated XML doc member id of a method, as the C# compiler writes it.</summary>
    private static string DocId(MethodInfo method) =>
        $"M:{method.DeclaringType!.FullName}.{method.Name}({string.Join(",", method.GetParameters().Select(p => Nullable.GetUnderlyingType(p.ParameterType) is { } t ? $"System.Nullable{{{t.FullName}}}" : p.ParameterType.FullName))})";

    private static XDocument Documentation()
    {
        var path = Path.ChangeExtension(typeof(GitOpsAliases).Assembly.Location, ".xml");
        Assert.True(File.Exists(path), $"the addin's XML documentation is expected beside it at {path} (GenerateDocumentationFile)");
        return XDocument.Load(path);
    }

    [Fact]
    public void The_alias_class_is_a_static_class_in_the_GitOps_category()
    {
        var category = typeof(GitOpsAliases).GetCustomAttribute<CakeAliasCategoryAttribute>();

        Assert.True(typeof(GitOpsAliases).IsAbstract && typeof(GitOpsAliases).IsSealed, "Cake loads aliases from static classes");
        Assert.NotNull(category);
        Assert.Equal("GitOps", category.Name);
    }

    [Fact]
    public void There_is_one_alias_per_stage_each_marked_as_a_method_alias_with_optional_settings()
    {
        var aliases = Aliases();

        Assert.Equal(Stages.Order(), aliases.Select(m => m.Name).Order());
        Assert.All(aliases, m =>
        {
            Assert.True(m.IsDefined(typeof(System.Runtime.CompilerServices.ExtensionAttribute)), $"{m.Name} is not an extension method");
            Assert.NotNull(m.GetCustomAttribute<CakeMethodAliasAttribute>());
            var settings = Assert.Single(m.GetParameters().Skip(1));
            Assert.Equal(typeof(GitOpsSettings), settings.ParameterType);
            Assert.True(settings.IsOptional, $"{m.Name}'s settings are not optional");
        });
    }

    [Fact]
    public void Every_alias_has_a_summary_and_an_example_that_calls_it()
    {
        var members = Documentation().Descendants("member").ToDictionary(m => (string)m.Attribute("name")!);

        Assert.All(Aliases(), m =>
        {
            Assert.True(members.TryGetValue(DocId(m), out var doc), $"no documentation for {DocId(m)}");
            Assert.False(string.IsNullOrWhiteSpace(doc.Element("summary")?.Value), $"{m.Name} has no summary");
            var code = doc.Element("example")?.Element("code")?.Value;
            Assert.True(code is not null, $"{m.Name} has no <example><code>");
            Assert.Contains($".{m.Name}(", code);
        });
    }
}
