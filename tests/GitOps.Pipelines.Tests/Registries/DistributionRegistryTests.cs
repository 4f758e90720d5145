using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GitOps.Pipelines.Builders;
using GitOps.Pipelines.Images;
using GitOps.Pipelines.Oci;
using GitOps.Pipelines.Registries;
using GitOps.Pipelines.Registries.Distribution;
using GitOps.Pipelines.TestKit;
using GitOps.Pipelines.Tests.Builders;
using GitOps.Pipelines.Tests.Oci;

namespace GitOps.Pipelines.Tests.Registries;

/// <summary>The distribution client and registry against the real CNCF distribution on loopback.</summary>
public class DistributionRegistryTests
{
    internal static async Task<(OciLayout Source, BuiltImage Image)> BuildAsync(TempDir dir, string name = "build")
    {
        var request = SampleApp.Request(SampleApp.Write(dir.Combine(name + "-src")), dir.Combine(name), "local");
        return (request.Output, await new BuiltinImageBuilder().BuildAsync(request));
    }

    /// <summary>Options that read credentials only from <paramref name="dockerConfig"/> (never the machine's own).</summary>
    internal static RegistryClientOptions Options(string? dockerConfig = null, CountingHandler[]? counter = null) => new()
    {
        Credentials = new RegistryCredentials(environment: new Dictionary<string, string?>
        {
            ["DOCKER_CONFIG"] = dockerConfig ?? Path.Combine(Path.GetTempPath(), "gitops-no-docker-config"),
            ["GITHUB_TOKEN"] = null,
            ["CI_REGISTRY"] = null,
        }),
        RetryDelay = TimeSpan.FromMilliseconds(50),
        WrapHandler = counter is null ? null : inner => counter[0] = new CountingHandler(inner),
    };

    private static string Skopeo(params string[] args) => ExternalTool.Run("skopeo", args);

    public class PushAsync
    {
        [Fact]
        public async Task Pushes_the_built_image_so_that_skopeo_reads_the_same_digest_and_tags()
        {
            using var server = new DistributionServer();
            using var dir = new TempDir();
            var (source, image) = await BuildAsync(dir);
            using var registry = new DistributionRegistry(server.Host, options: Options());

            var pushed = await registry.PushAsync(source, image.Digest,
                ImageReference.ParseNormalized($"{server.Host}/team/hello:1.0.0"), ["1.0.0", "latest"]);

            Assert.Equal($"{server.Host}/team/hello:1.0.0", pushed.Reference.ToString());
            Assert.Equal(image.Digest, pushed.Digest);
            var raw = Skopeo("inspect", "--raw", "--tls-verify=false", $"docker://{server.Host}/team/hello:latest");
            Assert.Equal(Encoding.UTF8.GetString(source.ReadBlob(image.Digest)), raw.TrimEnd('\n'));
            using var inspect = JsonDocument.Parse(Skopeo("inspect", "--tls-verify=false", $"docker://{server.Host}/team/hello:1.0.0"));
            Assert.Equal(image.Digest, inspect.RootElement.GetProperty("Digest").GetString());
            using var tags = JsonDocument.Parse(Skopeo("list-tags", "--tls-verify=false", $"docker://{server.Host}/team/hello"));
            Assert.Equal(["1.0.0", "latest"], tags.RootElement.GetProperty("Tags").EnumerateArray().Select(t => t.GetString()).Order(StringComparer.Ordinal));
        }

        [Fact]
        public async Task Uploads_no_blob_the_second_time()
        {
            using var server = new DistributionServer();
            using var dir = new TempDir();
            var (source, image) = await BuildAsync(dir);
            var counter = new CountingHandler[1];
            using var registry = new DistributionRegistry(server.Host, options: Options(counter: counter));
            var target = ImageReference.ParseNormalized($"{server.Host}/hello");
            await registry.PushAsync(source, image.Digest, target, ["1.0.0"]);
            var layers = source.ReadManifest(image.Digest).Layers.Count;
            Assert.Equal(2 * (layers + 1), counter[0].Uploads); // POST + PUT for the config and each layer
            counter[0].Reset();

            await registry.PushAsync(source, image.Digest, target, ["1.0.0", "again"]);

            Assert.Equal(0, counter[0].Uploads);
            Assert.Equal(layers + 1, counter[0].Seen.Count(r => r.Method == "HEAD" && r.Path.Contains("/blobs/", StringComparison.Ordinal)));
            Assert.Equal(image.Digest, await registry.ResolveAsync(target.WithTag("again")));
        }

