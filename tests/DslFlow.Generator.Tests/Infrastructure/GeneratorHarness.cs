using System.Collections.Immutable;
using System.Reflection;
using Basic.Reference.Assemblies;
using DslFlow.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DslFlow.Generator.Tests.Infrastructure;

/// <summary>Compiles user sources in memory and runs the generator over them.</summary>
public static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.Diagnose);

    private static readonly ImmutableArray<MetadataReference> References =
    [
        .. Net100.References.All,
        MetadataReference.CreateFromFile(typeof(PipelineAttribute).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(Microsoft.Extensions.Logging.ILogger).Assembly.Location),
    ];

    /// <summary>A compilation of the given sources plus the test fixtures (sources and sinks).</summary>
    public static CSharpCompilation Compile(params string[] sources) =>
        CSharpCompilation.Create(
            "UserAssembly",
            [.. sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"User{i}.cs")),
             CSharpSyntaxTree.ParseText(Fixtures.Source, ParseOptions, path: "Fixtures.cs")],
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    /// <summary>A driver for <paramref name="generator"/> (a test may set its test-only hooks), else a plain one.</summary>
    public static GeneratorDriver CreateDriver(PipelineGenerator? generator = null) =>
        CSharpGeneratorDriver.Create(
            [(generator ?? new PipelineGenerator()).AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator once; the result holds the output compilation and the generated files.</summary>
    public static GeneratorRun Run(params string[] sources)
    {
        CSharpCompilation input = Compile(sources);
        GeneratorDriver driver = CreateDriver().RunGeneratorsAndUpdateCompilation(input, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        return new GeneratorRun(input, output, driver.GetRunResult(), diagnostics);
    }
}

/// <summary>What one generator run produced.</summary>
public sealed record GeneratorRun(Compilation Input, Compilation Output, GeneratorDriverRunResult Result, ImmutableArray<Diagnostic> DriverDiagnostics)
{
    public ImmutableArray<GeneratedSourceResult> GeneratedSources => Result.Results[0].GeneratedSources;

    /// <summary>The generator neither threw nor reported anything.</summary>
    public void AssertGeneratorQuiet()
    {
        Assert.Null(Result.Results[0].Exception);
        Assert.Empty(Result.Diagnostics);
        Assert.Empty(DriverDiagnostics);
    }

    /// <summary>
    /// The user code plus generated code compiles without errors, and the generated files cause no warnings
    /// (documentation warnings included).
    /// </summary>
    public void AssertCompilesCleanly()
    {
        var generatedTrees = Output.SyntaxTrees.Except(Input.SyntaxTrees).ToHashSet();
        var problems = Output.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error
                || (d.Severity == DiagnosticSeverity.Warning && d.Location.SourceTree is { } tree && generatedTrees.Contains(tree)))
            .ToList();
        Assert.True(problems.Count == 0, "Compilation problems:\n" + string.Join("\n", problems.Select(d => d.ToString())));
    }

    /// <summary>Emits the output compilation and loads it into the test process.</summary>
    public Assembly EmitAndLoad()
    {
        using var stream = new MemoryStream();
        var emitted = Output.Emit(stream);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        return Assembly.Load(stream.ToArray());
    }
}
