using DslFlow.Analyzers.Tests.Infrastructure;
using DslFlow.CodeFixes;
using Microsoft.CodeAnalysis;
using Analyzer = DslFlow.Analyzers.PipelineAnalyzer;

namespace DslFlow.Analyzers.Tests;

/// <summary>Every code fix: the diagnostic before, the code after (which reports nothing).</summary>
public class CodeFixTests
{
    private static string Pipeline(string attributes, string members) => $$"""
        {{attributes}}
        public partial class P
        {
            {{members}}
        }
        {{Fixtures.Types}}
        """;

    private const string Nodes = """
        [Source] static Numbers S() => new();
            [Sink(nameof(S))] static CommittedOut<int> Out() => new();
        """;

    [Fact]
    public Task SetExactlyOnceReplacesTheMode() => Verify.CodeFixAsync<Analyzer, CheckpointAttributeCodeFix>(
        Pipeline("[Pipeline, Checkpointing(IntervalMs = 1000, Mode = CheckpointingMode.AtLeastOnce, {|DSLF1001:Unaligned = true|})]", Nodes),
        Pipeline("[Pipeline, Checkpointing(IntervalMs = 1000, Mode = CheckpointingMode.ExactlyOnce, Unaligned = true)]", Nodes));

    [Fact]
    public Task SetExactlyOnceWithoutUsingDslFlowQualifiesTheMode()
    {
        const string Before = """
            [DslFlow.Pipeline, DslFlow.Checkpointing(IntervalMs = 1000, Mode = (DslFlow.CheckpointingMode)1, {|DSLF1001:Unaligned = true|})]
            public partial class Q
            {
                [DslFlow.Source] static Numbers S() => new();
                [DslFlow.Sink(nameof(S))] static CommittedOut<int> Out() => new();
            }
            """;
        string types = "namespace Other { using DslFlow; " + Fixtures.Types + " }";
        return Verify.CodeFixAsync<Analyzer, CheckpointAttributeCodeFix>(
            "namespace Other { " + Before + " }" + types,
            "namespace Other { " + Before.Replace("(DslFlow.CheckpointingMode)1", "DslFlow.CheckpointingMode.ExactlyOnce").Replace("{|DSLF1001:Unaligned = true|}", "Unaligned = true") + " }" + types,
            usings: false);
    }

    [Fact]
    public Task EnableUnaligned() => Verify.CodeFixAsync<Analyzer, CheckpointAttributeCodeFix>(
        Pipeline("[Pipeline]\n[Checkpointing(IntervalMs = 1000, {|DSLF1002:AlignedTimeoutMs = 200|})]", Nodes),
        Pipeline("[Pipeline]\n[Checkpointing(IntervalMs = 1000, AlignedTimeoutMs = 200, Unaligned = true)]", Nodes));

    [Fact]
    public Task EnableUnalignedReplacesFalse() => Verify.CodeFixAsync<Analyzer, CheckpointAttributeCodeFix>(
        Pipeline("[Pipeline]\n[Checkpointing(IntervalMs = 1000, Unaligned = false, {|DSLF1002:AlignedTimeoutMs = 0|})]", Nodes),
        Pipeline("[Pipeline]\n[Checkpointing(IntervalMs = 1000, Unaligned = true, AlignedTimeoutMs = 0)]", Nodes));

    [Fact]
    public Task AcceptAtLeastOnce() => Verify.CodeFixAsync<Analyzer, AcceptAtLeastOnceCodeFix>(
        Pipeline("[Pipeline, Checkpointing(IntervalMs = 1000)]", """
            [Source] static Numbers S() => new();
                [Sink(nameof(S), Parallelism = 1)] static Out<int> {|DSLF4001:Print|}() => new();
            """),
        Pipeline("[Pipeline, Checkpointing(IntervalMs = 1000)]", """
            [Source] static Numbers S() => new();
                [Sink(nameof(S), Parallelism = 1, AcceptAtLeastOnce = true)] static Out<int> Print() => new();
            """));

    [Theory]
    [InlineData("{|DSLF2004:\"Sourse\"|}", "nameof(Source)")]
    [InlineData("{|DSLF2004:nameof(Doubel)|}", "nameof(Double)")]
    [InlineData("From = {|DSLF2004:\"double\"|}", "From = nameof(Double)")]
    public Task UnknownUpstreamBecomesTheNearestName(string before, string after)
    {
        string members(string upstream) => $$"""
            [Source] static Numbers Source() => new();
                [Map(nameof(Source))] static int Double(int x) => 2 * x;
                [Sink({{upstream}})] static Out<int> Out() => new();
                [Sink(nameof(Double))] static Out<int> Out2() => new();
            """;
        string declaration = "[Pipeline]";
        string beforeCode = Pipeline(declaration, members(before));
        if (before.Contains("nameof(Doubel)", StringComparison.Ordinal))
        {
            beforeCode += "\npublic static class Names { }";
            // nameof of an unknown name is a compile error too; the fix resolves both.
            beforeCode = beforeCode.Replace("{|DSLF2004:nameof(Doubel)|}", "{|DSLF2004:nameof({|CS0103:Doubel|})|}");
            return Verify.CodeFixAsync<Analyzer, NearestUpstreamCodeFix>(beforeCode, Pipeline(declaration, members(after)) + "\npublic static class Names { }");
        }
        return Verify.CodeFixAsync<Analyzer, NearestUpstreamCodeFix>(beforeCode, Pipeline(declaration, members(after)));
    }