        [Fact]
        public async Task Puts_the_tag_only_after_every_blob_is_in_the_registry()
        {
            using var server = new DistributionServer();
            using var dir = new TempDir();
            var (source, image) = await BuildAsync(dir);
            var counter = new CountingHandler[1];
            using var registry = new DistributionRegistry(server.Host, options: Options(counter: counter));

            await registry.PushAsync(source, image.Digest, ImageReference.ParseNormalized($"{server.Host}/hello"), ["1.0.0"]);

            var seen = counter[0].Seen;
            var manifestPut = seen.ToList().FindIndex(r => r.Method == "PUT" && r.Path.Contains("/manifests/", StringComparison.Ordinal));
            var lastBlobPut = seen.ToList().FindLastIndex(r => r.Method == "PUT" && r.Path.Contains("/blobs/uploads/", StringComparison.Ordinal));
            Assert.True(manifestPut > lastBlobPut, string.Join('\n', seen));
            Assert.Equal(HttpStatusCode.Created, seen[manifestPut].Status);
        }
        [Fact]
        public async Task Mounts_blobs_from_another_repository_instead_of_uploading_them()
        {
            using var server = new DistributionServer();
            using var dir = new TempDir();
            var (source, image) = await BuildAsync(dir);
            var counter = new CountingHandler[1];
            using (var first = new DistributionRegistry(server.Host, options: Options()))
                await first.PushAsync(source, image.Digest, ImageReference.ParseNormalized($"{server.Host}/base"), ["1.0.0"]);
            using var registry = new DistributionRegistry(server.Host, options: Options(counter: counter)) { MountFrom = ["base"] };

            await registry.PushAsync(source, image.Digest, ImageReference.ParseNormalized($"{server.Host}/app"), ["1.0.0"]);

            var blobs = source.ReadManifest(image.Digest).Layers.Count + 1;
            Assert.Equal(blobs, counter[0].Seen.Count(r => r.Method == "POST" && r.Status == HttpStatusCode.Created));
            Assert.Equal(0, counter[0].Seen.Count(r => r.Method is "PUT" or "PATCH" && r.Path.Contains("/blobs/uploads/", StringComparison.Ordinal)));
            using var inspect = JsonDocument.Parse(Skopeo("inspect", "--tls-verify=false", $"docker://{server.Host}/app:1.0.0"));
            Assert.Equal(image.Digest, inspect.RootElement.GetProperty("Digest").GetString());
        }

        [Fact]
        public async Task Refuses_a_manifest_media_type_it_cannot_walk_before_sending_anything()
        {
            using var server = new DistributionServer();
            using var dir = new TempDir();
            var layout = new OciLayout(dir.Combine("odd")).EnsureCreated();
            var odd = layout.WriteBlob("{\"schemaVersion\":2}"u8, "application/vnd.example.unknown+json");
            layout.Tag(odd, "odd");
            using var registry = new DistributionRegistry(server.Host, options: Options());

            var e = await Assert.ThrowsAsync<GitOpsException>(() =>
                registry.PushAsync(layout, odd.Digest, ImageReference.ParseNormalized($"{server.Host}/odd"), ["1"]));

            Assert.Equal(ExitCode.InvalidInput, e.Code);
            Assert.Contains("unsupported manifest media type 'application/vnd.example.unknown+json'", e.Message);
        }
    }

