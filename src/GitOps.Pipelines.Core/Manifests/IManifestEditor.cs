namespace GitOps.Pipelines.Manifests;

/// <summary>The image to set: the name it is matched by, and what to write (only the parts given).</summary>
public sealed record ImageUpdate(string Name, string? NewName = null, string? NewTag = null, string? Digest = null);

/// <summary>The edited text and the scalars that changed.</summary>
public sealed record EditResult(string Text, ChangeSet Changes);

/// <summary>A format-preserving edit of one kind of runtime file (kustomization, Helm values, manifests).</summary>
public interface IManifestEditor
{
    /// <summary>The editor kind as written in gitops.yaml (<c>kustomize</c>, <c>helm</c>, …).</summary>
    string Kind { get; }

    /// <summary>
    /// Applies <paramref name="update"/> to <paramref name="text"/> (the content of <paramref name="file"/>, used in
    /// errors). Only the changed scalars' text spans change; comments, quoting, order and line endings survive.
    /// </summary>
    EditResult Apply(string file, string text, ImageUpdate update);
}
