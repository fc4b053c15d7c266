using System.Collections.Immutable;
using DslFlow.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DslFlow.Analyzers.Tests.Infrastructure;

/// <summary>Runs the generator and then every DslFlow analyzer over its output, as a build does.</summary>
public static class Analysis
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly ImmutableArray<DiagnosticAnalyzer> Analyzers = [new PipelineAnalyzer(), new StaticFieldWriteAnalyzer(), new FileCompactionAnalyzer()];

    public static CSharpCompilation Compile(params string[] sources) =>
        Compile(sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"User{i}.cs")).ToArray());

    /// <summary>A compilation of these trees as they are (a code fix's output, say), without printing and parsing them again.</summary>
    public static CSharpCompilation Compile(params SyntaxTree[] trees) =>
        CSharpCompilation.Create(
            "UserAssembly",
            trees,
            Verify.References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    /// <summary>The generator's run, the compilation with its output, and the analyzers' diagnostics (exceptions become AD0001).</summary>
    public static async Task<AnalysisRun> RunAsync(CSharpCompilation input, CancellationToken cancellationToken = default)
    {
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new PipelineGenerator().AsSourceGenerator()], parseOptions: ParseOptions)
            .RunGeneratorsAndUpdateCompilation(input, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics, cancellationToken);
        var exceptions = new List<Exception>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions([]),
            onAnalyzerException: (exception, _, _) => { lock (exceptions) { exceptions.Add(exception); } },
            concurrentAnalysis: false,
            logAnalyzerExecutionTime: false,
            reportSuppressedDiagnostics: false);
        ImmutableArray<Diagnostic> analyzerDiagnostics = await output.WithAnalyzers(Analyzers, options).GetAnalyzerDiagnosticsAsync(cancellationToken);
        return new AnalysisRun(input, output, driver.GetRunResult(), generatorDiagnostics, analyzerDiagnostics, exceptions);
    }

    public static Task<AnalysisRun> RunAsync(params string[] sources) => RunAsync(Compile(sources));
}

/// <summary>What one build-like run produced.</summary>
public sealed record AnalysisRun(
    Compilation Input,
    Compilation Output,
    GeneratorDriverRunResult Generator,
    ImmutableArray<Diagnostic> GeneratorDiagnostics,
    ImmutableArray<Diagnostic> AnalyzerDiagnostics,
    IReadOnlyList<Exception> AnalyzerExceptions)
{
    public IEnumerable<SyntaxTree> GeneratedTrees => Output.SyntaxTrees.Except(Input.SyntaxTrees);

    public IEnumerable<Diagnostic> Dslf(string id) => AnalyzerDiagnostics.Where(d => d.Id == id);
}
