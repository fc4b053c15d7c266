using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using DslFlow.Generator.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DslFlow.CodeFixes;

/// <summary>DSLF2001 → adds <c>partial</c> to the pipeline class (or the type containing it).</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddPartialCodeFix)), Shared]
public sealed class AddPartialCodeFix : CodeFixProvider
{
    public const string Key = "DslFlow.AddPartial";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = [DiagnosticIds.PipelineNotPartial];

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (root?.FindNode(diagnostic.Location.SourceSpan).AncestorsAndSelf().OfType<TypeDeclarationSyntax>().FirstOrDefault() is not { } type
                || type.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                continue;
            }
            context.RegisterCodeFix(
                CodeAction.Create($"Make '{type.Identifier.ValueText}' partial", ct => AttributeEditing.ReplaceAsync(context.Document, type, AddPartial(type), ct), Key),
                diagnostic);
        }
    }

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
