using DslFlow.Generator.Model;
using DslFlow.Generator.Planning;

namespace DslFlow.Generator.Tests;

/// <summary>
/// Chains and output indexes are a contract with the runtime: the planner's answer must equal what
/// <see cref="JobGraph.OutputsOf"/> computes from the same edges.
/// </summary>
public class ChainPlannerTests
{
    // Edges in graph order: S→A (chained), S→B (rebalance), A→C (hash), A→D (chained), S→E (chained),
    // E→F (different parallelism), A→G, E→G (fan-in).
    internal const string Tangled = """
        using DslFlow;
        using Fixtures;

        namespace Samples;

        [Pipeline]
        public partial class Tangled
        {
            [Source] public static ArraySource<int> S() => new(1, 2, 3, 4);
            [Map(From = nameof(S))] public static long A(int x) => x * 10L;
            [Map(From = nameof(S), Partitioning = Partitioning.Rebalance)] public static string B(int x) => "b" + x;
            private static long Key(long x) => x % 3;
            [Map(From = nameof(A), KeyBy = nameof(Key))] public static double C(long x, ValueState<long> sum) => sum.Value += x;
            [Sink(From = nameof(A))] public static QueueSink<long> D() => new();
            [Map(From = nameof(S))] public static long E(int x) => -x;
            [Sink(From = nameof(E), Parallelism = 2)] public static QueueSink<long> F() => new();
            [Map(nameof(A), nameof(E))] public static string G(long x) => "g" + x;
            [Sink(From = nameof(B))] public static QueueSink<string> BOut() => new();
            [Sink(From = nameof(C))] public static QueueSink<double> COut() => new();
            [Sink(From = nameof(G))] public static QueueSink<string> GOut() => new();
        }
        """;

    [Fact]
    public void ChainsFollowDeclarationOrderAndPreorder()
    {
        PipelinePlan plan = ChainPlanner.Plan(InvalidPipelineTests.Parse(Tangled).Model!);

        Assert.Equal(["S+A+D+E", "B+BOut", "C+COut", "F", "G+GOut"], plan.Chains.Select(c => c.Name));
        Assert.Equal(
            ["S->A", "S->B", "A->C", "A->D", "S->E", "E->F", "A->G", "E->G", "B->BOut", "C->COut", "G->GOut"],
            plan.Edges.Select(e => $"{e.From}->{e.To}"));
        Assert.Equal(
            [true, false, false, true, true, false, false, false, true, true, true],
            plan.Edges.Select(e => e.Chained));
        Assert.Equal(EdgeKind.Hash, plan.Edges[2].Partitioning);
        Assert.Equal(EdgeKind.Rebalance, plan.Edges[1].Partitioning);
    }

    [Fact]
    public void OutputIndexesMatchTheRuntime()
    {
        PipelineModel model = InvalidPipelineTests.Parse(Tangled).Model!;
        PipelinePlan plan = ChainPlanner.Plan(model);
        var graph = new JobGraph(
            model.Name,
            model.DefaultParallelism,
            model.MaxParallelism,
            model.Nodes.Select(n => new NodeInfo(n.Name, (DslFlow.NodeKind)(int)n.Kind, n.Input?.DisplayName, n.Output?.DisplayName, n.Parallelism, n.KeyBy?.KeyType.DisplayName, [])).ToList(),
            plan.Edges.Select(e => new EdgeInfo(e.From, e.To, (EdgePartitioning)(int)e.Partitioning, e.Chained)).ToList(),
            plan.Chains.Select(c => new ChainInfo(c.Name, c.Nodes.ToList())).ToList());

        for (int c = 0; c < plan.Chains.Count; c++)
        {
            var planned = plan.Chains[c].Outputs.Select(e => plan.Edges[e]).Select(e => $"{e.From}->{e.To}");
            var runtime = graph.OutputsOf(c).Select(e => $"{e.From}->{e.To}");
            Assert.Equal(runtime, planned);
        }
        Assert.Equal(["S->B", "A->C", "E->F", "A->G", "E->G"], plan.Chains[0].Outputs.Select(e => $"{plan.Edges[e].From}->{plan.Edges[e].To}"));
    }

    [Fact]
    public void ModelEnumsMirrorTheRuntimeEnums()
    {
        Assert.Equal(Enum.GetNames<DslFlow.NodeKind>(), Enum.GetNames<DslFlow.Generator.Model.NodeKind>());
        Assert.Equal(Enum.GetNames<EdgePartitioning>(), Enum.GetNames<EdgeKind>());
        Assert.Equal(Enum.GetValues<Partitioning>().Select(p => (int)p), Enum.GetValues<PartitioningKind>().Select(p => (int)p));
        Assert.Equal(Enum.GetNames<Partitioning>(), Enum.GetNames<PartitioningKind>());
    }
}
