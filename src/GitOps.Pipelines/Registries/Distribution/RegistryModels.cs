using System.Text.Json;
using System.Text.Json.Serialization;

namespace GitOps.Pipelines.Registries.Distribution;

/// <summary>One page of <c>GET /v2/NAME/tags/list</c>.</summary>
/// <param name="Name">The repository the registry answered for.</param>
/// <param name="Tags">The tags on this page (null when the registry sent none).</param>
public sealed record TagList(
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("tags")] IReadOnlyList<string>? Tags);

/// <summary>One entry of a registry's error body (<c>{"errors":[…]}</c>).</summary>
/// <param name="Code">The error code, e.g. <c>MANIFEST_UNKNOWN</c>.</param>
/// <param name="Message">The registry's message.</param>
/// <param name="Detail">Free-form detail.</param>
public sealed record RegistryErrorEntry(
    [property: JsonPropertyName("code")] string? Code,
    [property: JsonPropertyName("message")] string? Message,
    [property: JsonPropertyName("detail")] JsonElement? Detail = null);

/// <summary>A registry's error body.</summary>
/// <param name="Errors">The errors.</param>
public sealed record RegistryErrorBody([property: JsonPropertyName("errors")] IReadOnlyList<RegistryErrorEntry>? Errors);

/// <summary>A token server's answer (distribution token auth).</summary>
/// <param name="Token">The bearer token.</param>
/// <param name="AccessToken">The same token under its OAuth2 name.</param>
/// <param name="ExpiresIn">Lifetime in seconds (60 when absent).</param>
/// <param name="IssuedAt">When it was issued, RFC 3339.</param>
public sealed record TokenResponse(
    [property: JsonPropertyName("token")] string? Token,
    [property: JsonPropertyName("access_token")] string? AccessToken,
    [property: JsonPropertyName("expires_in")] int? ExpiresIn,
    [property: JsonPropertyName("issued_at")] string? IssuedAt);

/// <summary>ACR's answer to <c>POST /oauth2/exchange</c>.</summary>
/// <param name="RefreshToken">The ACR refresh token.</param>
public sealed record AcrExchangeResponse([property: JsonPropertyName("refresh_token")] string? RefreshToken);

/// <summary>One <c>auths</c> entry of a Docker config.json.</summary>
/// <param name="Auth">base64 of <c>user:password</c>.</param>
/// <param name="Username">The user, when stored apart.</param>
/// <param name="Password">The password, when stored apart.</param>
/// <param name="IdentityToken">An OAuth2 refresh token, sent to the token realm as <c>grant_type=refresh_token</c>.</param>
public sealed record DockerAuthEntry(
    [property: JsonPropertyName("auth")] string? Auth,
    [property: JsonPropertyName("username")] string? Username = null,
    [property: JsonPropertyName("password")] string? Password = null,
    [property: JsonPropertyName("identitytoken")] string? IdentityToken = null);

/// <summary>The parts of <c>~/.docker/config.json</c> that hold registry credentials.</summary>
/// <param name="Auths">Inline credentials per server.</param>
/// <param name="CredHelpers">A credential helper per server (<c>docker-credential-NAME</c>).</param>
/// <param name="CredsStore">The default credential helper.</param>
public sealed record DockerConfigFile(
    [property: JsonPropertyName("auths")] IReadOnlyDictionary<string, DockerAuthEntry>? Auths,
    [property: JsonPropertyName("credHelpers")] IReadOnlyDictionary<string, string>? CredHelpers,
    [property: JsonPropertyName("credsStore")] string? CredsStore);

/// <summary>What <c>docker-credential-NAME get</c> prints.</summary>
/// <param name="ServerUrl">The server asked for.</param>
/// <param name="Username">The user (<c>&lt;token&gt;</c> for an identity token).</param>
/// <param name="Secret">The password or token.</param>
public sealed record CredentialHelperAnswer(
    [property: JsonPropertyName("ServerURL")] string? ServerUrl,
    [property: JsonPropertyName("Username")] string? Username,
    [property: JsonPropertyName("Secret")] string? Secret);

/// <summary>Source-generated JSON for the distribution client.</summary>
[JsonSourceGenerationOptions(WriteIndented = false, PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(TagList))]
[JsonSerializable(typeof(RegistryErrorBody))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(AcrExchangeResponse))]
[JsonSerializable(typeof(DockerConfigFile))]
[JsonSerializable(typeof(CredentialHelperAnswer))]
public sealed partial class RegistryJson : JsonSerializerContext;
