using System.Text.Json.Nodes;
using GitOps.Pipelines.TestKit;
using GitOps.Pipelines.Tests.Kubernetes.ApiStub;

namespace GitOps.Pipelines.Tests.Kubernetes;

/// <summary>The API stub checked with the real kubectl client: what kubectl reads and writes must hold on the stub.</summary>
public sealed class KubectlAgainstStubTests : IAsyncLifetime, IDisposable
{
    private const string Token = "kubectl-test-token";
    private const string Ns = "argo-cd";
    private const string App = "velero-test";
    private readonly TempDir _dir = new("gitops-kubectl");
    private KubernetesApiStub _stub = null!;
    private string _kubeconfig = null!;

    public async Task InitializeAsync()
    {
        _stub = await KubernetesApiStub.StartAsync(tls: true);
        _stub.RequiredToken = Token;
        _stub.CreateYaml(await File.ReadAllTextAsync(Paths.Fixture("argocd/application-with-status.yaml")));
        _kubeconfig = _dir.Write("kubeconfig", $"""
            apiVersion: v1
            kind: Config
            current-context: stub
            clusters:
            - name: stub
              cluster:
                server: {_stub.Url.ToString().TrimEnd('/')}
                certificate-authority-data: {Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(_stub.CaPem!))}
            contexts:
            - name: stub
              context:
                cluster: stub
                user: robot
                namespace: {Ns}
            users:
            - name: robot
              user:
                token: {Token}
            """);
    }

    public async Task DisposeAsync() => await _stub.DisposeAsync();

    public void Dispose() => _dir.Dispose();

    private ProcessResult Kubectl(params string[] args)
    {
        var result = Run.Process("kubectl", ["--kubeconfig", _kubeconfig, "--cache-dir", _dir.Combine("cache"), .. args],
            env: new Dictionary<string, string?> { ["HOME"] = _dir.Path, ["KUBECONFIG"] = null }, timeout: TimeSpan.FromSeconds(60));
        return result;
    }

    [Fact]
    public void Kubectl_get_lists_the_fixture_application_by_its_full_resource_name()
    {
        // Given the fixture Application in the stub
        // When kubectl gets applications.argoproj.io in its namespace
        var names = Kubectl("get", "applications.argoproj.io", "-n", Ns, "-o", "name");
        var table = Kubectl("get", "applications.argoproj.io", "-n", Ns);

        // Then kubectl found the resource through discovery and printed the object
        Assert.True(names.ExitCode == 0, names.ToString());
        Assert.Equal($"application.argoproj.io/{App}", names.StdOut.Trim());
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains(App, table.StdOut);
        // And it authenticated with the kubeconfig's bearer token on every request
        Assert.All(_stub.Requests, r => Assert.Equal($"Bearer {Token}", r.Authorization));
    }

