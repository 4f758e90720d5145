using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace GitOps.Pipelines.Cli;

/// <summary>The shared <c>--output text|json</c> option and how a command writes its report.</summary>
internal static class Output
{
    public static Option<string> Option() => new Option<string>("--output", "-o")
    {
        Description = "Report format: text or json.",
        DefaultValueFactory = _ => "text",
    }.AcceptOnlyFromAmong("text", "json");

    /// <summary>Writes <paramref name="value"/> as JSON or as the given text.</summary>
    public static void Write<T>(ParseResult parse, Option<string> option, T value, JsonTypeInfo<T> json, Func<T, string> text)
    {
        var writer = parse.InvocationConfiguration.Output;
        if (parse.GetValue(option) == "json")
            writer.WriteLine(JsonSerializer.Serialize(value, json));
        else
            writer.WriteLine(text(value));
    }
}
