using System.Linq;
using DslFlow.Generator.Model;

namespace DslFlow.Generator.Emit;

/// <summary>The job graph as data, in the orders the runtime relies on.</summary>
internal static partial class PipelineEmitter
{
    private static void WriteGraph(SourceWriter w, PipelineModel model, PipelinePlan plan)
    {
        w.WriteLine($"/// <summary>The job graph of pipeline <c>{model.Name}</c>: its nodes, edges and fused tasks.</summary>");
        w.WriteLine(CodeText.GeneratedCode);
        w.WriteLine("public static global::DslFlow.JobGraph Graph { get; } = new global::DslFlow.JobGraph(");
        w.Indent();
        w.WriteLine($"{CodeText.Literal(model.Name)},");
        w.WriteLine($"{model.DefaultParallelism},");
        w.WriteLine($"{model.MaxParallelism},");
        WriteArray(w, "global::DslFlow.NodeInfo", model.Nodes.Select(NodeInfo).ToArray(), ",");
        WriteArray(w, "global::DslFlow.EdgeInfo", plan.Edges.Select(e =>
            $"new global::DslFlow.EdgeInfo({CodeText.Literal(e.From)}, {CodeText.Literal(e.To)}, {CodeText.EdgeKind(e.Partitioning)}, {(e.Chained ? "true" : "false")})").ToArray(), ",");
        WriteArray(w, "global::DslFlow.ChainInfo", plan.Chains.Select(c =>
            $"new global::DslFlow.ChainInfo({CodeText.Literal(c.Name)}, {StringArray(c.Nodes.ToArray())})").ToArray(), model.Checkpointing is null ? ");" : ",");
        if (model.Checkpointing is { } checkpointing)
        {
            w.WriteLine(CheckpointDeclaration(checkpointing) + ");");
        }
        w.Unindent();
    }

    private static string NodeInfo(NodeModel node)
    {
        string[] states = node.Parameters.Where(p => p.IsState).Select(p => p.Name).ToArray();
        return $"new global::DslFlow.NodeInfo({CodeText.Literal(node.Name)}, {CodeText.NodeKind(node.Kind)}, "
            + $"{CodeText.Literal(node.Input?.DisplayName)}, {CodeText.Literal(node.Kind == NodeKind.Sink ? null : node.Output?.DisplayName)}, "
            + $"{node.Parallelism}, {CodeText.Literal(node.KeyBy?.KeyType.DisplayName)}, {StringArray(states)})";
    }

    private static string CheckpointDeclaration(CheckpointModel c) =>
        "new global::DslFlow.CheckpointDeclaration("
        + $"{c.IntervalMs}, {Mode(c.Mode)}, {c.TimeoutMs}, {c.MinPauseMs}, {c.MaxConcurrentCheckpoints}, "
        + $"{c.TolerableFailedCheckpoints}, {c.RetainedCheckpoints}, {(c.Unaligned ? "true" : "false")}, {c.AlignedTimeoutMs}, {CodeText.Literal(c.Directory)})";

    private static string Mode(int mode) => mode switch
    {
        0 => "global::DslFlow.CheckpointingMode.ExactlyOnce",
        1 => "global::DslFlow.CheckpointingMode.AtLeastOnce",
        _ => $"(global::DslFlow.CheckpointingMode){mode}",
    };

    private static string StringArray(string[] items) =>
        items.Length == 0
            ? "global::System.Array.Empty<string>()"
            : $"new string[] {{ {string.Join(", ", items.Select(CodeText.Literal))} }}";

    private static void WriteArray(SourceWriter w, string type, string[] items, string suffix)
    {
        if (items.Length == 0)
        {
            w.WriteLine($"global::System.Array.Empty<{type}>(){suffix}");
            return;
        }
        w.WriteLine($"new {type}[]");
        w.OpenBlock();
        foreach (string item in items)
        {
            w.WriteLine(item + ",");
        }
        w.CloseBlock(suffix);
    }
}