    [Fact]
    public void Kubectl_get_json_returns_the_stored_status()
    {
        var result = Kubectl("get", "application", App, "-n", Ns, "-o", "jsonpath={.status.sync.status}/{.status.health.status}/{.metadata.resourceVersion}");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"Synced/Healthy/{_stub.ResourceVersion}", result.StdOut.Trim());
    }

    [Fact]
    public void Kubectl_annotate_changes_the_stored_object_and_its_resource_version()
    {
        // Given the stored object's resourceVersion
        var before = _stub.ResourceVersion;

        // When kubectl annotates it
        var result = Kubectl("annotate", "applications.argoproj.io", App, "-n", Ns, "argocd.argoproj.io/refresh=hard");

        // Then the stub holds the annotation at a new resourceVersion
        Assert.True(result.ExitCode == 0, result.ToString());
        var stored = _stub.Get(StubResource.Application, Ns, App)!;
        Assert.Equal("hard", (string?)stored["metadata"]!["annotations"]!["argocd.argoproj.io/refresh"]);
        Assert.Equal((before + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)stored["metadata"]!["resourceVersion"]);
        // And the other annotations are untouched
        Assert.Equal("semver", (string?)stored["metadata"]!["annotations"]!["argocd-image-updater.argoproj.io/update-strategy"]);
        Assert.Contains(_stub.Requests, r => r.Method == "PATCH" && r.ContentType!.StartsWith("application/merge-patch+json", StringComparison.Ordinal));
    }

    [Fact]
    public void Kubectl_patch_type_merge_sets_and_removes_fields()
    {
        // When kubectl merge-patches an operation in and a label out
        var result = Kubectl("patch", "applications.argoproj.io", App, "-n", Ns, "--type", "merge",
            "-p", """{"operation":{"sync":{"revision":"abc1234"}},"metadata":{"labels":{"foo":null}}}""");

        // Then the stub applied RFC 7386: the object gained the operation and lost the label
        Assert.True(result.ExitCode == 0, result.ToString());
        var stored = _stub.Get(StubResource.Application, Ns, App)!;
        Assert.Equal("abc1234", (string?)stored["operation"]!["sync"]!["revision"]);
        Assert.False(((JsonObject)stored["metadata"]!["labels"]!).ContainsKey("foo"));
        Assert.Equal("gcp", (string?)stored["metadata"]!["labels"]!["cloud_provider"]);
        // And the spec changed, so the generation moved
        Assert.Equal(2L, (long?)stored["metadata"]!["generation"]);
    }

    [Fact]
    public void Kubectl_reports_the_stubs_not_found_and_forbidden_status_messages()
    {
        // When kubectl asks for a missing Application
        var missing = Kubectl("get", "applications.argoproj.io", "nope", "-n", Ns);
        // Then it prints the NotFound Status message as the real API's
        Assert.NotEqual(0, missing.ExitCode);
        Assert.True(missing.StdErr.Contains("applications.argoproj.io \"nope\" not found", StringComparison.Ordinal),
            missing + string.Join("\n", _stub.Requests.Select(r => $"{r.Method} {r.Path}{r.Query}")));

        // When the stub forbids patches
        _stub.Fail(403, verb: "patch");
        var forbidden = Kubectl("annotate", "applications.argoproj.io", App, "-n", Ns, "x=y");
        // Then kubectl reports forbidden and the object is unchanged
        Assert.NotEqual(0, forbidden.ExitCode);
        Assert.Contains("is forbidden", forbidden.StdErr);
        Assert.Null(_stub.Get(StubResource.Application, Ns, App)!["metadata"]!["annotations"]!["x"]);
    }

    [Fact]
    public async Task Kubectl_get_watch_receives_the_stubs_watch_events()
    {
        // Given kubectl watching the Applications (it lists, then watches from the list's resourceVersion)
        var psi = new System.Diagnostics.ProcessStartInfo("kubectl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "--kubeconfig", _kubeconfig, "--cache-dir", _dir.Combine("cache"), "get", "applications.argoproj.io", "-n", Ns, "-w", "-o", "jsonpath={.metadata.name}/{.metadata.labels.step}{\"\\n\"}" })
            psi.ArgumentList.Add(a);
        psi.Environment["HOME"] = _dir.Path;
        psi.Environment.Remove("KUBECONFIG");
        using var kubectl = System.Diagnostics.Process.Start(psi)!;
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var stderr = kubectl.StandardError.ReadToEndAsync();
        var reader = Task.Run(async () =>
        {
            while (await kubectl.StandardOutput.ReadLineAsync() is { } line) lines.Enqueue(line);
        });
        try
        {
            await WaitForAsync(() => lines.Count >= 1 && _stub.Requests.Any(r => r.Query.Contains("watch=true", StringComparison.Ordinal)));

            // When the object changes in the stub
            _stub.Update(StubResource.Application, Ns, App, o => o["metadata"]!["labels"]!["step"] = "watched");
            await WaitForAsync(() => lines.Count >= 2);

            // Then kubectl printed the listed object, then the object as the streamed change left it
            Assert.Equal([$"{App}/", $"{App}/watched"], lines.Take(2));
            var watch = _stub.Requests.First(r => r.Query.Contains("watch=true", StringComparison.Ordinal));
            Assert.Contains("resourceVersion=", watch.Query);
        }
        finally
        {
            kubectl.Kill(entireProcessTree: true);
            await kubectl.WaitForExitAsync();
        }

        async Task WaitForAsync(Func<bool> condition)
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!condition())
            {
                if (DateTime.UtcNow > deadline || kubectl.HasExited)
                    Assert.Fail($"kubectl -w: printed [{string.Join(" | ", lines)}]; exited: {kubectl.HasExited}; stderr: {(kubectl.HasExited ? await stderr : "")}");
                await Task.Delay(50);
            }
        }
    }

    [Fact]
    public void Kubectl_with_a_wrong_token_is_refused()
    {
        _stub.RequiredToken = "another-token";
        var result = Kubectl("get", "applications.argoproj.io", "-n", Ns);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("provide credentials", result.StdErr, StringComparison.Ordinal);
        Assert.Contains(_stub.Requests, r => r.Authorization == $"Bearer {Token}");
    }
}
