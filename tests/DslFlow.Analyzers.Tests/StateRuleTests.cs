using DslFlow.Analyzers.Tests.Infrastructure;
using Analyzer = DslFlow.Analyzers.PipelineAnalyzer;

namespace DslFlow.Analyzers.Tests;

/// <summary>DSLF3xxx: keyed state, key selectors and static fields.</summary>
public class StateRuleTests
{
    private static string Pipeline(string members) => $$"""
        [Pipeline] public partial class P
        {
            [Source] static Words S() => new();
            {{members}}
            [Sink(nameof(M))] static Out<int> Out() => new();
        }
        {{Fixtures.Types}}
        """;

    [Fact]
    public Task KeyedStateWithoutKeyBy() => Verify.AnalyzerAsync<Analyzer>(Pipeline("""
        [Map(nameof(S))] static int {|DSLF3001:M|}(string x, ValueState<int> total) => total.Value += x.Length;
        """));

    [Theory]
    [InlineData("[Map(nameof(S), KeyBy = {|DSLF3002:\"Key\"|})] static int M(string x) => x.Length;")]
    [InlineData("static int Key(int x) => x; [Map(nameof(S), KeyBy = {|DSLF3002:nameof(Key)|})] static int M(string x) => x.Length;")]
    [InlineData("string Key(string x) => x; [Map(nameof(S), KeyBy = {|DSLF3002:nameof(Key)|})] static int M(string x) => x.Length;")]
    [InlineData("static void Key(string x) { } [Map(nameof(S), KeyBy = {|DSLF3002:nameof(Key)|})] static int M(string x) => x.Length;")]
    public Task InvalidKeySelectors(string members) => Verify.AnalyzerAsync<Analyzer>(Pipeline(members));

    [Theory]
    [InlineData("object")]
    [InlineData("int?")]
    [InlineData("(string, object)")]
    public Task KeyTypeWithoutStableHash(string keyType) => Verify.AnalyzerAsync<Analyzer>(Pipeline($$"""
        static {{keyType}} Key(string x) => default!;
        [Map(nameof(S), KeyBy = {|DSLF3003:nameof(Key)|})] static int M(string x) => x.Length;
        """));

    [Theory]
    [InlineData("string")]
    [InlineData("(string, int)")]
    [InlineData("Guid")]
    [InlineData("DayOfWeek")]
    public Task StableKeysReportNothing(string keyType) => Verify.AnalyzerAsync<Analyzer>(Pipeline($$"""
        static {{keyType}} Key(string x) => default!;
        [Map(nameof(S), KeyBy = nameof(Key))] static int M(string x, ValueState<int> n, MapState<string, int> m, ListState<string> l) => ++n.Value;
        """));

    [Fact]
    public Task StaticFieldWrittenByANodeMethod() => Verify.AnalyzerAsync<StaticFieldWriteAnalyzer>(Pipeline("""
        static int count;
        static long total;
        static string? last;
        static readonly System.Collections.Generic.List<int> seen = new();
        const int Limit = 3;
        [Map(nameof(S))] static int M(string x)
        {
            {|DSLF3004:count++|};
            {|DSLF3004:total += x.Length|};
            {|DSLF3004:last = x|};
            System.Threading.Interlocked.Increment({|DSLF3004:ref count|});
            Func<int> f = () => {|DSLF3004:count = 1|};
            int local = 0;
            local++;
            return Limit + seen.Count + local + f();
        }
        static void NotANode() { count++; }
        """));

    [Fact]
    public Task StaticFieldsOnlyReadReportNothing() => Verify.AnalyzerAsync<StaticFieldWriteAnalyzer>(Pipeline("""
        static int factor = 2;
        [Map(nameof(S))] static int M(string x) => x.Length * factor;
        """));
}
