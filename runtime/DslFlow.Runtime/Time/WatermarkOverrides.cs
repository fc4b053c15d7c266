namespace DslFlow.Time;

/// <summary>Checks <see cref="PipelineOptions.Watermarks"/> against the job graph before a job starts.</summary>
internal static class WatermarkOverrides
{
    /// <summary>Refuses an override of a node that is not a timestamp-assigning source, and any invalid strategy.</summary>
    /// <exception cref="JobConfigurationException">The override names no such source, or a strategy is invalid.</exception>
    public static void Check(JobGraph graph, PipelineOptions options)
    {
        foreach ((string name, WatermarkStrategy? strategy) in options.Watermarks)
        {
            NodeInfo? node = graph.Nodes.FirstOrDefault(n => n.Name == name);
            if (node is not { Kind: NodeKind.Source, Watermarks: not null })
            {
                string sources = string.Join(", ", graph.Nodes.Where(n => n.Watermarks is not null).Select(n => n.Name));
                throw new JobConfigurationException($"PipelineOptions.Watermarks names '{name}', which is not a source of "
                    + $"pipeline '{graph.Name}' that assigns timestamps ({(sources.Length == 0 ? "it has none" : "those are: " + sources)}). "
                    + "A strategy needs the source's timestamp assigner: declare [Watermarks(nameof(TimestampOf), ...)] on the "
                    + "source method, or remove the entry.");
            }
            if (strategy is null)
            {
                throw new JobConfigurationException($"PipelineOptions.Watermarks[\"{name}\"] is null; remove the entry to use the source's [Watermarks] attribute.");
            }
            strategy.Validate($"source '{name}' (PipelineOptions.Watermarks)");
        }
        foreach (NodeInfo source in graph.Nodes.Where(n => n.Watermarks is not null && !options.Watermarks.ContainsKey(n.Name)))
        {
            source.Watermarks!.Validate($"source '{source.Name}'");
        }
    }
}
