using System.Linq;
using DslFlow.Generator.Model;
using DslFlow.Generator.Parsing;
using Microsoft.CodeAnalysis;

namespace DslFlow.Analyzers;

/// <summary>Finds the node method that code inside a pipeline class belongs to, for analyzers that look into bodies.</summary>
internal static class NodeMethods
{
    /// <summary>
    /// The node method of a pipeline class that <paramref name="symbol"/> (the analysed code's containing symbol) belongs
    /// to — lambdas and local functions included — with its <paramref name="kind"/>; null when the code is not in one.
    /// </summary>
    public static IMethodSymbol? Containing(ISymbol? symbol, out NodeKind kind)
    {
        kind = default;
        while (symbol is IMethodSymbol { MethodKind: MethodKind.LambdaMethod or MethodKind.LocalFunction })
        {
            symbol = symbol.ContainingSymbol;
        }
        if (symbol is not IMethodSymbol method
            || method.ContainingType is not { } type
            || !type.GetAttributes().Any(KnownTypes.IsPipelineAttribute))
        {
            return null;
        }
        foreach (AttributeData attribute in method.GetAttributes())
        {
            if (KnownTypes.NodeKindOf(attribute) is { } nodeKind)
            {
                kind = nodeKind;
                return method;
            }
        }
        return null;
    }
}
