using System.Collections.Immutable;
using DslFlow.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DslFlow.Generator.Tests;

/// <summary>
/// A bug in the emitter is reported as DSLF0001 on the pipeline class (not swallowed, not thrown): no code for that
/// pipeline, the others still generated. The failure is forced through the generator's test-only seam.
/// </summary>
public class EmitterFailureTests
{
    private const string Pipelines = """
        using DslFlow;
        using Fixtures;

        namespace Samples;

        [Pipeline]
        public partial class Broken
        {
            [Source] public static ArraySource<int> S() => new(1);
            [Sink(From = nameof(S))] public static QueueSink<int> Out() => new();
        }

        [Pipeline]
        public partial class Fine
        {
            [Source] public static ArraySource<int> S() => new(1);
            [Sink(From = nameof(S))] public static QueueSink<int> Out() => new();
        }
        """;

    [Fact]
    public void An_emitter_exception_is_reported_on_the_pipeline_class_and_nothing_is_generated_for_it()
    {
        var generator = new PipelineGenerator
        {
            EmitterFault = model => { if (model.Name == "Broken") throw new InvalidOperationException("chain index out of range"); },
        };
        CSharpCompilation input = GeneratorHarness.Compile(Pipelines);
        GeneratorDriver driver = GeneratorHarness.CreateDriver(generator).RunGeneratorsAndUpdateCompilation(input, out _, out ImmutableArray<Diagnostic> driverDiagnostics);
        GeneratorRunResult result = driver.GetRunResult().Results[0];

        Assert.Null(result.Exception);
        Assert.DoesNotContain(driverDiagnostics, d => d.Id == "CS8785"); // the generator did not crash
        Diagnostic reported = Assert.Single(result.Diagnostics);
        Assert.Equal("DSLF0001", reported.Id);
        Assert.Equal(DiagnosticSeverity.Error, reported.Severity);
        string message = reported.GetMessage();
        Assert.Contains("'Samples.Broken'", message);
        Assert.Contains("InvalidOperationException: chain index out of range", message);
        Assert.Contains("please report", message);
        Assert.Equal("User0.cs", reported.Location.GetLineSpan().Path);
        Assert.Equal("Broken", Pipelines.Substring(reported.Location.SourceSpan.Start, reported.Location.SourceSpan.Length));

        Assert.Equal(["Samples.Fine.DslFlow.g.cs"], result.GeneratedSources.Select(s => s.HintName));
    }

    [Fact]
    public void Cancellation_during_emit_still_propagates()
    {
        using var cancellation = new CancellationTokenSource();
        var generator = new PipelineGenerator
        {
            EmitterFault = _ => { cancellation.Cancel(); cancellation.Token.ThrowIfCancellationRequested(); },
        };
        GeneratorDriver driver = GeneratorHarness.CreateDriver(generator);

        Assert.ThrowsAny<OperationCanceledException>(() => driver.RunGenerators(GeneratorHarness.Compile(Pipelines), cancellation.Token));
    }
}
