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
        w.WriteLine($"name: {CodeText.Literal(model.Name)},");
        w.WriteLine($"defaultParallelism: {model.DefaultParallelism},");
        w.WriteLine($"maxParallelism: {model.MaxParallelism},");
        WriteArray(w, "nodes", "global::DslFlow.NodeInfo", model.Nodes.Select(NodeInfo).ToArray(), ",");
        WriteArray(w, "edges", "global::DslFlow.EdgeInfo", plan.Edges.Select(e =>
            $"new global::DslFlow.EdgeInfo(From: {CodeText.Literal(e.From)}, To: {CodeText.Literal(e.To)}, Partitioning: {CodeText.EdgeKind(e.Partitioning)}, Chained: {(e.Chained ? "true" : "false")})").ToArray(), ",");
        WriteArray(w, "chains", "global::DslFlow.ChainInfo", plan.Chains.Select(c =>
            $"new global::DslFlow.ChainInfo(Name: {CodeText.Literal(c.Name)}, Nodes: {StringArray(c.Nodes.ToArray())})").ToArray(), model.Checkpointing is null ? ");" : ",");
        if (model.Checkpointing is { } checkpointing)
        {
            w.WriteLine("checkpointing: " + CheckpointDeclaration(checkpointing) + ");");
        }
        w.Unindent();
    }

    private static string NodeInfo(NodeModel node)
    {
        string[] states = node.Parameters.Where(p => p.IsState).Select(p => p.Name).ToArray();
        return $"new global::DslFlow.NodeInfo(Name: {CodeText.Literal(node.Name)}, Kind: {CodeText.NodeKind(node.Kind)}, "
            + $"InputType: {CodeText.Literal(node.Input?.DisplayName)}, OutputType: {CodeText.Literal(node.Kind == NodeKind.Sink ? null : node.Output?.DisplayName)}, "
            + $"Parallelism: {node.Parallelism}, KeyType: {CodeText.Literal(node.KeyBy?.KeyType.DisplayName)}, States: {StringArray(states)})"
            + TimeProperties(node);
    }

    /// <summary>The init properties of event time: a keyed node's timers, a timestamp assigner's declared strategy.</summary>
    private static string TimeProperties(NodeModel node)
    {
        var properties = new System.Collections.Generic.List<string>();
        if (node.HasTimers)
        {
            properties.Add("HasTimers = true");
        }
        if (node.LateRecordsOf is { } window)
        {
            properties.Add($"LateRecordsOf = {CodeText.Literal(window)}");
        }
        if (node.Watermarks is { } w)
        {
            string idle = w.IdleTimeoutMs > 0 ? $", IdleTimeout = global::System.TimeSpan.FromMilliseconds({w.IdleTimeoutMs})" : "";
            properties.Add("Watermarks = new global::DslFlow.Time.WatermarkStrategy { "
                + $"OutOfOrderness = global::System.TimeSpan.FromMilliseconds({w.OutOfOrdernessMs}){idle}, "
                + $"EmitInterval = global::System.TimeSpan.FromMilliseconds({w.IntervalMs}) }}");
        }
        return properties.Count == 0 ? "" : " { " + string.Join(", ", properties) + " }";
    }

    private static string CheckpointDeclaration(CheckpointModel c) =>
        "new global::DslFlow.CheckpointDeclaration("
        + $"IntervalMs: {c.IntervalMs}, Mode: {Mode(c.Mode)}, TimeoutMs: {c.TimeoutMs}, MinPauseMs: {c.MinPauseMs}, "
        + $"MaxConcurrentCheckpoints: {c.MaxConcurrentCheckpoints}, TolerableFailedCheckpoints: {c.TolerableFailedCheckpoints}, "
        + $"RetainedCheckpoints: {c.RetainedCheckpoints}, Unaligned: {(c.Unaligned ? "true" : "false")}, "
        + $"AlignedTimeoutMs: {c.AlignedTimeoutMs}, Directory: {CodeText.Literal(c.Directory)})";

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

    /// <summary>Writes the array as the named argument <paramref name="parameter"/>, so the literal reads without the constructor at hand.</summary>
    private static void WriteArray(SourceWriter w, string parameter, string type, string[] items, string suffix)
    {
        if (items.Length == 0)
        {
            w.WriteLine($"{parameter}: global::System.Array.Empty<{type}>(){suffix}");
            return;
        }
        w.WriteLine($"{parameter}: new {type}[]");
        w.OpenBlock();
        foreach (string item in items)
        {
            w.WriteLine(item + ",");
        }
        w.CloseBlock(suffix);
    }
}
