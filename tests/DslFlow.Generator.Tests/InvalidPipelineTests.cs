using DslFlow.Generator.Model;
using DslFlow.Generator.Parsing;
using DslFlow.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace DslFlow.Generator.Tests;

/// <summary>
/// Invalid pipelines produce no source and no generator diagnostic (the analyzers explain), never an exception;
/// the parser reports each one as a problem naming what to fix.
/// </summary>
public class InvalidPipelineTests
{
    public static TheoryData<string, string, string> Cases => new()
    {
        { "NotPartial", """
            [Pipeline] public class P
            {
                [Source] static ArraySource<int> S() => new(1);
            }
            """, "must be declared 'partial'" },
        { "ContainerNotPartial", """
            public class Outer
            {
                [Pipeline] public partial class P
                {
                    [Source] static ArraySource<int> S() => new(1);
                }
            }
            """, "Type 'Outer', which contains pipeline 'P'," },
        { "Generic", """
            [Pipeline] public partial class P<T>
            {
                [Source] static ArraySource<int> S() => new(1);
            }
            """, "must not be generic" },
        { "UnknownUpstream", """
            [Pipeline] public partial class P
            {
                [Source] static ArraySource<int> S() => new(1);
                [Map("Nope")] static int M(int x) => x;
            }
            """, "reads from 'Nope', which is not a node" },
        { "TypeMismatch", """
            [Pipeline] public partial class P
            {
                [Source] static ArraySource<int> S() => new(1);
                [Map(From = nameof(S))] static int M(string x) => x.Length;
            }
            """, "consumes 'string' but its upstream 'S' produces 'int'" },
        { "Cycle", """
            [Pipeline] public partial class P
            {
                [Source] static ArraySource<int> S() => new(1);
                [Map(nameof(S), nameof(B))] static int A(int x) => x;
                [Map(From = nameof(A))] static int B(int x) => x;
            }
            """, "form a cycle" },
        { "StateWithoutKeyBy", """
            [Pipeline] public partial class P
            {
                [Source] static ArraySource<int> S() => new(1);
                [Map(From = nameof(S))] static int M(int x, ValueState<int> total) => total.Value += x;
            }
            """, "takes keyed state 'total' but has no key" },
        { "DuplicateName", """
            [Pipeline] public partial class P
            {
                [Source] static ArraySource<int> S() => new(1);
                [Map(From = nameof(S))] static int M(int x) => x;
                [Map(From = nameof(S))] static int M(int x, ValueState<int> s) => x;
            }
            """, "several nodes named 'M'" },
        { "UnsupportedKeyType", """
            [Pipeline] public partial class P
            {
                [Source] static ArraySource<int> S() => new(1);
                static object Key(int x) => x;
                [Map(From = nameof(S), KeyBy = nameof(Key))] static int M(int x) => x;
            }
            """, "returns 'object', which has no stable hash" },
        { "NullableValueKey", """
            [Pipeline] public partial class P
            {
                [Source] static ArraySource<int> S() => new(1);
                static int? Key(int x) => x;
                [Map(From = nameof(S), KeyBy = nameof(Key))] static int M(int x) => x;
            }
            """, "no stable hash" },
        { "KeySelectorMissing", """
            [Pipeline] public partial class P
            {
                [Source] static ArraySource<int> S() => new(1);
                [Map(From = nameof(S), KeyBy = "Key")] static int M(int x) => x;
            }
            """, "has no method 'Key'" },
        { "KeySelectorWrongShape", """
            [Pipeline] public partial class P
            {
                [Source] static ArraySource<int> S() => new(1);
                static int Key(string x) => 1;
                [Map(From = nameof(S), KeyBy = nameof(Key))] static int M(int x) => x;
            }
            """, "must have the shape 'static TKey Key(int record)'" },
        { "NotStatic", """
            [Pipeline] public partial class P
            {
                [Source] static ArraySource<int> S() => new(1);
                [Map(From = nameof(S))] int M(int x) => x;
            }
            """, "must be static" },
        { "RefParameter", """
            [Pipeline] public partial class P
            {
                [Source] static ArraySource<int> S() => new(1);
                [Map(From = nameof(S))] static int M(in int x) => x;
            }
            """, "is passed by 'in'" },
        { "MapReturnsVoid", """
            [Pipeline] public partial class P
            {
                [Source] static ArraySource<int> S() => new(1);
                [Map(From = nameof(S))] static void M(int x) { }
            }
            """, "returns void" },
        { "FilterNotBool", """
            [Pipeline] public partial class P
            {
                [Source] static ArraySource<int> S() => new(1);
                [Filter(From = nameof(S))] static int F(int x) => x;
            }
            """, "must return bool" },
        { "ProcessWithoutCollector", """
            [Pipeline] public partial class P
            {
                [Source] static ArraySource<int> S() => new(1);
                [Process(From = nameof(S))] static void M(int x) { }
            }
            """, "must take one Collector<T> parameter" },
        { "UnsupportedExtraParameter", """
            [Pipeline] public partial class P
            {
                [Source] static ArraySource<int> S() => new(1);
                [Map(From = nameof(S))] static int M(int x, string other) => x;
            }
            """, "may only take keyed state" },
        { "SourceNotISource", """
            [Pipeline] public partial class P
            {
                [Source] static QueueSink<int> S() => new();
            }
            """, "must return a type that implements ISource<T>" },
        { "SourceWithParameters", """
            [Pipeline] public partial class P
            {
                [Source] static ArraySource<int> S(int n) => new(n);
            }
            """, "must take no parameters or a single PipelineContext" },
        { "ReadsFromSink", """
            [Pipeline] public partial class P
            {
                [Source] static ArraySource<int> S() => new(1);
                [Sink(From = nameof(S))] static QueueSink<int> Out() => new();
                [Map(From = nameof(Out))] static int M(int x) => x;
            }
            """, "is a sink and has no output" },
        { "NegativeParallelism", """
            [Pipeline] public partial class P
            {
                [Source(Parallelism = -1)] static ArraySource<int> S() => new(1);
            }
            """, "Parallelism = -1" },
        { "KeyedAboveMaxParallelism", """
            [Pipeline(MaxParallelism = 4)] public partial class P
            {
                [Source] static ArraySource<int> S() => new(1);
                static int Key(int x) => x;
                [Map(From = nameof(S), KeyBy = nameof(Key), Parallelism = 8)] static int M(int x) => x;
            }
            """, "above the pipeline's MaxParallelism (4)" },
        { "NoSource", """
            [Pipeline] public partial class P
            {
            }
            """, "has no [Source] node" },
        { "StateOfAnInterface", """
            [Pipeline] public partial class P
            {
                [Source] static ArraySource<int> S() => new(1);
                static int Key(int x) => x;
                [Map(From = nameof(S), KeyBy = nameof(Key))] static int M(int x, ValueState<System.IComparable> last) => x;
                [Sink(From = nameof(M))] static QueueSink<int> Out() => new();
            }
            """, "State parameter 'last' of node 'M' cannot be saved in checkpoints: in its value, type 'System.IComparable' is an interface" },
        { "StateWithAStreamInside", """
            public sealed record Product(string Name, System.IO.Stream Picture);
            public sealed record Line(Product Product, int Quantity);
            public sealed record Order(string Id, List<Line> Lines);
            [Pipeline] public partial class P
            {
                [Source] static ArraySource<int> S() => new(1);
                static int Key(int x) => x;
                [Map(From = nameof(S), KeyBy = nameof(Key))] static int M(int x, MapState<string, Order> orders) => x;
                [Sink(From = nameof(M))] static QueueSink<int> Out() => new();
            }
            """, "in its map values, 'Order.Lines[].Product.Picture' of type 'System.IO.Stream' has no built-in serializer. Use supported types" },
        { "ClashesWithGeneratedMember", """
            [Pipeline] public partial class P
            {
                [Source] static ArraySource<int> S() => new(1);
                public static int Graph => 0;
            }
            """, "declares a member named 'Graph'" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void GeneratesNothingAndNeverThrows(string name, string body, string expectedProblem)
    {
        _ = expectedProblem;
        GeneratorRun run = GeneratorHarness.Run(Wrap(body));

        run.AssertGeneratorQuiet();
        Assert.True(run.GeneratedSources.IsEmpty, $"{name}: expected no generated source");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ParserReportsTheProblem(string name, string body, string expectedProblem)
    {
        ParseResult result = Parse(Wrap(body));

        Assert.Null(result.Model);
        Assert.True(
            result.Problems.Any(p => p.Message.Contains(expectedProblem, StringComparison.Ordinal)),
            $"{name}: expected a problem containing \"{expectedProblem}\"; got:\n" + string.Join("\n", result.Problems.Select(p => p.Message)));
        Assert.All(result.Problems, p => Assert.Matches(@"^User0\.cs\(\d+,\d+\)$", p.Location));
    }

    [Fact]
    public void ValidPipelineHasNoProblems()
    {
        ParseResult result = Parse(Wrap("""
            [Pipeline] public partial class P
            {
                [Source] static ArraySource<int> S() => new(1);
                [Sink(From = nameof(S))] static QueueSink<int> Out() => new();
            }
            """));

        Assert.NotNull(result.Model);
        Assert.True(result.Problems.IsEmpty);
    }

    internal static ParseResult Parse(string source)
    {
        Compilation compilation = GeneratorHarness.Compile(source);
        INamedTypeSymbol pipeline = compilation.SyntaxTrees
            .Where(t => t.FilePath == "User0.cs")
            .SelectMany(t => t.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax>()
                .Select(d => (INamedTypeSymbol)compilation.GetSemanticModel(t).GetDeclaredSymbol(d)!))
            .Single(s => s.GetAttributes().Any(a => a.AttributeClass?.Name == "PipelineAttribute"));
        return PipelineParser.Parse(pipeline, compilation, CancellationToken.None);
    }

    private static string Wrap(string body) => $$"""
        using System.Collections.Generic;
        using DslFlow;
        using Fixtures;

        namespace Cases;

        {{body}}
        """;
}
