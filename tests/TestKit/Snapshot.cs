using System.Runtime.CompilerServices;
using Xunit;

namespace GitOps.Pipelines.TestKit;

/// <summary>
/// Received/verified snapshots: compares text with <c>snapshots/NAME.verified.txt</c> beside the test file.
/// On a difference it writes <c>NAME.received.txt</c> next to it and fails; accept by renaming received to
/// verified. A missing verified file fails too (never silently accepted), unless GITOPS_ACCEPT_SNAPSHOTS=1.
/// </summary>
public static class Snapshot
{
    public static void Match(string actual, string name, [CallerFilePath] string testFile = "")
    {
        var dir = Path.Combine(Path.GetDirectoryName(testFile)!, "snapshots");
        var verified = Path.Combine(dir, name + ".verified.txt");
        var received = Path.Combine(dir, name + ".received.txt");
        actual = actual.Replace("\r\n", "\n");
        var accept = Environment.GetEnvironmentVariable("GITOPS_ACCEPT_SNAPSHOTS") == "1";
        if (File.Exists(verified) && File.ReadAllText(verified).Replace("\r\n", "\n") == actual)
        {
            if (File.Exists(received)) File.Delete(received);
            return;
        }
        Directory.CreateDirectory(dir);
        if (accept)
        {
            File.WriteAllText(verified, actual);
            return;
        }
        File.WriteAllText(received, actual);
        var expected = File.Exists(verified) ? File.ReadAllText(verified) : "(no verified snapshot yet)";
        Assert.Fail($"snapshot '{name}' differs; see {received}\n--- verified\n{expected}\n--- received\n{actual}");
    }
}