    public class Indexes
    {
        [Fact]
        public async Task Pushes_an_index_children_first_and_inspects_the_platform_image()
        {
            using var server = new DistributionServer();
            using var dir = new TempDir();
            var amd = SampleApp.Request(SampleApp.Write(dir.Combine("src")), dir.Combine("multi"), "amd");
            var amdImage = await new BuiltinImageBuilder().BuildAsync(amd);
            var armImage = await new BuiltinImageBuilder(new OciPlatform("arm64", "linux", "v8")).BuildAsync(amd with { Tags = ["arm"] });
            var layout = amd.Output;
            var index = new OciIndex(2, MediaTypes.ImageIndex,
            [
                new OciDescriptor(MediaTypes.ImageManifest, armImage.Digest, layout.ReadBlob(armImage.Digest).Length, Platform: new OciPlatform("arm64", "linux", "v8")),
                new OciDescriptor(MediaTypes.ImageManifest, amdImage.Digest, layout.ReadBlob(amdImage.Digest).Length, Platform: new OciPlatform("amd64", "linux")),
            ]);
            var indexBlob = layout.WriteBlob(JsonSerializer.SerializeToUtf8Bytes(index, OciJson.Canonical.OciIndex), MediaTypes.ImageIndex);
            layout.Tag(indexBlob, "multi");
            var counter = new CountingHandler[1];
            using var registry = new DistributionRegistry(server.Host, options: Options(counter: counter));

            await registry.PushAsync(layout, indexBlob.Digest, ImageReference.ParseNormalized($"{server.Host}/multi"), ["1.0.0"]);
            var inspection = await new ImageCopier(Options()).InspectAsync(ImageLocation.Parse($"docker://{server.Host}/multi:1.0.0", dir.Path));

            var manifestPuts = counter[0].Seen.Where(r => r.Method == "PUT" && r.Path.Contains("/manifests/", StringComparison.Ordinal)).Select(r => r.Path).ToList();
            Assert.Equal([$"/v2/multi/manifests/{armImage.Digest}", $"/v2/multi/manifests/{amdImage.Digest}", "/v2/multi/manifests/1.0.0"], manifestPuts);
            using var raw = JsonDocument.Parse(Skopeo("inspect", "--raw", "--tls-verify=false", $"docker://{server.Host}/multi:1.0.0"));
            Assert.Equal(MediaTypes.ImageIndex, raw.RootElement.GetProperty("mediaType").GetString());
            Assert.Equal(indexBlob.Digest, inspection.Digest);
            Assert.Equal([armImage.Digest, amdImage.Digest], inspection.Platforms.Select(p => p.Digest));
            Assert.Equal(layout.ReadBlob(layout.ReadManifest(amdImage.Digest).Config.Digest), inspection.Config);
        }
    }

    public class ResolveAsync
    {
        [Fact]
        public async Task Gives_the_digest_of_a_tag_and_null_for_a_tag_that_does_not_exist()
        {
            using var server = new DistributionServer();
            using var dir = new TempDir();
            var (source, image) = await BuildAsync(dir);
            using var registry = new DistributionRegistry(server.Host, options: Options());
            var target = ImageReference.ParseNormalized($"{server.Host}/hello");
            await registry.PushAsync(source, image.Digest, target, ["1.0.0"]);

            Assert.Equal(image.Digest, await registry.ResolveAsync(target.WithTag("1.0.0")));
            Assert.Null(await registry.ResolveAsync(target.WithTag("2.0.0")));
            Assert.Null(await registry.ResolveAsync(ImageReference.ParseNormalized($"{server.Host}/nobody:1.0.0")));
            Assert.Equal(image.Digest, await registry.ResolveAsync(target.WithDigest(image.Digest)));
        }
    }

    public class ListTagsAsync
    {
        [Fact]
        public async Task Follows_the_link_header_page_by_page()
        {
            using var server = new DistributionServer();
            using var proxy = new RegistryProxy(server.Host) { PageTags = true };
            using var dir = new TempDir();
            var (source, image) = await BuildAsync(dir);
            var counter = new CountingHandler[1];
            using var registry = new DistributionRegistry(proxy.Host, options: Options(counter: counter));
            string[] tags = ["v5", "v1", "v3", "v2", "v4"];
            await registry.PushAsync(source, image.Digest, ImageReference.ParseNormalized($"{proxy.Host}/paged"), tags);
            counter[0].Reset();

            var first = await registry.Client.ListTagsPageAsync("paged", pageSize: 2);
            var all = await registry.Client.ListTagsAsync("paged", pageSize: 2);

            Assert.Equal(["v1", "v2"], first.Tags);
            Assert.Equal(new Uri($"http://{proxy.Host}/v2/paged/tags/list?n=2&last=v2"), first.Next);
            Assert.Equal(["v1", "v2", "v3", "v4", "v5"], all);
            Assert.Equal(1 + 3, counter[0].Seen.Count(r => r.Path.EndsWith("/tags/list", StringComparison.Ordinal)));
        }

