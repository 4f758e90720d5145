using GitOps.Pipelines.TestKit;

namespace GitOps.Pipelines.Tests.Oci;

/// <summary>skopeo, umoci, tar and gzip as the tests call them: missing tools fail the test (CI installs them).</summary>
public static class ExternalTool
{
    /// <summary>Runs <paramref name="program"/> and returns its stdout; fails the test on a missing tool or a non-zero exit.</summary>
    public static string Run(string program, params string[] args) => RunRaw(program, args).StdOut;

    /// <summary>Runs <paramref name="program"/>; fails the test on a missing tool or a non-zero exit.</summary>
    public static ProcessResult RunRaw(string program, params string[] args)
    {
        Require(program);
        var result = TestKit.Run.Process(program, args);
        Assert.True(result.ExitCode == 0, $"{program} {string.Join(' ', args)} failed: {result}");
        return result;
    }

    /// <summary>Fails (never skips) when <paramref name="program"/> is not on PATH.</summary>
    public static void Require(string program) =>
        Assert.True(TestKit.Run.OnPath(program),
            $"{program} is not on PATH; these tests check our images with the real tool (Debian: apt-get install {program})");
}
