using DslFlow.Analyzers.Tests.Infrastructure;
using Analyzer = DslFlow.Analyzers.PipelineAnalyzer;

namespace DslFlow.Analyzers.Tests;

/// <summary>DSLF2xxx: the pipeline class, node wiring, parallelism and method shapes.</summary>
public class WiringRuleTests
{
    private static string Pipeline(string members, string declaration = "[Pipeline] public partial class P") => $$"""
        {{declaration}}
        {
            {{members}}
        }
        {{Fixtures.Types}}
        """;

    [Fact]
    public Task ValidPipelineReportsNothing() => Verify.AnalyzerAsync<Analyzer>(Pipeline("""
        [Source(Parallelism = 2)] static Words Lines() => new();
        [FlatMap(nameof(Lines))] static IEnumerable<string> Split(string line) => line.Split(' ');
        static string Word(string w) => w;
        [Map(nameof(Split), KeyBy = nameof(Word))] static (string Word, long Count) Count(string word, ValueState<long> count) => (word, ++count.Value);
        [Filter(From = nameof(Count))] static bool Big((string Word, long Count) c) => c.Count > 10;
        [Process(nameof(Big), nameof(Count))] static void Say((string Word, long Count) c, Collector<string> output) => output.Emit(c.Word);
        [Sink(nameof(Say))] static Out<string> Print() => new();
        static int helper;
        static void NotANode() => helper++;
        """, "[Pipeline(DefaultParallelism = 2, MaxParallelism = 64)] public static partial class P"));

    [Fact]
    public Task NotPartial() => Verify.AnalyzerAsync<Analyzer>(Pipeline("""
        [Source] static Numbers S() => new();
        [Sink(nameof(S))] static Out<int> Out() => new();
        """, "[Pipeline] public class {|DSLF2001:P|}"));

    [Fact]
    public Task ContainingTypeNotPartial() => Verify.AnalyzerAsync<Analyzer>("""
        public class {|DSLF2001:Outer|}
        {
            [Pipeline] public partial class P
            {
                [Source] static Numbers S() => new();
                [Sink(nameof(S))] static Out<int> Out() => new();
            }
        }
        """ + Fixtures.Types);

    [Fact]
    public Task GenericPipeline() => Verify.AnalyzerAsync<Analyzer>(Pipeline("""
        [Source] static Numbers S() => new();
        [Sink(nameof(S))] static Out<int> Out() => new();
        """, "[Pipeline] public partial class {|DSLF2002:P|}<T>"));

    [Fact]
    public Task MemberClashesWithGeneratedCode() => Verify.AnalyzerAsync<Analyzer>(Pipeline("""
        [Source] static Numbers S() => new();
        [Sink(nameof(S))] static Out<int> Out() => new();
        public static int {|DSLF2002:Graph|} => 0;
        """));

    [Fact]
    public Task NoSource() => Verify.AnalyzerAsync<Analyzer>(Pipeline("", "[Pipeline] public partial class {|DSLF2003:P|}"));

    [Theory]
    [InlineData("[Map({|DSLF2004:\"Nope\"|})]")]
    [InlineData("[Map(From = {|DSLF2004:\"Nope\"|})]")]
    [InlineData("[Map(nameof(S), {|DSLF2004:\"Nope\"|})]")]
    public Task UnknownUpstream(string attribute) => Verify.AnalyzerAsync<Analyzer>(Pipeline($$"""
        [Source] static Numbers S() => new();
        {{attribute}} static int M(int x) => x;
        [Sink(nameof(M))] static Out<int> Out() => new();
        """));

    [Fact]
    public Task UpstreamTypeMismatch() => Verify.AnalyzerAsync<Analyzer>(Pipeline("""
        [Source] static Numbers S() => new();
        [Map(From = {|DSLF2005:nameof(S)|})] static int M(string x) => x.Length;
        [Sink(nameof(M))] static Out<int> Out() => new();
        """));

    [Fact]
    public Task ReadsFromASink() => Verify.AnalyzerAsync<Analyzer>(Pipeline("""
        [Source] static Numbers S() => new();
        [Sink(nameof(S))] static Out<int> Out() => new();
        [Map({|DSLF2005:nameof(Out)|})] static int M(int x) => x;
        [Sink(nameof(M))] static Out<int> Out2() => new();
        """));

