namespace GitOps.Pipelines.Builders;

/// <summary>Whether a builder can run on this machine, and why (or why not).</summary>
/// <param name="Available">True when the builder's tool is installed and (for docker) its daemon answers.</param>
/// <param name="Reason">What was found, in words a log line can carry.</param>
public sealed record BuilderAvailability(bool Available, string Reason);
