using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using GitOps.Pipelines.TestKit;
using GitOps.Pipelines.Webhooks.GitHub;
using GitOps.Pipelines.Webhooks.Processing;
using GitOps.Pipelines.Webhooks.Registry;

namespace GitOps.Pipelines.Webhooks.Tests.Registry;

/// <summary>The registry receivers against argocd-image-updater's webhook cases (image-updater-cases.json), over HTTP.</summary>
public sealed class RegistryEndpointsTests
{
    private const string Secret = "test-secret";

    // image-updater's registry names → our route kinds (the ones this service receives)
    private static readonly Dictionary<string, string> Kinds = new() { ["docker"] = "dockerhub", ["acr"] = "acr", ["harbor"] = "harbor", ["quay"] = "quay" };

    private static IEnumerable<JsonElement> Cases(string kind) =>
        JsonDocument.Parse(File.ReadAllText(Paths.Fixture("image-updater-cases.json"))).RootElement.GetProperty("cases").EnumerateArray()
            .Where(c => c.GetProperty("kind").GetString() == kind && c.TryGetProperty("registry", out var r) && Kinds.ContainsKey(r.GetString()!))
            .Select(c => c.Clone());

    public static TheoryData<string, string> ValidateCases() => Named(Cases("registry_webhook_validate"));
    public static TheoryData<string, string> ParseCases() => Named(Cases("registry_webhook_parse"));

    private static TheoryData<string, string> Named(IEnumerable<JsonElement> cases)
    {
        var data = new TheoryData<string, string>();
        foreach (var c in cases) data.Add(c.GetProperty("registry").GetString()!, c.GetProperty("name").GetString()!);
        return data;
    }

    private static JsonElement Case(string kind, string registry, string name) =>
        Cases(kind).Single(c => c.GetProperty("registry").GetString() == registry && c.GetProperty("name").GetString() == name);

    private static string? Get(JsonElement c, string property) =>
        c.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    [Fact]
    public void All_applicable_cases_are_here()
    {
        // docker 5 + acr 6 + harbor 6 + quay 4 validate; docker 7 + acr 6 + harbor 10 + quay 10 parse
        Assert.Equal(21, ValidateCases().Count);
        Assert.Equal(33, ParseCases().Count);
    }

    [Theory]
    [MemberData(nameof(ValidateCases))]
    public async Task Validate_case(string registry, string name)
    {
        var c = Case("registry_webhook_validate", registry, name);
        var kind = Kinds[registry];
        var handler = new RecordingImageHandler();
        await using var host = await WebhookHost.StartAsync(Options(Get(c, "configured_secret")), null, handler);

        // Given the case's method, content type and secret, and a valid push body for this registry
        var body = kind switch
        {
            "dockerhub" => Payloads.Registry("dockerhub-push.json"),
            "acr" => Payloads.Registry("acr-push.json"),
            "quay" => Payloads.Registry("quay-push.peer.json"),
            _ => Payloads.Registry("harbor-push.json"),
        };
        var url = "/hooks/registry/" + kind + (Get(c, "query_secret") is { Length: > 0 } q ? "?secret=" + Uri.EscapeDataString(q) : "");
        using var request = new HttpRequestMessage(new HttpMethod(Get(c, "method")!), url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(Get(c, "contentType") ?? "application/json");
        if (Get(c, "authHeader") is { Length: > 0 } auth) request.Headers.TryAddWithoutValidation("Authorization", auth);

        var response = await host.Client.SendAsync(request);

        if (c.GetProperty("expectError").GetBoolean())
        {
            Assert.Contains((int)response.StatusCode, new[] { 401, 405, 415 });
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            if (Get(c, "expectedErrMsg") is { } message)
                Assert.Equal(message, (await Replies.ProblemAsync(response, 401)).GetProperty("detail").GetString());
            await Task.Delay(100);
            Assert.Empty(handler.Pushes);
        }
        else
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            await WebhookHost.WaitUntilAsync(() => !handler.Pushes.IsEmpty, what: "the push handler");
        }
    }

