using System;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using DslFlow.Generator.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DslFlow.CodeFixes;

/// <summary>
/// DSLF2004 → replaces an unknown upstream name with <c>nameof(Nearest)</c>, the existing node whose name is the
/// fewest edits away (Levenshtein, case-insensitive; ties go to the node declared first).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(NearestUpstreamCodeFix)), Shared]
public sealed class NearestUpstreamCodeFix : CodeFixProvider
{
    public const string Key = "DslFlow.NearestUpstream";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = [DiagnosticIds.UnknownUpstream];

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        SemanticModel? model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (root?.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not ExpressionSyntax expression
                || expression.FirstAncestorOrSelf<AttributeArgumentSyntax>() is not { } argument
                || argument.Expression != expression
                || model is null
                || model.GetConstantValue(expression, context.CancellationToken) is not { HasValue: true, Value: string written }
                || expression.FirstAncestorOrSelf<MethodDeclarationSyntax>() is not { } method
                || model.GetDeclaredSymbol(method, context.CancellationToken) is not { ContainingType: { } pipeline } self)
            {
                continue;
            }
            string? nearest = pipeline.GetMembers().OfType<IMethodSymbol>()
                .Where(m => !SymbolEqualityComparer.Default.Equals(m, self) && m.GetAttributes().Any(a => KnownTypes.NodeKindOf(a) is not null))
                .Select(m => m.Name)
                .Distinct(StringComparer.Ordinal)
                .Select((name, order) => (Name: name, Distance: Levenshtein.Distance(written, name), Order: order))
                .OrderBy(c => c.Distance).ThenBy(c => c.Order)
                .Select(c => c.Name)
                .FirstOrDefault();
            if (nearest is null)
            {
                continue;
            }
            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Read from '{nearest}'",
                    ct => AttributeEditing.ReplaceAsync(context.Document, expression, AttributeEditing.NameOf(nearest).WithTriviaFrom(expression), ct),
                    Key),
                diagnostic);
        }
    }
}
