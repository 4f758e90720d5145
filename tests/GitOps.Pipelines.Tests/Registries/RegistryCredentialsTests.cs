using System.Text;
using GitOps.Pipelines.Registries.Distribution;
using GitOps.Pipelines.TestKit;

namespace GitOps.Pipelines.Tests.Registries;

public class RegistryCredentialsTests
{
    private static RegistryCredentials In(TempDir dir, params (string Name, string? Value)[] env)
    {
        var vars = new Dictionary<string, string?>
        {
            ["DOCKER_CONFIG"] = dir.Combine("docker"),
            ["GITHUB_TOKEN"] = null,
            ["GITHUB_ACTOR"] = null,
            ["CI_REGISTRY"] = null,
            ["CI_REGISTRY_USER"] = null,
            ["CI_REGISTRY_PASSWORD"] = null,
            ["CI_JOB_TOKEN"] = null,
            ["PATH"] = dir.Combine("bin") + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH"),
        };
        foreach (var (name, value) in env) vars[name] = value;
        return new RegistryCredentials(environment: vars);
    }

    private static string Base64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    /// <summary>A docker-credential-NAME script answering for one server, recording what it was asked on stdin.</summary>
    private static void Helper(TempDir dir, string name, string server, string user, string secret)
    {
        var path = dir.Write($"bin/docker-credential-{name}", $$"""
            #!/bin/sh
            [ "$1" = get ] || exit 2
            read -r asked
            echo "$asked" >> "{{dir.Combine("asked-" + name)}}"
            if [ "$asked" = "{{server}}" ]; then
              printf '{"ServerURL":"%s","Username":"{{user}}","Secret":"{{secret}}"}' "$asked"
            else
              echo "credentials not found in native keychain"; exit 1
            fi
            """);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public class Find
    {
        [Fact]
        public void Decodes_the_base64_auth_of_the_docker_config()
        {
            using var dir = new TempDir();
            dir.Write("docker/config.json", """{"auths":{"registry.example.test:5000":{"auth":"AUTH0"}}}""".Replace("AUTH0", Base64("bob:pa:ss")));

            var found = In(dir).Find("registry.example.test:5000");

            Assert.Equal("bob", found!.Username);
            Assert.Equal("pa:ss", found.Secret);
            Assert.DoesNotContain("pa:ss", found.ToString());
            Assert.Null(In(dir).Find("other.example.test"));
        }

        [Fact]
        public void Looks_docker_hub_up_under_its_legacy_key()
        {
            using var dir = new TempDir();
            dir.Write("docker/config.json", """{"auths":{"https://index.docker.io/v1/":{"auth":"AUTH0"}}}""".Replace("AUTH0", Base64("hubuser:hubpass")));

            Assert.Equal("hubuser", In(dir).Find("docker.io")!.Username);
        }

        [Fact]
        public void Asks_the_cred_helper_of_the_host_before_the_auths()
        {
            using var dir = new TempDir();
            Helper(dir, "acme", "registry.example.test", "helper-user", "helper-secret");
            dir.Write("docker/config.json", """
                {"auths":{"registry.example.test":{"auth":"AUTH0"}},
                 "credHelpers":{"registry.example.test":"acme"}}
                """.Replace("AUTH0", Base64("inline:inline")));

            var found = In(dir).Find("registry.example.test");

            Assert.Equal(("helper-user", "helper-secret"), (found!.Username, found.Secret));
            Assert.Contains("docker-credential-acme", found.Source);
            Assert.Equal("registry.example.test\n", File.ReadAllText(dir.Combine("asked-acme")));
        }

        [Fact]
        public void Marks_a_helper_answer_with_user_token_as_an_identity_token()
        {
            using var dir = new TempDir();
            Helper(dir, "acr", "acme.azurecr.io", "<token>", "refresh-abc");
            dir.Write("docker/config.json", """{"credHelpers":{"acme.azurecr.io":"acr"}}""");

            var found = In(dir).Find("acme.azurecr.io");

            Assert.True(found!.IsIdentityToken);
            Assert.Equal("refresh-abc", found.Secret);
            Assert.DoesNotContain("refresh-abc", found.ToString());
        }

        [Fact]
        public void Reads_an_auths_identitytoken_as_an_identity_token_before_user_and_password()
        {
            using var dir = new TempDir();
            dir.Write("docker/config.json", """{"auths":{"acme.azurecr.io":{"auth":"","identitytoken":"eyJ-refresh"}}}""");

            var found = In(dir).Find("acme.azurecr.io");

            Assert.True(found!.IsIdentityToken);
            Assert.Equal(("<token>", "eyJ-refresh"), (found.Username, found.Secret));
            Assert.Contains("identitytoken", found.Source);
        }

        [Fact]
        public void Falls_back_from_the_creds_store_to_the_auths_when_the_store_has_nothing()
        {
            using var dir = new TempDir();
            Helper(dir, "store", "known.example.test", "stored", "stored-secret");
            dir.Write("docker/config.json", """
                {"auths":{"other.example.test":{"auth":"AUTH0"}},"credsStore":"store"}
                """.Replace("AUTH0", Base64("inline:inline-secret")));

            Assert.Equal("stored", In(dir).Find("known.example.test")!.Username);
            Assert.Equal("inline", In(dir).Find("other.example.test")!.Username);
        }

        [Fact]
        public void Fails_clearly_when_the_named_helper_is_missing()
        {
            using var dir = new TempDir();
            dir.Write("docker/config.json", """{"credHelpers":{"gone.example.test":"nothere"}}""");

            var e = Assert.Throws<GitOpsException>(() => In(dir).Find("gone.example.test"));

            Assert.Contains("docker-credential-nothere", e.Message);
            Assert.Contains("not on PATH", e.Message);
        }

        [Fact]
        public void Uses_GITHUB_TOKEN_for_ghcr_io_only()
        {
            using var dir = new TempDir();
            var credentials = In(dir, ("GITHUB_TOKEN", "ghs_abc"), ("GITHUB_ACTOR", "octocat"));

            Assert.Equal(new RegistryCredential("octocat", "ghs_abc", "GITHUB_TOKEN"), credentials.Find("ghcr.io"));
            Assert.Null(credentials.Find("registry.gitlab.com"));
        }

        [Fact]
        public void Uses_the_GitLab_CI_variables_for_CI_REGISTRY()
        {
            using var dir = new TempDir();
            var withUser = In(dir, ("CI_REGISTRY", "registry.gitlab.example"), ("CI_REGISTRY_USER", "gitlab-ci-token"),
                ("CI_REGISTRY_PASSWORD", "glpat"), ("CI_JOB_TOKEN", "job"));
            var jobOnly = In(dir, ("CI_REGISTRY", "registry.gitlab.example"), ("CI_JOB_TOKEN", "job"));

            Assert.Equal("glpat", withUser.Find("registry.gitlab.example")!.Secret);
            Assert.Equal(new RegistryCredential("gitlab-ci-token", "job", "CI_JOB_TOKEN"), jobOnly.Find("registry.gitlab.example"));
            Assert.Null(jobOnly.Find("ghcr.io"));
        }

        [Fact]
        public void Prefers_the_docker_config_over_the_environment()
        {
            using var dir = new TempDir();
            dir.Write("docker/config.json", """{"auths":{"ghcr.io":{"auth":"AUTH0"}}}""".Replace("AUTH0", Base64("me:pat")));

            Assert.Equal("me", In(dir, ("GITHUB_TOKEN", "ghs_abc")).Find("ghcr.io")!.Username);
        }
    }
}

public class AuthChallengeTests
{
    [Fact]
    public void Parses_the_distribution_test_vector()
    {
        var challenges = AuthChallenge.Parse([@"Bearer realm=""https://auth.example.com/token"",service=""registry.example.com"",other=fun,slashed=""he\""\l\lo"""]);

        var c = Assert.Single(challenges);
        Assert.Equal("bearer", c.Scheme);
        Assert.Equal("https://auth.example.com/token", c["realm"]);
        Assert.Equal("registry.example.com", c["service"]);
        Assert.Equal("fun", c["other"]);
        Assert.Equal("he\"llo", c["slashed"]);
    }

    [Fact]
    public void Parses_the_documented_push_challenge_with_its_scope()
    {
        var c = Assert.Single(AuthChallenge.Parse(
            [@"Bearer realm=""https://auth.docker.io/token"",service=""registry.docker.io"",scope=""repository:samalba/my-app:pull,push"""]));

