namespace GitOps.Pipelines.Cli.Tests.EntryPoints;

/// <summary>
/// A stand-in <c>gitops</c> executable that answers with a given stage report and exit code, as the CLI's
/// contract says (<c>deploy … --output json</c>: the report on stdout, progress on stderr). It records its
/// arguments, working directory and the GITOPS_* variables it was given, so a test can check what the entry
/// point passed without depending on the chain itself.
/// </summary>
internal sealed class FakeGitops
{
    public FakeGitops(string directory, string report, int exitCode, string name = "gitops")
    {
        Directory.CreateDirectory(directory);
        _directory = directory;
        File.WriteAllText(Path.Combine(directory, "report.json"), report);
        Executable = Path.Combine(directory, name);
        File.WriteAllText(Executable, $"""
            #!/usr/bin/env bash
            here='{directory}'
            printf '%s\n' "$@" > "$here/args"
            pwd > "$here/pwd"
            env | grep '^GITOPS_' | sort > "$here/env" || true
            echo "gitops: running the chain (progress goes to stderr)" >&2
            cat "$here/report.json"
            exit {exitCode}

            """.Replace("\r\n", "\n"));
        MakeExecutable(Executable);
    }

    private readonly string _directory;

    /// <summary>chmod u+rwx: the entry points run on Linux runners only.</summary>
    internal static void MakeExecutable(string path)
    {
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>The executable's path.</summary>
    public string Executable { get; }

    /// <summary>True once it has run.</summary>
    public bool Ran => File.Exists(Path.Combine(_directory, "args"));

    /// <summary>The arguments of its last run.</summary>
    public IReadOnlyList<string> Arguments => File.ReadAllLines(Path.Combine(_directory, "args"));

    /// <summary>The working directory of its last run.</summary>
    public string WorkingDirectory => File.ReadAllText(Path.Combine(_directory, "pwd")).Trim();

    /// <summary>The GITOPS_* environment variables of its last run.</summary>
    public IReadOnlyDictionary<string, string> Environment =>
        File.ReadAllLines(Path.Combine(_directory, "env"))
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1]);

    /// <summary>A report with every stage of a chain that deployed staging, then opened the production promotion (Bump + Gate).</summary>
    public const string DeployedReport = """
        [
          {"stage":"Image","outcome":"built","image":"localhost/hello:1.4.0","digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","seconds":1.2049},
          {"stage":"Push","outcome":"pushed","image":"localhost/hello:1.4.0","digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","seconds":0.3},
          {"stage":"Bump","outcome":"committed","environment":"staging","branch":"gitops/staging/hello-1.4.0","seconds":0.2},
          {"stage":"Gate","outcome":"merged","environment":"staging","pullRequest":7,"pullRequestUrl":"https://forge.example/runtime/pulls/7","revision":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","seconds":0.4},
          {"stage":"Sync","outcome":"synced","environment":"staging","revision":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","seconds":0.5},
          {"stage":"Verify","outcome":"verified","environment":"staging","pullRequest":7,"revision":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","seconds":0.1},
          {"stage":"Bump","outcome":"committed","environment":"production","revision":"dddddddddddddddddddddddddddddddddddddddd","seconds":0.2},
          {"stage":"Gate","outcome":"waiting","environment":"production","pullRequest":8,"pullRequestUrl":"https://forge.example/runtime/pulls/8","seconds":0.2}
        ]
        """;

    /// <summary>A report that stops at a gate waiting for an approval.</summary>
    public const string WaitingReport = """
        [
          {"stage":"Image","outcome":"built","image":"localhost/hello:1.4.0","digest":"sha256:2222222222222222222222222222222222222222222222222222222222222222","seconds":1.0},
          {"stage":"Gate","outcome":"waiting","environment":"production","pullRequest":9,"pullRequestUrl":"https://forge.example/runtime/pulls/9","revision":"cccccccccccccccccccccccccccccccccccccccc","seconds":0.1}
        ]
        """;
}
