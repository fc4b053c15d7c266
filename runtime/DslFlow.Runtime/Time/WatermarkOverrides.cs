namespace DslFlow.Time;

/// <summary>Checks <see cref="PipelineOptions.Watermarks"/> against the job graph before a job starts.</summary>
internal static class WatermarkOverrides
{
    /// <summary>Refuses an override of a node that assigns no timestamps, and any invalid strategy.</summary>
    /// <exception cref="JobConfigurationException">The override names no such source, or a strategy is invalid.</exception>
    public static void Check(JobGraph graph, PipelineOptions options)
    {
        foreach ((string name, WatermarkStrategy? strategy) in options.Watermarks)
        {
            NodeInfo? node = graph.Nodes.FirstOrDefault(n => n.Name == name);
            if (node is not { Watermarks: not null })
            {
                string assigners = string.Join(", ", graph.Nodes.Where(n => n.Watermarks is not null).Select(n => n.Name));
                throw new JobConfigurationException($"PipelineOptions.Watermarks names '{name}', which is not a node of "
                    + $"pipeline '{graph.Name}' that assigns timestamps ({(assigners.Length == 0 ? "it has none" : "those are: " + assigners)}). "
                    + "A strategy needs the node's timestamp assigner: declare [Watermarks(nameof(TimestampOf), ...)] on the "
                    + "source (or the node whose output carries the event time), or remove the entry.");
            }
            if (strategy is null)
            {
                throw new JobConfigurationException($"PipelineOptions.Watermarks[\"{name}\"] is null; remove the entry to use the source's [Watermarks] attribute.");
            }
            strategy.Validate($"{Owner(node)} (PipelineOptions.Watermarks)");
        }
        foreach (NodeInfo assigner in graph.Nodes.Where(n => n.Watermarks is not null && !options.Watermarks.ContainsKey(n.Name)))
        {
            assigner.Watermarks!.Validate(Owner(assigner));
        }
    }

    private static string Owner(NodeInfo node) => node.Kind == NodeKind.Source ? $"source '{node.Name}'" : $"node '{node.Name}'";
}
