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

    public bool HasErrors => Problems.Exists(p => p.IsError);

    /// <summary>An error about a symbol, located at its declaration: the pipeline is not generated.</summary>
    public void Report(string id, ISymbol where, string message) => Add(id, isError: true, where, null, message);

    /// <summary>An error located at <paramref name="location"/> (for example an attribute argument), else at the symbol.</summary>
    public void Report(string id, ISymbol where, Location? location, string message) => Add(id, isError: true, where, location, message);

    /// <summary>Code the compiler reports already: generation stops, the analyzers stay silent.</summary>
    public void Abandon(ISymbol where) => Add(DiagnosticIds.CompilerReported, isError: true, where, null, "The compiler reports an error here.");

    /// <summary>A warning: reported by the analyzers, the pipeline is still generated.</summary>
    public void Warn(string id, ISymbol where, Location? location, string message) => Add(id, isError: false, where, location, message);

    /// <summary>True when a value of <paramref name="from"/> is a value of <paramref name="to"/> (tuple names and nullability aside).</summary>
    public bool AreIdentical(ITypeSymbol from, ITypeSymbol to) =>
        SymbolEqualityComparer.Default.Equals(from, to) || Compilation.ClassifyCommonConversion(from, to).IsIdentity;

    private void Add(string id, bool isError, ISymbol where, Location? location, string message)
    {
        location = location is { IsInSource: true } ? location : LocationOf(where);
        Problems.Add(new ParseProblem(id, isError, message, MemberName(where), Describe(location), SpanOf(location)));
    }

    private string MemberName(ISymbol symbol) =>
        SymbolEqualityComparer.Default.Equals(symbol, Pipeline) ? Pipeline.Name : Pipeline.Name + "." + symbol.Name;

    /// <summary>The symbol's declaration in user code: a generated partial part never hosts a diagnostic.</summary>
    private static Location? LocationOf(ISymbol symbol)
    {
        var locations = symbol.Locations.Where(l => l.IsInSource).ToList();
        return locations.FirstOrDefault(l => !IsGeneratedFile(l.SourceTree?.FilePath)) ?? locations.FirstOrDefault();
    }

    private static bool IsGeneratedFile(string? path) =>
        path is not null && path.EndsWith(".g.cs", System.StringComparison.OrdinalIgnoreCase);

    private static string Describe(Location? location)
    {
        if (location is null)
        {
            return "";
        }
        FileLinePositionSpan span = location.GetLineSpan();
        return $"{span.Path}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1})";
    }

    private static SourceSpan? SpanOf(Location? location) =>
        location?.SourceTree is { } tree ? new SourceSpan(tree.FilePath, location.SourceSpan.Start, location.SourceSpan.Length) : null;
}
