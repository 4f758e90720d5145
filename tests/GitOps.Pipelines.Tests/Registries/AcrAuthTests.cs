using System.Net;
using System.Text.Json;
using Azure.Core;
using GitOps.Pipelines.Images;
using GitOps.Pipelines.Registries;
using GitOps.Pipelines.Registries.Distribution;
using GitOps.Pipelines.TestKit;
using GitOps.Pipelines.Tests.Oci;

namespace GitOps.Pipelines.Tests.Registries;

/// <summary>
/// ACR's token flow (Azure AD token → <c>/oauth2/exchange</c> → refresh token → <c>grant_type=refresh_token</c> at the
/// realm) and Docker config <c>identitytoken</c>, against the real distribution in token mode: the token issuer also
/// answers like ACR's token endpoints, so the bearer tokens the registry checks come out of that flow.
/// </summary>
public class AcrAuthTests
{
    /// <summary>A TokenCredential that hands out one token and records the scopes and tenants asked for.</summary>
    private sealed class FakeAzureCredential(string token) : TokenCredential
    {
        public List<(string[] Scopes, string? Tenant)> Asked { get; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            lock (Asked) Asked.Add((requestContext.Scopes, requestContext.TenantId));
            return new AccessToken(token, DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new(GetToken(requestContext, cancellationToken));
    }

    private static RegistryClientOptions AcrOptions(DistributionServer server, TokenCredential credential, CountingHandler[] counter) =>
        DistributionRegistryTests.Options(counter: counter) with
        {
            AzureRegistries = [server.Host],
            AzureCredential = credential,
            AzureTenant = "tenant-42",
        };

    private static string One(IReadOnlyDictionary<string, string[]> form, string key) => Assert.Single(form[key]);

    public class AzureIdentity
    {
        [Fact]
        public async Task Exchanges_the_Azure_token_once_and_pushes_with_the_bearer_tokens_it_yields()
        {
            using var issuer = new TokenIssuer(DistributionServer.User, DistributionServer.Password) { AadToken = "aad-token-XYZ-123" };
            using var server = new DistributionServer(RegistryAuthMode.Token, issuer);
            using var dir = new TempDir();
            var (source, image) = await DistributionRegistryTests.BuildAsync(dir);
            var azure = new FakeAzureCredential("aad-token-XYZ-123");
            var counter = new CountingHandler[1];
            using var registry = new DistributionRegistry(server.Host, options: AcrOptions(server, azure, counter));
            var target = ImageReference.ParseNormalized($"{server.Host}/acr/app");

            await registry.PushAsync(source, image.Digest, target, ["1.0.0"]);

            // skopeo, with the issuer's Basic login, sees what we pushed.
            using var inspect = JsonDocument.Parse(ExternalTool.Run("skopeo", "inspect", "--tls-verify=false",
                "--creds", $"{DistributionServer.User}:{DistributionServer.Password}", $"docker://{target.WithTag("1.0.0")}"));
            Assert.Equal(image.Digest, inspect.RootElement.GetProperty("Digest").GetString());
            var aad = Assert.Single(azure.Asked);
            Assert.Equal(["https://containerregistry.azure.net/.default"], aad.Scopes);
            Assert.Equal("tenant-42", aad.Tenant);
            var forms = issuer.Forms;
            var exchange = Assert.Single(forms, f => One(f, "path") == "/oauth2/exchange");
            Assert.Equal("access_token", One(exchange, "grant_type"));
            Assert.Equal(TokenIssuer.Service, One(exchange, "service"));
            Assert.Equal("tenant-42", One(exchange, "tenant"));
            Assert.Equal("aad-token-XYZ-123", One(exchange, "access_token"));
            var grants = forms.Where(f => One(f, "path") == "/token").ToList();
            Assert.NotEmpty(grants);
            Assert.All(grants, g =>
            {
                Assert.Equal("refresh_token", One(g, "grant_type"));
                Assert.Equal(TokenIssuer.Service, One(g, "service"));
                Assert.StartsWith("acr-refresh-", One(g, "refresh_token"));
                Assert.Equal("", One(g, "authorization")); // the refresh token is the credential, no Basic beside it
            });
            Assert.Contains(grants, g => g.TryGetValue("scope", out var s) && s.Contains("repository:acr/app:pull,push"));
            // The token is cached per scope: no scope is asked twice, and every retried /v2/ request carried a Bearer token.
            var scopes = grants.Select(g => string.Join(' ', g.TryGetValue("scope", out var s) ? s : [])).ToList();
            Assert.Equal(scopes.Count, scopes.Distinct().Count());
            Assert.All(counter[0].Seen.Where(r => r.Path.StartsWith("/v2/", StringComparison.Ordinal) && r.Status != HttpStatusCode.Unauthorized),
                r => Assert.Equal("Bearer", r.Authorization));
        }

        [Fact]
        public async Task Names_the_registry_and_never_the_token_when_the_exchange_is_refused()
        {
            using var issuer = new TokenIssuer(DistributionServer.User, DistributionServer.Password) { AadToken = "the-right-one" };
            using var server = new DistributionServer(RegistryAuthMode.Token, issuer);
            const string wrong = "aad-WRONG-token-77";
            var counter = new CountingHandler[1];
            using var client = new RegistryClient(server.Host, AcrOptions(server, new FakeAzureCredential(wrong), counter));

            var e = await Assert.ThrowsAsync<RegistryException>(() => client.ListTagsAsync("acr/app"));

            Assert.Equal(HttpStatusCode.Unauthorized, e.Status);
            Assert.StartsWith($"registry {server.Host} refused the Azure identity's token at http://127.0.0.1:{issuer.Port}/oauth2/exchange", e.Message);
            Assert.DoesNotContain(wrong, e.ToString());
            Assert.DoesNotContain(issuer.Forms, f => One(f, "path") == "/token");
        }

        [Fact]
        public async Task Prefers_a_Docker_config_login_over_the_Azure_identity()
        {
            using var issuer = new TokenIssuer(DistributionServer.User, DistributionServer.Password) { AadToken = "aad" };
            using var server = new DistributionServer(RegistryAuthMode.Token, issuer);
            var azure = new FakeAzureCredential("aad");
            var options = DistributionRegistryTests.Options(server.DockerConfig(DistributionServer.User, DistributionServer.Password)) with
            {
                AzureRegistries = [server.Host],
                AzureCredential = azure,
            };
            using var client = new RegistryClient(server.Host, options);

            await client.PingAsync();

            Assert.Empty(azure.Asked);
            Assert.Empty(issuer.Forms);
            Assert.NotEmpty(issuer.Requests);
        }

        [Theory]
        [InlineData("acme.azurecr.io", true)]
        [InlineData("ACME.AzureCR.io", true)]
        [InlineData("acme.azurecr.cn", true)]
        [InlineData("azurecr.io", false)]
        [InlineData("acme.azurecr.io.evil.example", false)]
        [InlineData("ghcr.io", false)]
        public void Knows_ACR_hosts_by_their_domain(string host, bool acr) =>
            Assert.Equal(acr, new RegistryClientOptions().IsAzureRegistry(host));
    }

    public class IdentityToken
    {
        [Fact]
        public async Task Trades_a_Docker_config_identitytoken_for_bearer_tokens_with_a_refresh_token_grant()
        {
            const string identity = "identity-REFRESH-9c1";
            using var issuer = new TokenIssuer(DistributionServer.User, DistributionServer.Password) { IdentityToken = identity };
            using var server = new DistributionServer(RegistryAuthMode.Token, issuer);
            using var dir = new TempDir();
            var (source, image) = await DistributionRegistryTests.BuildAsync(dir);
            dir.Write("docker/config.json", "{\"auths\":{\"" + server.Host + "\":{\"auth\":\"\",\"identitytoken\":\"" + identity + "\"}}}");
            using var registry = new DistributionRegistry(server.Host, options: DistributionRegistryTests.Options(dir.Combine("docker")));
            var target = ImageReference.ParseNormalized($"{server.Host}/idt/app");

            await registry.PushAsync(source, image.Digest, target, ["2.0.0"]);

            Assert.Equal(image.Digest, await registry.ResolveAsync(target.WithTag("2.0.0")));
            Assert.NotEmpty(issuer.Forms);
            Assert.All(issuer.Forms, f =>
            {
                Assert.Equal("/token", One(f, "path"));
                Assert.Equal("refresh_token", One(f, "grant_type"));
                Assert.Equal(identity, One(f, "refresh_token"));
                Assert.Equal("", One(f, "authorization"));
            });
            Assert.DoesNotContain(issuer.Requests, r => r == "401");
        }

        [Fact]
        public async Task Names_the_source_but_not_the_token_when_the_realm_refuses_it()
        {
            const string identity = "stale-identity-0000";
            using var issuer = new TokenIssuer(DistributionServer.User, DistributionServer.Password) { IdentityToken = "another" };
            using var server = new DistributionServer(RegistryAuthMode.Token, issuer);
            using var dir = new TempDir();
            dir.Write("docker/config.json", "{\"auths\":{\"" + server.Host + "\":{\"identitytoken\":\"" + identity + "\"}}}");
            using var client = new RegistryClient(server.Host, DistributionRegistryTests.Options(dir.Combine("docker")));

            var e = await Assert.ThrowsAsync<RegistryException>(() => client.ListTagsAsync("idt/app"));

            Assert.StartsWith($"registry {server.Host} refused the credentials of user '<token>' (from auths identitytoken in ", e.Message);
            Assert.DoesNotContain(identity, e.ToString());
        }
    }
}