    [Fact]
    public Task Cycle() => Verify.AnalyzerAsync<Analyzer>(Pipeline("""
        [Source] static Numbers S() => new();
        [Map(nameof(S), nameof(B))] static int A(int x) => x;
        [Map(nameof(A))] static int {|DSLF2006:B|}(int x) => x;
        [Sink(nameof(B))] static Out<int> Out() => new();
        """));

    [Fact]
    public Task NodeWithoutUpstreamAndNodeNothingReads() => Verify.AnalyzerAsync<Analyzer>(Pipeline("""
        [Source] static Numbers S() => new();
        [Map(nameof(S))] static int {|DSLF2008:Unread|}(int x) => x;
        [Sink(nameof(S))] static Out<int> Out() => new();
        [Sink] static Out<int> {|DSLF2007:Orphan|}() => new();
        """));

    [Fact]
    public Task DuplicateNodeNames() => Verify.AnalyzerAsync<Analyzer>(Pipeline("""
        [Source] static Numbers S() => new();
        [Map(nameof(S))] static int M(int x) => x;
        [Map(nameof(S))] static int {|DSLF2009:{|DSLF3001:M|}|}(int x, ValueState<int> s) => x;
        [Sink(nameof(M))] static Out<int> Out() => new();
        """));

    [Theory]
    [InlineData("[Source({|DSLF2010:Parallelism = -1|})]", "[Pipeline] public partial class P")]
    [InlineData("[Source]", "[Pipeline({|DSLF2010:DefaultParallelism = 0|})] public partial class P")]
    [InlineData("[Source]", "[Pipeline({|DSLF2010:MaxParallelism = 40000|})] public partial class P")]
    public Task InvalidParallelism(string source, string declaration) => Verify.AnalyzerAsync<Analyzer>(Pipeline($$"""
        {{source}} static Numbers S() => new();
        [Sink(nameof(S))] static Out<int> Out() => new();
        """, declaration));

    [Fact]
    public Task KeyedParallelismAboveMaxParallelism() => Verify.AnalyzerAsync<Analyzer>(Pipeline("""
        [Source] static Numbers S() => new();
        static int Key(int x) => x;
        [Map(nameof(S), KeyBy = nameof(Key), {|DSLF2010:Parallelism = 8|})] static int M(int x) => x;
        [Sink(nameof(M))] static Out<int> Out() => new();
        """, "[Pipeline(MaxParallelism = 4)] public partial class P"));

    [Theory]
    [InlineData("[Map(nameof(S))] int {|DSLF2011:M|}(int x) => x;")]
    [InlineData("[Map(nameof(S))] static int {|DSLF2011:M|}<T>(int x) => x;")]
    [InlineData("[Map(nameof(S))] static int {|DSLF2011:M|}(ref int x) => x;")]
    [InlineData("[Map(nameof(S))] static int {|DSLF2011:M|}(in int x) => x;")]
    [InlineData("[Process(nameof(S))] static async void {|DSLF2011:M|}(int x, Collector<int> c) { await System.Threading.Tasks.Task.Yield(); }")]
    public Task UnsupportedMethodShapes(string node) => Verify.AnalyzerAsync<Analyzer>(Pipeline($$"""
        [Source] static Numbers S() => new();
        {{node}}
        [Sink(nameof(M))] static Out<int> Out() => new();
        """));

    [Theory]
    [InlineData("[Map(nameof(S))] static void {|DSLF2012:M|}(int x) { }")]
    [InlineData("[Filter(nameof(S))] static int {|DSLF2012:M|}(int x) => x;")]
    [InlineData("[Process(nameof(S))] static void {|DSLF2012:M|}(int x) { }")]
    [InlineData("[Map(nameof(S))] static int {|DSLF2012:M|}(int x, string other) => x;")]
    [InlineData("[Map(nameof(S))] static int {|DSLF2012:M|}() => 1;")]
    [InlineData("[FlatMap(nameof(S))] static int {|DSLF2012:M|}(int x) => x;")]
    [InlineData("[Map(nameof(S)), Filter(nameof(S))] static bool {|DSLF2012:M|}(int x) => true;")]
    public Task SignaturesThatDoNotFitTheKind(string node) => Verify.AnalyzerAsync<Analyzer>(Pipeline($$"""
        [Source] static Numbers S() => new();
        {{node}}
        [Sink(nameof(M))] static Out<int> Out() => new();
        """));

    [Fact]
    public Task SourceThatIsNotASource() => Verify.AnalyzerAsync<Analyzer>(Pipeline("""
        [Source] static Out<int> {|DSLF2012:S|}() => new();
        """));
}
