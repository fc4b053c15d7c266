using System.Linq;
using Microsoft.CodeAnalysis;

namespace DslFlow.Generator.Parsing;

/// <summary>Which named types may get a generated member-wise serializer at all.</summary>
internal static class UserTypeRules
{
    /// <summary>Why <paramref name="type"/> cannot get a member-wise serializer, or null when it can.</summary>
    public static string? Unsupported(INamedTypeSymbol type, Compilation compilation, INamedTypeSymbol host)
    {
        switch (type.TypeKind)
        {
            case TypeKind.Delegate:
                return "is a delegate, which cannot be saved";
            case TypeKind.Interface:
                return "is an interface, so a restore could not know which class to create";
            case TypeKind.Class or TypeKind.Struct:
                break;
            default:
                return "is not a class or struct";
        }
        if (IsFramework(type))
        {
            return "has no built-in serializer";
        }
        if (type.IsAbstract)
        {
            return "is abstract, so a restore could not know which class to create";
        }
        if (type.IsRefLikeType)
        {
            return "is a ref struct, which cannot be stored";
        }
        if (IsEnumerable(type))
        {
            return "is a collection, whose items a member-wise serializer would lose; use T[], List<T> or Dictionary<TKey, TValue>";
        }
        for (INamedTypeSymbol? baseType = type.BaseType; baseType is not null && baseType.SpecialType == SpecialType.None; baseType = baseType.BaseType)
        {
            if (IsFramework(baseType))
            {
                return $"derives from framework type '{TypeNames.Qualified(baseType)}', whose state a member-wise serializer would lose";
            }
        }
        if (type.IsFileLocal)
        {
            return "is file-local, so the generated code (another file) cannot name it";
        }
        if (!compilation.IsSymbolAccessibleWithin(type, host))
        {
            return $"is not accessible from pipeline '{host.Name}'";
        }
        return null;
    }

    /// <summary>
    /// A type of the .NET libraries (namespace System or Microsoft, not declared in this compilation): its members
    /// are implementation details, so only the built-in serializers cover such types.
    /// </summary>
    public static bool IsFramework(INamedTypeSymbol type)
    {
        if (type.Locations.Any(l => l.IsInSource))
        {
            return false;
        }
        INamespaceSymbol? root = type.ContainingNamespace;
        while (root is { ContainingNamespace.IsGlobalNamespace: false })
        {
            root = root.ContainingNamespace;
        }
        return root is { IsGlobalNamespace: false, Name: "System" or "Microsoft" };
    }

    /// <summary>True for <c>[Obsolete(..., true)]</c>: any use of the symbol is a compile error.</summary>
    public static bool IsObsoleteError(ISymbol symbol) =>
        symbol.GetAttributes().Any(a => a.AttributeClass is { Name: "ObsoleteAttribute", ContainingNamespace.Name: "System" }
            && a.ConstructorArguments.Length == 2 && a.ConstructorArguments[1].Value is true);

    /// <summary>True when the type is declared directly in namespace <paramref name="ns"/> (dotted).</summary>
    public static bool IsInNamespace(INamedTypeSymbol type, string ns) =>
        type.ContainingType is null && type.ContainingNamespace?.ToDisplayString() == ns;

    private static bool IsEnumerable(INamedTypeSymbol type)
    {
        foreach (INamedTypeSymbol i in type.AllInterfaces)
        {
            if (i.MetadataName == "IEnumerable" && IsInNamespace(i, "System.Collections"))
            {
                return true;
            }
        }
        return false;
    }
}
