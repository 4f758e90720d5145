using GitOps.Pipelines.Configuration;
using GitOps.Pipelines.Manifests;

namespace GitOps.Pipelines.Core.Tests.Configuration;

/// <summary>The per-environment editor settings: the new editor kinds, valuesKey and imagePolicy.</summary>
public sealed class EditorSettingsTests
{
    private const string Minimal = "image:\n  name: hello\nenvironments:\n";

    [Fact]
    public void Each_new_kind_loads_with_its_default_file_and_settings()
    {
        var yaml = Minimal +
            "  - name: a\n    path: a\n    editor: manifests\n" +
            "  - name: b\n    path: b\n    editor: argocd\n    valuesKey: api.image\n" +
            "  - name: c\n    path: c\n    editor: flux-setters\n    imagePolicy: flux-system:hello\n" +
            "  - name: d\n    path: d\n    editor: helm\n    file: values-d.yaml\n    valuesKey: backend.image\n";

        var c = GitOpsConfigLoader.Parse(yaml, "gitops.yaml", "/repo");

        Assert.Equal(("manifests", "deployment.yaml"), (c.Environments[0].Editor, c.Environments[0].File));
        Assert.Equal(("argocd", ".argocd-source.yaml", "api.image"), (c.Environments[1].Editor, c.Environments[1].File, c.Environments[1].ValuesKey));
        Assert.Equal(("flux-setters", "kustomization.yaml", "flux-system:hello"), (c.Environments[2].Editor, c.Environments[2].File, c.Environments[2].ImagePolicy));
        Assert.Equal(new EditorOptions("backend.image", null), c.Environments[3].EditorOptions);
        Assert.Equal("backend.image", ((HelmValuesEditor)ManifestEditors.For("helm", c.Environments[3].EditorOptions)).KeyPrefix);
    }

    [Fact]
    public void Flux_setters_without_an_image_policy_is_an_error_at_the_editor_key()
    {
        var e = Assert.Throws<GitOpsException>(() => GitOpsConfigLoader.Parse(Minimal + "  - name: a\n    path: a\n    editor: flux-setters\n", "gitops.yaml", "/repo"));

        Assert.Equal("gitops.yaml:6:13: environments[0].imagePolicy: editor flux-setters needs the Flux image policy whose markers it sets (namespace:name)", e.Message);
        Assert.Equal(ExitCode.InvalidInput, e.Code);
    }

    [Fact]
    public void An_image_policy_that_is_not_namespace_colon_name_is_an_error()
    {
        var e = Assert.Throws<GitOpsException>(() => GitOpsConfigLoader.Parse(Minimal + "  - name: a\n    path: a\n    editor: flux-setters\n    imagePolicy: hello\n", "gitops.yaml", "/repo"));

        Assert.Equal("gitops.yaml:7:18: environments[0].imagePolicy: must be namespace:name, got 'hello'", e.Message);
    }
}

/// <summary>The runtime repo's commit settings: committer, subject template, trailers.</summary>
public sealed class CommitSettingsTests
{
    [Fact]
    public void Committer_message_and_trailers_are_read_and_default_to_none()
    {
        var yaml = "image:\n  name: hello\nruntime:\n  committer:\n    name: train\n    email: train@acme.test\n" +
            "  commitMessage: \"{env}: {image} → {new}\"\n  trailers:\n    Signed-off-by: bot <bot@acme.test>\n";

        var c = GitOpsConfigLoader.Parse(yaml, "gitops.yaml", "/repo");
        var plain = GitOpsConfigLoader.Parse("image:\n  name: hello\n", "gitops.yaml", "/repo");

        Assert.Equal(("train", "train@acme.test", "{env}: {image} → {new}"), (c.Runtime.CommitterName, c.Runtime.CommitterEmail, c.Runtime.CommitMessage));
        Assert.Equal("bot <bot@acme.test>", c.Runtime.Trailers!["Signed-off-by"]);
        Assert.Null(plain.Runtime.CommitterName);
        Assert.Null(plain.Runtime.CommitMessage);
        Assert.Null(plain.Runtime.Trailers);
    }
}
