using System.Text.RegularExpressions;

namespace GitOps.Pipelines.Manifests;

/// <summary>
/// Sets the values Flux image automation marks with setter comments for one image policy:
/// <c># {"$imagepolicy": "ns:name"}</c> (the whole image), <c>ns:name:tag</c>, <c>ns:name:name</c> and
/// <c>ns:name:digest</c>. Only the marked scalars change; the markers stay.
/// </summary>
/// <param name="imagePolicy">The policy whose markers are set, <c>namespace:name</c> (per environment: <c>imagePolicy</c>).</param>
public sealed partial class FluxSettersEditor(string imagePolicy) : IManifestEditor
{
    /// <summary>The policy whose markers this editor sets.</summary>
    public string ImagePolicy { get; } = string.IsNullOrWhiteSpace(imagePolicy) || imagePolicy.Split(':').Length != 2
        ? throw new GitOpsException($"flux-setters: the image policy must be 'namespace:name', got '{imagePolicy}'", ExitCode.InvalidInput)
        : imagePolicy;

    /// <inheritdoc />
    public string Kind => "flux-setters";

    /// <inheritdoc />
    /// <remarks>
    /// The whole-image marker takes <see cref="ImageUpdate.NewName"/> (else the name written there), the tag and the
    /// digest; <c>:tag</c> takes the tag, <c>:name</c> the new name, <c>:digest</c> the digest. A file with no marker
    /// for the policy is an error.
    /// </remarks>
    public EditResult Apply(string file, string text, ImageUpdate update)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(update);
        var tree = YamlTree.Parse(file, text);
        var scalars = tree.Documents.SelectMany(YamlWalk.All).OfType<YamlSpanScalar>().ToList();
        var patch = new TextPatch(file, text);
        var markers = 0;
        foreach (Match m in Marker().Matches(text))
        {
            var policy = m.Groups["policy"].Value;
            var field = m.Groups["field"].Success ? m.Groups["field"].Value : null;
            if (policy != ImagePolicy) continue;
            markers++;
            var lineStart = text.LastIndexOf('\n', Math.Max(0, m.Index - 1)) + 1;
            var scalar = scalars.LastOrDefault(s => s.ValueStart >= lineStart && s.ValueEnd <= m.Index && s.Style is not YamlDotNet.Core.ScalarStyle.Literal and not YamlDotNet.Core.ScalarStyle.Folded)
                ?? throw new GitOpsException($"{file}:{LineOf(text, m.Index)}: the {m.Value.Trim()} marker follows no value on its line", ExitCode.InvalidInput);
            var inFlow = tree.Documents.Any(d => d is not null && YamlWalk.InFlow(d, scalar));
            string? value = field switch
            {
                null => ImageString.Parse(scalar.Value).With(update).ToString(),
                "tag" => update.NewTag,
                "name" => update.NewName,
                "digest" => update.Digest,
                _ => throw new GitOpsException($"{file}:{LineOf(text, m.Index)}: unknown setter field ':{field}' (known: tag, name, digest)", ExitCode.InvalidInput),
            };
            if (value is not null) patch.Replace(scalar, value, inFlow);
        }
        if (markers == 0)
            throw new GitOpsException($"{file}: no {{\"$imagepolicy\": \"{ImagePolicy}\"}} setter marker", ExitCode.InvalidInput);
        return patch.Result();
    }

    private static int LineOf(string text, int index) => text.AsSpan(0, index).Count('\n') + 1;

    [GeneratedRegex("""#\s*\{\s*"\$imagepolicy"\s*:\s*"(?<policy>[^":\s]+:[^":\s]+)(?::(?<field>[^"\s]+))?"\s*\}""")]
    private static partial Regex Marker();
}
