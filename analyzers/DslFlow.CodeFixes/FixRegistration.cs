namespace DslFlow.CodeFixes;

/// <summary>
/// The walk every DslFlow fix's <c>RegisterCodeFixesAsync</c> does: the document's syntax root (and semantic model, for
/// the fixes that bind), then, for each diagnostic, the fix's action registered for that diagnostic. A fix returns null
/// for a diagnostic it cannot fix there, which then gets no action; without a root (or model) no diagnostic gets one.
/// </summary>
internal static class FixRegistration
{
    public static async Task RegisterEachAsync(CodeFixContext context, Func<SyntaxNode, Diagnostic, Task<CodeAction?>> createAction)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (await createAction(root, diagnostic).ConfigureAwait(false) is { } action)
            {
                context.RegisterCodeFix(action, diagnostic);
            }
        }
    }

    public static Task RegisterEachAsync(CodeFixContext context, Func<SyntaxNode, Diagnostic, CodeAction?> createAction) =>
        RegisterEachAsync(context, (root, diagnostic) => Task.FromResult(createAction(root, diagnostic)));

    public static async Task RegisterEachAsync(CodeFixContext context, Func<SyntaxNode, SemanticModel, Diagnostic, CodeAction?> createAction)
    {
        SemanticModel? model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (model is null)
        {
            return;
        }
        await RegisterEachAsync(context, (root, diagnostic) => Task.FromResult(createAction(root, model, diagnostic))).ConfigureAwait(false);
    }

    /// <summary>The innermost <typeparamref name="T"/> around the diagnostic's span (a diagnostic sits on a name inside it).</summary>
    public static T? Enclosing<T>(SyntaxNode root, Diagnostic diagnostic) where T : SyntaxNode =>
        root.FindNode(diagnostic.Location.SourceSpan).AncestorsAndSelf().OfType<T>().FirstOrDefault();
}
