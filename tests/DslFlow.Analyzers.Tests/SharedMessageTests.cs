using System.Reflection;
using DslFlow.Analyzers.Tests.Infrastructure;
using DslFlow.Generator.Parsing;
using Microsoft.CodeAnalysis;

namespace DslFlow.Analyzers.Tests;

/// <summary>
/// The runtime validates checkpoint configuration at start (<see cref="CheckpointConfig.Resolve"/>) with the same rules
/// and texts as the analyzer: the two must report the same message for the same settings. The same goes for records in
/// flight that unaligned checkpoints cannot save (DSLF3005), when only the options turn unaligned checkpoints on.
/// </summary>
public class SharedMessageTests
{
    public static TheoryData<string, CheckpointDeclaration> Cases => new()
    {
        { "Mode = CheckpointingMode.AtLeastOnce, Unaligned = true", Declaration(mode: CheckpointingMode.AtLeastOnce, unaligned: true) },
        { "AlignedTimeoutMs = 200", Declaration(alignedTimeoutMs: 200) },
        { "Unaligned = true, MaxConcurrentCheckpoints = 3", Declaration(unaligned: true, maxConcurrent: 3) },
        { "TimeoutMs = 0", Declaration(timeoutMs: 0) },
        { "MinPauseMs = -7", Declaration(minPauseMs: -7) },
        { "TolerableFailedCheckpoints = -1", Declaration(tolerable: -1) },
        { "MaxConcurrentCheckpoints = 0", Declaration(maxConcurrent: 0) },
        { "RetainedCheckpoints = 0", Declaration(retained: 0) },
        { "Unaligned = true, AlignedTimeoutMs = -3", Declaration(unaligned: true, alignedTimeoutMs: -3) },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task RuntimeValidationReportsTheAnalyzersMessage(string arguments, CheckpointDeclaration declaration)
    {
        AnalysisRun run = await Analysis.RunAsync(Verify.Usings + $$"""
            [Pipeline, Checkpointing(IntervalMs = 1000, {{arguments}})]
            public partial class P
            {
                [Source] static Numbers S() => new();
                [Sink(nameof(S))] static CommittedOut<int> Out() => new();
            }
            """ + Fixtures.Types);
        var analyzer = run.AnalyzerDiagnostics.Where(d => d.Id.StartsWith("DSLF1", StringComparison.Ordinal))
            .Select(d => $"{d.Id}: {d.GetMessage()}").ToList();
        Assert.NotEmpty(analyzer);

        var runtime = new List<string>();
        try
        {
            CheckpointConfig.Resolve(declaration, null, out IReadOnlyList<string> warnings);
            runtime.AddRange(warnings);
        }
        catch (ArgumentException ex)
        {
            runtime.AddRange(ex.Message.Split(Environment.NewLine));
        }

        // The runtime throws on errors before it collects warnings, so compare errors when there are any.
        bool hasErrors = run.AnalyzerDiagnostics.Any(d => d.Id.StartsWith("DSLF1", StringComparison.Ordinal) && d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error);
        var expected = hasErrors
            ? run.AnalyzerDiagnostics.Where(d => d.Id.StartsWith("DSLF1", StringComparison.Ordinal) && d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error).Select(d => $"{d.Id}: {d.GetMessage()}").ToList()
            : analyzer;
        Assert.Equal(expected.Order(), runtime.Order());
    }

    [Fact]
    public void DescriptorsCoverEveryCheckpointRuleWithTheRuntimeSeverity()
    {
        Assert.Equal(Microsoft.CodeAnalysis.DiagnosticSeverity.Warning, DiagnosticSeverityOf(DiagnosticIds.UnalignedRequiresExactlyOnce));
        Assert.Equal(Microsoft.CodeAnalysis.DiagnosticSeverity.Warning, DiagnosticSeverityOf(DiagnosticIds.AlignedTimeoutRequiresUnaligned));
        Assert.Equal(Microsoft.CodeAnalysis.DiagnosticSeverity.Error, DiagnosticSeverityOf(DiagnosticIds.UnalignedRequiresOneConcurrent));
        Assert.Equal(Microsoft.CodeAnalysis.DiagnosticSeverity.Error, DiagnosticSeverityOf(DiagnosticIds.CheckpointValueOutOfRange));
    }

    public static TheoryData<string, string> InFlightRecords => new()
    {
        { "public sealed record Reading(string Sensor, IList<string> Tags);", "[Map(nameof(S), KeyBy = nameof(Sensor))] static int M(Reading r) => 1;" },
        { "public sealed record Reading(string Sensor, System.IO.Stream Raw);", "[Map(nameof(S), nameof(T), KeyBy = nameof(Sensor))] static int M(Reading r) => 1;" },
        { "public sealed record Reading(string Sensor, List<Dictionary<string, object>> Extra);", "[Map(nameof(S), Partitioning = Partitioning.Rebalance)] static int M(Reading r) => 1;" },
        { "public sealed record Reading(string Sensor, System.IO.Stream Raw);", "[Sink(nameof(S), Parallelism = 1)] static CollectSink<Reading> Out2() => new();" },
    };

    [Theory]
    [MemberData(nameof(InFlightRecords))]
    public async Task TheRuntimeRefusesAnUnserializableInFlightRecordWithTheAnalyzersMessage(string reading, string node)
    {
        string Source(string checkpointing) => Verify.Usings + $$"""
            namespace Jobs;
            [Pipeline(DefaultParallelism = 2), Checkpointing({{checkpointing}})]
            public partial class P
            {
                [Source] static CollectionSource<Reading> S() => new(Array.Empty<Reading>());
                [Source] static CollectionSource<Reading> T() => new(Array.Empty<Reading>());
                static string Sensor(Reading r) => r.Sensor;
                {{node}}
                [Sink(nameof(T))] static CollectSink<Reading> Out() => new();
            }
            {{reading}}
            """;
        AnalysisRun declared = await Analysis.RunAsync(Source("IntervalMs = 10, Unaligned = true"));
        Diagnostic diagnostic = Assert.Single(declared.Dslf("DSLF3005"));

        AnalysisRun aligned = await Analysis.RunAsync(Source("IntervalMs = 10"));
        Assert.Empty(aligned.AnalyzerDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        string directory = Path.Combine(Path.GetTempPath(), "dslflow-shared-" + Guid.NewGuid().ToString("N"));
        try
        {
            var options = new PipelineOptions { Checkpointing = new CheckpointingOptions { Directory = directory, StartFresh = true, Unaligned = true } };
            MethodInfo start = Load(aligned).GetType("Jobs.P")!.GetMethod("Start")!;
            var thrown = Assert.Throws<TargetInvocationException>(() => start.Invoke(null, [options, CancellationToken.None]));

            Assert.IsType<JobConfigurationException>(thrown.InnerException);
            Assert.Equal($"DSLF3005: {diagnostic.GetMessage()}", thrown.InnerException.Message);
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private static Assembly Load(AnalysisRun run)
    {
        using var stream = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult emitted = run.Output.Emit(stream);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        return Assembly.Load(stream.ToArray());
    }

    private static Microsoft.CodeAnalysis.DiagnosticSeverity DiagnosticSeverityOf(string id) =>
        DiagnosticDescriptors.ParserRules[id].DefaultSeverity;

    private static CheckpointDeclaration Declaration(CheckpointingMode mode = CheckpointingMode.ExactlyOnce, int timeoutMs = 600_000, int minPauseMs = 0,
        int maxConcurrent = 1, int tolerable = 0, int retained = 1, bool unaligned = false, int alignedTimeoutMs = -1) =>
        new(1000, mode, timeoutMs, minPauseMs, maxConcurrent, tolerable, retained, unaligned, alignedTimeoutMs, null);
}