        [Fact]
        public async Task Gives_every_tag_in_lexical_order_from_the_registry_itself()
        {
            using var server = new DistributionServer();
            using var dir = new TempDir();
            var (source, image) = await BuildAsync(dir);
            using var registry = new DistributionRegistry(server.Host, options: Options());
            await registry.PushAsync(source, image.Digest, ImageReference.ParseNormalized($"{server.Host}/many"), ["b", "c", "a", "1.0.0"]);

            var tags = await registry.ListTagsAsync($"{server.Host}/many");

            using var skopeo = JsonDocument.Parse(Skopeo("list-tags", "--tls-verify=false", $"docker://{server.Host}/many"));
            Assert.Equal(["1.0.0", "a", "b", "c"], tags);
            Assert.Equal(tags, skopeo.RootElement.GetProperty("Tags").EnumerateArray().Select(t => t.GetString()!).Order(StringComparer.Ordinal));
        }

        [Fact]
        public async Task Is_empty_for_a_repository_the_registry_does_not_know()
        {
            using var server = new DistributionServer();
            using var registry = new DistributionRegistry(server.Host, options: Options());

            Assert.Empty(await registry.ListTagsAsync($"{server.Host}/nothing-here"));
        }
    }

    public class Client
    {
        [Fact]
        public async Task Reports_an_unknown_tag_with_the_registry_code_status_and_url()
        {
            using var server = new DistributionServer();
            using var dir = new TempDir();
            var (source, image) = await BuildAsync(dir);
            using var registry = new DistributionRegistry(server.Host, options: Options());
            await registry.PushAsync(source, image.Digest, ImageReference.ParseNormalized($"{server.Host}/hello"), ["1.0.0"]);

            var e = await Assert.ThrowsAsync<RegistryException>(() => registry.Client.GetManifestAsync("hello", "9.9.9"));

            Assert.Equal(HttpStatusCode.NotFound, e.Status);
            Assert.Contains(RegistryErrorCodes.ManifestUnknown, e.Codes);
            Assert.Equal(new Uri($"http://{server.Host}/v2/hello/manifests/9.9.9"), e.Url);
            Assert.Contains(server.Host, e.Message);
            Assert.Contains("MANIFEST_UNKNOWN", e.Message);
        }

        [Fact]
        public async Task Fetches_a_manifest_and_its_blobs_byte_for_byte()
        {
            using var server = new DistributionServer();
            using var dir = new TempDir();
            var (source, image) = await BuildAsync(dir);
            using var registry = new DistributionRegistry(server.Host, options: Options());
            await registry.PushAsync(source, image.Digest, ImageReference.ParseNormalized($"{server.Host}/hello"), ["1.0.0"]);

            var manifest = await registry.Client.GetManifestAsync("hello", "1.0.0");
            var head = await registry.Client.HeadManifestAsync("hello", "1.0.0");

            Assert.Equal(source.ReadBlob(image.Digest), manifest.Bytes);
            Assert.Equal(MediaTypes.ImageManifest, manifest.MediaType);
            Assert.Equal(image.Digest, manifest.Digest);
            Assert.Equal(new OciDescriptor(MediaTypes.ImageManifest, image.Digest, manifest.Bytes.Length), head);
            var config = source.ReadManifest(image.Digest).Config;
            await using var blob = await registry.Client.GetBlobAsync("hello", config.Digest);
            using var copy = new MemoryStream();
            await blob.CopyToAsync(copy);
            Assert.Equal(source.ReadBlob(config.Digest), copy.ToArray());
            Assert.Null(await registry.Client.HeadBlobAsync("hello", "sha256:" + new string('0', 64)));
        }

        [Fact]
        public async Task Uploads_in_chunks_and_mounts_across_repositories()
        {
            using var server = new DistributionServer();
            var counter = new CountingHandler[1];
            using var client = new RegistryClient(server.Host, Options(counter: counter));
            var bytes = RandomNumberGenerator.GetBytes(10_000);
            var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

            await client.UploadBlobAsync("chunks/a", digest, bytes.Length, () => new MemoryStream(bytes), chunkSize: 4096);
            var mounted = await client.MountBlobAsync("chunks/b", digest, "chunks/a");

            Assert.Equal(3, counter[0].Seen.Count(r => r.Method == "PATCH" && r.Status == HttpStatusCode.Accepted));
            Assert.True(mounted);
            Assert.Equal(bytes.Length, await client.HeadBlobAsync("chunks/b", digest));
            await using var blob = await client.GetBlobAsync("chunks/b", digest);
            using var copy = new MemoryStream();
            await blob.CopyToAsync(copy);
            Assert.Equal(bytes, copy.ToArray());
        }

