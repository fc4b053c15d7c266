namespace DslFlow.Generator.Model;

internal enum ParameterKind
{
    Record,
    ValueState,
    ListState,
    MapState,
    OperatorListState,
    Collector,

    /// <summary>The keyed node's <c>TimerService</c>.</summary>
    TimerService,
}

/// <summary>One parameter of an operator method, as declared (how state is stored is the emitter's business).</summary>
/// <param name="Kind">What the generated code passes.</param>
/// <param name="Name">The parameter's name (state, keyed or operator, is named <c>Node.parameter</c>).</param>
/// <param name="Type">The parameter's type, for example <c>global::DslFlow.ValueState&lt;long&gt;</c>.</param>
/// <param name="TypeArguments">The state's or collector's type arguments, for example <c>string, int</c>; null for the record.</param>
/// <param name="Serializers">A state's serializers of its type arguments, in order (the value, the element, or the map's key and value).</param>
internal sealed record ParameterModel(ParameterKind Kind, string Name, string Type, string? TypeArguments, EquatableArray<SerializerModel> Serializers = default)
{
    /// <summary>Keyed or operator state: saved in checkpoints and listed in the job graph.</summary>
    public bool IsState => IsKeyedState || IsOperatorState;

    /// <summary>State scoped to the current record's key (needs <c>KeyBy</c>).</summary>
    public bool IsKeyedState => Kind is ParameterKind.ValueState or ParameterKind.ListState or ParameterKind.MapState;

    /// <summary>State of the node's subtask (<c>OperatorListState&lt;T&gt;</c>), keyed node or not.</summary>
    public bool IsOperatorState => Kind is ParameterKind.OperatorListState;
}
