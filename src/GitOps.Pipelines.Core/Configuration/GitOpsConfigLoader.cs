using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace GitOps.Pipelines.Configuration;

/// <summary>
/// Reads and validates gitops.yaml from YamlDotNet's representation model (not reflection), so every error
/// names <c>file:line:column</c> and the key path, and every omitted key takes its documented default.
/// </summary>
public static partial class GitOpsConfigLoader
{
    /// <summary>The editor kinds an environment may name.</summary>
    public static IReadOnlyList<string> EditorKinds => Manifests.ManifestEditors.Kinds;

    /// <summary>The image builders.</summary>
    public static IReadOnlyList<string> BuilderKinds { get; } = ["builtin", "buildah", "docker", "dotnet", "auto"];

    /// <summary>The forges that gate changes to the runtime repo.</summary>
    public static IReadOnlyList<string> ForgeKinds { get; } = ["local", "github", "gitlab"];

    /// <summary>The sync kinds.</summary>
    public static IReadOnlyList<string> SyncKinds { get; } = ["local", "argocd", "flux"];

    /// <summary>The gates an environment may use.</summary>
    public static IReadOnlyList<string> GateKinds { get; } = ["pr", "direct"];

    /// <summary>The tag strategies (argocd-image-updater's names and aliases).</summary>
    public static IReadOnlyList<string> TagStrategies { get; } = ["semver", "newest-build", "latest", "alphabetical", "name", "digest"];

    /// <summary>The file an editor kind edits when an environment names none.</summary>
    public static string DefaultFile(string editor) => editor switch
    {
        "helm" => "values.yaml",
        "manifests" => "deployment.yaml",
        "argocd" => ".argocd-source.yaml",
        _ => "kustomization.yaml",
    };