    [Theory]
    [MemberData(nameof(ParseCases))]
    public async Task Parse_case(string registry, string name)
    {
        var c = Case("registry_webhook_parse", registry, name);
        var handler = new RecordingImageHandler();
        await using var host = await WebhookHost.StartAsync(Options(null), null, handler);
        var body = c.TryGetProperty("payload", out var payload) ? Encoding.UTF8.GetBytes(payload.GetRawText()) : Encoding.UTF8.GetBytes(Get(c, "payload_raw")!);

        var response = await host.Client.PostAsync("/hooks/registry/" + Kinds[registry], Json(body));

        if (c.GetProperty("expectError").GetBoolean())
        {
            // rejected (400) or, for events that are not pushes, accepted and ignored; either way nothing is handled
            Assert.Contains((int)response.StatusCode, new[] { 400, 202 });
            if (response.StatusCode == HttpStatusCode.Accepted)
                Assert.True((await Replies.JsonAsync(response)).TryGetProperty("reason", out _));
            await Task.Delay(100);
            Assert.Empty(handler.Pushes);
            return;
        }
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await WebhookHost.WaitUntilAsync(() => !handler.Pushes.IsEmpty, what: "the push handler");
        // Quay names several tags in one push: one push each, in order; image-updater's expectation is the first
        var tags = registry == "quay" ? c.GetProperty("payload").GetProperty("updated_tags").GetArrayLength() : 1;
        await WebhookHost.WaitUntilAsync(() => handler.Pushes.Count >= tags, what: $"{tags} pushes");
        Assert.Equal(tags, handler.Pushes.Count);
        var push = registry == "quay" ? handler.Pushes.Single(p => p.Tag == Get(c, "expectedTag")) : Assert.Single(handler.Pushes);
        Assert.Equal(Get(c, "expectedRepo"), push.Repository);
        if (Get(c, "expectedRegistry") is { } expectedRegistry) Assert.Equal(expectedRegistry, push.Registry);
        Assert.Equal(Get(c, "expectedTag"), push.Tag);
        if (Get(c, "expectedDigest") is { } digest) Assert.Equal(digest, push.Digest);
        if ((Get(c, "expectedRegistryURL") ?? Get(c, "expectedRegistryURL_implicit")) is { } registryUrl) Assert.Equal(registryUrl, push.Registry);
        // Harbor's registry comes from resource_url; without one image-updater falls back to the literal "harbor", we to none
        if (Get(c, "expectedURL") is { } harborUrl)
            Assert.Equal(HasResourceUrl(c) ? harborUrl : null, push.Registry);
    }

    private static bool HasResourceUrl(JsonElement c) =>
        c.GetProperty("payload").GetProperty("event_data").GetProperty("resources")[0].TryGetProperty("resource_url", out _);

    public static TheoryData<string> GhcrParseCases()
    {
        var data = new TheoryData<string>();
        foreach (var c in JsonDocument.Parse(File.ReadAllText(Paths.Fixture("image-updater-cases.json"))).RootElement.GetProperty("cases").EnumerateArray()
                     .Where(c => c.GetProperty("kind").GetString() == "registry_webhook_parse" && c.GetProperty("registry").GetString() == "ghcr"))
            data.Add(c.GetProperty("name").GetString()!);
        return data;
    }

    [Theory]
    [MemberData(nameof(GhcrParseCases))]
    public async Task A_GitHub_package_event_parses_like_image_updaters_GHCR_case(string name)
    {
        // GHCR pushes arrive on /hooks/github (signed with the GitHub secret, which this service always requires)
        var c = JsonDocument.Parse(File.ReadAllText(Paths.Fixture("image-updater-cases.json"))).RootElement.GetProperty("cases").EnumerateArray()
            .Single(c => c.GetProperty("kind").GetString() == "registry_webhook_parse" && c.GetProperty("registry").GetString() == "ghcr"
                         && c.GetProperty("name").GetString() == name).Clone();
        var handler = new RecordingImageHandler();
        await using var host = await WebhookHost.StartAsync(Options(null), null, handler);
        var body = c.TryGetProperty("payload", out var payload) ? Encoding.UTF8.GetBytes(payload.GetRawText()) : Encoding.UTF8.GetBytes(Get(c, "payload_raw")!);

        var response = await host.DeliverAsync("package", body);

        if (c.GetProperty("expectError").GetBoolean())
        {
            Assert.Contains((int)response.StatusCode, new[] { 400, 202 });
            await Task.Delay(100);
            Assert.Empty(handler.Pushes);
            return;
        }
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await WebhookHost.WaitUntilAsync(() => !handler.Pushes.IsEmpty, what: "the push handler");
        var push = Assert.Single(handler.Pushes);
        Assert.Equal(Get(c, "expectedRepo"), push.Repository);
        Assert.Equal(Get(c, "expectedTag"), push.Tag);
        Assert.Equal(Get(c, "expectedRegistryURL_implicit") ?? "ghcr.io", push.Registry);
    }

