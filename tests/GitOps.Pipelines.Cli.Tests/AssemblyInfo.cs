// Tests share machine resources (ports, git daemons, registries); each class makes its own temp state.
[assembly: CollectionBehavior(DisableTestParallelization = false, MaxParallelThreads = 2)]
