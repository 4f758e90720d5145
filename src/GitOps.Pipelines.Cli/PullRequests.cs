using System.CommandLine;
using GitOps.Pipelines.Configuration;
using GitOps.Pipelines.Deploy;
using GitOps.Pipelines.Webhooks;

namespace GitOps.Pipelines.Cli;

/// <summary><c>gitops pr list|approve|merge</c>: the review gate of the local forge.</summary>
internal static class PullRequests
{
    public static Command Create()
    {
        var pr = new Command("pr", "Pull requests on the runtime repo's forge: list, approve, merge.");
        pr.Subcommands.Add(List());
        pr.Subcommands.Add(Act("approve", "Approve a pull request (its gate may then merge it on the next Deploy).", approve: true));
        pr.Subcommands.Add(Act("merge", "Merge a pull request when its gate allows, then sync and verify its environment.", approve: false));
        return pr;
    }

    private static Option<string> Config() => new("--config", "-c") { Description = "Path to gitops.yaml.", DefaultValueFactory = _ => "gitops.yaml" };

    private static Command List()
    {
        var config = Config();
        var output = Output.Option();
        var state = new Option<string>("--state") { Description = "open, merged, closed or all.", DefaultValueFactory = _ => "open" }
            .AcceptOnlyFromAmong("open", "merged", "closed", "all");
        var command = new Command("list", "List pull requests.") { config, output, state };
        command.SetAction(async (parse, ct) =>
        {
            var cfg = GitOpsConfigLoader.Load(parse.GetValue(config)!);
            var filter = parse.GetValue(state) switch
            {
                "open" => PullRequestState.Open,
                "merged" => PullRequestState.Merged,
                "closed" => PullRequestState.Closed,
                _ => (PullRequestState?)null,
            };
            var list = await DeployerFactory.Forge(cfg).ListAsync(filter, ct);
            Output.Write(parse, output, list, CliJson.Default.IReadOnlyListPullRequest, l =>
                l.Count == 0 ? "no pull requests" : string.Join('\n', l.Select(Line)));
            return 0;
        });
        return command;
    }

    private static Command Act(string name, string description, bool approve)
    {
        var config = Config();
        var output = Output.Option();
        var number = new Argument<int>("number") { Description = "The pull request's number." };
        var reviewer = new Option<string>("--reviewer") { Description = "Who approves.", DefaultValueFactory = _ => Environment.UserName };
        var command = new Command(name, description) { number, config, output };
        if (approve) command.Options.Add(reviewer);
        command.SetAction(async (parse, ct) =>
        {
            var cfg = GitOpsConfigLoader.Load(parse.GetValue(config)!);
            var log = parse.GetValue(output) == "json" ? parse.InvocationConfiguration.Error : parse.InvocationConfiguration.Output;
            var n = parse.GetValue(number);
            PullRequest result;
            if (approve)
            {
                result = await DeployerFactory.Forge(cfg).ApproveAsync(n, parse.GetValue(reviewer)!, ct);
                log.WriteLine(result.IsApproved
                    ? $"PR #{n} approved; run `./build.sh --target Deploy` (or `gitops pr merge {n}`) to merge and roll it out"
                    : $"PR #{n} has {result.Approvals.Count} of {result.RequiredApprovals} approvals");
            }
            else
            {
                await using var endpoint = WebhookEndpoints.For(cfg, log);
                var deployer = DeployerFactory.Create(cfg, endpoint, log);
                result = await deployer.MergeAsync(n, ct);
            }
            Output.Write(parse, output, result, CliJson.Default.PullRequest, Line);
            return 0;
        });
        return command;
    }

    private static string Line(PullRequest p) =>
        $"#{p.Number,-4} {p.State,-7} {p.Head} → {p.Base}  {p.Title}  ({p.Approvals.Count}/{p.RequiredApprovals} approvals)";
}
