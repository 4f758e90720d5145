using GitOps.Pipelines.Images;
using GitOps.Pipelines.Registries;
using GitOps.Pipelines.TestKit;

namespace GitOps.Pipelines.Tests.Registries;

public class RegistryFactoryTests
{
    public class Open
    {
        [Fact]
        public void Opens_an_oci_path_relative_to_the_base_dir()
        {
            using var dir = new TempDir();

            var registry = RegistryFactory.Open("oci:.gitops/registry", dir.Path);

            Assert.Equal(dir.Combine(".gitops", "registry"), Assert.IsType<OciLayoutRegistry>(registry).Root);
        }

        [Fact]
        public void Keeps_an_absolute_oci_path()
        {
            using var dir = new TempDir();
            using var other = new TempDir();

            var registry = RegistryFactory.Open("oci:" + other.Combine("reg"), dir.Path);

            Assert.Equal(other.Combine("reg"), Assert.IsType<OciLayoutRegistry>(registry).Root);
        }

        [Theory]
        [InlineData("docker://ghcr.io/acme", "ghcr.io", "acme")]
        [InlineData("ghcr.io/acme/team", "ghcr.io", "acme/team")]
        [InlineData("docker://127.0.0.1:5000", "127.0.0.1:5000", "")]
        [InlineData("localhost", "localhost", "")]
        public void Opens_a_distribution_registry_for_a_host_with_an_optional_prefix(string spec, string host, string prefix)
        {
            using var registry = Assert.IsType<DistributionRegistry>(RegistryFactory.Open(spec, "/tmp"));

            Assert.Equal(host, registry.Host);
            Assert.Equal(prefix, registry.Prefix);
        }

        [Theory]
        [InlineData("https://registry.example.test")]
        [InlineData("hello")]
        [InlineData("docker://")]
        [InlineData("docker://ghcr.io/Upper")]
        public void Refuses_what_is_neither_a_layout_nor_a_registry_host(string spec)
        {
            var e = Assert.Throws<GitOpsException>(() => RegistryFactory.Open(spec, "/tmp"));

            Assert.Equal(ExitCode.InvalidInput, e.Code);
            Assert.Equal($"registry '{spec}' is not oci:PATH, docker://HOST[/PREFIX] or HOST[/PREFIX]", e.Message);
        }

        [Fact]
        public void Puts_an_image_under_the_prefix_unless_it_already_names_the_host()
        {
            using var registry = new DistributionRegistry("ghcr.io", "acme");

            Assert.Equal("acme/hello", registry.RepositoryOf(ImageReference.ParseNormalized("hello")));
            Assert.Equal("acme/team/api", registry.RepositoryOf(ImageReference.ParseNormalized("localhost:5000/team/api")));
            Assert.Equal("other/app", registry.RepositoryOf(ImageReference.ParseNormalized("ghcr.io/other/app")));
        }

        [Fact]
        public void Refuses_an_oci_spec_without_a_path()
        {
            var e = Assert.Throws<GitOpsException>(() => RegistryFactory.Open("oci:", "/tmp"));

            Assert.Equal(ExitCode.InvalidInput, e.Code);
            Assert.Contains("oci:PATH", e.Message);
        }
    }
}
