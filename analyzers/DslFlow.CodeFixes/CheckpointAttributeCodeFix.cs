using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using DslFlow.Generator.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DslFlow.CodeFixes;

/// <summary>
/// DSLF1001 → <c>Mode = CheckpointingMode.ExactlyOnce</c>; DSLF1002 → <c>Unaligned = true</c>: each sets one named
/// argument of the pipeline's <c>[Checkpointing]</c> attribute.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(CheckpointAttributeCodeFix)), Shared]
public sealed class CheckpointAttributeCodeFix : CodeFixProvider
{
    public const string UseExactlyOnceKey = "DslFlow.UseExactlyOnce";
    public const string EnableUnalignedKey = "DslFlow.EnableUnaligned";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        [DiagnosticIds.UnalignedRequiresExactlyOnce, DiagnosticIds.AlignedTimeoutRequiresUnaligned];

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (root is null || AttributeEditing.EnclosingAttribute(root, diagnostic.Location.SourceSpan) is not { } attribute)
            {
                continue;
            }
            if (diagnostic.Id == DiagnosticIds.UnalignedRequiresExactlyOnce)
            {
                ExpressionSyntax exactlyOnce = SyntaxFactory.ParseExpression("CheckpointingMode.ExactlyOnce");
                if (await QualifiesAsync(context.Document, attribute, context.CancellationToken).ConfigureAwait(false))
                {
                    exactlyOnce = SyntaxFactory.ParseExpression("global::DslFlow.CheckpointingMode.ExactlyOnce")
                        .WithAdditionalAnnotations(Microsoft.CodeAnalysis.Simplification.Simplifier.Annotation);
                }
                Register(context, diagnostic, attribute, "Set Mode = CheckpointingMode.ExactlyOnce", UseExactlyOnceKey, "Mode", exactlyOnce);
            }
            else
            {
                Register(context, diagnostic, attribute, "Set Unaligned = true", EnableUnalignedKey, "Unaligned", AttributeEditing.True);
            }
        }
    }

    private static void Register(CodeFixContext context, Diagnostic diagnostic, AttributeSyntax attribute, string title, string key, string name, ExpressionSyntax value) =>
        context.RegisterCodeFix(
            CodeAction.Create(
                title,
                ct => AttributeEditing.ReplaceAsync(context.Document, attribute, AttributeEditing.WithNamedArgument(attribute, name, value), ct),
                key),
            diagnostic);

    /// <summary>True when <c>CheckpointingMode</c> alone does not bind to DslFlow's enum here (no <c>using DslFlow;</c>).</summary>
    private static async Task<bool> QualifiesAsync(Document document, AttributeSyntax attribute, CancellationToken cancellationToken)
    {
        SemanticModel? model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (model is null)
        {
            return true;
        }
        SymbolInfo info = model.GetSpeculativeSymbolInfo(attribute.SpanStart, SyntaxFactory.ParseExpression("CheckpointingMode.ExactlyOnce"), SpeculativeBindingOption.BindAsExpression);
        return info.Symbol is not IFieldSymbol { ContainingType: { Name: "CheckpointingMode", ContainingNamespace.Name: "DslFlow" } };
    }
}
