using GitOps.Pipelines.Manifests;

namespace GitOps.Pipelines.Core.Tests.Manifests;

/// <summary>The editor kinds beyond kustomize: plain manifests, Argo CD's write-back file, Flux setters, Helm lookups.</summary>
public sealed class EditorKindTests
{
    private static GitOpsException Fails(Action act)
    {
        var e = Assert.Throws<GitOpsException>(act);
        Assert.Equal(ExitCode.InvalidInput, e.Code);
        return e;
    }

    public sealed class PlainManifests
    {
        private readonly PlainManifestsEditor _editor = new();

        [Fact]
        public void An_image_no_container_runs_is_an_error_naming_the_images_there()
        {
            const string text = "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n        image: nginx:1\n";

            var e = Fails(() => _editor.Apply("apps/web.yaml", text, new ImageUpdate("ghcr.io/acme/api", NewTag: "2")));

            Assert.Equal("apps/web.yaml: no container runs ghcr.io/acme/api (images in the file: nginx:1)", e.Message);
        }

        [Fact]
        public void Yaml_that_does_not_parse_is_an_error_naming_file_and_line()
        {
            var e = Fails(() => _editor.Apply("apps/web.yaml", "kind: Pod\nspec:\n  containers: [\n    - image: a\n", new ImageUpdate("a", NewTag: "1")));

            Assert.StartsWith("apps/web.yaml:", e.Message);
            Assert.Matches(@"^apps/web\.yaml:[2-5]:\d+: invalid YAML", e.Message);
        }

        [Fact]
        public void A_new_tag_without_a_digest_drops_the_old_tags_digest()
        {
            const string text = "kind: Pod\nspec:\n  containers:\n  - image: ghcr.io/a/b:1@sha256:aa\n";

            var result = _editor.Apply("pod.yaml", text, new ImageUpdate("ghcr.io/a/b", NewTag: "2"));

            Assert.Equal("kind: Pod\nspec:\n  containers:\n  - image: ghcr.io/a/b:2\n", result.Text);
            Assert.Equal([new Change("pod.yaml", 4, "ghcr.io/a/b:1@sha256:aa", "ghcr.io/a/b:2")], result.Changes.Changes);
        }

        [Fact]
        public void A_new_name_moves_the_image_to_another_registry()
        {
            const string text = "kind: Pod\nspec:\n  containers:\n  - image: nginx:1.27\n";

            var result = _editor.Apply("pod.yaml", text, new ImageUpdate("docker.io/library/nginx", NewName: "mirror.example.com/nginx"));

            Assert.Equal("kind: Pod\nspec:\n  containers:\n  - image: mirror.example.com/nginx:1.27\n", result.Text);
        }
    }

    public sealed class FluxSetters
    {
        [Fact]
        public void Only_the_configured_policy_markers_change()
        {
            const string text = "a: x/a:1 # {\"$imagepolicy\": \"ns:a\"}\nb: x/b:1 # {\"$imagepolicy\": \"ns:b\"}\n";

            var result = new FluxSettersEditor("ns:b").Apply("f.yaml", text, new ImageUpdate("x/b", NewTag: "2"));

            Assert.Equal("a: x/a:1 # {\"$imagepolicy\": \"ns:a\"}\nb: x/b:2 # {\"$imagepolicy\": \"ns:b\"}\n", result.Text);
            Assert.Equal([new Change("f.yaml", 2, "x/b:1", "x/b:2")], result.Changes.Changes);
        }

        [Fact]
        public void A_file_without_the_policys_marker_is_an_error()
        {
            var e = Fails(() => new FluxSettersEditor("ns:b").Apply("f.yaml", "a: x/a:1 # {\"$imagepolicy\": \"ns:a\"}\n", new ImageUpdate("x/b", NewTag: "2")));

            Assert.Equal("f.yaml: no {\"$imagepolicy\": \"ns:b\"} setter marker", e.Message);
        }

        [Fact]
        public void The_editor_kind_needs_an_image_policy()
        {
            var e = Fails(() => ManifestEditors.For("flux-setters"));

            Assert.Contains("imagePolicy", e.Message);
        }

        [Fact]
        public void A_policy_that_is_not_namespace_colon_name_is_refused()
        {
            var e = Fails(() => new FluxSettersEditor("podinfo"));

            Assert.Equal("flux-setters: the image policy must be 'namespace:name', got 'podinfo'", e.Message);
        }
    }

    public sealed class ArgoCDSource
    {
        [Fact]
        public void An_empty_write_back_file_gets_the_kustomize_images_list()
        {
            var result = new ArgoCDSourceEditor().Apply(".argocd-source-api.yaml", "", new ImageUpdate("ghcr.io/acme/api", NewTag: "v1", Digest: "sha256:ab"));

            Assert.Equal("kustomize:\n  images:\n  - ghcr.io/acme/api:v1@sha256:ab\n", result.Text);
            Assert.Equal([new Change(".argocd-source-api.yaml", 3, "", "ghcr.io/acme/api:v1@sha256:ab")], result.Changes.Changes);
        }

        [Fact]
        public void A_new_name_is_written_as_name_equals_image()
        {
            var result = new ArgoCDSourceEditor().Apply("s.yaml", "kustomize:\n  images: []\n", new ImageUpdate("api", NewName: "ghcr.io/acme/api", NewTag: "v2"));

            Assert.Equal("kustomize:\n  images: [\"api=ghcr.io/acme/api:v2\"]\n", result.Text);
        }

        [Fact]
        public void Missing_helm_parameters_are_appended_as_forced_strings()
        {
            const string text = "helm:\n  parameters:\n  - name: image.name\n    value: app\n";

            var result = new ArgoCDSourceEditor().Apply("s.yaml", text, new ImageUpdate("app", NewTag: "1.0"));

            Assert.Equal(text + "  - name: image.tag\n    value: \"1.0\"\n    forcestring: true\n", result.Text);
            Assert.Equal([new Change("s.yaml", 6, "", "1.0")], result.Changes.Changes);
        }
    }

    public sealed class HelmLookup
    {
        [Fact]
        public void Without_a_key_the_image_is_found_by_its_repository_anywhere_in_the_chart()
        {
            const string text = "web:\n  image:\n    repository: a/web\n    tag: \"1\"\napi:\n  image:\n    repository: a/api\n    tag: \"1\"\n";

            var result = new HelmValuesEditor().Apply("values.yaml", text, new ImageUpdate("a/api", NewTag: "2"));

            Assert.Equal([new Change("values.yaml", 8, "1", "2")], result.Changes.Changes);
        }

        [Fact]
        public void A_single_string_image_keeps_its_repository_and_takes_the_tag_and_digest()
        {
            var result = new HelmValuesEditor("image").Apply("values.yaml", "image: 'a/api:1'\n", new ImageUpdate("a/api", NewTag: "2", Digest: "sha256:cd"));

            Assert.Equal("image: 'a/api:2@sha256:cd'\n", result.Text);
        }
    }
}
