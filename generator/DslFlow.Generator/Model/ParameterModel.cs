namespace DslFlow.Generator.Model;

internal enum ParameterKind
{
    Record,
    ValueState,
    ListState,
    MapState,
    Collector,
}

/// <summary>One parameter of an operator method.</summary>
/// <param name="Kind">What the generated code passes.</param>
/// <param name="Name">The parameter's name (keyed state is named <c>Node.parameter</c>).</param>
/// <param name="Type">The parameter's type, for example <c>global::DslFlow.ValueState&lt;long&gt;</c>.</param>
/// <param name="CellType">The state's cell type, for example <c>global::DslFlow.ValueCell&lt;long&gt;</c>; null unless state.</param>
internal sealed record ParameterModel(ParameterKind Kind, string Name, string Type, string? CellType)
{
    public bool IsState => Kind is ParameterKind.ValueState or ParameterKind.ListState or ParameterKind.MapState;
}
