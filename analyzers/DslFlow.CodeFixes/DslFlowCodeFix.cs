namespace DslFlow.CodeFixes;

/// <summary>
/// What every DslFlow code fix shares: the diagnostics it fixes and Roslyn's batch fixer for "fix all". A fix registers
/// its actions with <see cref="FixRegistration.RegisterEachAsync(CodeFixContext, Func{SyntaxNode, Diagnostic, CodeAction?})"/>.
/// </summary>
public abstract class DslFlowCodeFix(params string[] diagnosticIds) : CodeFixProvider
{
    public sealed override ImmutableArray<string> FixableDiagnosticIds { get; } = [.. diagnosticIds];

    public sealed override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;
}
