using DslFlow.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
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

    public static TheoryData<string, string> UnserializableStateTypes => new()
    {
        { "object", "" },
        { "IComparable", "" },
        { "Func<int>", "" },
        { "int[,]", "" },
        { "(int, int, int, int, int, int, int, int)", "" },
        { "Uri", "" },
        { "List<Stream>", "" },
        { "Dictionary<string, object>", "" },
        { "Abstract", "public abstract class Abstract { public int Value { get; set; } }" },
        { "NoConstructor", "public sealed class NoConstructor { public NoConstructor(int seed) { } public int Value { get; set; } }" },
        { "GetOnly", "public sealed class GetOnly { public int Value { get; } }" },
        { "PrivateSetter", "public sealed class PrivateSetter { public int Value { get; private set; } }" },
        { "Hidden", "public sealed class Hidden { private int _count; public int Next() => ++_count; }" },
        { "Bag", "public sealed class Bag : List<int> { }" },
        { "Holder", "public sealed record Holder(string Name, Stream Data);" },
        { "Outer", "public sealed record Outer(Inner[] Items); public sealed record Inner(Action Callback);" },
        { "NotASerializer", "[Serializer(typeof(string))] public sealed record NotASerializer(int Value);" },
        { "NoPublicConstructor", "[Serializer(typeof(NoPublicConstructorSerializer))] public sealed record NoPublicConstructor(int Value); public sealed class NoPublicConstructorSerializer : ISerializer<NoPublicConstructor> { private NoPublicConstructorSerializer() { } public void Write(ref DslFlow.Serialization.StateWriter w, NoPublicConstructor v) { } public NoPublicConstructor Read(ref DslFlow.Serialization.StateReader r) => new(0); }" },
        { "Box<int>", "[Serializer(typeof(TwoSerializer<,>))] public sealed record Box<T>(T Value); public sealed class TwoSerializer<A, B> { }" },
    };

    [Theory]
    [MemberData(nameof(UnserializableStateTypes))]
    public Task UnserializableStateIsReportedOnEachStateParameter(string type, string declarations) => Verify.AnalyzerAsync<Analyzer>("using System.IO;\n" + Pipeline($$"""
        static string Key(string x) => x;
        [Map(nameof(S), KeyBy = nameof(Key))] static int M(string x, ValueState<{{type}}> {|DSLF3005:last|}, ListState<{{type}}> {|DSLF3005:all|}, MapState<int, {{type}}> {|DSLF3005:byId|}, ValueState<int> fine) => x.Length;
        """) + declarations);

    public static TheoryData<string, string> SerializableStateTypes => new()
    {
        { "(string, DayOfWeek?, Guid, byte[], decimal)", "" },
        { "Dictionary<string, List<int[]>>", "" },
        { "Person", "public record Person(string Name, int Age) { public List<Person> Friends { get; init; } = []; public string Display => Name + Age; }" },
        { "Point", "public readonly record struct Point(int X, int Y);" },
        { "Mutable", "public class Mutable { public string? Name { get; set; } public Dictionary<string, int[]> Counts { get; set; } = new(); public int Total => Counts.Count; }" },
        { "Fields", "public struct Fields { public int A; public readonly long B; public Fields(long b) { A = 0; B = b; } }" },
        { "Required", "public sealed class Required { public required string Id { get; init; } public KeyValuePair<string, DayOfWeek> Pair { get; set; } }" },
        { "Node", "public sealed class Node { public int Value { get; set; } public Node? Next { get; set; } }" },
        { "Ping", "public sealed record Ping(int N, Pong? Pong); public sealed record Pong(List<Ping> Pings);" },
        { "Box<Point>", "public sealed record Box<T>(T Value); public readonly record struct Point(int X, int Y);" },
        { "Empty", "public sealed record Empty;" },
        { "Money", "[Serializer(typeof(MoneySerializer))] public readonly struct Money { public long Cents { get; init; } } public sealed class MoneySerializer : ISerializer<Money> { public void Write(ref DslFlow.Serialization.StateWriter w, Money v) => w.WriteInt64(v.Cents); public Money Read(ref DslFlow.Serialization.StateReader r) => new() { Cents = r.ReadInt64() }; }" },
        { "Wrapped<string>", "[Serializer(typeof(WrappedSerializer<>))] public sealed class Wrapped<T> { public T? Value { get; set; } } public sealed class WrappedSerializer<T> : ISerializer<Wrapped<T>> { public void Write(ref DslFlow.Serialization.StateWriter w, Wrapped<T> v) { } public Wrapped<T> Read(ref DslFlow.Serialization.StateReader r) => new(); }" },
    };

    [Theory]
    [MemberData(nameof(SerializableStateTypes))]
    public Task SerializableStateReportsNothing(string type, string declarations) => Verify.AnalyzerAsync<Analyzer>(Pipeline($$"""
        static string Key(string x) => x;
        [Map(nameof(S), KeyBy = nameof(Key))] static int M(string x, ValueState<{{type}}> last, ListState<{{type}}> all, MapState<int, {{type}}> byId) => x.Length;
        """) + declarations);

    [Fact]
    public Task UnserializableKeyIsReportedOnEveryStateOfTheNode() => Verify.AnalyzerAsync<Analyzer>(Pipeline("""
        static Region Key(string x) => new(x, null);
        [Map(nameof(S), KeyBy = nameof(Key))] static int M(string x, ValueState<int> {|DSLF3005:count|}, ListState<string> {|DSLF3005:seen|}) => x.Length;
        """) + """
        public readonly record struct Region(string Name, object? Tag) : IStableKey
        {
            public int GetStableHashCode() => StableHash.Of(Name);
        }
        """);

    [Theory]
    [InlineData("[Map(nameof(S))] static int M(string x, OperatorListState<string> recent) { recent.Add(x); return recent.Count; }")]
    [InlineData("[FlatMap(nameof(S))] static IEnumerable<int> M(string x, OperatorListState<int> lengths) { lengths.Add(x.Length); return lengths.Items; }")]
    [InlineData("[Filter(nameof(S))] static bool F(string x, OperatorListState<string> seen) { if (seen.Items.Contains(x)) return false; seen.Add(x); return true; } [Map(nameof(F))] static int M(string x) => x.Length;")]
    [InlineData("[Process(nameof(S))] static void M(string x, OperatorListState<(string, long)> buffer, OperatorListState<Point> points, Collector<int> output) { buffer.Add((x, 1)); output.Emit(buffer.Count); } public readonly record struct Point(int X, int Y);")]
    public Task OperatorListStateInANonKeyedNodeReportsNothing(string members) => Verify.AnalyzerAsync<Analyzer>("using System.Linq;\n" + Pipeline(members));

    [Fact]
    public Task KeyedNodeMayTakeKeyedAndOperatorState() => Verify.AnalyzerAsync<Analyzer>(Pipeline("""
        static string Key(string x) => x;
        [Map(nameof(S), KeyBy = nameof(Key))] static int M(string x, ValueState<int> n, OperatorListState<string> recent) { recent.Add(x); return ++n.Value; }
        """));

    [Fact]
    public Task OperatorStateDoesNotExcuseKeyedStateWithoutKeyBy() => Verify.AnalyzerAsync<Analyzer>(Pipeline("""
        [Map(nameof(S))] static int {|DSLF3001:M|}(string x, OperatorListState<string> recent, ValueState<int> total) => total.Value += x.Length;
        """));

    [Theory]
    [MemberData(nameof(UnserializableStateTypes))]
    public Task UnserializableOperatorStateIsReported(string type, string declarations) => Verify.AnalyzerAsync<Analyzer>("using System.IO;\n" + Pipeline($$"""
        [Map(nameof(S))] static int M(string x, OperatorListState<{{type}}> {|DSLF3005:buffer|}, OperatorListState<int> fine) => x.Length;
        """) + declarations);

    [Theory]
    [MemberData(nameof(SerializableStateTypes))]
    public Task SerializableOperatorStateReportsNothing(string type, string declarations) => Verify.AnalyzerAsync<Analyzer>(Pipeline($$"""
        [Process(nameof(S))] static void M(string x, OperatorListState<{{type}}> buffer, Collector<int> output) => output.Emit(buffer.Count);
        """) + declarations);

    [Fact]
    public async Task UnserializableOperatorStateNamesItsElements()
    {
        AnalysisRun run = await Analysis.RunAsync(Verify.Usings + Pipeline("""
            static string Key(string x) => x;
            [Map(nameof(S), KeyBy = nameof(Key))] static int M(string x, ValueState<int> n, OperatorListState<Uri> links) => ++n.Value;
            """));

        Diagnostic diagnostic = Assert.Single(run.Dslf("DSLF3005"));
        Assert.StartsWith("State parameter 'links' of node 'M' cannot be saved in checkpoints: in its elements, type 'System.Uri' ", diagnostic.GetMessage());
        Assert.Empty(run.GeneratedTrees);
    }

    [Fact]
    public async Task TheMessageNamesThePathTheTypeAndTheFix()
    {
        AnalysisRun run = await Analysis.RunAsync(Verify.Usings + Pipeline("""
            static string Key(string x) => x;
            [Map(nameof(S), KeyBy = nameof(Key))] static int M(string x, ValueState<Order> last) => x.Length;
            """) + """
            public sealed record Order(string Id, List<Line> Lines);
            public sealed record Line(System.IO.Stream Product, int Quantity);
            """);

        Diagnostic diagnostic = Assert.Single(run.Dslf("DSLF3005"));
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal("State parameter 'last' of node 'M' cannot be saved in checkpoints: in its value, 'Order.Lines[].Product' of type "
            + "'System.IO.Stream' has no built-in serializer. Use supported types (primitives, string, decimal, Guid, DateTime, "
            + "DateTimeOffset, TimeSpan, enums, nullable value types, single-dimensional arrays, List<T>, Dictionary<TKey, TValue>, "
            + "KeyValuePair<TKey, TValue>, value tuples of 2 to 7 elements, and records, classes and structs whose public properties "
            + "have supported types), or annotate 'Line' with [Serializer(typeof(MySerializer))], where MySerializer implements "
            + "ISerializer<Line> and has a public parameterless constructor.", diagnostic.GetMessage());
        Assert.Empty(run.GeneratedTrees);
        Assert.Empty(run.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public async Task MembersThatCannotBeRestoredAreNamedWithTheirFix()
    {
        AnalysisRun run = await Analysis.RunAsync(Verify.Usings + Pipeline("""
            static string Key(string x) => x;
            [Map(nameof(S), KeyBy = nameof(Key))] static int M(string x, ListState<Account> accounts) => x.Length;
            """) + """
            public sealed class Account { public Account(string id) => Id = id; public string Id { get; } public decimal Balance { get; } }
            """);

        Diagnostic diagnostic = Assert.Single(run.Dslf("DSLF3005"));
        Assert.Equal("State parameter 'accounts' of node 'M' cannot be saved in checkpoints: in its elements, 'Account.Balance' of type "
            + "'decimal' cannot be restored: it has no setter the generated serializer can use and no constructor parameter; add "
            + "'init', or a constructor parameter named 'balance'.", diagnostic.GetMessage());
    }

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
