using System.Collections.Immutable;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace DslFlow.Analyzers.Tests.Infrastructure;

/// <summary>
/// Analyzer and code-fix tests over net10.0 reference assemblies from Basic.Reference.Assemblies (the testing
/// library's own Net100 preset downloads packs this machine cannot reach) plus the DslFlow runtime.
/// </summary>
public static class Verify
{
    public const string Usings = """
        using System;
        using System.Collections.Generic;
        using DslFlow;

        """;

    internal static readonly ImmutableArray<MetadataReference> References =
    [
        .. Net100.References.All,
        MetadataReference.CreateFromFile(typeof(PipelineAttribute).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(Microsoft.Extensions.Logging.ILogger).Assembly.Location),
    ];

    /// <summary>No reference-assembly package: the references above are the whole framework.</summary>
    private static readonly ReferenceAssemblies None = new("net10.0");

    public static Task AnalyzerAsync<TAnalyzer>(string source)
        where TAnalyzer : DiagnosticAnalyzer, new()
    {
        var test = new CSharpAnalyzerTest<TAnalyzer, DefaultVerifier> { TestCode = Usings + source };
        Configure(test);
        return test.RunAsync();
    }

    public static Task CodeFixAsync<TAnalyzer, TFix>(string source, string fixedSource, int iterations = 1, bool usings = true)
        where TAnalyzer : DiagnosticAnalyzer, new()
        where TFix : CodeFixProvider, new()
    {
        var test = new CSharpCodeFixTest<TAnalyzer, TFix, DefaultVerifier>
        {
            TestCode = (usings ? Usings : "using System;\n") + source,
            FixedCode = (usings ? Usings : "using System;\n") + fixedSource,
            NumberOfFixAllIterations = iterations,
            NumberOfIncrementalIterations = iterations,
        };
        Configure(test);
        return test.RunAsync();
    }

    private static void Configure<TVerifier>(AnalyzerTest<TVerifier> test)
        where TVerifier : IVerifier, new()
    {
        test.ReferenceAssemblies = None;
        test.TestState.AdditionalReferences.AddRange(References);
        test.SolutionTransforms.Add((solution, projectId) =>
        {
            Project project = solution.GetProject(projectId)!;
            var options = ((CSharpCompilationOptions)project.CompilationOptions!).WithNullableContextOptions(NullableContextOptions.Enable);
            return solution.WithProjectCompilationOptions(projectId, options)
                .WithProjectParseOptions(projectId, new CSharpParseOptions(LanguageVersion.Latest));
        });
    }
}
