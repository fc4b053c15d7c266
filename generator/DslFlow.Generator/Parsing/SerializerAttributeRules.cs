using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace DslFlow.Generator.Parsing;

/// <summary>
/// A type's <c>[Serializer(typeof(X))]</c>, checked at compile time with the rules the runtime's
/// <c>CustomSerializers.Create</c> applies at run time: a concrete class or struct implementing <c>ISerializer&lt;T&gt;</c>
/// with a public parameterless constructor; an open generic of the type's arity is closed over the type's arguments.
/// </summary>
internal static class SerializerAttributeRules
{
    public static AttributeData? Find(INamedTypeSymbol type) =>
        type.GetAttributes().FirstOrDefault(a => KnownTypes.IsDslFlow(a.AttributeClass, "SerializerAttribute"));

    /// <summary>
    /// The serializer type to instantiate, or null with the <paramref name="reason"/> it is unusable (a null reason
    /// when the compiler reports the attribute already).
    /// </summary>
    public static INamedTypeSymbol? Close(INamedTypeSymbol target, AttributeData attribute, Compilation compilation, INamedTypeSymbol host, out string? reason)
    {
        reason = null;
        if (attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Kind != TypedConstantKind.Type)
        {
            return null; // does not bind: the compiler reports it
        }
        object? value = attribute.ConstructorArguments[0].Value;
        if (value is ITypeSymbol { TypeKind: TypeKind.Error })
        {
            return null;
        }
        if (value is not INamedTypeSymbol named)
        {
            reason = "has a [Serializer] attribute that names no class or struct; pass typeof(MySerializer)";
            return null;
        }
        string where = $"has [Serializer(typeof({TypeNames.Display(named)}))], but";
        INamedTypeSymbol closed = named;
        if (named.IsUnboundGenericType)
        {
            List<ITypeSymbol> arguments = TypeArgumentsOf(target);
            if (named.ContainingType is { IsGenericType: true } || arguments.Count != named.Arity)
            {
                reason = $"{where} the open generic serializer takes {named.Arity} type arguments and '{TypeNames.Display(target)}' has {arguments.Count}; give the serializer the same type parameters as the type, or close it";
                return null;
            }
            closed = named.OriginalDefinition.Construct([.. arguments]);
            if (!SatisfiesConstraints(named.OriginalDefinition.TypeParameters, arguments, compilation))
            {
                reason = $"{where} the serializer's constraints reject the type arguments of '{TypeNames.Display(target)}'";
                return null;
            }
        }
        string serializer = TypeNames.Display(closed);
        if (closed.IsAbstract || closed.IsStatic || closed.TypeKind is not (TypeKind.Class or TypeKind.Struct))
        {
            reason = $"{where} '{serializer}' is abstract, static or not a class or struct; name a concrete class or struct";
        }
        else if (!closed.AllInterfaces.Any(i => KnownTypes.IsDslFlow(i, "ISerializer`1") && compilation.ClassifyCommonConversion(i.TypeArguments[0], target).IsIdentity))
        {
            reason = $"{where} '{serializer}' does not implement ISerializer<{TypeNames.Display(target)}>; implement that interface, or name the right serializer";
        }
        else if (!closed.InstanceConstructors.Any(c => c.Parameters.Length == 0 && c.DeclaredAccessibility == Accessibility.Public))
        {
            reason = $"{where} '{serializer}' has no public parameterless constructor; add one (the generated code creates the serializer with 'new')";
        }
        else if (!compilation.IsSymbolAccessibleWithin(closed, host))
        {
            reason = $"{where} '{serializer}' is not accessible from pipeline '{host.Name}'; make it internal or public";
        }
        return reason is null ? closed : null;
    }

    /// <summary>The type arguments in reflection's order (<c>Type.GetGenericArguments</c>): containing types' first.</summary>
    private static List<ITypeSymbol> TypeArgumentsOf(INamedTypeSymbol type)
    {
        var types = new List<INamedTypeSymbol>();
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            types.Insert(0, t);
        }
        return types.SelectMany(t => t.TypeArguments).ToList();
    }

    /// <summary>The constraints a closed generic must meet to compile (constraints that mention other type parameters are not checked).</summary>
    private static bool SatisfiesConstraints(IReadOnlyList<ITypeParameterSymbol> parameters, List<ITypeSymbol> arguments, Compilation compilation)
    {
        for (int i = 0; i < parameters.Count; i++)
        {
            ITypeParameterSymbol p = parameters[i];
            ITypeSymbol a = arguments[i];
            bool isNullableValue = a.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T;
            if ((p.HasReferenceTypeConstraint && !a.IsReferenceType)
                || (p.HasValueTypeConstraint && (!a.IsValueType || isNullableValue))
                || (p.HasUnmanagedTypeConstraint && !a.IsUnmanagedType)
                || (p.HasConstructorConstraint && !HasPublicParameterlessConstructor(a)))
            {
                return false;
            }
            foreach (ITypeSymbol constraint in p.ConstraintTypes)
            {
                if (MentionsTypeParameters(constraint))
                {
                    continue;
                }
                Microsoft.CodeAnalysis.Operations.CommonConversion conversion = compilation.ClassifyCommonConversion(a, constraint);
                if (!conversion.Exists || !conversion.IsImplicit || conversion.IsUserDefined || conversion.IsNumeric)
                {
                    return false;
                }
            }
        }
        return true;
    }

    private static bool HasPublicParameterlessConstructor(ITypeSymbol type) =>
        type.IsValueType || (type is INamedTypeSymbol { IsAbstract: false } named
            && named.InstanceConstructors.Any(c => c.Parameters.Length == 0 && c.DeclaredAccessibility == Accessibility.Public));

    private static bool MentionsTypeParameters(ITypeSymbol type) => type switch
    {
        ITypeParameterSymbol => true,
        IArrayTypeSymbol array => MentionsTypeParameters(array.ElementType),
        INamedTypeSymbol named => named.TypeArguments.Any(MentionsTypeParameters),
        _ => false,
    };
}