    [Fact]
    public Task AddKeyByUsesAnExistingSelector() => Verify.CodeFixAsync<Analyzer, AddKeyByCodeFix>(
        Pipeline("[Pipeline]", """
            [Source] static Words S() => new();
                static int Length(string word) => word.Length;
                static string Word(string word) => word;
                [Map(nameof(S))] static int {|DSLF3001:Count|}(string word, ValueState<int> count) => ++count.Value;
                [Sink(nameof(Count))] static Out<int> Out() => new();
            """),
        Pipeline("[Pipeline]", """
            [Source] static Words S() => new();
                static int Length(string word) => word.Length;
                static string Word(string word) => word;
                [Map(nameof(S), KeyBy = nameof(Length))] static int Count(string word, ValueState<int> count) => ++count.Value;
                [Sink(nameof(Count))] static Out<int> Out() => new();
            """));

    [Fact]
    public Task AddKeyByGeneratesASelectorStub() => Verify.CodeFixAsync<Analyzer, AddKeyByCodeFix>(
        Pipeline("[Pipeline]", """
            [Source] static Words S() => new();

                [Map(nameof(S))]
                static int {|DSLF3001:Count|}(string word, ValueState<int> count) => ++count.Value;

                [Sink(nameof(Count))] static Out<int> Out() => new();
            """),
        Pipeline("[Pipeline]", """
            [Source] static Words S() => new();

                [Map(nameof(S), KeyBy = nameof(CountKey))]
                static int Count(string word, ValueState<int> count) => ++count.Value;

                /// <summary>The key of a record: records with equal keys share state.</summary>
                private static string CountKey(string record) => record;

                [Sink(nameof(Count))] static Out<int> Out() => new();
            """));

    [Fact]
    public Task AddPartial() => Verify.CodeFixAsync<Analyzer, AddPartialCodeFix>(
        """
        [Pipeline]
        public sealed class {|DSLF2001:P|}
        {
            [Source] static Numbers S() => new();
            [Sink(nameof(S))] static Out<int> Out() => new();
        }
        """ + Fixtures.Types,
        """
        [Pipeline]
        public sealed partial class P
        {
            [Source] static Numbers S() => new();
            [Sink(nameof(S))] static Out<int> Out() => new();
        }
        """ + Fixtures.Types);

    [Fact]
    public Task AddPartialWithoutModifiers() => Verify.CodeFixAsync<Analyzer, AddPartialCodeFix>(
        """
        [Pipeline]
        class {|DSLF2001:P|}
        {
            [Source] static Numbers S() => new();
            [Sink(nameof(S))] static Out<int> Out() => new();
        }
        """ + Fixtures.Types,
        """
        [Pipeline]
        partial class P
        {
            [Source] static Numbers S() => new();
            [Sink(nameof(S))] static Out<int> Out() => new();
        }
        """ + Fixtures.Types);

    /// <summary>
    /// The fixes that write <c>nameof(X)</c> must build it as the <c>nameof</c> operator: an invocation of an ordinary
    /// identifier named <c>nameof</c> prints the same text, but the fixed document does not compile (CS0103) and the
    /// rule is still reported until the IDE parses the text again.
    /// </summary>
    public static TheoryData<string, string> NameOfFixes => new()
    {
        { "DSLF2004", """
            [Source] static Numbers Source() => new();
                [Sink("Sourse")] static Out<int> Out() => new();
            """ },
        { "DSLF3001", """
            [Source] static Words S() => new();
                static int Length(string word) => word.Length;
                [Map(nameof(S))] static int Count(string word, ValueState<int> count) => ++count.Value;
                [Sink(nameof(Count))] static Out<int> Out() => new();
            """ },
        { "DSLF3001", """
            [Source] static Words S() => new();
                [Map(nameof(S))] static int Count(string word, ValueState<int> count) => ++count.Value;
                [Sink(nameof(Count))] static Out<int> Out() => new();
            """ },
    };

    [Theory]
    [MemberData(nameof(NameOfFixes))]
    public async Task TheFixedTreeCompilesAsTheFixBuiltIt(string id, string members)
    {
        string source = Pipeline("[Pipeline]", members);
        SyntaxTree fixedTree = id == "DSLF2004"
            ? await FixedDocument.ApplyAsync<Analyzer, NearestUpstreamCodeFix>(source, id)
            : await FixedDocument.ApplyAsync<Analyzer, AddKeyByCodeFix>(source, id);

        AnalysisRun run = await Analysis.RunAsync(Analysis.Compile(fixedTree));

        Assert.Contains("nameof(", fixedTree.ToString(), StringComparison.Ordinal);
        Assert.Empty(run.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Empty(run.AnalyzerDiagnostics.Where(d => d.Id.StartsWith("DSLF", StringComparison.Ordinal)));
        Assert.Single(run.GeneratedTrees);
    }
}