        [Fact]
        public async Task Refuses_a_blob_whose_bytes_do_not_match_the_digest()
        {
            using var server = new DistributionServer();
            using var client = new RegistryClient(server.Host, Options());
            var bytes = Encoding.UTF8.GetBytes("hello");

            var e = await Assert.ThrowsAsync<RegistryException>(() =>
                client.UploadBlobAsync("bad", "sha256:" + new string('a', 64), bytes.Length, () => new MemoryStream(bytes)));

            Assert.Equal(HttpStatusCode.BadRequest, e.Status);
            Assert.Contains(RegistryErrorCodes.DigestInvalid, e.Codes);
        }

        [Fact]
        public async Task Reports_what_the_registry_says_about_an_unsupported_manifest_and_a_missing_blob()
        {
            using var server = new DistributionServer();
            using var client = new RegistryClient(server.Host, Options());
            var missing = "sha256:" + new string('a', 64);
            var manifest = Encoding.UTF8.GetBytes($$"""{"schemaVersion":2,"mediaType":"{{MediaTypes.ImageManifest}}","config":{"mediaType":"{{MediaTypes.ImageConfig}}","digest":"{{missing}}","size":2},"layers":[]}""");

            var unsupported = await Assert.ThrowsAsync<RegistryException>(() =>
                client.PutManifestAsync("odd", "1", Encoding.UTF8.GetBytes("{\"schemaVersion\":2}"), "application/vnd.example.unknown+json"));
            var hole = await Assert.ThrowsAsync<RegistryException>(() => client.PutManifestAsync("odd", "1", manifest, MediaTypes.ImageManifest));

            Assert.Equal((HttpStatusCode.BadRequest, ExitCode.InvalidInput), (unsupported.Status, unsupported.Code));
            Assert.Equal([RegistryErrorCodes.ManifestInvalid], unsupported.Codes);
            Assert.Equal([RegistryErrorCodes.ManifestBlobUnknown], hole.Codes);
            Assert.Contains("MANIFEST_BLOB_UNKNOWN", hole.Message);
            Assert.Null(await client.HeadManifestAsync("odd", "1"));
        }

        [Fact]
        public async Task Names_the_host_when_it_does_not_exist()
        {
            using var client = new RegistryClient("registry.does-not-exist.invalid", Options() with { MaxAttempts = 1 });

            var e = await Assert.ThrowsAsync<RegistryException>(() => client.PingAsync());

            Assert.Null(e.Status);
            Assert.StartsWith("cannot reach registry registry.does-not-exist.invalid", e.Message);
        }
    }

    public class Htpasswd
    {
        [Fact]
        public async Task Pushes_with_the_credentials_from_the_docker_config()
        {
            using var server = new DistributionServer(RegistryAuthMode.Htpasswd);
            using var dir = new TempDir();
            var (source, image) = await BuildAsync(dir);
            var counter = new CountingHandler[1];
            using var registry = new DistributionRegistry(server.Host,
                options: Options(server.DockerConfig(DistributionServer.User, DistributionServer.Password), counter));

            await registry.PushAsync(source, image.Digest, ImageReference.ParseNormalized($"{server.Host}/private"), ["1.0.0"]);

            using var inspect = JsonDocument.Parse(Skopeo("inspect", "--tls-verify=false",
                "--creds", $"{DistributionServer.User}:{DistributionServer.Password}", $"docker://{server.Host}/private:1.0.0"));
            Assert.Equal(image.Digest, inspect.RootElement.GetProperty("Digest").GetString());
            // One 401 to learn the scheme, then Basic on every request.
            Assert.Equal(1, counter[0].Seen.Count(r => r.Status == HttpStatusCode.Unauthorized));
            Assert.All(counter[0].Seen.Skip(2), r => Assert.Equal("Basic", r.Authorization));
        }

