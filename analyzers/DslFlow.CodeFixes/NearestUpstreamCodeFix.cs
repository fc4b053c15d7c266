namespace DslFlow.CodeFixes;

/// <summary>
/// DSLF2004 → replaces an unknown upstream name with <c>nameof(Nearest)</c>, the existing node whose name is the
/// fewest edits away (Levenshtein, case-insensitive; ties go to the node declared first).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(NearestUpstreamCodeFix)), Shared]
public sealed class NearestUpstreamCodeFix() : DslFlowCodeFix(DiagnosticIds.UnknownUpstream)
{
    public const string Key = "DslFlow.NearestUpstream";

    public override Task RegisterCodeFixesAsync(CodeFixContext context) =>
        FixRegistration.RegisterEachAsync(context, (root, model, diagnostic) =>
        {
            if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not ExpressionSyntax expression
                || expression.FirstAncestorOrSelf<AttributeArgumentSyntax>() is not { } argument
                || argument.Expression != expression
                || model.GetConstantValue(expression, context.CancellationToken) is not { HasValue: true, Value: string written }
                || expression.FirstAncestorOrSelf<MethodDeclarationSyntax>() is not { } method
                || model.GetDeclaredSymbol(method, context.CancellationToken) is not { ContainingType: { } pipeline } self)
            {
                return null;
            }
            string? nearest = pipeline.GetMembers().OfType<IMethodSymbol>()
                .Where(m => !SymbolEqualityComparer.Default.Equals(m, self) && m.GetAttributes().Any(a => KnownTypes.NodeKindOf(a) is not null))
                .Select(m => m.Name)
                .Distinct(StringComparer.Ordinal)
                .Select((name, order) => (Name: name, Distance: Levenshtein.Distance(written, name), Order: order))
                .OrderBy(c => c.Distance).ThenBy(c => c.Order)
                .Select(c => c.Name)
                .FirstOrDefault();
            return nearest is null
                ? null
                : CodeAction.Create(
                    $"Read from '{nearest}'",
                    ct => AttributeEditing.ReplaceAsync(context.Document, expression, AttributeEditing.NameOf(nearest).WithTriviaFrom(expression), ct),
                    Key);
        });
}
