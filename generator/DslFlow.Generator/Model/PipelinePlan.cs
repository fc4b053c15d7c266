namespace DslFlow.Generator.Model;

/// <summary>The runtime's <c>DslFlow.EdgePartitioning</c>.</summary>
internal enum EdgeKind
{
    Auto,
    Rebalance,
    Hash,
    Broadcast,
}

/// <summary>An edge of the job graph.</summary>
internal sealed record EdgeModel(string From, string To, EdgeKind Partitioning, bool Chained);

/// <summary>Nodes fused into one task, head first in depth-first preorder.</summary>
/// <param name="Name">The task's name: the node names joined with <c>+</c>.</param>
/// <param name="Nodes">The chained nodes.</param>
/// <param name="Outputs">Indexes into <see cref="PipelinePlan.Edges"/> of the edges leaving the chain; the position is the output index.</param>
internal sealed record ChainModel(string Name, EquatableArray<string> Nodes, EquatableArray<int> Outputs)
{
    public string Head => Nodes[0];
}

/// <summary>Edges in graph order and chains in head declaration order, exactly as the runtime reads them.</summary>
internal sealed record PipelinePlan(EquatableArray<EdgeModel> Edges, EquatableArray<ChainModel> Chains);