    [Fact]
    public async Task The_GHCR_package_fixture_from_Argo_CD_is_a_push_and_octokits_npm_package_is_ignored()
    {
        var handler = new RecordingImageHandler();
        await using var host = await WebhookHost.StartAsync(Options(null), null, handler);

        var container = await host.DeliverAsync("package", Payloads.Fixture("package.published.ghcr-container.json"));
        var npm = await host.DeliverAsync("registry_package", Payloads.Fixture("registry_package.published.json"));

        Assert.Equal(HttpStatusCode.Accepted, container.StatusCode);
        Assert.Contains("is not a container image", (await Replies.JsonAsync(npm)).GetProperty("reason").GetString());
        await WebhookHost.WaitUntilAsync(() => !handler.Pushes.IsEmpty);
        var push = Assert.Single(handler.Pushes);
        Assert.Equal(("ghcr.io", "5.5.9"), (push.Registry, push.Tag));
    }

    [Fact]
    public async Task A_distribution_notification_hands_on_only_manifest_pushes()
    {
        var handler = new RecordingImageHandler();
        await using var host = await WebhookHost.StartAsync(Options(Secret), null, handler);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/registry/distribution") { Content = new ByteArrayContent(Payloads.Registry("distribution-push.json")) };
        request.Content.Headers.ContentType = new("application/vnd.docker.distribution.events.v2+json");
        request.Headers.Authorization = new("Bearer", Secret);

        var response = await host.Client.SendAsync(request);

        // the envelope holds one manifest push and two layer (blob) pushes
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await WebhookHost.WaitUntilAsync(() => !handler.Pushes.IsEmpty);
        await Task.Delay(100);
        Assert.Equal([new ImagePushed("registrycluster.local", "library/test", "", "sha256:fea8895f450959fa676bcc1df0611ea93823a735a01205fd8622846041d0c7cf")], handler.Pushes);
    }

    [Fact]
    public async Task A_distribution_pull_is_ignored_and_a_wrong_authorization_is_401()
    {
        var handler = new RecordingImageHandler();
        await using var host = await WebhookHost.StartAsync(Options(Secret), null, handler);

        var pull = await host.Client.SendAsync(Distribution(Payloads.Registry("distribution-pull.json"), "Bearer " + Secret));
        var wrong = await host.Client.SendAsync(Distribution(Payloads.Registry("distribution-push.json"), "Bearer nope"));
        var missing = await host.Client.SendAsync(Distribution(Payloads.Registry("distribution-push.json"), null));

        Assert.Equal(HttpStatusCode.Accepted, pull.StatusCode);
        Assert.Contains("no manifest push", (await Replies.JsonAsync(pull)).GetProperty("reason").GetString());
        Assert.Equal("invalid webhook secret", (await Replies.ProblemAsync(wrong, 401)).GetProperty("detail").GetString());
        await Replies.ProblemAsync(missing, 401);
        await Task.Delay(100);
        Assert.Empty(handler.Pushes);
    }

    [Fact]
    public async Task ACR_chart_pushes_and_deletes_are_ignored()
    {
        var handler = new RecordingImageHandler();
        await using var host = await WebhookHost.StartAsync(Options(null), null, handler);

        var chart = await host.Client.PostAsync("/hooks/registry/acr", Json(Payloads.Registry("acr-chart-push.json")));
        var delete = await host.Client.PostAsync("/hooks/registry/acr", Json(Payloads.Registry("acr-delete.json")));

        Assert.Equal("ACR action 'chart_push' is not an image push", (await Replies.JsonAsync(chart)).GetProperty("reason").GetString());
        Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        await Task.Delay(100);
        Assert.Empty(handler.Pushes);
    }

