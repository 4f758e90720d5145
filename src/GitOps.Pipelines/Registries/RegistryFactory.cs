using GitOps.Pipelines.Images;
using GitOps.Pipelines.Registries.Distribution;

namespace GitOps.Pipelines.Registries;

/// <summary>Opens the registry a spec names: <c>oci:PATH</c> is an <see cref="OciLayoutRegistry"/>,
/// <c>docker://HOST[/PREFIX]</c> or <c>HOST[/PREFIX]</c> a <see cref="DistributionRegistry"/>.</summary>
public static class RegistryFactory
{
    /// <summary>
    /// Opens <paramref name="spec"/>: <c>oci:PATH</c> (PATH relative to <paramref name="baseDir"/>) gives an
    /// <see cref="OciLayoutRegistry"/>; <c>docker://HOST[/PREFIX]</c> or a plain <c>HOST[/PREFIX]</c> (HOST has a dot,
    /// a port or is <c>localhost</c>) gives a <see cref="DistributionRegistry"/>. Anything else fails with
    /// <see cref="ExitCode.InvalidInput"/>.
    /// </summary>
    public static IRegistry Open(string spec, string baseDir, RegistryClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(baseDir);
        if (spec.StartsWith("oci:", StringComparison.Ordinal))
        {
            var path = spec["oci:".Length..];
            if (path.Length == 0)
                throw new GitOpsException($"registry '{spec}' needs a folder: oci:PATH", ExitCode.InvalidInput);
            return new OciLayoutRegistry(Path.GetFullPath(path, Path.GetFullPath(baseDir)));
        }
        var rest = spec.StartsWith("docker://", StringComparison.Ordinal) ? spec["docker://".Length..] : spec;
        var slash = rest.IndexOf('/');
        var host = slash < 0 ? rest : rest[..slash];
        var prefix = slash < 0 ? "" : rest[(slash + 1)..].TrimEnd('/');
        var schemeOk = spec.StartsWith("docker://", StringComparison.Ordinal) || !spec.Contains("://", StringComparison.Ordinal);
        var hostLooksRight = schemeOk && host.Length > 0 && (host.Contains('.', StringComparison.Ordinal)
            || host.Contains(':', StringComparison.Ordinal) || host == "localhost");
        if (!hostLooksRight || (prefix.Length > 0 && !ImageReference.TryParse($"{host}/{prefix}", out _)))
            throw new GitOpsException($"registry '{spec}' is not oci:PATH, docker://HOST[/PREFIX] or HOST[/PREFIX]", ExitCode.InvalidInput);
        return new DistributionRegistry(host, prefix, options);
    }
}
