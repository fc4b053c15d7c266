namespace DslFlow.CodeFixes;

/// <summary>Setting named arguments of an attribute: what most DslFlow fixes do.</summary>
internal static class AttributeEditing
{
    /// <summary>The attribute that encloses the diagnostic's span (it sits on the attribute or one of its arguments).</summary>
    public static AttributeSyntax? EnclosingAttribute(SyntaxNode root, Microsoft.CodeAnalysis.Text.TextSpan span) =>
        root.FindNode(span, getInnermostNodeForTie: true).AncestorsAndSelf().OfType<AttributeSyntax>().FirstOrDefault();

    /// <summary><c>Name = value</c>: replaces the argument's value if present, else appends the argument.</summary>
    public static AttributeSyntax WithNamedArgument(AttributeSyntax attribute, string name, ExpressionSyntax value)
    {
        AttributeArgumentSyntax? existing = attribute.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name);
        if (existing is not null)
        {
            return attribute.ReplaceNode(existing, existing.WithExpression(value.WithTriviaFrom(existing.Expression)));
        }
        AttributeArgumentSyntax argument = SyntaxFactory.AttributeArgument(
            SyntaxFactory.NameEquals(SyntaxFactory.IdentifierName(name)), null, value);
        AttributeArgumentListSyntax list = attribute.ArgumentList ?? SyntaxFactory.AttributeArgumentList();
        return attribute.WithArgumentList(list.AddArguments(argument));
    }

    /// <summary>The first attribute of <paramref name="method"/> whose type satisfies <paramref name="predicate"/>.</summary>
    public static AttributeSyntax? AttributeOf(MethodDeclarationSyntax method, SemanticModel model, System.Func<INamedTypeSymbol, bool> predicate, CancellationToken cancellationToken) =>
        method.AttributeLists.SelectMany(l => l.Attributes).FirstOrDefault(a =>
            model.GetSymbolInfo(a, cancellationToken).Symbol is IMethodSymbol { ContainingType: { } type } && predicate(type));

    public static async Task<Document> ReplaceAsync(Document document, SyntaxNode oldNode, SyntaxNode newNode, CancellationToken cancellationToken)
    {
        SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
        return document.WithSyntaxRoot(root.ReplaceNode(oldNode, newNode));
    }

    public static ExpressionSyntax True => SyntaxFactory.LiteralExpression(SyntaxKind.TrueLiteralExpression);

    /// <summary>
    /// <c>nameof(name)</c>. The identifier must carry the contextual kind <see cref="SyntaxKind.NameOfKeyword"/>, as the
    /// parser gives it: <c>IdentifierName("nameof")</c> prints the same text but binds as a call to a method named
    /// <c>nameof</c> (CS0103) until the document is parsed again.
    /// </summary>
    public static ExpressionSyntax NameOf(string name) =>
        SyntaxFactory.InvocationExpression(
            SyntaxFactory.IdentifierName(SyntaxFactory.Identifier(
                SyntaxFactory.TriviaList(), SyntaxKind.NameOfKeyword, "nameof", "nameof", SyntaxFactory.TriviaList())),
            SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(SyntaxFactory.IdentifierName(name)))));
}
