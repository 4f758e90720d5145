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
        [InlineData("docker://ghcr.io/acme")]
        [InlineData("https://registry.example.test")]
        [InlineData("ghcr.io/acme")]
        public void Refuses_other_schemes_until_the_distribution_client_lands(string spec)
        {
            var e = Assert.Throws<GitOpsException>(() => RegistryFactory.Open(spec, "/tmp"));

            Assert.Equal(ExitCode.InvalidInput, e.Code);
            Assert.Equal($"registry '{spec}' needs the OCI distribution client (issue 3)", e.Message);
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
