using DslFlow.Analyzers.Tests.Infrastructure;
using Analyzer = DslFlow.Analyzers.PipelineAnalyzer;

namespace DslFlow.Analyzers.Tests;

/// <summary>DSLF1001-DSLF1004 (checkpoint configuration) and DSLF4001 (sink guarantees).</summary>
public class CheckpointRuleTests
{
    private static string Pipeline(string attribute, string sink = "[Sink(nameof(S))] static CommittedOut<int> Out() => new();") => $$"""
        [Pipeline]
        {{attribute}}
        public partial class P
        {
            [Source] static Numbers S() => new();
            {{sink}}
        }
        {{Fixtures.Types}}
        """;

    [Theory]
    [InlineData("[Checkpointing(IntervalMs = 1000)]")]
    [InlineData("[Checkpointing(IntervalMs = 1000, Unaligned = true, AlignedTimeoutMs = 0)]")]
    [InlineData("[Checkpointing(IntervalMs = 1000, Mode = CheckpointingMode.ExactlyOnce, Unaligned = true, AlignedTimeoutMs = 200, MaxConcurrentCheckpoints = 1)]")]
    [InlineData("[Checkpointing(IntervalMs = 1000, Mode = CheckpointingMode.AtLeastOnce, MaxConcurrentCheckpoints = 3, TolerableFailedCheckpoints = 2)]")]
    [InlineData("[Checkpointing(IntervalMs = 1000, AlignedTimeoutMs = -1)]")]
    [InlineData("")]
    public Task ValidConfigurationsReportNothing(string attribute) =>
        Verify.AnalyzerAsync<Analyzer>(Pipeline(attribute));

    [Fact]
    public Task UnalignedInAtLeastOnceMode() =>
        Verify.AnalyzerAsync<Analyzer>(Pipeline("[Checkpointing(IntervalMs = 1000, Mode = CheckpointingMode.AtLeastOnce, {|DSLF1001:Unaligned = true|})]"));

    [Fact]
    public Task AlignedTimeoutWithoutUnaligned() =>
        Verify.AnalyzerAsync<Analyzer>(Pipeline("[Checkpointing(IntervalMs = 1000, {|DSLF1002:AlignedTimeoutMs = 200|})]"));

    [Fact]
    public Task UnalignedWithSeveralConcurrentCheckpoints() =>
        Verify.AnalyzerAsync<Analyzer>(Pipeline("[Checkpointing(IntervalMs = 1000, Unaligned = true, {|DSLF1003:MaxConcurrentCheckpoints = 2|})]"));

    [Theory]
    [InlineData("[Checkpointing({|DSLF1004:IntervalMs = 0|})]")]
    [InlineData("[Checkpointing(IntervalMs = 10, {|DSLF1004:TimeoutMs = -5|})]")]
    [InlineData("[Checkpointing(IntervalMs = 10, {|DSLF1004:MinPauseMs = -1|})]")]
    [InlineData("[Checkpointing(IntervalMs = 10, Unaligned = true, {|DSLF1004:AlignedTimeoutMs = -2|})]")]
    [InlineData("[Checkpointing(IntervalMs = 10, {|DSLF1004:TolerableFailedCheckpoints = -1|})]")]
    [InlineData("[Checkpointing(IntervalMs = 10, {|DSLF1004:MaxConcurrentCheckpoints = 0|})]")]
    [InlineData("[Checkpointing(IntervalMs = 10, {|DSLF1004:RetainedCheckpoints = 0|})]")]
    [InlineData("[{|DSLF1004:Checkpointing|}]")]
    [InlineData("[{|DSLF1004:Checkpointing(TimeoutMs = 100)|}]")]
    public Task ValuesOutOfRange(string attribute) =>
        Verify.AnalyzerAsync<Analyzer>(Pipeline(attribute));

    [Fact]
    public Task SinkThatIsNotTransactionalInAnExactlyOncePipeline() =>
        Verify.AnalyzerAsync<Analyzer>(Pipeline("[Checkpointing(IntervalMs = 1000)]", "[Sink(nameof(S))] static Out<int> {|DSLF4001:Out|}() => new();"));

    [Theory]
    [InlineData("[Checkpointing(IntervalMs = 1000)]", "[Sink(nameof(S), AcceptAtLeastOnce = true)] static Out<int> Out() => new();")]
    [InlineData("[Checkpointing(IntervalMs = 1000, Mode = CheckpointingMode.AtLeastOnce)]", "[Sink(nameof(S))] static Out<int> Out() => new();")]
    [InlineData("", "[Sink(nameof(S))] static Out<int> Out() => new();")]
    [InlineData("[Checkpointing(IntervalMs = 1000)]", "[Sink(nameof(S))] static CommittedOut<int> Out() => new();")]
    public Task SinkGuaranteesThatNeedNoWarning(string attribute, string sink) =>
        Verify.AnalyzerAsync<Analyzer>(Pipeline(attribute, sink));

    [Theory]
    [InlineData("[Checkpointing]")]
    [InlineData("[Checkpointing(TimeoutMs = 100)]")]
    public async Task AMissingIntervalIsReportedAsNotSetWithHowToSetIt(string attribute)
    {
        AnalysisRun run = await Analysis.RunAsync(Verify.Usings + Pipeline(attribute));

        Assert.Equal(
            "IntervalMs is not set, and checkpoints have no default interval. Set it to the time between two checkpoints in "
            + "milliseconds, for example [Checkpointing(IntervalMs = 1000)].",
            Assert.Single(run.Dslf("DSLF1004")).GetMessage());
    }

    [Fact]
    public async Task AnIntervalOfZeroIsReportedWithItsValue()
    {
        AnalysisRun run = await Analysis.RunAsync(Verify.Usings + Pipeline("[Checkpointing(IntervalMs = 0)]"));

        Assert.StartsWith("IntervalMs is 0, but it must be greater than 0.", Assert.Single(run.Dslf("DSLF1004")).GetMessage());
    }
}
