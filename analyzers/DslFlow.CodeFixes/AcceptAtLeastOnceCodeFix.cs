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

/// <summary>DSLF4001 → <c>[Sink(..., AcceptAtLeastOnce = true)]</c>: the pipeline accepts at-least-once delivery at that sink.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AcceptAtLeastOnceCodeFix)), Shared]
public sealed class AcceptAtLeastOnceCodeFix : CodeFixProvider
{
    public const string Key = "DslFlow.AcceptAtLeastOnce";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = [DiagnosticIds.SinkNotTransactional];

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        SemanticModel? model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (root?.FindNode(diagnostic.Location.SourceSpan).AncestorsAndSelf().OfType<MethodDeclarationSyntax>().FirstOrDefault() is not { } method
                || model is null
                || AttributeEditing.AttributeOf(method, model, t => t.Name == "SinkAttribute", context.CancellationToken) is not { } sink)
            {
                continue;
            }
            context.RegisterCodeFix(
                CodeAction.Create(
                    "Accept at-least-once delivery at this sink",
                    ct => AttributeEditing.ReplaceAsync(context.Document, sink, AttributeEditing.WithNamedArgument(sink, "AcceptAtLeastOnce", AttributeEditing.True), ct),
                    Key),
                diagnostic);
        }
    }
}