        Assert.Equal("repository:samalba/my-app:pull,push", c["scope"]);
    }

    [Fact]
    public void Reads_several_challenges_from_one_header_and_from_several()
    {
        var challenges = AuthChallenge.Parse([@"Basic realm=""basic-realm"", Bearer realm=""https://keep.example.com/token""", @"Bearer realm=""https://evil.example.net/token"",service=""drop.example.net"""]);

        Assert.Equal(["basic", "bearer", "bearer"], challenges.Select(c => c.Scheme));
        Assert.Equal("basic-realm", challenges[0]["realm"]);
        Assert.Equal("drop.example.net", challenges[2]["service"]);
    }
}

public class RegistryClientOptionsTests
{
    [Theory]
    [InlineData("localhost", true)]
    [InlineData("localhost:5000", true)]
    [InlineData("127.0.0.1:41000", true)]
    [InlineData("[::1]:5000", true)]
    [InlineData("registry.internal:5000", true)]
    [InlineData("registry.internal", false)]
    [InlineData("ghcr.io", false)]
    [InlineData("localhost.example.com", false)]
    public void Allows_plain_HTTP_for_loopback_and_the_configured_registries_only(string host, bool insecure)
    {
        var options = new RegistryClientOptions { InsecureRegistries = new HashSet<string> { "registry.internal:5000" } };

        Assert.Equal(insecure, options.IsInsecure(host));
    }
}

