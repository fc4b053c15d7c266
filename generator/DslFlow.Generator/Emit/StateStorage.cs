using DslFlow.Generator.Model;

namespace DslFlow.Generator.Emit;

/// <summary>
/// How the runtime stores each kind of keyed state, in one place: <c>ValueState</c> binds once to an
/// open-addressing <c>KeyedValueTable</c> and moves by slot per record; <c>ListState</c> and <c>MapState</c> point
/// at a per-key cell of a <c>KeyedStateTable</c>.
/// </summary>
internal static class StateStorage
{
    /// <summary>The field type of the state's table.</summary>
    public static string TableType(string keyType, ParameterModel state) => state.Kind == ParameterKind.ValueState
        ? $"global::DslFlow.State.KeyedValueTable<{keyType}, {state.TypeArguments}>"
        : $"global::DslFlow.State.KeyedStateTable<{keyType}, {CellType(state)}>";

    /// <summary>The expression (in <c>Open</c>) that creates the table.</summary>
    public static string CreateTable(string keyType, ParameterModel state, string stateName) => state.Kind == ParameterKind.ValueState
        ? $"CreateValueState<{keyType}, {state.TypeArguments}>({stateName})"
        : $"CreateKeyedState<{keyType}, {CellType(state)}>({stateName})";

    /// <summary>The statements (in <c>Open</c>) after the facade is created, if any.</summary>
    public static string? BindFacade(ParameterModel state, string facade, string table) =>
        state.Kind == ParameterKind.ValueState ? $"{facade}.Bind({table});" : null;

    /// <summary>The statement (per record) that points the facade at the current key.</summary>
    public static string Select(ParameterModel state, string facade, string table, string key, string keyHash, string keyGroup) =>
        state.Kind == ParameterKind.ValueState
            ? $"{facade}.Slot = {table}.Slot({key}, {keyHash}, {keyGroup});"
            : $"{facade}.Cell = {table}.Get({key}, {keyGroup});";

    private static string CellType(ParameterModel state) => state.Kind == ParameterKind.ListState
        ? $"global::DslFlow.ListCell<{state.TypeArguments}>"
        : $"global::DslFlow.MapCell<{state.TypeArguments}>";
}
