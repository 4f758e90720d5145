using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace GitOps.Pipelines.Registries.Distribution;

/// <summary>A user name and secret for one registry; <see cref="ToString"/> never shows the secret.</summary>
/// <param name="Username">The user.</param>
/// <param name="Secret">The password or token.</param>
/// <param name="Source">Where the pair came from (for messages), e.g. <c>~/.docker/config.json auths</c>.</param>
public sealed record RegistryCredential(string Username, string Secret, string Source)
{
    /// <summary>
    /// True when <see cref="Secret"/> is an OAuth2 refresh token (Docker config <c>identitytoken</c>, or a credential
    /// helper's user <c>&lt;token&gt;</c>): it is sent to the token realm as <c>grant_type=refresh_token</c>, never as Basic.
    /// </summary>
    public bool IsIdentityToken { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Username} (from {Source})";
}

/// <summary>
/// Finds credentials for a registry host. Lookup order (the first that answers wins):
/// <list type="number">
/// <item>credentials given in code (<see cref="RegistryCredentials(IReadOnlyDictionary{string, RegistryCredential}?, IReadOnlyDictionary{string, string?}?)"/>);</item>
/// <item>the Docker config (<c>$DOCKER_CONFIG/config.json</c>, else <c>~/.docker/config.json</c>): <c>credHelpers[host]</c>,
/// then <c>credsStore</c>, then <c>auths[host]</c> (base64 <c>user:password</c> in <c>auth</c>, or
/// <c>username</c>/<c>password</c>, or an OAuth2 refresh token in <c>identitytoken</c>) — the order docker uses; Docker Hub is looked up as <c>https://index.docker.io/v1/</c>;</item>
/// <item><c>GITHUB_TOKEN</c> for <c>ghcr.io</c> (user <c>GITHUB_ACTOR</c>, else <c>token</c>);</item>
/// <item>for the GitLab registry (<c>CI_REGISTRY</c>'s host): <c>CI_REGISTRY_USER</c>/<c>CI_REGISTRY_PASSWORD</c>, else
/// <c>gitlab-ci-token</c>/<c>CI_JOB_TOKEN</c>;</item>
/// <item>none: anonymous (an Azure Container Registry then authenticates with an Azure.Identity credential,
/// see <see cref="RegistryClientOptions.AzureCredential"/>).</item>
/// </list>
/// </summary>
public sealed class RegistryCredentials
{
    private readonly IReadOnlyDictionary<string, RegistryCredential> _given;
    private readonly Func<string, string?> _env;

    /// <summary>Credentials from the environment and Docker config, with optional explicit ones per host.</summary>
    /// <param name="given">Explicit credentials per host; they win over every other source.</param>
    /// <param name="environment">Environment overrides for tests (null values unset a variable); the process environment otherwise.</param>
    public RegistryCredentials(IReadOnlyDictionary<string, RegistryCredential>? given = null,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        _given = given ?? new Dictionary<string, RegistryCredential>();
        _env = name => environment is not null && environment.TryGetValue(name, out var v) ? v : Environment.GetEnvironmentVariable(name);
    }

