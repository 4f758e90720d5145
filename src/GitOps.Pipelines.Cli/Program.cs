using GitOps.Pipelines.Cli;

// gitops: a thin command-line shell over the GitOps.Pipelines library. Each command group lives in its own file.
return await Cli.RunAsync(args);
