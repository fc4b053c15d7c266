using DslFlow.Analyzers.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Analyzer = DslFlow.Analyzers.FileCompactionAnalyzer;

namespace DslFlow.Analyzers.Tests;

/// <summary>DSLF4002 and DSLF4003: file-sink compaction, checked where it is configured.</summary>
public class FileCompactionRuleTests
{
    private static string Pipeline(string attributes, string sink) => $$"""
        {{attributes}} public partial class P
        {
            [Source] static Words S() => new();
            {{sink}}
        }
        {{Fixtures.Types}}
        """;

    [Fact]
    public Task ACompactingFileSinkWithoutCheckpointingIsReported() => Verify.AnalyzerAsync<Analyzer>(Pipeline("[Pipeline]", """
        [Sink(nameof(S))] static FileSink<string> Out() => {|DSLF4002:new("out") { Compaction = new FileCompaction { EveryCheckpoints = 2 } }|};
        """));

    [Theory]
    [InlineData("[Pipeline, Checkpointing(IntervalMs = 1000)]", "new(\"out\") { Compaction = new FileCompaction() }")]
    [InlineData("[Pipeline]", "new(\"out\")")]
    [InlineData("[Pipeline]", "new(\"out\") { Compaction = null }")]
    public Task CheckpointedOrNotCompactingSinksReportNothing(string attributes, string creation) => Verify.AnalyzerAsync<Analyzer>(Pipeline(attributes,
        $"[Sink(nameof(S), AcceptAtLeastOnce = true)] static FileSink<string> Out() => {creation};"));

    [Fact]
    public Task AFileSinkOutsideAPipelineReportsNothing() => Verify.AnalyzerAsync<Analyzer>("""
        public static class Helpers
        {
            public static FileSink<string> Out() => new("out") { Compaction = new FileCompaction { EveryCheckpoints = 3 } };
        }
        """);

    [Theory]
    [InlineData("EveryCheckpoints = 0")]
    [InlineData("EveryCheckpoints = -1")]
    [InlineData("SizeThreshold = 0")]
    public Task ConstantSettingsOutOfRangeAreErrors(string setting) => Verify.AnalyzerAsync<Analyzer>(Pipeline("[Pipeline, Checkpointing(IntervalMs = 1000)]",
        $"[Sink(nameof(S))] static FileSink<string> Out() => new(\"out\") {{ Compaction = new FileCompaction {{ {{|DSLF4003:{setting}|}} }} }};"));

    [Fact]
    public Task SettingsInRangeOrNotConstantReportNothing() => Verify.AnalyzerAsync<Analyzer>(Pipeline("[Pipeline, Checkpointing(IntervalMs = 1000)]", """
        static int every = 4;
        [Sink(nameof(S))] static FileSink<string> Out() => new("out") { Compaction = new FileCompaction { EveryCheckpoints = every, SizeThreshold = 1 } };
        """));

    [Fact]
    public async Task TheMessagesAreTheRuntimes()
    {
        AnalysisRun run = await Analysis.RunAsync(Verify.Usings + Pipeline("[Pipeline]", """
            [Sink(nameof(S))] static FileSink<string> Out() => new("out") { Compaction = new FileCompaction { EveryCheckpoints = 0 } };
            """));

        Assert.Contains(run.AnalyzerDiagnostics, d => d.Id == "DSLF4003"
            && d.GetMessage() == new ArgumentException(FileCompactionRules.EveryCheckpoints(0)).Message);
        var thrown = Assert.Throws<ArgumentException>(() => new FileSink<string>("out") { Compaction = new FileCompaction { EveryCheckpoints = 0 } });
        Assert.StartsWith(run.AnalyzerDiagnostics.Single(d => d.Id == "DSLF4003").GetMessage(), thrown.Message, StringComparison.Ordinal);

        var logged = new List<string>();
        var sink = new FileSink<string>(Path.Combine(Path.GetTempPath(), "dslflow-compaction-" + Guid.NewGuid().ToString("N")))
        {
            Compaction = new FileCompaction { EveryCheckpoints = 2 },
        };
        var context = new NodeContext("Out", 0, 1, new PipelineOptions(), new ListLogger(logged), CancellationToken.None) { JobName = "P" };
        sink.CreateWriter(context).Dispose();
        Directory.Delete(sink.Directory, recursive: true);
        Assert.Equal([FileCompactionRules.WithoutCheckpointing("Out", "P")], logged);
        Assert.Equal(FileCompactionRules.WithoutCheckpointing("Out", "P"), run.AnalyzerDiagnostics.Single(d => d.Id == "DSLF4002").GetMessage());
    }

    private sealed class ListLogger(List<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Add(formatter(state, exception));
    }
}
