using System.Collections.Generic;
using System.Linq;
using System.Threading;
using DslFlow.Generator.Model;
using Microsoft.CodeAnalysis;

namespace DslFlow.Generator.Parsing;

/// <summary>What one parse works on, and the problems it found.</summary>
internal sealed class ParseContext(INamedTypeSymbol pipeline, Compilation compilation, CancellationToken cancellationToken)
{
    public INamedTypeSymbol Pipeline { get; } = pipeline;

    public Compilation Compilation { get; } = compilation;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    public List<ParseProblem> Problems { get; } = [];

    public void Report(ISymbol where, string message) =>
        Problems.Add(new ParseProblem(message, MemberName(where), Describe(where)));

    /// <summary>True when a value of <paramref name="from"/> is a value of <paramref name="to"/> (tuple names and nullability aside).</summary>
    public bool AreIdentical(ITypeSymbol from, ITypeSymbol to) =>
        SymbolEqualityComparer.Default.Equals(from, to) || Compilation.ClassifyCommonConversion(from, to).IsIdentity;

    private string MemberName(ISymbol symbol) =>
        SymbolEqualityComparer.Default.Equals(symbol, Pipeline) ? Pipeline.Name : Pipeline.Name + "." + symbol.Name;

    private static string Describe(ISymbol symbol)
    {
        Location? location = symbol.Locations.FirstOrDefault(l => l.IsInSource);
        if (location is null)
        {
            return "";
        }
        FileLinePositionSpan span = location.GetLineSpan();
        return $"{span.Path}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1})";
    }
}
