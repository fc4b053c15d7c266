using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using DslFlow.Generator.Model;
using DslFlow.Generator.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace DslFlow.Analyzers;

/// <summary>
/// Reports every problem the generator's own parser finds in a <c>[Pipeline]</c> class: checkpoint configuration
/// (DSLF1xxx), wiring and method shapes (DSLF2xxx), keys and state (DSLF3xxx) and sink guarantees (DSLF4xxx). The
/// generator skips a pipeline with an error, so each of these explains a missing <c>Graph</c> or <c>RunAsync</c>.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PipelineAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = [.. DiagnosticDescriptors.ParserRules.Values];

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (start.Compilation.GetTypeByMetadataName(KnownTypes.PipelineAttribute) is null)
            {
                return; // not a DslFlow project
            }
            var trees = new TreesByPath(start.Compilation);
            start.RegisterSymbolAction(symbol => AnalyzeType(symbol, trees), SymbolKind.NamedType);
        });
    }

    private static void AnalyzeType(SymbolAnalysisContext context, TreesByPath trees)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (!type.GetAttributes().Any(KnownTypes.IsPipelineAttribute))
        {
            return;
        }
        ParseResult result = PipelineParser.Parse(type, context.Compilation, context.CancellationToken);
        string? linkBase = HelpLinks.BaseFor(context.Options);
        foreach (ParseProblem problem in result.Problems)
        {
            if (DiagnosticDescriptors.ParserRules.TryGetValue(problem.Id, out DiagnosticDescriptor? descriptor))
            {
                context.ReportDiagnostic(Diagnostic.Create(HelpLinks.Apply(descriptor, linkBase), trees.Locate(problem.Span), problem.Message));
            }
        }
    }

    /// <summary>Turns a problem's Roslyn-free span back into a location of this compilation.</summary>
    private sealed class TreesByPath(Compilation compilation)
    {
        private readonly System.Lazy<Dictionary<string, SyntaxTree>> _trees = new(() =>
        {
            var map = new Dictionary<string, SyntaxTree>();
            foreach (SyntaxTree tree in compilation.SyntaxTrees)
            {
                if (!map.ContainsKey(tree.FilePath))
                {
                    map.Add(tree.FilePath, tree);
                }
            }
            return map;
        });

        public Location Locate(SourceSpan? span) =>
            span is not null && _trees.Value.TryGetValue(span.FilePath, out SyntaxTree? tree)
                && span.Start + span.Length <= tree.Length
                ? Location.Create(tree, new TextSpan(span.Start, span.Length))
                : Location.None;
    }
}
