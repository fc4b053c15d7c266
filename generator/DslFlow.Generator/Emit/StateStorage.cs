using DslFlow.Generator.Model;

namespace DslFlow.Generator.Emit;

/// <summary>
/// How generated code reaches each kind of state, in one place. Keyed states live in the job's state backend behind
/// <c>KeyedState&lt;TKey, TValue&gt;</c>, whatever the backend: <c>ValueState</c> binds once to it and moves by slot
/// per record; <c>ListState</c> and <c>MapState</c> point at the current key's cell; <c>OperatorListState</c> is one
/// list per subtask, created once.
/// </summary>
internal static class StateStorage
{
    /// <summary>The field type of the state's table.</summary>
    public static string TableType(string keyType, ParameterModel state) => state.Kind == ParameterKind.ValueState
        ? $"global::DslFlow.State.KeyedState<{keyType}, {state.TypeArguments}>"
        : $"global::DslFlow.State.KeyedState<{keyType}, {CellType(state)}>";

    /// <summary>
    /// The statement (in <c>Open</c>) that creates the table, passing the key's and the value's (or cell's) serializers
    /// so snapshots never look them up by reflection. Without serializers in the model, the runtime looks them up.
    /// </summary>
    public static void WriteCreateTable(SourceWriter w, string table, string keyType, ParameterModel state, string stateName, SerializerModel? keySerializer)
    {
        string create = state.Kind == ParameterKind.ValueState
            ? $"CreateValueState<{keyType}, {state.TypeArguments}>"
            : $"CreateKeyedState<{keyType}, {CellType(state)}>";
        string? valueSerializer = ValueSerializer(state);
        if (keySerializer is null || valueSerializer is null)
        {
            w.WriteLine($"{table} = {create}({stateName});");
            return;
        }
        w.WriteLine($"{table} = {create}(");
        w.Indent();
        w.WriteLine(stateName + ",");
        w.WriteLine(SerializerEmitter.Expression(keySerializer) + ",");
        w.WriteLine(valueSerializer + ");");
        w.Unindent();
    }

    /// <summary>
    /// The statement (in <c>Open</c>) that creates an operator list state, passing the element serializer. Without a
    /// serializer in the model, the runtime looks it up.
    /// </summary>
    public static void WriteCreateOperatorState(SourceWriter w, string field, ParameterModel state, string stateName)
    {
        string create = $"CreateOperatorListState<{state.TypeArguments}>";
        if (state.Serializers.Count != 1)
        {
            w.WriteLine($"{field} = {create}({stateName});");
            return;
        }
        w.WriteLine($"{field} = {create}(");
        w.Indent();
        w.WriteLine(stateName + ",");
        w.WriteLine(SerializerEmitter.Expression(state.Serializers[0]) + ");");
        w.Unindent();
    }

    /// <summary>The statements (in <c>Open</c>) after the facade is created, if any.</summary>
    public static string? BindFacade(ParameterModel state, string facade, string table) =>
        state.IsKeyedState ? $"{facade}.Bind({table});" : null;

    /// <summary>The statement (per record) that points the facade at the current key.</summary>
    public static string Select(ParameterModel state, string facade, string table, string key, string keyHash, string keyGroup) =>
        state.Kind == ParameterKind.ValueState
            ? $"{facade}.Slot = {table}.Slot({key}, {keyHash}, {keyGroup});"
            : $"{facade}.Cell = global::DslFlow.State.KeyedCellStates.Cell({table}, {key}, {keyHash}, {keyGroup});";

    /// <summary>The value's serializer, or the cell's: the runtime's list and map cell serializers over the element serializers.</summary>
    private static string? ValueSerializer(ParameterModel state)
    {
        EquatableArray<SerializerModel> s = state.Serializers;
        return state.Kind switch
        {
            ParameterKind.ValueState when s.Count == 1 => SerializerEmitter.Expression(s[0]),
            ParameterKind.ListState when s.Count == 1 => $"new global::DslFlow.State.ListCellSerializer<{state.TypeArguments}>({SerializerEmitter.Expression(s[0])})",
            ParameterKind.MapState when s.Count == 2 => $"new global::DslFlow.State.MapCellSerializer<{state.TypeArguments}>({SerializerEmitter.Expression(s[0])}, {SerializerEmitter.Expression(s[1])})",
            _ => null,
        };
    }

    private static string CellType(ParameterModel state) => state.Kind == ParameterKind.ListState
        ? $"global::DslFlow.ListCell<{state.TypeArguments}>"
        : $"global::DslFlow.MapCell<{state.TypeArguments}>";
}
