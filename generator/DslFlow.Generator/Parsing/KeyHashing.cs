using System.Collections.Generic;
using DslFlow.Generator.Model;
using Microsoft.CodeAnalysis;

namespace DslFlow.Generator.Parsing;

/// <summary>
/// Which key types hash the same in every process (see the runtime's <c>StableHash</c>): never
/// <c>GetHashCode</c>, which is randomized per process for strings and tuples.
/// </summary>
internal static class KeyHashing
{
    private static readonly KeyHashModel Value = new(KeyHashKind.Value, EquatableArray<KeyHashModel>.Empty);
    private static readonly KeyHashModel Enum = new(KeyHashKind.Enum, EquatableArray<KeyHashModel>.Empty);
    private static readonly KeyHashModel StableKey = new(KeyHashKind.StableKey, EquatableArray<KeyHashModel>.Empty);

    /// <summary>The hashing rule of a key type, or null when it has no stable hash.</summary>
    public static KeyHashModel? HashOf(ITypeSymbol type)
    {
        switch (type.SpecialType)
        {
            case SpecialType.System_Int32:
            case SpecialType.System_Int64:
            case SpecialType.System_UInt32:
            case SpecialType.System_UInt64:
            case SpecialType.System_Int16:
            case SpecialType.System_UInt16:
            case SpecialType.System_Byte:
            case SpecialType.System_SByte:
            case SpecialType.System_Char:
            case SpecialType.System_Boolean:
            case SpecialType.System_String:
            case SpecialType.System_DateTime:
                return Value;
        }
        if (type.TypeKind == TypeKind.Enum)
        {
            return Enum;
        }
        if (type is INamedTypeSymbol { Name: "Guid", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } })
        {
            return Value;
        }
        if (KnownTypes.IsStableKey(type))
        {
            return StableKey;
        }
        if (type is INamedTypeSymbol { IsTupleType: true } tuple && tuple.TupleElements.Length > 0)
        {
            var elements = new List<KeyHashModel>();
            foreach (IFieldSymbol element in tuple.TupleElements)
            {
                if (HashOf(element.Type) is not { } hash)
                {
                    return null;
                }
                elements.Add(hash);
            }
            return new KeyHashModel(KeyHashKind.Tuple, elements.ToEquatableArray());
        }
        return null;
    }
}
