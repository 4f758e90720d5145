using GitOps.Pipelines.Manifests;
using GitOps.Pipelines.TestKit;

namespace GitOps.Pipelines.Core.Tests.Manifests;

/// <summary>The edited sample overlays rendered by the real kustomize (<c>kubectl kustomize</c>) deploy the image written.</summary>
public sealed class KustomizeRenderTests
{
    private const string Digest = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    private static string Render(string folder)
    {
        Assert.True(Run.OnPath("kubectl"), "kubectl is required on PATH for the kustomize render tests");
        var r = Run.Process("kubectl", ["kustomize", folder]);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.StdOut;
    }

    private static string CopySample(TempDir dir)
    {
        var source = Path.Combine(Paths.RepoRoot, "examples", "runtime");
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
            dir.Write(Path.GetRelativePath(source, file), File.ReadAllText(file));
        return dir.Path;
    }

    [Fact]
    public void A_tag_bump_is_the_image_kustomize_renders()
    {
        using var dir = new TempDir();
        var overlay = Path.Combine(CopySample(dir), "overlays", "staging");
        var file = Path.Combine(overlay, "kustomization.yaml");

        var result = new KustomizeImagesEditor().Apply(file, File.ReadAllText(file), new ImageUpdate("localhost/hello", NewTag: "1.2.3"));
        File.WriteAllText(file, result.Text);

        Assert.Contains("image: localhost/hello:1.2.3", Render(overlay));
    }

    [Fact]
    public void With_a_tag_and_a_digest_kustomize_renders_both_and_the_digest_pins_the_image()
    {
        using var dir = new TempDir();
        var overlay = Path.Combine(CopySample(dir), "overlays", "production");
        var file = Path.Combine(overlay, "kustomization.yaml");

        var result = new KustomizeImagesEditor().Apply(file, File.ReadAllText(file), new ImageUpdate("localhost/hello", NewTag: "1.2.3", Digest: Digest));
        File.WriteAllText(file, result.Text);

        // kustomize v5 writes name:tag@digest; a container runtime pulls by the digest.
        Assert.Contains($"image: localhost/hello:1.2.3@{Digest}", Render(overlay));
    }

    [Fact]
    public void An_images_list_created_by_the_editor_is_applied_by_kustomize()
    {
        using var dir = new TempDir();
        var baseDir = Path.Combine(CopySample(dir), "base");
        var file = Path.Combine(baseDir, "kustomization.yaml");

        var result = new KustomizeImagesEditor().Apply(file, File.ReadAllText(file), new ImageUpdate("hello", "registry.example.com/hello", "2.0.0"));
        File.WriteAllText(file, result.Text);

        Assert.Contains("image: registry.example.com/hello:2.0.0", Render(baseDir));
    }
}
