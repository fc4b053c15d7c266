using DslFlow.Serialization;

namespace DslFlow.State;

/// <summary>
/// What a state holds, as a checkpoint records it beside the state's bytes: its kind, key and value types, and a
/// user's own serializer when one is registered (<c>[Serializer]</c>). Built from types, not from the generated
/// serializer classes (whose names shift when unrelated code changes), so an upgrade that keeps a state's types keeps
/// its state, and one that changes them is refused by name.
/// </summary>
internal static class StateDescriptors
{
    public static string Value<TKey, T>(object? valueSerializer) =>
        $"ValueState<{TypeNames.Display(typeof(T))}> keyed by {TypeNames.Display(typeof(TKey))}{Custom(valueSerializer)}";

    public static string Cell<TKey, TCell>(object? cellSerializer)
    {
        Type cell = typeof(TCell);
        string kind = cell.IsGenericType && cell.GetGenericTypeDefinition() == typeof(MapCell<,>) ? "MapState" : "ListState";
        string arguments = string.Join(", ", cell.GetGenericArguments().Select(TypeNames.Display));
        return $"{kind}<{arguments}> keyed by {TypeNames.Display(typeof(TKey))}{Custom(cellSerializer)}";
    }

    /// <summary>A keyed node's timers of one kind: their key type, and the key's serializer when it is the user's.</summary>
    public static string Timers<TKey>(object? keySerializer) =>
        $"timers keyed by {TypeNames.Display(typeof(TKey))}{Custom(keySerializer)}";

    public static string OperatorList<T>(object? elementSerializer) =>
        $"OperatorListState<{TypeNames.Display(typeof(T))}>{Custom(elementSerializer)}";

    // Built-in and generated serializers follow the type; a user's serializer class is part of the format.
    private static string Custom(object? serializer)
    {
        Type? type = serializer?.GetType();
        if (type is null || type.Namespace == typeof(ISerializer<>).Namespace || type.Namespace == typeof(StateDescriptors).Namespace
            || type.Name.StartsWith("__DslFlow", StringComparison.Ordinal)
            || (type.DeclaringType?.Name.StartsWith("__DslFlow", StringComparison.Ordinal) ?? false))
        {
            return "";
        }
        return $" with serializer {TypeNames.Display(type)}";
    }
}