    public static TheoryData<string, string, bool> HmacCases()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (var c in JsonDocument.Parse(File.ReadAllText(Paths.Fixture("image-updater-cases.json"))).RootElement.GetProperty("cases").EnumerateArray()
                     .Where(c => c.GetProperty("kind").GetString() == "hmac_signature_check"))
            data.Add(c.GetProperty("name").GetString()!, c.GetProperty("signature").GetString()!, c.GetProperty("expected").GetBoolean());
        return data;
    }

    [Theory]
    [MemberData(nameof(HmacCases))]
    public async Task The_generic_receiver_checks_the_HMAC_signature(string name, string signature, bool valid)
    {
        // hmac_signature_check cases: secret "test-secret", body {"test": "data"}; a valid signature then needs a valid payload
        Assert.NotEmpty(name);
        var handler = new RecordingImageHandler();
        await using var host = await WebhookHost.StartAsync(Options(Secret), null, handler);
        var body = Encoding.UTF8.GetBytes("{\"test\": \"data\"}");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/registry/generic") { Content = Json(body) };
        if (signature.Length > 0) request.Headers.Add(RegistryEndpoints.SignatureHeader, signature);

        var response = await host.Client.SendAsync(request);

        Assert.Equal(valid ? 400 : 401, (int)response.StatusCode);
        Assert.Empty(handler.Pushes);
    }

    [Fact]
    public async Task A_signed_generic_push_is_handled_and_the_generic_receiver_refuses_everything_without_a_secret()
    {
        var handler = new RecordingImageHandler();
        var body = Encoding.UTF8.GetBytes("{\"registry\":\"ghcr.io\",\"repository\":\"acme/app\",\"tag\":\"1.2.3\",\"digest\":\"sha256:abc\"}");
        await using (var host = await WebhookHost.StartAsync(Options(Secret), null, handler))
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/registry/generic") { Content = Json(body) };
            request.Headers.Add(RegistryEndpoints.SignatureHeader, GitHubSignature.Compute(Secret, body));

            Assert.Equal(HttpStatusCode.Accepted, (await host.Client.SendAsync(request)).StatusCode);
            await WebhookHost.WaitUntilAsync(() => !handler.Pushes.IsEmpty);
            Assert.Equal([new ImagePushed("ghcr.io", "acme/app", "1.2.3", "sha256:abc")], handler.Pushes);
        }
        await using (var host = await WebhookHost.StartAsync(Options(null), null, handler))
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/registry/generic") { Content = Json(body) };
            request.Headers.Add(RegistryEndpoints.SignatureHeader, GitHubSignature.Compute(Secret, body));

            var response = await host.Client.SendAsync(request);

            Assert.Contains("GITOPS_WEBHOOK_REGISTRY_SECRET", (await Replies.ProblemAsync(response, 401)).GetProperty("detail").GetString());
        }
    }

    [Fact]
    public async Task An_unknown_registry_kind_is_404_with_problem_details()
    {
        await using var host = await WebhookHost.StartAsync(Options(null), null);

        var response = await host.Client.PostAsync("/hooks/registry/nexus-unknown", Json(Encoding.UTF8.GetBytes("{}")));

        Assert.Contains("distribution, dockerhub, acr, harbor, quay, generic", (await Replies.ProblemAsync(response, 404)).GetProperty("detail").GetString());
        // unknown kinds share one metrics label, so callers cannot grow the label set
        var metrics = await host.Client.GetStringAsync("/metrics");
        Assert.True(metrics.Contains("gitops_webhook_deliveries_total{source=\"registry/unknown\",result=\"not_found\"} 1", StringComparison.Ordinal), metrics);
        Assert.DoesNotContain("registry/nexus-unknown", metrics);
    }

    [Fact]
    public async Task A_redelivered_ACR_event_is_handled_once()
    {
        var handler = new RecordingImageHandler();
        await using var host = await WebhookHost.StartAsync(Options(null), null, handler);

        var first = await host.Client.PostAsync("/hooks/registry/acr", Json(Payloads.Registry("acr-push.json")));
        var again = await host.Client.PostAsync("/hooks/registry/acr", Json(Payloads.Registry("acr-push.json")));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Contains("already handled", (await Replies.JsonAsync(again)).GetProperty("reason").GetString());
        await WebhookHost.WaitUntilAsync(() => !handler.Pushes.IsEmpty);
        await Task.Delay(200);
        Assert.Single(handler.Pushes);
    }

    private static WebhookServiceOptions Options(string? registrySecret) => new()
    {
        GitHubSecret = WebhookHost.Secret,
        RegistrySecret = registrySecret,
    };

    private static ByteArrayContent Json(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");
        return content;
    }

    private static HttpRequestMessage Distribution(byte[] body, string? authorization)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/hooks/registry/distribution") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/vnd.docker.distribution.events.v2+json");
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return request;
    }
}
