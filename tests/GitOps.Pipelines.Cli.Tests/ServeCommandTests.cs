using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using GitOps.Pipelines.TestKit;

namespace GitOps.Pipelines.Cli.Tests;

/// <summary>`gitops serve` as its own process, the way it runs in a cluster.</summary>
public class ServeCommandTests
{
    private static string Gitops => Path.Combine(AppContext.BaseDirectory, "gitops.dll");

    [Fact]
    public async Task Serves_healthz_and_refuses_an_unsigned_webhook_with_the_secret_from_the_environment()
    {
        using var dir = new TempDir("serve");
        File.Copy(Path.Combine(Paths.RepoRoot, "gitops.yaml"), dir.Combine("gitops.yaml"));
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir.Path };
        foreach (var a in new[] { Gitops, "serve", "--urls", "http://127.0.0.1:0" }) psi.ArgumentList.Add(a);
        psi.Environment["GITOPS_WEBHOOK_GITHUB_SECRET"] = "from-the-environment";
        using var process = Process.Start(psi)!;
        try
        {
            var url = await ListeningUrl(process);
            using var http = new HttpClient { BaseAddress = url };

            var health = await http.GetAsync("/healthz");
            var unsigned = await http.PostAsync("/hooks/github", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));

            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Equal("ok", await health.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        var log = await process.StandardOutput.ReadToEndAsync();
        Assert.DoesNotContain("from-the-environment", log);
    }

    [Fact]
    public void Without_a_secret_it_refuses_to_start_and_says_where_to_set_one()
    {
        using var dir = new TempDir("serve");
        File.Copy(Path.Combine(Paths.RepoRoot, "gitops.yaml"), dir.Combine("gitops.yaml"));

        var r = Run.Process("dotnet", [Gitops, "serve", "--urls", "http://127.0.0.1:0"], dir.Path,
            new Dictionary<string, string?> { ["GITOPS_WEBHOOK_GITHUB_SECRET"] = null });

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("GITOPS_WEBHOOK_GITHUB_SECRET", r.StdErr);
    }

    private static async Task<Uri> ListeningUrl(Process process)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            if (Regex.Match(line, @"Now listening on: (http://\S+)") is { Success: true } m)
                return new Uri(m.Groups[1].Value);
        throw new InvalidOperationException($"gitops serve exited ({process.ExitCode}) without listening: {await process.StandardError.ReadToEndAsync()}");
    }
}
