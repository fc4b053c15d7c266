namespace DslFlow.Execution;

/// <summary>Decides each chain's parallelism from the options (per node, then default) and the attributes.</summary>
internal static class ParallelismResolver
{
    public static int[] Resolve(JobGraph graph, PipelineOptions options, int maxParallelism)
    {
        foreach (string node in options.Parallelism.Keys)
        {
            if (!graph.Nodes.Any(n => n.Name == node))
            {
                throw new ArgumentException(
                    $"PipelineOptions.Parallelism names node '{node}', which pipeline '{graph.Name}' does not have. " +
                    $"Its nodes are: {string.Join(", ", graph.Nodes.Select(n => n.Name))}.");
            }
        }
        var result = new int[graph.Chains.Count];
        for (int c = 0; c < result.Length; c++)
        {
            ChainInfo chain = graph.Chains[c];
            var overrides = chain.Nodes.Where(options.Parallelism.ContainsKey).Select(n => (Node: n, Value: options.Parallelism[n])).ToList();
            if (overrides.Select(o => o.Value).Distinct().Count() > 1)
            {
                throw new ArgumentException(
                    $"PipelineOptions.Parallelism gives different values to nodes fused into task '{chain.Name}' " +
                    $"({string.Join(", ", overrides.Select(o => $"{o.Node}={o.Value}"))}). Fused nodes share one parallelism: give them the same value.");
            }
            NodeInfo head = graph.Node(chain.Nodes[0]);
            int p = overrides.Count > 0 ? overrides[0].Value
                : head.Parallelism > 0 ? head.Parallelism
                : options.DefaultParallelism ?? graph.DefaultParallelism;
            if (chain.Nodes.Any(n => graph.Node(n).IsKeyed) && p > maxParallelism)
            {
                throw new ArgumentException(
                    $"Task '{chain.Name}' is keyed and would run with parallelism {p}, above the max parallelism {maxParallelism} " +
                    "(the number of key groups). Lower its parallelism or raise MaxParallelism.");
            }
            result[c] = p;
        }
        return result;
    }
}
