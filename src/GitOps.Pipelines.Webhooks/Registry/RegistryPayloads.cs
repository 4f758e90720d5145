using System.Text.Json;
using GitOps.Pipelines.Webhooks.Processing;

namespace GitOps.Pipelines.Webhooks.Registry;

/// <summary>What a registry payload said: pushes to handle, or why it is ignored (202) or malformed (400).</summary>
/// <param name="Pushes">The image pushes it reports.</param>
/// <param name="Delivery">A delivery id from the payload, for dedupe, when it has one.</param>
/// <param name="Ignored">Why nothing is done (a delete, a pull, a blob push).</param>
/// <param name="Error">Why it is malformed.</param>
public sealed record RegistryParse(IReadOnlyList<ImagePushed> Pushes, string? Delivery, string? Ignored, string? Error)
{
    internal static RegistryParse Push(string? delivery, params ImagePushed[] pushes) => new(pushes, delivery, null, null);
    internal static RegistryParse Ignore(string reason) => new([], null, reason, null);
    internal static RegistryParse Fail(string error) => new([], null, null, error);
}

/// <summary>One parser per registry's webhook format; each turns a body into <see cref="ImagePushed"/> events.</summary>
public static class RegistryPayloads
{
    /// <summary>The manifest media types whose push is an image push (blobs and configs are not).</summary>
    public static readonly IReadOnlySet<string> ManifestMediaTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v1+prettyjws",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
    };

    /// <summary>Parses <paramref name="body"/> as the <paramref name="kind"/> registry sends it.</summary>
    public static RegistryParse Parse(string kind, ReadOnlySpan<byte> body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException e)
        {
            return RegistryParse.Fail($"the body is not valid JSON: {e.Message}");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return RegistryParse.Fail("the body is not a JSON object");
            return kind switch
            {
                "distribution" => Distribution(root),
                "dockerhub" => DockerHub(root),
                "acr" => Acr(root),
                "harbor" => Harbor(root),
                "quay" => Quay(root),
                "generic" => Generic(root),
                "github" => GitHubPackage(root),
                _ => RegistryParse.Fail($"unknown registry kind '{kind}'"),
            };
        }
    }

    /// <summary>CNCF distribution notifications: an envelope of events; only <c>push</c> of a manifest counts.</summary>
    private static RegistryParse Distribution(JsonElement root)
    {
        if (!root.TryGetProperty("events", out var events) || events.ValueKind != JsonValueKind.Array)
            return RegistryParse.Fail("a distribution notification needs an events array");
        var pushes = new List<ImagePushed>();
        string? delivery = null;
        foreach (var e in events.EnumerateArray())
        {
            if (Str(e, "action") != "push") continue;
            var target = Obj(e, "target");
            if (Str(target, "mediaType") is not { } mediaType || !ManifestMediaTypes.Contains(mediaType)) continue;
            if (Str(target, "repository") is not { } repository) return RegistryParse.Fail("a push event needs target.repository");
            pushes.Add(new ImagePushed(Str(Obj(e, "request"), "host"), repository, Str(target, "tag") ?? "", Str(target, "digest")));
            delivery ??= Str(e, "id");
        }
        return pushes.Count == 0
            ? RegistryParse.Ignore("no manifest push in the notification (pulls, deletes and blob pushes do not count)")
            : RegistryParse.Push(delivery, [.. pushes]);
    }

    /// <summary>
    /// Quay repository push: <c>repository</c>, the registry host from <c>docker_url</c> (scheme dropped; quay.io when
    /// empty or absent), one push per <c>updated_tags</c> entry in order (none: refused). Quay sends no digest.
    /// </summary>
    private static RegistryParse Quay(JsonElement root)
    {
        if (Str(root, "repository") is not { Length: > 0 } repository) return RegistryParse.Fail("a Quay push needs repository");
        if (!root.TryGetProperty("updated_tags", out var tags) || tags.ValueKind != JsonValueKind.Array || tags.GetArrayLength() == 0)
            return RegistryParse.Fail("a Quay push needs updated_tags");
        var registry = "quay.io";
        if (Str(root, "docker_url") is { Length: > 0 } url)
        {
            var host = url.Contains("://", StringComparison.Ordinal) ? url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..] : url;
            registry = host.Split('/')[0];
        }
        var pushes = tags.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String && t.GetString() is { Length: > 0 })
            .Select(t => new ImagePushed(registry, repository, t.GetString()!, null)).ToList();
        return pushes.Count == 0 ? RegistryParse.Fail("a Quay push needs updated_tags") : RegistryParse.Push(null, [.. pushes]);
    }

    /// <summary>Docker Hub: <c>repository.repo_name</c> (or namespace/name) and <c>push_data.tag</c>.</summary>
    private static RegistryParse DockerHub(JsonElement root)
    {
        var repository = Obj(root, "repository");
        var name = Str(repository, "repo_name") ?? Joined(Str(repository, "namespace"), Str(repository, "name"));
        if (name is null) return RegistryParse.Fail("a Docker Hub push needs repository.repo_name (or namespace and name)");
        if (Str(Obj(root, "push_data"), "tag") is not { } tag) return RegistryParse.Fail("a Docker Hub push needs push_data.tag");
        return RegistryParse.Push(Str(root, "callback_url"), new ImagePushed("docker.io", name, tag, null));
    }

    /// <summary>Azure Container Registry: action <c>push</c>, <c>target.repository</c>, tag (may be empty) and digest.</summary>
    private static RegistryParse Acr(JsonElement root)
    {
        var action = Str(root, "action");
        if (action is null) return RegistryParse.Fail("an ACR event needs an action");
        if (action != "push") return RegistryParse.Ignore($"ACR action '{action}' is not an image push");
        var target = Obj(root, "target");
        if (Str(target, "repository") is not { } repository) return RegistryParse.Fail("an ACR push needs target.repository");
        return RegistryParse.Push(Str(root, "id"),
            new ImagePushed(Str(Obj(root, "request"), "host"), repository, Str(target, "tag") ?? "", Str(target, "digest")));
    }

    /// <summary>Harbor: type <c>PUSH_ARTIFACT</c>, a tagged resource, and the repository's full name (or namespace/name).</summary>
    private static RegistryParse Harbor(JsonElement root)
    {
        var type = Str(root, "type");
        if (type is null) return RegistryParse.Fail("a Harbor event needs a type");
        if (type != "PUSH_ARTIFACT") return RegistryParse.Ignore($"Harbor event '{type}' is not an image push");
        var data = Obj(root, "event_data");
        var repository = Obj(data, "repository");
        var name = Str(repository, "repo_full_name") ?? Joined(Str(repository, "namespace"), Str(repository, "name"));
        if (name is null) return RegistryParse.Fail("a Harbor push needs event_data.repository.repo_full_name (or namespace and name)");
        if (!data.TryGetProperty("resources", out var resources) || resources.ValueKind != JsonValueKind.Array || resources.GetArrayLength() == 0)
            return RegistryParse.Fail("a Harbor push needs event_data.resources");
        var pushes = new List<ImagePushed>();
        foreach (var resource in resources.EnumerateArray())
        {
            if (Str(resource, "tag") is not { } tag) continue;
            pushes.Add(new ImagePushed(Host(Str(resource, "resource_url")), name, tag, Str(resource, "digest")));
        }
        return pushes.Count == 0 ? RegistryParse.Fail("a Harbor push needs a resource with a tag") : RegistryParse.Push(null, [.. pushes]);
    }

    /// <summary>
    /// GitHub's <c>package</c> / <c>registry_package</c> event for GHCR: action <c>published</c>, a container package,
    /// <c>owner.login/name</c> lower-cased, the tag from <c>container_metadata.tag.name</c> (else the version's name).
    /// </summary>
    private static RegistryParse GitHubPackage(JsonElement root)
    {
        var package = Obj(root, "package").ValueKind == JsonValueKind.Object ? Obj(root, "package") : Obj(root, "registry_package");
        var action = Str(root, "action");
        if (action is null || package.ValueKind != JsonValueKind.Object) return RegistryParse.Fail("a package event needs action and package");
        if (action != "published") return RegistryParse.Ignore($"package action '{action}' is not an image push");
        if (!string.Equals(Str(package, "package_type"), "container", StringComparison.OrdinalIgnoreCase))
            return RegistryParse.Ignore($"package type '{Str(package, "package_type")}' is not a container image");
        var name = Str(package, "name");
        var owner = Str(Obj(package, "owner"), "login");
        if (name is null || owner is null) return RegistryParse.Fail("a container package event needs package.name and package.owner.login");
        var version = Obj(package, "package_version");
        var tagObject = Obj(Obj(version, "container_metadata"), "tag");
        var tag = Str(tagObject, "name") ?? Str(version, "name");
        if (tag is null) return RegistryParse.Fail("a container package event needs package_version.container_metadata.tag.name or package_version.name");
        var digest = Str(tagObject, "digest") ?? (Str(version, "version") is { } v && v.StartsWith("sha256:", StringComparison.Ordinal) ? v : null);
        return RegistryParse.Push(null, new ImagePushed("ghcr.io", (owner + "/" + name).ToLowerInvariant(), tag, digest));
    }

    /// <summary>The generic receiver's own format: <c>{"registry"?, "repository", "tag", "digest"?}</c>.</summary>
    private static RegistryParse Generic(JsonElement root)
    {
        if (Str(root, "repository") is not { } repository || Str(root, "tag") is not { } tag)
            return RegistryParse.Fail("a generic push needs repository and tag");
        return RegistryParse.Push(Str(root, "id"), new ImagePushed(Str(root, "registry"), repository, tag, Str(root, "digest")));
    }

    private static JsonElement Obj(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? v : default;

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;

    private static string? Joined(string? ns, string? name) => name is null ? null : ns is null ? name : ns + "/" + name;

    // harbor.example.com/library/app:v1 or https://harbor.example.com/library/app:v1 → harbor.example.com
    private static string? Host(string? url)
    {
        if (url is null) return null;
        var s = url.Contains("://", StringComparison.Ordinal) ? url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..] : url;
        var slash = s.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 ? s[..slash] : null;
    }
}
