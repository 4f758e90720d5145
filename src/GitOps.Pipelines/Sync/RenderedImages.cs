using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace GitOps.Pipelines.Sync;

/// <summary>Reads the container images out of rendered Kubernetes YAML (containers and initContainers, any kind).</summary>
public static class RenderedImages
{
    /// <summary>The distinct images in a multi-document YAML stream, in the order they first appear.</summary>
    public static IReadOnlyList<DeployedImage> Find(string yaml)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new GitOpsException($"the rendered manifests are not valid YAML: {e.Message}");
        }
        var images = new List<DeployedImage>();
        foreach (var doc in stream.Documents)
            Walk(doc.RootNode, images);
        return images.Distinct().ToList();
    }

    /// <summary>Splits <c>repo[:tag][@digest]</c>; a colon before the last slash is a registry port, not a tag.</summary>
    public static DeployedImage Split(string image)
    {
        string? digest = null;
        var at = image.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            digest = image[(at + 1)..];
            image = image[..at];
        }
        string? tag = null;
        var colon = image.LastIndexOf(':');
        if (colon > image.LastIndexOf('/'))
        {
            tag = image[(colon + 1)..];
            image = image[..colon];
        }
        return new DeployedImage(image, tag, digest);
    }

    private static void Walk(YamlNode node, List<DeployedImage> images)
    {
        switch (node)
        {
            case YamlMappingNode map:
                foreach (var (key, value) in map.Children)
                {
                    if (key is YamlScalarNode { Value: "containers" or "initContainers" } && value is YamlSequenceNode containers)
                    {
                        foreach (var c in containers.Children.OfType<YamlMappingNode>())
                        {
                            if (c.Children.TryGetValue(new YamlScalarNode("image"), out var img)
                                && img is YamlScalarNode { Value: { Length: > 0 } text })
                                images.Add(Split(text));
                        }
                    }
                    else
                    {
                        Walk(value, images);
                    }
                }
                break;
            case YamlSequenceNode seq:
                foreach (var child in seq.Children) Walk(child, images);
                break;
        }
    }
}
