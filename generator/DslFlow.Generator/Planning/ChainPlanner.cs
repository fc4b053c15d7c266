using System.Collections.Generic;
using System.Linq;
using DslFlow.Generator.Model;

namespace DslFlow.Generator.Planning;

/// <summary>
/// Decides the job graph's edges and the chains of fused nodes. The orders here are a contract with the runtime:
/// edges in graph order (per node in declaration order, its upstreams in declared order), chains in their heads'
/// declaration order, and a chain's output index = the position of the edge among the non-chained edges leaving
/// the chain, in graph order (<c>JobGraph.OutputsOf</c>).
/// </summary>
internal static class ChainPlanner
{
    public static PipelinePlan Plan(PipelineModel model)
    {
        var nodes = model.Nodes.ToDictionary(n => n.Name);
        var edges = new List<EdgeModel>();
        foreach (NodeModel node in model.Nodes)
        {
            foreach (string upstream in node.Upstreams)
            {
                edges.Add(new EdgeModel(upstream, node.Name, Partitioning(node), IsChained(nodes[upstream], node)));
            }
        }

        var chainOf = new Dictionary<string, int>();
        var chains = new List<List<string>>();
        foreach (NodeModel node in model.Nodes)
        {
            if (edges.Any(e => e.To == node.Name && e.Chained))
            {
                continue; // fused into its upstream's chain
            }
            var members = new List<string>();
            Collect(node.Name, members, edges);
            foreach (string member in members)
            {
                chainOf[member] = chains.Count;
            }
            chains.Add(members);
        }

        var result = new List<ChainModel>();
        for (int c = 0; c < chains.Count; c++)
        {
            var outputs = new List<int>();
            for (int e = 0; e < edges.Count; e++)
            {
                if (!edges[e].Chained && chainOf[edges[e].From] == c)
                {
                    outputs.Add(e);
                }
            }
            result.Add(new ChainModel(string.Join("+", chains[c]), chains[c].ToEquatableArray(), outputs.ToEquatableArray()));
        }
        return new PipelinePlan(edges.ToEquatableArray(), result.ToEquatableArray());
    }

    /// <summary>The edges leaving a node, in graph order.</summary>
    public static IEnumerable<(int Index, EdgeModel Edge)> EdgesFrom(PipelinePlan plan, string node)
    {
        for (int e = 0; e < plan.Edges.Count; e++)
        {
            if (plan.Edges[e].From == node)
            {
                yield return (e, plan.Edges[e]);
            }
        }
    }

    private static EdgeKind Partitioning(NodeModel downstream) =>
        downstream.IsKeyed ? EdgeKind.Hash
        : downstream.Partitioning switch
        {
            PartitioningKind.Broadcast => EdgeKind.Broadcast,
            PartitioningKind.Rebalance => EdgeKind.Rebalance,
            _ => EdgeKind.Auto,
        };

    private static bool IsChained(NodeModel upstream, NodeModel downstream) =>
        IsChained(downstream.Upstreams.Count, downstream.IsKeyed, downstream.Partitioning, upstream.Parallelism, downstream.Parallelism,
            downstream.Watermarks is not null);

    /// <summary>
    /// The chaining rule: an edge is fused only when nothing can make its two ends run with different parallelism or
    /// routing. Takes the shape rather than the models, so the parser (which works on drafts) applies the same rule.
    /// </summary>
    /// <param name="upstreamCount">How many upstreams the downstream node reads.</param>
    /// <param name="isKeyed">True when the downstream node has a key selector.</param>
    /// <param name="partitioning">The downstream node's declared partitioning.</param>
    /// <param name="upstreamParallelism">The upstream node's declared parallelism.</param>
    /// <param name="parallelism">The downstream node's declared parallelism.</param>
    /// <param name="assignsTimestamps">
    /// True when the downstream node has <c>[Watermarks]</c>: it heads its own task, so every output of that task passes
    /// through it and carries its event time (a chained sibling branch would get watermarks its records never had).
    /// </param>
    public static bool IsChained(int upstreamCount, bool isKeyed, PartitioningKind partitioning, int upstreamParallelism, int parallelism,
        bool assignsTimestamps = false) =>
        upstreamCount == 1
        && !isKeyed
        && !assignsTimestamps
        && partitioning == PartitioningKind.Auto
        && upstreamParallelism == parallelism;

    private static void Collect(string node, List<string> members, List<EdgeModel> edges)
    {
        members.Add(node);
        foreach (EdgeModel edge in edges)
        {
            if (edge.Chained && edge.From == node)
            {
                Collect(edge.To, members, edges);
            }
        }
    }
}
