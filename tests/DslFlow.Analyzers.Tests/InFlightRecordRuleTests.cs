using DslFlow.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Analyzer = DslFlow.Analyzers.PipelineAnalyzer;

namespace DslFlow.Analyzers.Tests;

/// <summary>
/// DSLF3005 for records in flight: unaligned checkpoints persist the records that cross a task boundary, so under
/// <c>[Checkpointing(Unaligned = true)]</c> their types must be serializable like state.
/// </summary>
public class InFlightRecordRuleTests
{
    private const string Unaligned = "[Pipeline, Checkpointing(IntervalMs = 1000, Unaligned = true)]";

    /// <summary>A source of <c>Reading</c> records and whatever <paramref name="members"/> read from it.</summary>
    private static string Pipeline(string attributes, string members, string reading = "public sealed record Reading(string Sensor, System.IO.Stream Raw);") => $$"""
        {{attributes}} public partial class P
        {
            [Source] static Readings S() => new();
            static string Sensor(Reading r) => r.Sensor;
            {{members}}
        }
        {{reading}}
        public sealed class Readings : ISource<Reading>
        {
            public ISourceReader<Reading> CreateReader(NodeContext context) => throw new NotSupportedException();
        }
        {{Fixtures.Types}}
        """;

    [Fact]
    public Task ARecordCrossingAKeyedEdgeIsReportedOnItsParameter() => Verify.AnalyzerAsync<Analyzer>(Pipeline(Unaligned, """
        [Map(nameof(S), KeyBy = nameof(Sensor))] static int M(Reading {|DSLF3005:r|}) => 1;
        [Sink(nameof(M))] static CommittedOut<int> Out() => new();
        """));

    [Fact]
    public Task ARecordCrossingARebalancedEdgeIsReported() => Verify.AnalyzerAsync<Analyzer>(Pipeline(Unaligned, """
        [Map(nameof(S), Partitioning = Partitioning.Rebalance)] static int M(Reading {|DSLF3005:r|}) => 1;
        [Sink(nameof(M))] static CommittedOut<int> Out() => new();
        """));

    [Fact]
    public Task ASinkOfAnotherParallelismIsReportedOnItsMethod() => Verify.AnalyzerAsync<Analyzer>(Pipeline(Unaligned, """
        [Sink(nameof(S), Parallelism = 1)] static CommittedOut<Reading> {|DSLF3005:Out|}() => new();
        """));

    [Theory]
    [InlineData("[Pipeline, Checkpointing(IntervalMs = 1000)]")]
    [InlineData("[Pipeline, Checkpointing(IntervalMs = 1000, Unaligned = false)]")]
    [InlineData("[Pipeline]")]
    public Task AlignedCheckpointsPersistNoRecordsAndReportNothing(string attributes) => Verify.AnalyzerAsync<Analyzer>(Pipeline(attributes, """
        [Map(nameof(S), KeyBy = nameof(Sensor))] static int M(Reading r) => 1;
        [Sink(nameof(M))] static CommittedOut<int> Out() => new();
        """));

    [Fact]
    public Task ChainedEdgesKeepRecordsInTheTaskAndReportNothing() => Verify.AnalyzerAsync<Analyzer>(Pipeline(Unaligned, """
        [Map(nameof(S))] static int M(Reading r) => 1;
        [Filter(nameof(M))] static bool F(int x) => x > 0;
        [Sink(nameof(F))] static CommittedOut<int> Out() => new();
        """));

    [Fact]
    public Task ATypeWithItsOwnSerializerReportsNothing() => Verify.AnalyzerAsync<Analyzer>(Pipeline(Unaligned, """
        [Map(nameof(S), KeyBy = nameof(Sensor))] static int M(Reading r) => 1;
        [Sink(nameof(M))] static CommittedOut<int> Out() => new();
        """, """
        [Serializer(typeof(ReadingSerializer))] public sealed record Reading(string Sensor, System.IO.Stream Raw);
        public sealed class ReadingSerializer : ISerializer<Reading>
        {
            public void Write(ref DslFlow.Serialization.StateWriter writer, Reading value) => writer.WriteInt32(value.Sensor.Length);
            public Reading Read(ref DslFlow.Serialization.StateReader reader) => new(new string('s', reader.ReadInt32()), System.IO.Stream.Null);
        }
        """));

    [Theory]
    [InlineData("public sealed record Reading(string Sensor, int Sequence, double Value, List<int> Tags);")]
    [InlineData("public sealed class Reading { public string Sensor { get; set; } = \"\"; public (int X, int Y)? At { get; init; } }")]
    [InlineData("public struct Reading { public string Sensor; public decimal Value; }")]
    public Task SerializableRecordsReportNothing(string reading) => Verify.AnalyzerAsync<Analyzer>(Pipeline(Unaligned, """
        [Map(nameof(S), KeyBy = nameof(Sensor))] static int M(Reading r) => 1;
        [Sink(nameof(M))] static CommittedOut<int> Out() => new();
        """, reading));

    [Fact]
    public async Task TheMessageNamesTheEdgesTheCulpritAndBothFixes()
    {
        AnalysisRun run = await Analysis.RunAsync(Verify.Usings + Pipeline(Unaligned, """
            [Source] static Readings T() => new();
            [Map(nameof(S), nameof(T), KeyBy = nameof(Sensor))] static int M(Reading r) => 1;
            [Sink(nameof(M))] static CommittedOut<int> Out() => new();
            """));

        Diagnostic diagnostic = Assert.Single(run.Dslf("DSLF3005"));
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        string message = diagnostic.GetMessage();
        Assert.StartsWith("Records of type 'Reading' in flight on edges S -> M and T -> M cannot be saved in unaligned checkpoints, "
            + "which persist them: 'Reading.Raw' of type 'System.IO.Stream' has no built-in serializer. Use supported types (", message);
        Assert.Contains("or annotate 'Reading' with [Serializer(typeof(MySerializer))]", message, StringComparison.Ordinal);
        Assert.EndsWith("Or use aligned checkpoints (remove Unaligned = true).", message);
        Assert.Empty(run.GeneratedTrees);
    }
}
