using GitOps.Pipelines.Manifests;

namespace GitOps.Pipelines.Core.Tests.Manifests;

public sealed class ManifestEditorTests
{
    private static GitOpsException Fails(Action act)
    {
        var e = Assert.Throws<GitOpsException>(act);
        Assert.Equal(ExitCode.InvalidInput, e.Code);
        return e;
    }

    public sealed class Kustomize
    {
        private readonly KustomizeImagesEditor _editor = new();

        [Fact]
        public void A_bump_reports_the_line_and_the_old_and_new_values()
        {
            const string text = "images:\n- name: a\n  newTag: 1.0.0\n- name: b\n  newTag: 1.0.0\n";

            var result = _editor.Apply("k.yaml", text, new ImageUpdate("b", NewTag: "1.1.0"));

            Assert.Equal(text.Replace("b\n  newTag: 1.0.0", "b\n  newTag: 1.1.0"), result.Text);
            Assert.Equal([new Change("k.yaml", 5, "1.0.0", "1.1.0")], result.Changes.Changes);
        }

        [Fact]
        public void An_exact_name_match_wins_over_a_newName_match()
        {
            const string text = "images:\n- name: x\n  newName: app\n  newTag: 1\n- name: app\n  newTag: 1\n";

            var result = _editor.Apply("k.yaml", text, new ImageUpdate("app", NewTag: "2"));

            Assert.Equal(6, Assert.Single(result.Changes.Changes).Line);
        }

        [Fact]
        public void An_entry_is_found_by_its_newName()
        {
            const string text = "images:\n- name: hello\n  newName: localhost/hello\n  newTag: '1'\n";

            var result = _editor.Apply("k.yaml", text, new ImageUpdate("localhost/hello", NewTag: "2"));

            Assert.Equal("images:\n- name: hello\n  newName: localhost/hello\n  newTag: '2'\n", result.Text);
        }

        [Fact]
        public void A_plain_value_that_would_read_as_a_number_or_bool_is_quoted()
        {
            var result = _editor.Apply("k.yaml", "images:\n- name: a\n  newTag: v1\n", new ImageUpdate("a", NewTag: "1.10"));

            Assert.Equal("images:\n- name: a\n  newTag: \"1.10\"\n", result.Text);
        }

        [Fact]
        public void An_anchor_on_the_replaced_scalar_survives()
        {
            var result = _editor.Apply("k.yaml", "images:\n- name: a\n  newTag: &t v1 # pinned\n", new ImageUpdate("a", NewTag: "v2"));

            Assert.Equal("images:\n- name: a\n  newTag: &t v2 # pinned\n", result.Text);
        }

        [Fact]
        public void A_document_that_is_not_a_mapping_is_an_error_naming_the_file_and_line()
        {
            var e = Fails(() => _editor.Apply("overlays/dev/kustomization.yaml", "- a\n- b\n", new ImageUpdate("a", NewTag: "1")));

            Assert.Equal("overlays/dev/kustomization.yaml:1:1: not a kustomization: the document is not a mapping", e.Message);
        }

        [Fact]
        public void Broken_yaml_is_an_error_naming_the_file_and_line()
        {
            var e = Fails(() => _editor.Apply("k.yaml", "images:\n- name: a\n   newTag: [1\n", new ImageUpdate("a", NewTag: "1")));

            Assert.Matches(@"^k\.yaml:3:\d+: invalid YAML", e.Message);
        }

        [Fact]
        public void Images_that_are_not_a_list_are_an_error()
        {
            var e = Fails(() => _editor.Apply("k.yaml", "images: hello\n", new ImageUpdate("a", NewTag: "1")));

            Assert.Equal("k.yaml:1:9: images: must be a list", e.Message);
        }

        [Fact]
        public void An_entry_that_is_not_a_mapping_is_an_error()
        {
            var e = Fails(() => _editor.Apply("k.yaml", "images:\n- hello:1\n", new ImageUpdate("a", NewTag: "1")));

            Assert.StartsWith("k.yaml:2:3: images: each entry must be a mapping", e.Message);
        }

