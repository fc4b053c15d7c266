namespace DslFlow.Generator.Model;

internal enum ParameterKind
{
    Record,
    ValueState,
    ListState,
    MapState,
    Collector,
}

/// <summary>One parameter of an operator method, as declared (how state is stored is the emitter's business).</summary>
/// <param name="Kind">What the generated code passes.</param>
/// <param name="Name">The parameter's name (keyed state is named <c>Node.parameter</c>).</param>
/// <param name="Type">The parameter's type, for example <c>global::DslFlow.ValueState&lt;long&gt;</c>.</param>
/// <param name="TypeArguments">The state's or collector's type arguments, for example <c>string, int</c>; null for the record.</param>
/// <param name="Serializers">A state's serializers of its type arguments, in order (the value, the element, or the map's key and value).</param>
internal sealed record ParameterModel(ParameterKind Kind, string Name, string Type, string? TypeArguments, EquatableArray<SerializerModel> Serializers = default)
{
    public bool IsState => Kind is ParameterKind.ValueState or ParameterKind.ListState or ParameterKind.MapState;
}
