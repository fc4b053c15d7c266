using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DslFlow.Analyzers.Tests.Infrastructure;

/// <summary>
/// Applies a code fix through a workspace, as the IDE does, and hands back the fixed document's syntax tree as the fix
/// built it: not printed and parsed again (the code-fix testing library compares text, which hides a tree that only
/// compiles after a re-parse, such as an invocation of an ordinary identifier named <c>nameof</c>).
/// </summary>
public static class FixedDocument
{
    public static async Task<SyntaxTree> ApplyAsync<TAnalyzer, TFix>(string source, string diagnosticId)
        where TAnalyzer : DiagnosticAnalyzer, new()
        where TFix : CodeFixProvider, new()
    {
        using var workspace = new AdhocWorkspace();
        Project project = workspace.AddProject("User", LanguageNames.CSharp)
            .WithParseOptions(Analysis.ParseOptions)
            .WithCompilationOptions(new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable))
            .WithMetadataReferences(Verify.References);
        Document document = project.AddDocument("User0.cs", Verify.Usings + source);
        Compilation compilation = (await document.Project.GetCompilationAsync())!;
        ImmutableArray<Diagnostic> diagnostics = await compilation.WithAnalyzers([new TAnalyzer()]).GetAnalyzerDiagnosticsAsync();
        Diagnostic diagnostic = Assert.Single(diagnostics, d => d.Id == diagnosticId);

        var actions = new List<CodeAction>();
        var context = new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None);
        await new TFix().RegisterCodeFixesAsync(context);
        CodeAction first = Assert.Single(actions);
        ApplyChangesOperation apply = Assert.Single((await first.GetOperationsAsync(CancellationToken.None)).OfType<ApplyChangesOperation>());
        Document fixedDocument = apply.ChangedSolution.GetDocument(document.Id)!;
        return (await fixedDocument.GetSyntaxTreeAsync())!;
    }
}
