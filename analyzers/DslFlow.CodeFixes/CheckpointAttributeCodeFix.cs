namespace DslFlow.CodeFixes;

/// <summary>
/// DSLF1001 → <c>Mode = CheckpointingMode.ExactlyOnce</c>; DSLF1002 → <c>Unaligned = true</c>: each sets one named
/// argument of the pipeline's <c>[Checkpointing]</c> attribute.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(CheckpointAttributeCodeFix)), Shared]
public sealed class CheckpointAttributeCodeFix() : DslFlowCodeFix(DiagnosticIds.UnalignedRequiresExactlyOnce, DiagnosticIds.AlignedTimeoutRequiresUnaligned)
{
    public const string UseExactlyOnceKey = "DslFlow.UseExactlyOnce";
    public const string EnableUnalignedKey = "DslFlow.EnableUnaligned";

    public override Task RegisterCodeFixesAsync(CodeFixContext context) =>
        FixRegistration.RegisterEachAsync(context, async (root, diagnostic) =>
        {
            if (AttributeEditing.EnclosingAttribute(root, diagnostic.Location.SourceSpan) is not { } attribute)
            {
                return null;
            }
            if (diagnostic.Id == DiagnosticIds.UnalignedRequiresExactlyOnce)
            {
                ExpressionSyntax exactlyOnce = SyntaxFactory.ParseExpression("CheckpointingMode.ExactlyOnce");
                if (await QualifiesAsync(context.Document, attribute, context.CancellationToken).ConfigureAwait(false))
                {
                    exactlyOnce = SyntaxFactory.ParseExpression("global::DslFlow.CheckpointingMode.ExactlyOnce")
                        .WithAdditionalAnnotations(Microsoft.CodeAnalysis.Simplification.Simplifier.Annotation);
                }
                return SetArgument(context.Document, attribute, "Set Mode = CheckpointingMode.ExactlyOnce", UseExactlyOnceKey, "Mode", exactlyOnce);
            }
            return SetArgument(context.Document, attribute, "Set Unaligned = true", EnableUnalignedKey, "Unaligned", AttributeEditing.True);
        });

    private static CodeAction SetArgument(Document document, AttributeSyntax attribute, string title, string key, string name, ExpressionSyntax value) =>
        CodeAction.Create(
            title,
            ct => AttributeEditing.ReplaceAsync(document, attribute, AttributeEditing.WithNamedArgument(attribute, name, value), ct),
            key);

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
