using System.ComponentModel;

namespace DslFlow.Execution;

/// <summary>Collects what generated code provides to start a job: node instances and chain factories.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class JobBuilder
{
    private readonly JobGraph _graph;

    internal JobBuilder(JobGraph graph, PipelineContext context)
    {
        _graph = graph;
        Context = context;
        Chains = new ChainFactory[graph.Chains.Count];
    }

    /// <summary>Passed to node factory methods.</summary>
    public PipelineContext Context { get; }

    internal Dictionary<string, object> Nodes { get; } = new(StringComparer.Ordinal);

    internal ChainFactory?[] Chains { get; }

    /// <summary>Calls a source or sink factory method once for the job and keeps the instance.</summary>
    public T CreateNode<T>(string nodeName, Func<PipelineContext, T> factory)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (!_graph.Nodes.Any(n => n.Name == nodeName))
        {
            throw new ArgumentException($"Job graph '{_graph.Name}' has no node '{nodeName}'.", nameof(nodeName));
        }
        T? node;
        try
        {
            node = factory(Context);
        }
        catch (Exception ex)
        {
            throw new PipelineExecutionException(nodeName, 0, 1, null, "factory method threw", ex);
        }
        if (node is null)
        {
            throw new PipelineExecutionException(nodeName, 0, 1, null,
                "factory method returned null; return a source or sink instance", null);
        }
        Nodes[nodeName] = node;
        return node;
    }

    /// <summary>Sets the factory of one chain (by index in <see cref="JobGraph.Chains"/>).</summary>
    public void SetChain(int chainIndex, ChainFactory factory)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(chainIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(chainIndex, Chains.Length);
        Chains[chainIndex] = factory ?? throw new ArgumentNullException(nameof(factory));
    }

    internal void Verify()
    {
        for (int c = 0; c < Chains.Length; c++)
        {
            if (Chains[c] is null)
            {
                throw new InvalidOperationException($"Chain '{_graph.Chains[c].Name}' of job '{_graph.Name}' has no factory: the generated code and the job graph disagree.");
            }
        }
    }
}
