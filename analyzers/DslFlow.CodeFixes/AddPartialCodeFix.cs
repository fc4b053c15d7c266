namespace DslFlow.CodeFixes;

/// <summary>DSLF2001 → adds <c>partial</c> to the pipeline class (or the type containing it).</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddPartialCodeFix)), Shared]
public sealed class AddPartialCodeFix() : DslFlowCodeFix(DiagnosticIds.PipelineNotPartial)
{
    public const string Key = "DslFlow.AddPartial";

    public override Task RegisterCodeFixesAsync(CodeFixContext context) =>
        FixRegistration.RegisterEachAsync(context, (root, diagnostic) =>
            FixRegistration.Enclosing<TypeDeclarationSyntax>(root, diagnostic) is { } type && !type.Modifiers.Any(SyntaxKind.PartialKeyword)
                ? CodeAction.Create($"Make '{type.Identifier.ValueText}' partial", ct => AttributeEditing.ReplaceAsync(context.Document, type, AddPartial(type), ct), Key)
                : null);

    /// <summary><c>partial</c> goes last among the modifiers, just before the <c>class</c> keyword.</summary>
    private static TypeDeclarationSyntax AddPartial(TypeDeclarationSyntax type)
    {
        SyntaxToken partial = SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space);
        if (type.Modifiers.Count == 0)
        {
            // Keep the keyword's leading trivia (indentation, attributes' line break) in front of 'partial'.
            SyntaxToken keyword = type.Keyword;
            return type.WithKeyword(keyword.WithLeadingTrivia())
                .WithModifiers(SyntaxFactory.TokenList(partial.WithLeadingTrivia(keyword.LeadingTrivia)));
        }
        return type.WithModifiers(type.Modifiers.Add(partial));
    }
}
