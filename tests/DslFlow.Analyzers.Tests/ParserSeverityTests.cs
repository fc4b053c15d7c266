using DslFlow.Analyzers.Tests.Infrastructure;
using DslFlow.Generator.Model;
using DslFlow.Generator.Parsing;
using Microsoft.CodeAnalysis;

namespace DslFlow.Analyzers.Tests;

/// <summary>
/// The parser decides whether a problem stops generation; the descriptor decides the severity users see. They must
/// agree: an error-severity diagnostic always means "nothing generated", a warning never does.
/// </summary>
public class ParserSeverityTests
{
    public static TheoryData<string> Pipelines => new()
    {
        "[Pipeline, Checkpointing(IntervalMs = 1, Mode = CheckpointingMode.AtLeastOnce, Unaligned = true, MaxConcurrentCheckpoints = 2, TimeoutMs = 0)] public partial class P { [Source] static Numbers S() => new(); [Sink(nameof(S))] static Out<int> O() => new(); }",
        "[Pipeline, Checkpointing(IntervalMs = 1, AlignedTimeoutMs = 3)] public partial class P { [Source] static Numbers S() => new(); [Map(nameof(S))] static int M(int x) => x; [Sink(nameof(S))] static Out<int> O() => new(); [Sink] static Out<int> Lost() => new(); }",
        "[Pipeline(MaxParallelism = 2)] public class P { [Source(Parallelism = -1)] static Numbers S() => new(); static object K(int x) => x; [Map(nameof(S), \"Nop\", KeyBy = nameof(K), Parallelism = 3)] int M(ref int x) => x; [Filter(nameof(S))] static int F(int x, ValueState<int> s) => x; [Map(nameof(S), KeyBy = \"Missing\")] static int G(int x) => x; }",
        "[Pipeline] public partial class P { [Source] static Numbers S() => new(); static int K(int x) => x; [Map(nameof(S), KeyBy = nameof(K))] static int M(int x, ValueState<object> v, MapState<string, Action> m) => x; [Sink(nameof(M))] static Out<int> O() => new(); }",
        "[Pipeline] public partial class P { [Source] static Numbers S() => new(); [Map(nameof(S), nameof(B))] static int A(int x) => x; [Map(nameof(A))] static int B(int x) => x; [Map(nameof(A))] static int B(long x) => 0; [Sink(nameof(B))] static Out<int> O() => new(); public static int Graph => 1; }",
    };

    [Theory]
    [MemberData(nameof(Pipelines))]
    public void ErrorsAndWarningsMatchTheirDescriptors(string pipeline)
    {
        Compilation compilation = Analysis.Compile(Verify.Usings + pipeline + Fixtures.Types);
        INamedTypeSymbol type = compilation.GetTypeByMetadataName("P")!;
        ParseResult result = PipelineParser.Parse(type, compilation, CancellationToken.None);

        Assert.NotEmpty(result.Problems);
        foreach (ParseProblem problem in result.Problems.Where(p => p.Id != DiagnosticIds.CompilerReported))
        {
            DiagnosticDescriptor descriptor = DiagnosticDescriptors.ParserRules[problem.Id];
            Assert.Equal(problem.IsError ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning, descriptor.DefaultSeverity);
            Assert.NotNull(problem.Span);
        }
        Assert.Equal(result.Problems.Any(p => p.IsError), result.Model is null);
    }
}
