namespace DslFlow.Generator.Model;

/// <summary>A keyed node's key selector: a static method of the pipeline class.</summary>
/// <param name="MethodName">The selector's name.</param>
/// <param name="KeyType">The key type without nullable annotation (a <c>notnull</c> type argument of the state tables).</param>
/// <param name="KeyIsNullable">True when the selector's return type is annotated nullable.</param>
/// <param name="Hash">How to compute the key's stable hash.</param>
/// <param name="Serializer">The key type's serializer, for the node's keyed state; null when the node has no state.</param>
internal sealed record KeySelectorModel(string MethodName, TypeRef KeyType, bool KeyIsNullable, KeyHashModel Hash, SerializerModel? Serializer = null);

internal enum KeyHashKind
{
    /// <summary>An overload of <c>StableHash.Of</c> takes the value as is.</summary>
    Value,

    /// <summary>An enum, hashed as its value cast to <c>long</c>.</summary>
    Enum,

    /// <summary>A type implementing <c>IStableKey</c>: <c>StableHash.OfKey</c>.</summary>
    StableKey,

    /// <summary>A value tuple: the elements' hashes combined in order.</summary>
    Tuple,
}

/// <summary>How to hash a key (recursively, for tuples).</summary>
/// <param name="Kind">The hashing rule.</param>
/// <param name="Elements">The element rules of a tuple; empty otherwise.</param>
internal sealed record KeyHashModel(KeyHashKind Kind, EquatableArray<KeyHashModel> Elements);
