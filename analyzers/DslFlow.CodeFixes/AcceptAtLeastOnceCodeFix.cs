namespace DslFlow.CodeFixes;

/// <summary>DSLF4001 → <c>[Sink(..., AcceptAtLeastOnce = true)]</c>: the pipeline accepts at-least-once delivery at that sink.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AcceptAtLeastOnceCodeFix)), Shared]
public sealed class AcceptAtLeastOnceCodeFix() : DslFlowCodeFix(DiagnosticIds.SinkNotTransactional)
{
    public const string Key = "DslFlow.AcceptAtLeastOnce";

    public override Task RegisterCodeFixesAsync(CodeFixContext context) =>
        FixRegistration.RegisterEachAsync(context, (root, model, diagnostic) =>
            FixRegistration.Enclosing<MethodDeclarationSyntax>(root, diagnostic) is { } method
            && AttributeEditing.AttributeOf(method, model, t => t.Name == "SinkAttribute", context.CancellationToken) is { } sink
                ? CodeAction.Create(
                    "Accept at-least-once delivery at this sink",
                    ct => AttributeEditing.ReplaceAsync(context.Document, sink, AttributeEditing.WithNamedArgument(sink, "AcceptAtLeastOnce", AttributeEditing.True), ct),
                    Key)
                : null);
}
