namespace GitOps.Pipelines.Registries;

/// <summary>Opens the registry a spec names: <c>oci:PATH</c> is an <see cref="OciLayoutRegistry"/>.</summary>
public static class RegistryFactory
{
    /// <summary>
    /// Opens <paramref name="spec"/>: <c>oci:PATH</c> (PATH relative to <paramref name="baseDir"/>) gives an
    /// <see cref="OciLayoutRegistry"/>; any other spec fails with <see cref="ExitCode.InvalidInput"/> until the
    /// OCI distribution client lands.
    /// </summary>
    public static IRegistry Open(string spec, string baseDir)
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
        throw new GitOpsException($"registry '{spec}' needs the OCI distribution client (issue 3)", ExitCode.InvalidInput);
    }
}
