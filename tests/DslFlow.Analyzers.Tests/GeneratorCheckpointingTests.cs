using System.Reflection;
using DslFlow.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace DslFlow.Analyzers.Tests;

/// <summary>
/// The generator reads <c>[Checkpointing]</c> with the attribute's defaults and emits it into the job graph; an error
/// in the configuration (an analyzer error) emits nothing, a warning does not prevent generation.
/// </summary>
public class GeneratorCheckpointingTests
{
    private static string Pipeline(string attributes, string extra = "") => Verify.Usings + $$"""
        namespace Jobs;
        {{attributes}}
        public partial class P
        {
            [Source] static Numbers S() => new();
            [Sink(nameof(S))] static CommittedOut<int> Out() => new();
            {{extra}}
        }
        """ + Fixtures.Types;

    [Fact]
    public async Task DeclarationWithDefaultsIsEmittedIntoTheGraph()
    {
        JobGraph graph = await GraphOf(Pipeline("[Pipeline, Checkpointing(IntervalMs = 250, Unaligned = true, AlignedTimeoutMs = 0, Directory = \"cp\")]"));

        Assert.Equal(new CheckpointDeclaration(250, CheckpointingMode.ExactlyOnce, 600_000, 0, 1, 0, 1, true, 0, "cp"), graph.Checkpointing);
    }

    [Fact]
    public async Task EveryArgumentIsEmitted()
    {
        JobGraph graph = await GraphOf(Pipeline(
            "[Pipeline, Checkpointing(IntervalMs = 10, Mode = CheckpointingMode.AtLeastOnce, TimeoutMs = 20, MinPauseMs = 30, MaxConcurrentCheckpoints = 4, TolerableFailedCheckpoints = 5, RetainedCheckpoints = 6)]"));

        Assert.Equal(new CheckpointDeclaration(10, CheckpointingMode.AtLeastOnce, 20, 30, 4, 5, 6, false, -1, null), graph.Checkpointing);
    }

    [Fact]
    public async Task NoAttributeMeansNoDeclaration() =>
        Assert.Null((await GraphOf(Pipeline("[Pipeline]"))).Checkpointing);

    [Fact]
    public async Task WarningsDoNotPreventGeneration()
    {
        AnalysisRun run = await Analysis.RunAsync(Pipeline("[Pipeline, Checkpointing(IntervalMs = 10, AlignedTimeoutMs = 5)]"));

        Assert.Single(run.Dslf("DSLF1002"));
        Assert.Single(run.GeneratedTrees);
    }

    [Theory]
    [InlineData("[Pipeline, Checkpointing(IntervalMs = 10, Unaligned = true, MaxConcurrentCheckpoints = 2)]", "DSLF1003")]
    [InlineData("[Pipeline, Checkpointing(IntervalMs = 0)]", "DSLF1004")]
    public async Task ErrorsPreventGeneration(string attributes, string id)
    {
        AnalysisRun run = await Analysis.RunAsync(Pipeline(attributes));

        Assert.Single(run.Dslf(id));
        Assert.Empty(run.GeneratedTrees);
    }

    [Fact]
    public async Task NodesWithoutUpstreamAreLeftOutOfTheGraph()
    {
        string source = Pipeline("[Pipeline]", """
            [Sink] static Out<int> Orphan() => new();
            [Map(nameof(Orphan2))] static int Downstream(int x) => x;
            [Map] static int Orphan2(int x) => x;
            [Sink(nameof(Downstream), nameof(S))] static Out<int> Both() => new();
            """);
        AnalysisRun run = await Analysis.RunAsync(source);

        Assert.Equal(2, run.Dslf("DSLF2007").Count());
        JobGraph graph = await GraphOf(source);
        Assert.Equal(["S", "Out", "Both"], graph.Nodes.Select(n => n.Name));
        Assert.Equal(["S->Out", "S->Both"], graph.Edges.Select(e => $"{e.From}->{e.To}"));
    }

    private static async Task<JobGraph> GraphOf(string source)
    {
        AnalysisRun run = await Analysis.RunAsync(source);
        Assert.Null(run.Generator.Results[0].Exception);
        var errors = run.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        using var stream = new MemoryStream();
        Assert.True(run.Output.Emit(stream).Success);
        Assembly assembly = Assembly.Load(stream.ToArray());
        return (JobGraph)assembly.GetType("Jobs.P")!.GetProperty("Graph")!.GetValue(null)!;
    }
}