    /// <summary>The Docker config file consulted: <c>$DOCKER_CONFIG/config.json</c>, else <c>~/.docker/config.json</c>.</summary>
    public string DockerConfigPath =>
        Path.Combine(_env("DOCKER_CONFIG") is { Length: > 0 } dir ? dir
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker"), "config.json");

    /// <summary>The credential for <paramref name="host"/> (e.g. <c>ghcr.io</c>, <c>127.0.0.1:5000</c>), or null for anonymous.</summary>
    public RegistryCredential? Find(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        foreach (var key in Keys(host))
            if (_given.TryGetValue(key, out var c)) return c;
        return FromDockerConfig(host) ?? FromEnvironment(host);
    }

    private static IEnumerable<string> Keys(string host)
    {
        yield return host;
        if (host is "docker.io" or "registry-1.docker.io" or "index.docker.io")
        {
            yield return "https://index.docker.io/v1/";
            yield return "docker.io";
            yield return "index.docker.io";
        }
        yield return "https://" + host;
        yield return "http://" + host;
    }

    private RegistryCredential? FromDockerConfig(string host)
    {
        var path = DockerConfigPath;
        if (!File.Exists(path)) return null;
        DockerConfigFile config;
        try
        {
            config = JsonSerializer.Deserialize(File.ReadAllBytes(path), RegistryJson.Default.DockerConfigFile)
                ?? new DockerConfigFile(null, null, null);
        }
        catch (JsonException e)
        {
            throw new GitOpsException($"{path}: not a Docker config file ({e.Message})", ExitCode.InvalidInput, e);
        }
        foreach (var key in Keys(host))
        {
            if (config.CredHelpers is not null && config.CredHelpers.TryGetValue(key, out var helper) && helper.Length > 0)
                return FromHelper(helper, key, $"docker-credential-{helper} (credHelpers in {path})");
        }
        if (config.CredsStore is { Length: > 0 } store)
        {
            var key = Keys(host).Skip(host is "docker.io" or "registry-1.docker.io" or "index.docker.io" ? 1 : 0).First();
            var found = FromHelper(store, key, $"docker-credential-{store} (credsStore in {path})");
            if (found is not null) return found;
        }
        foreach (var key in Keys(host))
        {
            if (config.Auths is null || !config.Auths.TryGetValue(key, out var entry)) continue;
            if (entry.IdentityToken is { Length: > 0 } identity)
                return new RegistryCredential(entry.Username is { Length: > 0 } u ? u : "<token>", identity, $"auths identitytoken in {path}")
                    { IsIdentityToken = true };
            if (entry.Auth is { Length: > 0 } auth)
            {
                string decoded;
                try { decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth)); }
                catch (FormatException e)
                {
                    throw new GitOpsException($"{path}: auths[\"{key}\"].auth is not base64 of user:password", ExitCode.InvalidInput, e);
                }
                var colon = decoded.IndexOf(':');
                if (colon < 0)
                    throw new GitOpsException($"{path}: auths[\"{key}\"].auth is not base64 of user:password", ExitCode.InvalidInput);
                return new RegistryCredential(decoded[..colon], decoded[(colon + 1)..], $"auths in {path}");
            }
            if (entry.Username is { Length: > 0 } user && entry.Password is not null)
                return new RegistryCredential(user, entry.Password, $"auths in {path}");
        }
        return null;
    }

    /// <summary>Runs <c>docker-credential-NAME get</c> with the server on stdin; null when the helper has nothing for it.</summary>
    private RegistryCredential? FromHelper(string name, string server, string source)
    {
        var program = "docker-credential-" + name;
        var resolved = (_env("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program)).FirstOrDefault(File.Exists)
            ?? throw new GitOpsException($"credential helper {program} for {server} is not on PATH ({source})");
        var psi = new ProcessStartInfo(resolved)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("get");
        if (_env("PATH") is { } pathVar) psi.Environment["PATH"] = pathVar;
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new GitOpsException($"cannot start {program}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new GitOpsException($"credential helper {program} for {server} is not on PATH ({source})", ExitCode.Failure, e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            process.StandardInput.Write(server);
            process.StandardInput.Close();
            if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                process.Kill(entireProcessTree: true);
                throw new GitOpsException($"credential helper {program} did not answer for {server} within 30 s");
            }
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                // The protocol's "not found" answer: no credentials here, keep looking.
                if (stdout.Result.Contains("credentials not found", StringComparison.OrdinalIgnoreCase)
                    || stderr.Result.Contains("credentials not found", StringComparison.OrdinalIgnoreCase))
                    return null;
                throw new GitOpsException($"credential helper {program} failed for {server} (exit {process.ExitCode}): {FirstLine(stderr.Result)}");
            }
            CredentialHelperAnswer? answer;
            try { answer = JsonSerializer.Deserialize(stdout.Result, RegistryJson.Default.CredentialHelperAnswer); }
            catch (JsonException e)
            {
                throw new GitOpsException($"credential helper {program} for {server} printed no JSON credentials", ExitCode.Failure, e);
            }
            if (answer?.Secret is not { Length: > 0 } secret) return null;
            // The protocol's way of handing out an identity token: user "<token>".
            return new RegistryCredential(answer.Username ?? "", secret, source) { IsIdentityToken = answer.Username == "<token>" };
        }
    }

    private static string FirstLine(string s) => s.Split('\n', 2)[0].Trim();

    private RegistryCredential? FromEnvironment(string host)
    {
        if (host.Equals("ghcr.io", StringComparison.OrdinalIgnoreCase) && _env("GITHUB_TOKEN") is { Length: > 0 } token)
            return new RegistryCredential(_env("GITHUB_ACTOR") is { Length: > 0 } actor ? actor : "token", token, "GITHUB_TOKEN");
        if (_env("CI_REGISTRY") is { Length: > 0 } ciRegistry && ciRegistry.Equals(host, StringComparison.OrdinalIgnoreCase))
        {
            if (_env("CI_REGISTRY_USER") is { Length: > 0 } user && _env("CI_REGISTRY_PASSWORD") is { Length: > 0 } password)
                return new RegistryCredential(user, password, "CI_REGISTRY_USER/CI_REGISTRY_PASSWORD");
            if (_env("CI_JOB_TOKEN") is { Length: > 0 } job)
                return new RegistryCredential("gitlab-ci-token", job, "CI_JOB_TOKEN");
        }
        return null;
    }
}
