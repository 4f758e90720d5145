using GitOps.Pipelines.Sync;

namespace GitOps.Pipelines.Tests.Sync;

public sealed class RenderedImagesTests
{
    public sealed class Split
    {
        [Theory]
        [InlineData("hello", "hello", null, null)]
        [InlineData("hello:1.0", "hello", "1.0", null)]
        [InlineData("localhost:5000/team/hello", "localhost:5000/team/hello", null, null)]
        [InlineData("localhost:5000/team/hello:2", "localhost:5000/team/hello", "2", null)]
        [InlineData("ghcr.io/a/b@sha256:abc", "ghcr.io/a/b", null, "sha256:abc")]
        [InlineData("ghcr.io/a/b:1.2@sha256:abc", "ghcr.io/a/b", "1.2", "sha256:abc")]
        public void Splits_repository_tag_and_digest(string image, string name, string? tag, string? digest) =>
            Assert.Equal(new DeployedImage(name, tag, digest), RenderedImages.Split(image));
    }

    public sealed class Find
    {
        [Fact]
        public void Finds_containers_and_init_containers_in_every_document_once_each()
        {
            const string yaml = """
                apiVersion: v1
                kind: Service
                metadata: {name: s}
                ---
                apiVersion: apps/v1
                kind: Deployment
                spec:
                  template:
                    spec:
                      initContainers:
                        - name: init
                          image: busybox:1.36
                      containers:
                        - name: app
                          image: localhost/hello:1.0.0
                        - name: sidecar
                          image: localhost/hello:1.0.0
                ---
                apiVersion: batch/v1
                kind: CronJob
                spec:
                  jobTemplate:
                    spec:
                      template:
                        spec:
                          containers:
                            - name: job
                              image: ghcr.io/acme/job@sha256:123
                """;

            Assert.Equal(
                [new DeployedImage("busybox", "1.36", null), new DeployedImage("localhost/hello", "1.0.0", null), new DeployedImage("ghcr.io/acme/job", null, "sha256:123")],
                RenderedImages.Find(yaml));
        }

        [Fact]
        public void Invalid_yaml_is_a_GitOpsException() =>
            Assert.Throws<GitOpsException>(() => RenderedImages.Find("a: [unclosed"));
    }
}
