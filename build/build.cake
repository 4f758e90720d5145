// The repo's own build: compile, test, pack, and the commit → image → deploy chain on the embedded defaults.
//   ./build.sh --target Deploy        build examples/hello, push, bump staging through a PR, sync, verify, promote
//   ./build.sh --target Test          run every test project; results in artifacts/test-results/*.trx
//   ./build.sh --description          list the targets;  ./build.sh --tree  show how they depend
// Stage targets (Image, Push, Bump, Gate, Sync, Verify) also run alone: each reads what the previous one left
// in the state folder (.gitops/). Each stage is one `gitops` command, so the Cake targets hold no logic.

var target = Argument("target", "Default");
var configuration = Argument("configuration", "Release");
var config = Argument("config", "gitops.yaml");
var environment = Argument("env", "staging");

var root = MakeAbsolute(Directory(".."));
var artifacts = root.Combine("artifacts");
var solution = root.CombineWithFilePath("GitOps.Pipelines.sln");
var cliProject = root.CombineWithFilePath("src/GitOps.Pipelines.Cli/GitOps.Pipelines.Cli.csproj");
var cliDll = root.CombineWithFilePath($"src/GitOps.Pipelines.Cli/bin/{configuration}/net10.0/gitops.dll");
var helloProject = root.CombineWithFilePath("examples/hello/hello.csproj");

void Gitops(params string[] args)
{
    var builder = new ProcessArgumentBuilder();
    builder.AppendQuoted(cliDll.FullPath);
    foreach (var a in args) builder.AppendQuoted(a);
    var exit = StartProcess("dotnet", new ProcessSettings { Arguments = builder, WorkingDirectory = root });
    if (exit != 0) throw new CakeException(exit, $"gitops {string.Join(" ", args)} exited with {exit}");
}

Setup(ctx => Environment.SetEnvironmentVariable("DOTNET_CLI_TELEMETRY_OPTOUT", "1"));

Task("Clean")
    .Description("Removes build outputs and artifacts/ (the chain's state in .gitops/ is kept; see Reset).")
    .Does(() =>
{
    CleanDirectory(artifacts);
    DotNetClean(solution.FullPath, new DotNetCleanSettings { Configuration = configuration, Verbosity = DotNetVerbosity.Quiet });
});

Task("Reset")
    .Description("Removes the chain's state folder (.gitops/): local registry, runtime repo, PRs, sync records.")
    .Does(() =>
{
    var state = root.Combine(".gitops");
    if (DirectoryExists(state)) DeleteDirectory(state, new DeleteDirectorySettings { Recursive = true, Force = true });
});

Task("Build")
    .Description("Restores and builds the solution.")
    .Does(() =>
{
    DotNetBuild(solution.FullPath, new DotNetBuildSettings { Configuration = configuration });
});

Task("Test-Tools")
    .Description("Installs what the tests need and the machine lacks (tests/tools/install.sh: apt packages, npm ci).")
    .Does(() =>
{
    var exit = StartProcess("bash", new ProcessSettings { Arguments = "tests/tools/install.sh", WorkingDirectory = root });
    if (exit != 0) throw new CakeException(exit, "tests/tools/install.sh failed");
});

Task("Test")
    .Description("Runs every test project; one TRX file per project in artifacts/test-results.")
    .IsDependentOn("Test-Tools")
    .IsDependentOn("Build")
    .Does(() =>
{
    var results = artifacts.Combine("test-results");
    CleanDirectory(results);
    var failed = new List<string>();
    foreach (var project in GetFiles(root.FullPath + "/tests/*/*.Tests.csproj"))
    {
        var name = project.GetFilenameWithoutExtension().ToString();
        try
        {
            DotNetTest(project.FullPath, new DotNetTestSettings
            {
                Configuration = configuration,
                NoBuild = true,
                ResultsDirectory = results,
                Loggers = { $"trx;LogFileName={name}.trx", "console;verbosity=minimal" },
            });
        }
        catch (CakeException e)
        {
            Error($"{name}: {e.Message}");
            failed.Add(name);
        }
    }
    if (failed.Count > 0) throw new CakeException($"tests failed in {string.Join(", ", failed)}");
});

Task("Pack")
    .Description("Packs the library, the Cake addin and the gitops dotnet tool into artifacts/packages.")
    .IsDependentOn("Build")
    .Does(() =>
{
    DotNetPack(solution.FullPath, new DotNetPackSettings
    {
        Configuration = configuration,
        NoBuild = true,
        OutputDirectory = artifacts.Combine("packages"),
    });
});

Task("Cli")
    .Description("Builds the gitops CLI the stage targets run.")
    .Does(() =>
{
    DotNetBuild(cliProject.FullPath, new DotNetBuildSettings { Configuration = configuration, Verbosity = DotNetVerbosity.Minimal });
});

Task("Publish-App")
    .Description("Publishes examples/hello into artifacts/publish/hello: the image's application layer.")
    .Does(() =>
{
    DotNetPublish(helloProject.FullPath, new DotNetPublishSettings
    {
        Configuration = configuration,
        OutputDirectory = artifacts.Combine("publish/hello"),
        Verbosity = DotNetVerbosity.Minimal,
    });
});

Task("Image")
    .Description("Stage 1: builds the app image with the configured builder (built-in OCI assembler by default).")
    .IsDependentOn("Cli")
    .IsDependentOn("Publish-App")
    .Does(() => Gitops("build", "--config", config));

Task("Push")
    .Description("Stage 2: pushes the built image to the registry (an OCI layout under .gitops/ by default).")
    .IsDependentOn("Cli")
    .Does(() => Gitops("push", "--config", config));

Task("Bump")
    .Description("Stage 3: edits the image's digest into the environment on a branch of the runtime repo (--env, default staging).")
    .IsDependentOn("Cli")
    .Does(() => Gitops("bump", "--config", config, "--env", environment));

Task("Gate")
    .Description("Stage 4: opens the pull request for the bump and merges it when the gate allows.")
    .IsDependentOn("Cli")
    .Does(() => Gitops("gate", "--config", config, "--env", environment));

Task("Sync")
    .Description("Stage 5: delivers merge webhooks to the webhook service, which syncs the environment.")
    .IsDependentOn("Cli")
    .Does(() => Gitops("sync", "--config", config));

Task("Verify")
    .Description("Stage 6: waits until the environment runs the merged revision, then reports it.")
    .IsDependentOn("Cli")
    .Does(() => Gitops("verify", "--config", config, "--env", environment));

Task("Deploy")
    .Description("The whole chain: Image, Push, Bump, Gate, Sync, Verify, then the promotion PR to the next environment.")
    .IsDependentOn("Image")
    .IsDependentOn("Push")
    .IsDependentOn("Bump")
    .IsDependentOn("Gate")
    .IsDependentOn("Sync")
    .IsDependentOn("Verify")
    .Does(() => Gitops("promote", "--config", config, "--from", environment));

Task("Status")
    .Description("Shows what each environment runs (gitops status).")
    .IsDependentOn("Cli")
    .Does(() => Gitops("status", "--config", config));

Task("Approve")
    .Description("Approves a pull request on the local forge: --pr N (gitops pr approve N).")
    .IsDependentOn("Cli")
    .Does(() =>
{
    var pr = Argument<string>("pr", null) ?? throw new CakeException("Approve needs --pr N (see ./build.sh --target Status or gitops pr list)");
    Gitops("pr", "approve", pr, "--config", config);
});

Task("Default")
    .Description("Build and test.")
    .IsDependentOn("Test");

RunTarget(target);