        [Fact]
        public async Task Names_the_registry_and_user_but_never_the_password_when_the_credentials_are_wrong()
        {
            using var server = new DistributionServer(RegistryAuthMode.Htpasswd);
            const string wrong = "not-her-Pa55word";
            using var client = new RegistryClient(server.Host, Options(server.DockerConfig(DistributionServer.User, wrong)));

            var e = await Assert.ThrowsAsync<RegistryException>(() => client.ListTagsAsync("private"));

            Assert.Equal(HttpStatusCode.Unauthorized, e.Status);
            Assert.Contains(RegistryErrorCodes.Unauthorized, e.Codes);
            Assert.Contains(server.Host, e.Message);
            Assert.Contains($"user '{DistributionServer.User}'", e.Message);
            Assert.DoesNotContain(wrong, e.ToString());
            Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes($"{DistributionServer.User}:{wrong}")), e.ToString());
        }

        [Fact]
        public async Task Says_where_credentials_are_looked_up_when_there_are_none()
        {
            using var server = new DistributionServer(RegistryAuthMode.Htpasswd);
            using var client = new RegistryClient(server.Host, Options());

            var e = await Assert.ThrowsAsync<RegistryException>(() => client.PingAsync());

            Assert.Equal(HttpStatusCode.Unauthorized, e.Status);
            Assert.Contains($"registry {server.Host} needs credentials and none were found", e.Message);
        }
    }

    public class Faults
    {
        [Fact]
        public async Task Retries_429_after_the_time_Retry_After_asks_and_503_with_backoff()
        {
            using var server = new DistributionServer();
            using var proxy = new RegistryProxy(server.Host);
            using var dir = new TempDir();
            var (source, image) = await BuildAsync(dir);
            var uploadPuts = 0;
            var manifestPuts = 0;
            proxy.Fault = (method, path) =>
            {
                if (method == "PUT" && path.Contains("/blobs/uploads/", StringComparison.Ordinal) && Interlocked.Increment(ref uploadPuts) == 1)
                    return (HttpStatusCode.TooManyRequests, new Dictionary<string, string> { ["Retry-After"] = "1" });
                if (method == "PUT" && path.Contains("/manifests/", StringComparison.Ordinal) && Interlocked.Increment(ref manifestPuts) <= 2)
                    return (HttpStatusCode.ServiceUnavailable, new Dictionary<string, string>());
                return null;
            };
            using var registry = new DistributionRegistry(proxy.Host, options: Options());
            var watch = System.Diagnostics.Stopwatch.StartNew();

            var pushed = await registry.PushAsync(source, image.Digest, ImageReference.ParseNormalized($"{proxy.Host}/flaky"), ["1.0.0"]);

            Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(1), $"pushed in {watch.Elapsed}, before Retry-After allowed");
            Assert.Equal(3, proxy.Faults.Count);
            Assert.Equal(image.Digest, pushed.Digest);
            using var inspect = JsonDocument.Parse(Skopeo("inspect", "--tls-verify=false", $"docker://{server.Host}/flaky:1.0.0"));
            Assert.Equal(image.Digest, inspect.RootElement.GetProperty("Digest").GetString());
        }

        [Fact]
        public async Task Starts_an_upload_again_when_the_connection_drops_mid_upload()
        {
            using var server = new DistributionServer();
            using var proxy = new DroppingProxy(server.Port, drops: 2);
            using var dir = new TempDir();
            var (source, image) = await BuildAsync(dir);
            var counter = new CountingHandler[1];
            using var registry = new DistributionRegistry(proxy.Host, options: Options(counter: counter));

            await registry.PushAsync(source, image.Digest, ImageReference.ParseNormalized($"{proxy.Host}/dropped"), ["1.0.0"]);

            Assert.Equal(2, proxy.Dropped);
            var blobs = source.ReadManifest(image.Digest).Layers.Count + 1;
            // Each cut upload started over with a new session (a reused pooled connection may add one more).
            Assert.InRange(counter[0].Seen.Count(r => r.Method == "POST" && r.Status == HttpStatusCode.Accepted), blobs + 2, blobs + 4);
            using var inspect = JsonDocument.Parse(Skopeo("inspect", "--tls-verify=false", $"docker://{server.Host}/dropped:1.0.0"));
            Assert.Equal(image.Digest, inspect.RootElement.GetProperty("Digest").GetString());
            var raw = Skopeo("inspect", "--raw", "--tls-verify=false", $"docker://{server.Host}/dropped:1.0.0");
            Assert.Equal(Encoding.UTF8.GetString(source.ReadBlob(image.Digest)), raw.TrimEnd('\n'));
        }

        [Fact]
        public async Task Fails_cleanly_when_the_registry_keeps_failing_and_leaves_no_tag_behind()
        {
            using var server = new DistributionServer();
            using var proxy = new RegistryProxy(server.Host);
            using var dir = new TempDir();
            var (source, image) = await BuildAsync(dir);
            var layer = source.ReadManifest(image.Digest).Layers[^1].Digest;
            proxy.Fault = (method, path) => method == "PUT" && path.Contains("/blobs/uploads/", StringComparison.Ordinal)
                && proxy.Faults.Count < 100 ? (HttpStatusCode.ServiceUnavailable, new Dictionary<string, string>()) : null;
            using var registry = new DistributionRegistry(proxy.Host, options: Options());

            var e = await Assert.ThrowsAsync<RegistryException>(() =>
                registry.PushAsync(source, image.Digest, ImageReference.ParseNormalized($"{proxy.Host}/broken"), ["1.0.0"]));

            Assert.Equal(HttpStatusCode.ServiceUnavailable, e.Status);
            Assert.Contains(proxy.Host, e.Message);
            using var direct = new DistributionRegistry(server.Host, options: Options());
            Assert.Null(await direct.ResolveAsync(ImageReference.ParseNormalized($"{server.Host}/broken:1.0.0")));
            Assert.Null(await direct.Client.HeadBlobAsync("broken", layer));
        }
    }

    public class TokenAuth
    {
        [Fact]
        public async Task Pushes_with_bearer_tokens_fetched_once_per_scope()
        {
            using var issuer = new TokenIssuer(DistributionServer.User, DistributionServer.Password);
            using var server = new DistributionServer(RegistryAuthMode.Token, issuer);
            using var dir = new TempDir();
            var (source, image) = await BuildAsync(dir);
            var counter = new CountingHandler[1];
            using var registry = new DistributionRegistry(server.Host,
                options: Options(server.DockerConfig(DistributionServer.User, DistributionServer.Password), counter));
            var target = ImageReference.ParseNormalized($"{server.Host}/tokened");

            await registry.PushAsync(source, image.Digest, target, ["1.0.0"]);
            var afterFirst = issuer.Requests.Count;
            await registry.PushAsync(source, image.Digest, target, ["1.0.0", "1.0"]);

            Assert.Equal(image.Digest, await registry.ResolveAsync(target.WithTag("1.0")));
            // The ping's token (no scope), then one for pull and one for pull,push: cached, never asked again.
            Assert.Equal(["", "repository:tokened:pull", "repository:tokened:pull,push"], issuer.Requests.Order(StringComparer.Ordinal));
            Assert.Equal(issuer.Requests.Count, afterFirst);
            Assert.Equal(1, counter[0].Seen.Count(r => r.Status == HttpStatusCode.Unauthorized && r.Path.StartsWith("/v2/", StringComparison.Ordinal)));
            Assert.All(counter[0].Seen.Where(r => r.Path.StartsWith("/v2/", StringComparison.Ordinal)).Skip(1), r => Assert.Equal("Bearer", r.Authorization));
        }

        [Fact]
        public async Task Names_the_registry_and_user_when_the_token_server_refuses_the_password()
        {
            using var issuer = new TokenIssuer(DistributionServer.User, DistributionServer.Password);
            using var server = new DistributionServer(RegistryAuthMode.Token, issuer);
            const string wrong = "wrong-token-Pa55";
            using var client = new RegistryClient(server.Host, Options(server.DockerConfig(DistributionServer.User, wrong)));

            var e = await Assert.ThrowsAsync<RegistryException>(() => client.ListTagsAsync("tokened"));

            Assert.Equal(HttpStatusCode.Unauthorized, e.Status);
            Assert.StartsWith($"registry {server.Host} refused the credentials of user '{DistributionServer.User}'", e.Message);
            Assert.Contains(issuer.Realm, e.Message);
            Assert.DoesNotContain(wrong, e.ToString());
            Assert.Equal(["401"], issuer.Requests);
        }
    }
}
