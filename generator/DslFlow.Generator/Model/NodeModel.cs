using System.Linq;

namespace DslFlow.Generator.Model;

/// <summary>What a node does; the same members, in the same order, as the runtime's <c>DslFlow.NodeKind</c>.</summary>
internal enum NodeKind
{
    Source,
    Map,
    FlatMap,
    Filter,
    Process,
    Sink,
}

/// <summary>The runtime's <c>DslFlow.Partitioning</c>.</summary>
internal enum PartitioningKind
{
    Auto = 0,
    Rebalance = 1,
    Broadcast = 2,
}

/// <summary>A type as the emitter writes it.</summary>
/// <param name="FullName">Compilable, <c>global::</c>-qualified, with nullable annotations: <c>global::Ns.Foo?</c>.</param>
/// <param name="DisplayName">Short, for the job graph and messages: <c>(string Word, long Count)</c>.</param>
internal sealed record TypeRef(string FullName, string DisplayName);

/// <summary>One attributed method of the pipeline class.</summary>
/// <param name="Name">The method's name, which is the node's name.</param>
/// <param name="Kind">The node's attribute.</param>
/// <param name="Input">The input record type; null for a source.</param>
/// <param name="Output">The output record type; null for a sink.</param>
/// <param name="Parallelism">Declared parallelism; 0 takes the pipeline default.</param>
/// <param name="Partitioning">Declared partitioning (ignored when keyed).</param>
/// <param name="Upstreams">Upstream node names, distinct, in declared order.</param>
/// <param name="KeyBy">The key selector of a keyed node.</param>
/// <param name="Parameters">An operator's parameters in order (the record first); empty for sources and sinks.</param>
/// <param name="Factory">How a source or sink instance is created; null for operators.</param>
/// <param name="InputSerializer">
/// The serializer of the input records when they cross a task boundary (the node heads a chain, not being a source) and
/// the pipeline declares unaligned checkpoints, which persist records in flight; null otherwise.
/// </param>
/// <param name="InputNotSerializable">
/// When such input records cannot be serialized and the pipeline does not declare unaligned checkpoints: the DSLF3005
/// message, which the runtime reports if the options turn unaligned checkpoints on; null otherwise.
/// </param>
/// <param name="Watermarks">A source's timestamp assigner and watermark strategy; null when it assigns none.</param>
/// <param name="OnTimer">A keyed process node's timer handler; null when it has none.</param>
/// <param name="Window">A <c>[Window]</c> node's windowing (it is a keyed process node whose method is the aggregate).</param>
/// <param name="LateRecordsOf">
/// For a window node's late-records output (a synthesized pass-through node, fused with the window node and fed by its
/// late records rather than its results): the window node's name; null for every other node.
/// </param>
internal sealed record NodeModel(
    string Name,
    NodeKind Kind,
    TypeRef? Input,
    TypeRef? Output,
    int Parallelism,
    PartitioningKind Partitioning,
    EquatableArray<string> Upstreams,
    KeySelectorModel? KeyBy,
    EquatableArray<ParameterModel> Parameters,
    FactoryModel? Factory,
    SerializerModel? InputSerializer = null,
    string? InputNotSerializable = null,
    WatermarkModel? Watermarks = null,
    OnTimerModel? OnTimer = null,
    WindowModel? Window = null,
    string? LateRecordsOf = null)
{
    /// <summary>True when the node has timers: it takes a <c>TimerService</c> or has an <c>[OnTimer]</c> handler.</summary>
    public bool HasTimers => OnTimer is not null || Parameters.Any(p => p.Kind == ParameterKind.TimerService);

    public bool IsKeyed => KeyBy is not null;

    public bool IsSourceOrSink => Kind is NodeKind.Source or NodeKind.Sink;
}

/// <summary>A source or sink factory method.</summary>
/// <param name="InstanceType">The return type without nullable annotation (it is passed to <c>CreateNode&lt;T&gt;</c>).</param>
/// <param name="TakesContext">True when it takes a <c>PipelineContext</c>.</param>
/// <param name="ReturnsNullable">True when its return type is annotated nullable.</param>
internal sealed record FactoryModel(string InstanceType, bool TakesContext, bool ReturnsNullable);
