using DslFlow.Generator.Model;
using Microsoft.CodeAnalysis;

namespace DslFlow.Generator.Parsing;

/// <summary>Recognizes the runtime's types by metadata name; the generator never references the runtime.</summary>
internal static class KnownTypes
{
    public const string PipelineAttribute = "DslFlow.PipelineAttribute";

    public static bool IsDslFlow(ITypeSymbol? type, string metadataName) =>
        type is INamedTypeSymbol named
        && named.OriginalDefinition.MetadataName == metadataName
        && IsNamespace(named.ContainingNamespace, "DslFlow");

    public static NodeKind? NodeKindOf(AttributeData attribute)
    {
        INamedTypeSymbol? type = attribute.AttributeClass;
        if (type is null || !IsNamespace(type.ContainingNamespace, "DslFlow"))
        {
            return null;
        }
        return type.MetadataName switch
        {
            "SourceAttribute" => NodeKind.Source,
            "MapAttribute" => NodeKind.Map,
            "FlatMapAttribute" => NodeKind.FlatMap,
            "FilterAttribute" => NodeKind.Filter,
            "ProcessAttribute" or "WindowAttribute" => NodeKind.Process, // a window node is a keyed process node
            "SinkAttribute" => NodeKind.Sink,
            _ => null,
        };
    }

    public static bool IsPipelineAttribute(AttributeData attribute) =>
        IsDslFlow(attribute.AttributeClass, "PipelineAttribute");

    /// <summary>The state kind of a keyed or operator state parameter type, if it is one.</summary>
    public static ParameterKind? StateKindOf(ITypeSymbol type)
    {
        if (IsDslFlow(type, "ValueState`1"))
        {
            return ParameterKind.ValueState;
        }
        if (IsDslFlow(type, "ListState`1"))
        {
            return ParameterKind.ListState;
        }
        if (IsDslFlow(type, "MapState`2"))
        {
            return ParameterKind.MapState;
        }
        if (IsDslFlow(type, "OperatorListState`1"))
        {
            return ParameterKind.OperatorListState;
        }
        return null;
    }

    public static bool IsCollector(ITypeSymbol type) => IsDslFlow(type, "Collector`1");

    public static bool IsTimerService(ITypeSymbol type) => IsDslFlow(type, "TimerService");

    public static bool IsTimeDomain(ITypeSymbol type) => type is INamedTypeSymbol { TypeKind: TypeKind.Enum } named
        && named.MetadataName == "TimeDomain" && IsNamespace(named.ContainingNamespace, "DslFlow");

    public static bool IsWatermarksAttribute(AttributeData attribute) => IsDslFlow(attribute.AttributeClass, "WatermarksAttribute");

    public static bool IsOnTimerAttribute(AttributeData attribute) => IsDslFlow(attribute.AttributeClass, "OnTimerAttribute");

    public static bool IsWindowAttribute(AttributeData attribute) => IsDslFlow(attribute.AttributeClass, "WindowAttribute");

    public static bool IsTimeWindow(ITypeSymbol type) => IsDslFlow(type, "TimeWindow");

    public static bool IsPipelineContext(ITypeSymbol type) => IsDslFlow(type, "PipelineContext");

    public static bool IsStableKey(ITypeSymbol type) => Implements(type, "IStableKey");

    public static bool IsTransactionalSink(ITypeSymbol type) => Implements(type, "ITransactionalSink");

    public static bool IsCheckpointingAttribute(AttributeData attribute) =>
        IsDslFlow(attribute.AttributeClass, "CheckpointingAttribute");

    /// <summary>True when the type is or implements the (non-generic) DslFlow interface.</summary>
    public static bool Implements(ITypeSymbol type, string interfaceMetadataName)
    {
        if (IsDslFlow(type, interfaceMetadataName))
        {
            return true;
        }
        foreach (INamedTypeSymbol i in type.AllInterfaces)
        {
            if (IsDslFlow(i, interfaceMetadataName))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// The type arguments of every construction of a generic DslFlow interface (<c>ISource`1</c>) that the type
    /// is or implements.
    /// </summary>
    public static System.Collections.Generic.List<ITypeSymbol> ElementTypesOf(ITypeSymbol type, string interfaceMetadataName)
    {
        var found = new System.Collections.Generic.List<ITypeSymbol>();
        if (IsDslFlow(type, interfaceMetadataName))
        {
            found.Add(((INamedTypeSymbol)type).TypeArguments[0]);
        }
        foreach (INamedTypeSymbol i in type.AllInterfaces)
        {
            if (IsDslFlow(i, interfaceMetadataName))
            {
                found.Add(i.TypeArguments[0]);
            }
        }
        return found;
    }

    /// <summary>The <c>T</c>s of every <c>IEnumerable&lt;T&gt;</c> the type is or implements.</summary>
    public static System.Collections.Generic.List<ITypeSymbol> EnumerableElementTypes(ITypeSymbol type)
    {
        var found = new System.Collections.Generic.List<ITypeSymbol>();
        if (type is INamedTypeSymbol named && named.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T)
        {
            found.Add(named.TypeArguments[0]);
        }
        foreach (INamedTypeSymbol i in type.AllInterfaces)
        {
            if (i.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T)
            {
                found.Add(i.TypeArguments[0]);
            }
        }
        return found;
    }

    private static bool IsNamespace(INamespaceSymbol? ns, string name) =>
        ns is not null && ns.Name == name && ns.ContainingNamespace is { IsGlobalNamespace: true };
}