    /// <summary>Loads <paramref name="path"/>; relative paths in it resolve against the file's folder.</summary>
    public static GitOpsConfig Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = System.IO.Path.GetFullPath(path);
        if (!System.IO.File.Exists(full))
            throw new GitOpsException($"{path}: configuration file not found (looked at {full})", ExitCode.InvalidInput);
        string text;
        try
        {
            text = System.IO.File.ReadAllText(full);
        }
        catch (IOException e)
        {
            throw new GitOpsException($"{path}: cannot read the configuration file: {e.Message}", ExitCode.InvalidInput, e);
        }
        return Parse(text, path, System.IO.Path.GetDirectoryName(full)!);
    }

    /// <summary>Parses gitops.yaml text; <paramref name="file"/> names it in errors, <paramref name="baseDir"/> becomes <see cref="GitOpsConfig.BaseDir"/>.</summary>
    public static GitOpsConfig Parse(string yaml, string file, string baseDir)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(baseDir);
        var root = LoadRoot(yaml, file);
        var top = new ConfigSection(file, "", root, "image", "runtime", "environments", "sync", "webhook", "stateDir");

        var imageSection = top.Section("image", "name", "registry", "context", "builder", "base", "workingDir", "entrypoint", "tags", "labels",
                "platforms", "tagging", "insecureRegistries")
            ?? throw top.Error(top.Start, "", "image is required");
        var image = ReadImage(imageSection);

        var runtime = top.Section("runtime", "url", "branch", "forge", "seed", "author", "apiUrl", "project", "tokenEnv", "pullRequests", "committer", "commitMessage", "trailers");
        var author = runtime?.Section("author", "name", "email");
        var committer = runtime?.Section("committer", "name", "email");
        var forge = runtime?.OneOf("forge", "local", [.. ForgeKinds]) ?? "local";
        var runtimeConfig = new RuntimeRepoConfig(
            Url: runtime?.String("url", ".gitops/runtime.git") ?? ".gitops/runtime.git",
            Branch: runtime?.String("branch", "main") ?? "main",
            Forge: forge,
            Seed: runtime?.OptionalString("seed"),
            AuthorName: author?.String("name", "gitops-bot") ?? "gitops-bot",
            AuthorEmail: author?.String("email", "gitops-bot@users.noreply.local") ?? "gitops-bot@users.noreply.local",
            ApiUrl: runtime is null ? null : ReadApiUrl(runtime),
            Project: runtime is null ? null : ReadProject(runtime, forge),
            TokenEnv: runtime?.OptionalString("tokenEnv"),
            PullRequests: runtime is null ? null : ReadPullRequests(runtime, forge),
            CommitterName: committer?.OptionalString("name"),
            CommitterEmail: committer?.OptionalString("email"),
            CommitMessage: runtime?.OptionalString("commitMessage"),
            Trailers: runtime is null || runtime.Node("trailers") is null ? null : runtime.StringMap("trailers"));

        var sync = top.Section("sync", "kind", "timeout", "kubeconfig", "context", "refresh", "syncOperation");
        var syncConfig = new SyncConfig(
            sync?.OneOf("kind", "local", [.. SyncKinds]) ?? "local",
            sync?.Duration("timeout", TimeSpan.FromSeconds(60)) ?? TimeSpan.FromSeconds(60),
            sync?.OptionalString("kubeconfig"),
            sync?.OptionalString("context"),
            sync?.OneOf("refresh", "normal", "normal", "hard") ?? "normal",
            sync?.Boolean("syncOperation", false) ?? false);

        var environments = ReadEnvironments(top, syncConfig.Kind);

        var webhook = top.Section("webhook", "url", "secretEnv", "secret", "report", "imageUpdates");
        var webhookConfig = new WebhookConfig(
            webhook?.OptionalString("url"),
            webhook?.String("secretEnv", "GITOPS_WEBHOOK_GITHUB_SECRET") ?? "GITOPS_WEBHOOK_GITHUB_SECRET",
            webhook?.OptionalString("secret"),
            webhook?.OneOf("report", "status", ["status", "deployment", "none"]) ?? "status")
        {
            ImageUpdates = webhook is null ? [] : ReadImageUpdates(webhook, environments),
        };

        return new GitOpsConfig(image, runtimeConfig, environments, syncConfig, webhookConfig,
            top.String("stateDir", ".gitops"), baseDir, file);
    }

    private static YamlMappingNode LoadRoot(string yaml, string file)
    {
        // The span parser first: it reports every syntax error (and duplicate keys) with a position, including the
        // unterminated flow collections on which YamlDotNet's parser throws a bare InvalidOperationException.
        Manifests.YamlTree.Parse(file, yaml);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new GitOpsException($"{file}:{e.Start.Line}:{e.Start.Column}: {ParserMessage(e)}", ExitCode.InvalidInput, e);
        }
        if (stream.Documents.Count == 0 || ConfigSection.IsNull(stream.Documents[0].RootNode))
            throw new GitOpsException($"{file}:1:1: the file is empty; 'image' is required", ExitCode.InvalidInput);
        if (stream.Documents.Count > 1)
        {
            var second = stream.Documents[1].RootNode.Start;
            throw new GitOpsException($"{file}:{second.Line}:{second.Column}: one YAML document expected, found {stream.Documents.Count}", ExitCode.InvalidInput);
        }
        var root = stream.Documents[0].RootNode;
        return root as YamlMappingNode
            ?? throw new GitOpsException($"{file}:{root.Start.Line}:{root.Start.Column}: the top level must be a mapping (image:, runtime:, environments:, …), got a {ConfigSection.Describe(root)}", ExitCode.InvalidInput);
    }

    /// <summary>YamlDotNet's message without its own "(Line: …) - (Line: …): " prefix, which the caller replaces.</summary>
    internal static string ParserMessage(YamlException e) => MarkPrefix().Replace(e.Message, "");

    /// <summary>The merge methods of runtime.pullRequests.mergeMethod (rebase is GitHub only).</summary>
    public static IReadOnlyList<string> MergeMethods { get; } = ["merge", "squash", "rebase"];

    private static string? ReadApiUrl(ConfigSection runtime)
    {
        var value = runtime.OptionalString("apiUrl");
        if (value is null) return null;
        if (Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http") return value;
        throw runtime.Error(runtime.Node("apiUrl")!.Start, runtime.KeyPath("apiUrl"), $"must be an http(s) URL like https://ghe.example.com/api/v3, got '{value}'");
    }

    private static string? ReadProject(ConfigSection runtime, string forge)
    {
        var value = runtime.OptionalString("project");
        if (value is null) return null;
        var parts = value.Split('/');
        var ok = parts.All(p => p.Length > 0) && (forge == "github" ? parts.Length == 2 : parts.Length >= 2 || long.TryParse(value, out _));
        if (ok) return value;
        throw runtime.Error(runtime.Node("project")!.Start, runtime.KeyPath("project"),
            forge == "github" ? $"must be owner/repo, got '{value}'" : $"must be group/project (subgroups allowed) or a project id, got '{value}'");
    }

    private static PullRequestConfig? ReadPullRequests(ConfigSection runtime, string forge)
    {
        var s = runtime.Section("pullRequests", "mergeMethod", "autoMerge", "draft", "labels", "reviewers", "teamReviewers", "assignees", "requiredChecks");
        if (s is null) return null;
        var method = s.OneOf("mergeMethod", "merge", [.. MergeMethods]);
        if (method == "rebase" && forge == "gitlab")
            throw s.Error(s.Node("mergeMethod")!.Start, s.KeyPath("mergeMethod"),
                "'rebase' is not a per-merge choice on GitLab (set fast-forward merges in the project); use 'merge' or 'squash'");
        return new PullRequestConfig(method, s.Boolean("autoMerge", false), s.Boolean("draft", false), s.StringList("labels"),
            s.StringList("reviewers"), s.StringList("teamReviewers"), s.StringList("assignees"), s.StringList("requiredChecks"));
    }

    private static ImageConfig ReadImage(ConfigSection s)
    {
        var tags = s.Section("tags", "strategy", "constraint", "allowTags", "ignoreTags");
        var tagging = s.Section("tagging", "prefix", "suffix", "raw", "latest");
        return new ImageConfig(
            Name: s.RequiredString("name"),
            Registry: s.String("registry", "oci:.gitops/registry"),
            Context: s.String("context", "."),
            Builder: s.OneOf("builder", "builtin", [.. BuilderKinds]),
            Base: s.String("base", "scratch"),
            WorkingDir: s.String("workingDir", "/app"),
            Entrypoint: s.StringList("entrypoint"),
            Tags: new TagRules(
                tags?.OneOf("strategy", "semver", [.. TagStrategies]) ?? "semver",
                tags?.OptionalString("constraint"),
                tags?.OptionalString("allowTags"),
                tags?.StringList("ignoreTags") ?? []),
            Labels: s.StringMap("labels"))
        {
            InsecureRegistries = InsecureRegistries(s),
            Platforms = Checked(s, "platforms", PlatformPattern(), "must be os/arch or os/arch/variant (e.g. linux/amd64, linux/arm64/v8)"),
            Tagging = tagging is null ? Tags.TagFlavor.Default : new Tags.TagFlavor(
                CheckedString(tagging, "prefix", TagCharsPattern(), "must be letters, digits, '_', '.' or '-'"),
                CheckedString(tagging, "suffix", TagCharsPattern(), "must be letters, digits, '_', '.' or '-'"),
                Checked(tagging, "raw", Images.ReferenceGrammar.AnchoredTag, "must be a tag (letters, digits, '_', '.', '-'; at most 128; not starting with '.' or '-')"),
                tagging.Boolean("latest", true)),
        };
    }

    // HOST[:PORT] as docker's --insecure-registry takes it: no scheme, no path.
    private static IReadOnlyList<string> InsecureRegistries(ConfigSection s)
    {
        var list = s.StringList("insecureRegistries");
        for (var i = 0; i < list.Count; i++)
        {
            var host = list[i];
            if (host.Length == 0 || host.Contains("://", StringComparison.Ordinal) || host.Contains('/', StringComparison.Ordinal)
                || host.Any(char.IsWhiteSpace))
            {
                var node = ((YamlSequenceNode)s.Node("insecureRegistries")!).Children[i];
                throw s.Error(node.Start, $"{s.KeyPath("insecureRegistries")}[{i}]", $"must be HOST or HOST:PORT (no scheme, no path), got '{host}'");
            }
        }
        return list;
    }

    [GeneratedRegex("^[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?$")]
    private static partial Regex PlatformPattern();

    [GeneratedRegex("^[A-Za-z0-9_.-]*$")]
    private static partial Regex TagCharsPattern();

    /// <summary>A string list whose every entry matches <paramref name="pattern"/>.</summary>
    private static IReadOnlyList<string> Checked(ConfigSection s, string key, Regex pattern, string rule)
    {
        var list = s.StringList(key);
        for (var i = 0; i < list.Count; i++)
        {
            if (!pattern.IsMatch(list[i]))
                throw s.Error(((YamlSequenceNode)s.Node(key)!).Children[i].Start, $"{s.KeyPath(key)}[{i}]", $"{rule}, got '{list[i]}'");
        }
        return list;
    }

    /// <summary>A string (empty when absent) that matches <paramref name="pattern"/>.</summary>
    private static string CheckedString(ConfigSection s, string key, Regex pattern, string rule)
    {
        var value = s.String(key, "");
        return pattern.IsMatch(value) ? value : throw s.Error(s.Node(key)!.Start, s.KeyPath(key), $"{rule}, got '{value}'");
    }

    // flux-setters sets the markers of one Flux image policy: required, and namespace:name.
    private static string? ImagePolicy(ConfigSection e, string editor)
    {
        var policy = e.OptionalString("imagePolicy");
        if (editor == "flux-setters" && policy is null)
            throw e.Error(e.Node("editor")!.Start, e.KeyPath("imagePolicy"), "editor flux-setters needs the Flux image policy whose markers it sets (namespace:name)");
        if (policy is not null && policy.Split(':') is not [{ Length: > 0 }, { Length: > 0 }])
            throw e.Error(e.Node("imagePolicy")!.Start, e.KeyPath("imagePolicy"), $"must be namespace:name, got '{policy}'");
        return policy;
    }

    /// <summary><c>webhook.imageUpdates</c>: a list of <c>{ image, environment }</c>; the environment must exist.</summary>
    private static List<ImageUpdateConfig> ReadImageUpdates(ConfigSection webhook, IReadOnlyList<EnvironmentConfig> environments)
    {
        var seq = webhook.Sequence("imageUpdates");
        var result = new List<ImageUpdateConfig>();
        if (seq is null) return result;
        for (var i = 0; i < seq.Children.Count; i++)
        {
            var path = webhook.KeyPath($"imageUpdates[{i}]");
            if (seq.Children[i] is not YamlMappingNode map)
                throw webhook.Error(seq.Children[i].Start, path, $"must be a mapping (image:, environment:), got {ConfigSection.Shown(seq.Children[i])}");
            var u = new ConfigSection(webhook.File, path, map, "image", "environment");
            var image = u.RequiredString("image");
            var environment = u.RequiredString("environment");
            if (environments.All(e => e.Name != environment))
                throw u.Error(u.Node("environment")!.Start, u.KeyPath("environment"),
                    $"no environment '{environment}' (known: {string.Join(", ", environments.Select(e => e.Name))})");
            result.Add(new ImageUpdateConfig(image, environment));
        }
        return result;
    }

    private static List<EnvironmentConfig> ReadEnvironments(ConfigSection top, string syncKind)
    {
        var seq = top.Sequence("environments");
        var result = new List<EnvironmentConfig>();
        if (seq is null) return result;
        var nameNodes = new List<YamlNode>();
        var promoteNodes = new List<YamlNode?>();
        for (var i = 0; i < seq.Children.Count; i++)
        {
            var path = $"environments[{i}]";
            if (seq.Children[i] is not YamlMappingNode map)
                throw top.Error(seq.Children[i].Start, path, $"must be a mapping (name:, path:, …), got {ConfigSection.Shown(seq.Children[i])}");
            var e = new ConfigSection(top.File, path, map, "name", "path", "editor", "file", "gate", "approvals", "autoMerge", "promoteFrom", "target", "valuesKey", "imagePolicy");
            var name = e.RequiredString("name");
            var previous = result.FindIndex(r => r.Name == name);
            if (previous >= 0)
                throw e.Error(e.Node("name")!.Start, e.KeyPath("name"), $"duplicate environment name '{name}' (also environments[{previous}])");
            var editor = e.OneOf("editor", "kustomize", [.. EditorKinds]);
            result.Add(new EnvironmentConfig(
                Name: name,
                Path: e.RequiredString("path"),
                Editor: editor,
                File: e.String("file", DefaultFile(editor)),
                Gate: e.OneOf("gate", "pr", [.. GateKinds]),
                Approvals: e.WholeNumber("approvals", 0),
                AutoMerge: e.Boolean("autoMerge", false),
                PromoteFrom: e.OptionalString("promoteFrom"),
                Target: ReadTarget(e, name, syncKind),
                ValuesKey: e.OptionalString("valuesKey"),
                ImagePolicy: ImagePolicy(e, editor)));
            nameNodes.Add(e.Node("name")!);
            promoteNodes.Add(e.Node("promoteFrom"));
        }
        for (var i = 0; i < result.Count; i++)
        {
            if (result[i].PromoteFrom is not { } from) continue;
            var at = promoteNodes[i]!.Start;
            var path = $"environments[{i}].promoteFrom";
            if (from == result[i].Name)
                throw top.Error(at, path, $"environment '{from}' cannot promote from itself");
            if (result.All(r => r.Name != from))
                throw top.Error(at, path, $"unknown environment '{from}' (known: {string.Join(", ", result.Select(r => r.Name))})");
        }
        for (var i = 0; i < result.Count; i++)
        {
            var chain = new List<string> { result[i].Name };
            for (var from = result[i].PromoteFrom; from is not null; from = result.First(r => r.Name == from).PromoteFrom)
            {
                chain.Add(from);
                if (from == result[i].Name)
                    throw top.Error(promoteNodes[i]!.Start, $"environments[{i}].promoteFrom", $"promotion cycle: {string.Join(" ← ", chain)}");
                if (chain.Count > result.Count) break; // a cycle further up the chain; reported at its own members
            }
        }
        return result;
    }

    /// <summary>
    /// The environment's cluster object for sync.kind argocd (an Application, default <c>argocd/&lt;env&gt;</c>) or flux
    /// (a Kustomization or HelmRelease, default <c>Kustomization flux-system/&lt;env&gt;</c>, optionally with a source);
    /// null for the local sync, which ignores <c>target</c>.
    /// </summary>
    private static SyncTarget? ReadTarget(ConfigSection e, string environment, string syncKind)
    {
        var t = e.Section("target", "kind", "name", "namespace", "source");
        if (syncKind == "local") return null;
        var argo = syncKind == "argocd";
        var kind = argo
            ? t?.OneOf("kind", "Application", "Application") ?? "Application"
            : t?.OneOf("kind", "Kustomization", "Kustomization", "HelmRelease") ?? "Kustomization";
        var ns = t?.String("namespace", argo ? "argocd" : "flux-system") ?? (argo ? "argocd" : "flux-system");
        var name = t?.String("name", environment) ?? environment;
        SyncSource? source = null;
        if (t?.Section("source", "kind", "name", "namespace") is { } s)
        {
            if (argo)
                throw s.Error(s.Start, s.Path, "a source applies to Flux targets only (Argo CD reads the Application's own source)");
            source = new SyncSource(s.OneOf("kind", "GitRepository", "GitRepository", "OCIRepository"), s.String("namespace", ns), s.RequiredString("name"));
        }
        return new SyncTarget(kind, ns, name, source);
    }

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ")]
    private static partial Regex MarkPrefix();
}
