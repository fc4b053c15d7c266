using DslFlow.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DslFlow.Generator.Tests;

/// <summary>Edits that do not touch a pipeline must not rerun its emit: every tracked step stays cached.</summary>
public class IncrementalCachingTests
{
    private const string Pipeline = """
        using System.Collections.Generic;
        using DslFlow;
        using Fixtures;

        namespace Samples;

        [Pipeline]
        public partial class Words
        {
            [Source] public static ArraySource<string> Lines() => new("a b");

            [FlatMap(From = nameof(Lines))] public static IEnumerable<string> Split(string line) => line.Split(' ');

            private static string Key(string word) => word;

            [Map(From = nameof(Split), KeyBy = nameof(Key))]
            public static int Count(string word, ValueState<int> count) => ++count.Value;

            [Sink(From = nameof(Count))] public static QueueSink<int> Out() => new();
        }

        public static class Unrelated
        {
            public static int Answer() => 42;
        }
        """;

    private static readonly string[] TrackedSteps = [TrackingNames.Parse, TrackingNames.Model];

    [Fact]
    public void AddingAnUnrelatedFileKeepsEveryStepCached()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Pipeline);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        driver = driver.RunGenerators(compilation.AddSyntaxTrees(
            CSharpSyntaxTree.ParseText("namespace Other; public class Thing { }", GeneratorHarness.ParseOptions)));

        AssertCached(driver.GetRunResult().Results[0]);
    }

    [Fact]
    public void EditingAnUnrelatedMethodBodyInTheSameFileKeepsTheOutputCached()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Pipeline);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        SyntaxTree tree = compilation.SyntaxTrees.First(t => t.FilePath == "User0.cs");

        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(
            Microsoft.CodeAnalysis.Text.SourceText.From(Pipeline.Replace("=> 42;", "=> 43; // edited")))));

        AssertCached(driver.GetRunResult().Results[0]);
    }

    [Fact]
    public void EditingThePipelineRegeneratesIt()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Pipeline);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        SyntaxTree tree = compilation.SyntaxTrees.First(t => t.FilePath == "User0.cs");

        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(
            Microsoft.CodeAnalysis.Text.SourceText.From(Pipeline.Replace("[Sink(From = nameof(Count))]", "[Sink(From = nameof(Count), Parallelism = 2)]")))));

        GeneratorRunResult result = driver.GetRunResult().Results[0];
        Assert.Contains(result.TrackedSteps[TrackingNames.Model].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains(result.TrackedOutputSteps["SourceOutput"].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
    }

    private static void AssertCached(GeneratorRunResult result)
    {
        Assert.Null(result.Exception);
        foreach (string step in TrackedSteps)
        {
            Assert.True(result.TrackedSteps.ContainsKey(step), $"Step '{step}' was not tracked.");
            Assert.All(result.TrackedSteps[step].SelectMany(s => s.Outputs), output =>
                Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                    $"Step '{step}' output was {output.Reason}."));
        }
        Assert.All(result.TrackedOutputSteps["SourceOutput"].SelectMany(s => s.Outputs), output =>
            Assert.Equal(IncrementalStepRunReason.Cached, output.Reason));
        Assert.Single(result.GeneratedSources);
    }
}
