using System.Collections.Generic;
using DslFlow.Generator.Model;
using Microsoft.CodeAnalysis;

namespace DslFlow.Generator.Parsing;

/// <summary>A node while parsing: still holds symbols, so it never leaves the parser.</summary>
/// <param name="method">The attributed method (a late-records output's: its window node's, where its problems show).</param>
/// <param name="kind">The node's attribute.</param>
/// <param name="attribute">The attribute.</param>
/// <param name="name">The node's name when it is not the method's (a late-records output).</param>
internal sealed class NodeDraft(IMethodSymbol method, NodeKind kind, AttributeData attribute, string? name = null)
{
    public AttributeData Attribute { get; } = attribute;

    public IMethodSymbol Method { get; } = method;

    public NodeKind Kind { get; } = kind;

    public string Name { get; } = name ?? method.Name;

    public ITypeSymbol? Input { get; set; }

    public ITypeSymbol? Output { get; set; }

    public int Parallelism { get; set; }

    public PartitioningKind Partitioning { get; set; }

    public List<string> Upstreams { get; } = [];

    public string? KeyByName { get; set; }

    public KeySelectorModel? KeyBy { get; set; }

    /// <summary>The key selector's return type (without nullable annotation), once the selector is valid.</summary>
    public ITypeSymbol? KeyType { get; set; }

    public List<ParameterModel> Parameters { get; } = [];

    public FactoryModel? Factory { get; set; }

    /// <summary>A sink whose instance type implements <c>ITransactionalSink</c>.</summary>
    public bool IsTransactionalSink { get; set; }

    /// <summary><c>[Sink(AcceptAtLeastOnce = true)]</c>.</summary>
    public bool AcceptsAtLeastOnce { get; set; }

    /// <summary>The input records' serializer, resolved when they are persisted in flight (unaligned checkpoints).</summary>
    public SerializerModel? InputSerializer { get; set; }

    /// <summary>
    /// Why the input records could not be saved in flight (the DSLF3005 message), when the pipeline does not declare
    /// unaligned checkpoints but the options may turn them on.
    /// </summary>
    public string? InputNotSerializable { get; set; }

    public bool HasKeyedState => Parameters.Exists(p => p.IsKeyedState);

    /// <summary>The method's <c>[Watermarks]</c> attribute, if any (valid on sources only).</summary>
    public AttributeData? WatermarksAttribute { get; set; }

    /// <summary>A source's watermark strategy, once <see cref="WatermarksAttribute"/> checked out.</summary>
    public WatermarkModel? Watermarks { get; set; }

    /// <summary>The <c>[OnTimer]</c> handler of a keyed process node.</summary>
    public OnTimerModel? OnTimer { get; set; }

    /// <summary>The handler's method, for diagnostics.</summary>
    public IMethodSymbol? OnTimerMethod { get; set; }

    /// <summary>The method's <c>[Window]</c> attribute (the node is then a keyed process node whose method is the aggregate).</summary>
    public AttributeData? WindowAttribute { get; set; }

    /// <summary>A window node's attribute settings, once its shape checked out (completed by <c>CheckWindow</c>).</summary>
    public WindowDraft? WindowSettings { get; set; }

    /// <summary>A window node's settings, once checked.</summary>
    public WindowModel? Window { get; set; }

    /// <summary>A window node's accumulator type.</summary>
    public ITypeSymbol? Accumulator { get; set; }

    /// <summary>A window node's result method, for the key check once the key type is known.</summary>
    public IMethodSymbol? ResultMethod { get; set; }

    /// <summary>A window node's full-window form, or <see cref="WindowFunction.Aggregate"/>.</summary>
    public WindowFunction WindowFunction { get; set; }

    /// <summary>For a window node's late-records output: the window node's name.</summary>
    public string? LateRecordsOf { get; set; }

    /// <summary>True when the node takes a <c>TimerService</c> or has a handler.</summary>
    public bool HasTimers => OnTimer is not null || OnTimerMethod is not null || Parameters.Exists(p => p.Kind == ParameterKind.TimerService);

    public NodeModel ToModel() => new(
        Name,
        Kind,
        Input is null ? null : TypeNames.Ref(Input),
        Output is null ? null : TypeNames.Ref(Output),
        Parallelism,
        Partitioning,
        Upstreams.ToEquatableArray(),
        KeyBy,
        Parameters.ToEquatableArray(),
        Factory,
        InputSerializer,
        InputNotSerializable,
        Watermarks,
        OnTimer,
        Window,
        LateRecordsOf);
}