        [Fact]
        public void An_empty_images_key_gets_the_entry()
        {
            var result = _editor.Apply("k.yaml", "images:\nkind: Kustomization\n", new ImageUpdate("a", NewTag: "v1"));

            Assert.Equal("images:\n- name: a\n  newTag: v1\nkind: Kustomization\n", result.Text);
        }
    }

    public sealed class Helm
    {
        [Fact]
        public void Repository_and_tag_are_set_under_the_image_key()
        {
            const string text = "image:\n  repository: old\n  tag: \"1\"\nreplicas: 1\n";

            var result = new HelmValuesEditor().Apply("values.yaml", text, new ImageUpdate("old", "new", "2"));

            Assert.Equal("image:\n  repository: new\n  tag: \"2\"\nreplicas: 1\n", result.Text);
            Assert.Equal([new Change("values.yaml", 2, "old", "new"), new Change("values.yaml", 3, "1", "2")], result.Changes.Changes);
        }

        [Fact]
        public void The_repository_is_the_update_name_when_no_new_name_is_given()
        {
            var result = new HelmValuesEditor().Apply("values.yaml", "image:\n  repository: old\n", new ImageUpdate("ghcr.io/acme/app", NewTag: "v1"));

            Assert.Equal("image:\n  repository: ghcr.io/acme/app\n  tag: v1\n", result.Text);
        }

        [Fact]
        public void A_configured_prefix_reaches_a_nested_image()
        {
            const string text = "api:\n  image: {repository: app, tag: v1}\n";

            var result = new HelmValuesEditor("api.image").Apply("values.yaml", text, new ImageUpdate("app", NewTag: "v2", Digest: "sha256:00"));

            Assert.Equal("api:\n  image: {repository: app, tag: v2, digest: \"sha256:00\"}\n", result.Text);
        }

        [Fact]
        public void A_missing_image_mapping_is_an_error_naming_the_file_and_key()
        {
            var e = Fails(() => new HelmValuesEditor("backend.image").Apply("charts/values.yaml", "backend:\n  replicas: 1\n", new ImageUpdate("a", NewTag: "1")));

            Assert.Equal("charts/values.yaml: no 'backend.image' mapping in the Helm values (expected backend.image.repository and backend.image.tag)", e.Message);
        }

        [Fact]
        public void Setting_what_is_already_there_returns_the_same_text_and_no_changes()
        {
            const string text = "image:\r\n  repository: app # here\r\n  tag: 'v1'\r\n";

            var result = new HelmValuesEditor().Apply("values.yaml", text, new ImageUpdate("app", NewTag: "v1"));

            Assert.Same(text, result.Text);
            Assert.True(result.Changes.IsEmpty);
        }
    }

    public sealed class For
    {
        [Theory]
        [InlineData("kustomize", typeof(KustomizeImagesEditor))]
        [InlineData("helm", typeof(HelmValuesEditor))]
        public void Returns_the_editor_of_each_known_kind(string kind, Type type)
        {
            var editor = ManifestEditors.For(kind);

            Assert.IsType(type, editor);
            Assert.Equal(kind, editor.Kind);
        }

        [Fact]
        public void An_unknown_kind_is_an_error_listing_the_known_ones()
        {
            var e = Fails(() => ManifestEditors.For("jsonnet"));

            Assert.Equal("unknown editor kind 'jsonnet' (known: kustomize, helm, manifests, argocd, flux-setters)", e.Message);
        }

        [Fact]
        public void Every_editor_kind_gitops_yaml_accepts_has_an_editor()
        {
            foreach (var kind in GitOps.Pipelines.Configuration.GitOpsConfigLoader.EditorKinds)
                Assert.Equal(kind, ManifestEditors.For(kind, new EditorOptions(ImagePolicy: "flux-system:app")).Kind);
        }
    }
}
